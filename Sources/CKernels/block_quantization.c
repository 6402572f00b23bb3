/// q8 and q4 block encoders and decoders (layouts in formats/native.md), AVX-512/AVX2 with a scalar fallback.
///
/// A block's scale comes from its exact maximum (order-independent), values are rounded half-to-even and decoded
/// as d·q (+ m) with separate rounding of the product and the sum, so every path produces identical bytes and floats.
#include "kernel_support.h"
#include <float.h>

#pragma STDC FP_CONTRACT OFF

/// Half-to-even rounding of |y| < 2^22 to an integer with the FPU's own rounding, matching CVTPS2DQ.
static inline int32_t round_half_even(float y) {
    const float magic = 12582912.0f;  // 1.5 · 2^23: adding it leaves the integer part in the low mantissa bits
    return (int32_t)((y + magic) - magic);
}

static inline int32_t clamp(int32_t v, int32_t low, int32_t high) { return v < low ? low : (v > high ? high : v); }

/// The smallest binary16 ≥ v (v ≥ 0); an infinite result means v is out of range.
static inline uint16_t f16_at_least(float v) {
    uint16_t h = decant_f32_to_f16_one(v);
    if (decant_f16_to_f32_one(h) < v) h++;
    return h;
}

/// The largest binary16 ≤ v; an infinite result means v is out of range.
static inline uint16_t f16_at_most(float v) {
    uint16_t h = decant_f32_to_f16_one(v);
    if (decant_f16_to_f32_one(h) > v) h = (h & 0x8000u) ? (uint16_t)(h + 1) : (uint16_t)(h - 1);
    return h;
}

static inline int f16_is_infinite(uint16_t h) { return (h & 0x7C00u) == 0x7C00u; }
static inline float reciprocal_or_zero(float d) { return d > 0.0f ? 1.0f / d : 0.0f; }

// MARK: - Block scales (shared by every path)

/// Writes the q8 scale for a block whose largest magnitude is `amax`; returns 1/d (0 for an all-zero block).
static inline int q8_scale(float amax, uint8_t *block, float *inverse) {
    uint16_t h = f16_at_least(amax / 127.0f);
    if (f16_is_infinite(h)) return DECANT_QUANT_SCALE_OVERFLOW;
    decant_store_u16(block, h);
    *inverse = reciprocal_or_zero(decant_f16_to_f32_one(h));
    return DECANT_QUANT_OK;
}

/// Writes the q4 scale and minimum for a block spanning [low, high]; returns 1/d and the stored minimum.
static inline int q4_scale(float low, float high, uint8_t *block, float *inverse, float *minimum) {
    uint16_t hm = f16_at_most(low);
    if (f16_is_infinite(hm)) return DECANT_QUANT_SCALE_OVERFLOW;
    float m = decant_f16_to_f32_one(hm);
    uint16_t hd = f16_at_least((high - m) / 15.0f);
    if (f16_is_infinite(hd)) return DECANT_QUANT_SCALE_OVERFLOW;
    decant_store_u16(block, hd);
    decant_store_u16(block + 2, hm);
    *inverse = reciprocal_or_zero(decant_f16_to_f32_one(hd));
    *minimum = m;
    return DECANT_QUANT_OK;
}

// MARK: - Scalar

static int q8_encode_block_scalar(const float *x, uint8_t *block) {
    float amax = 0.0f;
    int finite = 1;
    for (int i = 0; i < DECANT_QBLOCK; i++) {
        float a = decant_float(decant_bits(x[i]) & 0x7FFFFFFFu);
        finite &= a <= FLT_MAX;
        amax = a > amax ? a : amax;
    }
    if (!finite) return DECANT_QUANT_NONFINITE;
    float inverse;
    int status = q8_scale(amax, block, &inverse);
    if (status != DECANT_QUANT_OK) return status;
    for (int i = 0; i < DECANT_QBLOCK; i++) block[2 + i] = (uint8_t)(int8_t)clamp(round_half_even(x[i] * inverse), -127, 127);
    return DECANT_QUANT_OK;
}

static void q8_decode_block_scalar(const uint8_t *block, float *x) {
    float d = decant_f16_to_f32_one(decant_load_u16(block));
    for (int i = 0; i < DECANT_QBLOCK; i++) x[i] = d * (float)(int8_t)block[2 + i];
}

static int q4_encode_block_scalar(const float *x, uint8_t *block) {
    float low = x[0], high = x[0];
    int finite = 1;
    for (int i = 0; i < DECANT_QBLOCK; i++) {
        finite &= (decant_bits(x[i]) & 0x7FFFFFFFu) < 0x7F800000u;
        low = x[i] < low ? x[i] : low;
        high = x[i] > high ? x[i] : high;
    }
    if (!finite) return DECANT_QUANT_NONFINITE;
    float inverse, m;
    int status = q4_scale(low, high, block, &inverse, &m);
    if (status != DECANT_QUANT_OK) return status;
    for (int j = 0; j < DECANT_QBLOCK / 2; j++) {
        int32_t first = clamp(round_half_even((x[j] - m) * inverse), 0, 15);
        int32_t second = clamp(round_half_even((x[j + 16] - m) * inverse), 0, 15);
        block[4 + j] = (uint8_t)(first | (second << 4));
    }
    return DECANT_QUANT_OK;
}

static void q4_decode_block_scalar(const uint8_t *block, float *x) {
    float d = decant_f16_to_f32_one(decant_load_u16(block));
    float m = decant_f16_to_f32_one(decant_load_u16(block + 2));
    for (int j = 0; j < DECANT_QBLOCK / 2; j++) {
        x[j] = d * (float)(block[4 + j] & 0x0F) + m;
        x[j + 16] = d * (float)(block[4 + j] >> 4) + m;
    }
}

// MARK: - AVX-512

#if DECANT_X86
DECANT_AVX512 static int q8_encode_block_avx512(const float *x, uint8_t *block) {
    __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
    __m512 abs_a = _mm512_abs_ps(a), abs_b = _mm512_abs_ps(b);
    const __m512 largest = _mm512_set1_ps(FLT_MAX);
    if ((_mm512_cmp_ps_mask(abs_a, largest, _CMP_LE_OQ) & _mm512_cmp_ps_mask(abs_b, largest, _CMP_LE_OQ)) != 0xFFFF) {
        return DECANT_QUANT_NONFINITE;
    }
    float inverse;
    int status = q8_scale(_mm512_reduce_max_ps(_mm512_max_ps(abs_a, abs_b)), block, &inverse);
    if (status != DECANT_QUANT_OK) return status;
    const __m512 scale = _mm512_set1_ps(inverse);
    const __m512i low = _mm512_set1_epi32(-127), high = _mm512_set1_epi32(127);
    __m512i qa = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(a, scale)), low), high);
    __m512i qb = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(b, scale)), low), high);
    _mm_storeu_si128((__m128i *)(block + 2), _mm512_cvtsepi32_epi8(qa));
    _mm_storeu_si128((__m128i *)(block + 18), _mm512_cvtsepi32_epi8(qb));
    return DECANT_QUANT_OK;
}

DECANT_AVX512 static void q8_decode_block_avx512(const uint8_t *block, float *x) {
    const __m512 d = _mm512_set1_ps(decant_f16_to_f32_one(decant_load_u16(block)));
    _mm512_storeu_ps(x, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(block + 2))))));
    _mm512_storeu_ps(x + 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(block + 18))))));
}

DECANT_AVX512 static int q4_encode_block_avx512(const float *x, uint8_t *block) {
    __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
    const __m512 infinity = _mm512_set1_ps(__builtin_inff());
    if ((_mm512_cmp_ps_mask(_mm512_abs_ps(a), infinity, _CMP_LT_OQ) & _mm512_cmp_ps_mask(_mm512_abs_ps(b), infinity, _CMP_LT_OQ)) != 0xFFFF) {
        return DECANT_QUANT_NONFINITE;
    }
    float inverse, m;
    int status = q4_scale(_mm512_reduce_min_ps(_mm512_min_ps(a, b)), _mm512_reduce_max_ps(_mm512_max_ps(a, b)), block, &inverse, &m);
    if (status != DECANT_QUANT_OK) return status;
    const __m512 scale = _mm512_set1_ps(inverse), minimum = _mm512_set1_ps(m);
    const __m512i zero = _mm512_setzero_si512(), fifteen = _mm512_set1_epi32(15);
    __m512i qa = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(a, minimum), scale)), zero), fifteen);
    __m512i qb = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(b, minimum), scale)), zero), fifteen);
    _mm_storeu_si128((__m128i *)(block + 4), _mm512_cvtepi32_epi8(_mm512_or_si512(qa, _mm512_slli_epi32(qb, 4))));
    return DECANT_QUANT_OK;
}

DECANT_AVX512 static void q4_decode_block_avx512(const uint8_t *block, float *x) {
    const __m512 d = _mm512_set1_ps(decant_f16_to_f32_one(decant_load_u16(block)));
    const __m512 m = _mm512_set1_ps(decant_f16_to_f32_one(decant_load_u16(block + 2)));
    __m512i packed = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + 4)));
    __m512i first = _mm512_and_si512(packed, _mm512_set1_epi32(0x0F));
    __m512i second = _mm512_srli_epi32(packed, 4);
    _mm512_storeu_ps(x, _mm512_add_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(first)), m));
    _mm512_storeu_ps(x + 16, _mm512_add_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(second)), m));
}

// MARK: - AVX2

DECANT_AVX2 static inline float horizontal_max_avx2(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

DECANT_AVX2 static inline float horizontal_min_avx2(__m256 v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

DECANT_AVX2 static int q8_encode_block_avx2(const float *x, uint8_t *block) {
    const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 largest = _mm256_set1_ps(FLT_MAX);
    __m256 v[4], amax = _mm256_setzero_ps();
    int finite = 0xFF;
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        __m256 a = _mm256_and_ps(v[k], magnitude_mask);
        finite &= _mm256_movemask_ps(_mm256_cmp_ps(a, largest, _CMP_LE_OQ));
        amax = _mm256_max_ps(amax, a);
    }
    if (finite != 0xFF) return DECANT_QUANT_NONFINITE;
    float inverse;
    int status = q8_scale(horizontal_max_avx2(amax), block, &inverse);
    if (status != DECANT_QUANT_OK) return status;
    const __m256 scale = _mm256_set1_ps(inverse);
    const __m256i low = _mm256_set1_epi32(-127), high = _mm256_set1_epi32(127);
    __m256i q[4];
    for (int k = 0; k < 4; k++) q[k] = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v[k], scale)), low), high);
    // The packs interleave 128-bit lanes; the permute restores element order.
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)(block + 2), bytes);
    return DECANT_QUANT_OK;
}

DECANT_AVX2 static void q8_decode_block_avx2(const uint8_t *block, float *x) {
    const __m256 d = _mm256_set1_ps(decant_f16_to_f32_one(decant_load_u16(block)));
    for (int k = 0; k < 4; k++) {
        __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(block + 2 + 8 * k)));
        _mm256_storeu_ps(x + 8 * k, _mm256_mul_ps(d, _mm256_cvtepi32_ps(q)));
    }
}

DECANT_AVX2 static int q4_encode_block_avx2(const float *x, uint8_t *block) {
    const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 infinity = _mm256_set1_ps(__builtin_inff());
    __m256 v[4];
    int finite = 0xFF;
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        finite &= _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(v[k], magnitude_mask), infinity, _CMP_LT_OQ));
    }
    if (finite != 0xFF) return DECANT_QUANT_NONFINITE;
    __m256 low = _mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3]));
    __m256 high = _mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3]));
    float inverse, m;
    int status = q4_scale(horizontal_min_avx2(low), horizontal_max_avx2(high), block, &inverse, &m);
    if (status != DECANT_QUANT_OK) return status;
    const __m256 scale = _mm256_set1_ps(inverse), minimum = _mm256_set1_ps(m);
    const __m256i zero = _mm256_setzero_si256(), fifteen = _mm256_set1_epi32(15);
    __m256i q[4];
    for (int k = 0; k < 4; k++) {
        __m256i rounded = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_sub_ps(v[k], minimum), scale));
        q[k] = _mm256_min_epi32(_mm256_max_epi32(rounded, zero), fifteen);
    }
    // Elements j and j+16 share byte j: blocks 0–7 pair with 16–23, 8–15 with 24–31.
    __m256i first = _mm256_or_si256(q[0], _mm256_slli_epi32(q[2], 4));
    __m256i second = _mm256_or_si256(q[1], _mm256_slli_epi32(q[3], 4));
    __m256i words = _mm256_permute4x64_epi64(_mm256_packus_epi32(first, second), 0xD8);
    _mm_storeu_si128((__m128i *)(block + 4), _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)));
    return DECANT_QUANT_OK;
}

DECANT_AVX2 static void q4_decode_block_avx2(const uint8_t *block, float *x) {
    const __m256 d = _mm256_set1_ps(decant_f16_to_f32_one(decant_load_u16(block)));
    const __m256 m = _mm256_set1_ps(decant_f16_to_f32_one(decant_load_u16(block + 2)));
    const __m256i nibble = _mm256_set1_epi32(0x0F);
    for (int k = 0; k < 2; k++) {
        __m256i packed = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(block + 4 + 8 * k)));
        __m256 first = _mm256_cvtepi32_ps(_mm256_and_si256(packed, nibble));
        __m256 second = _mm256_cvtepi32_ps(_mm256_srli_epi32(packed, 4));
        _mm256_storeu_ps(x + 8 * k, _mm256_add_ps(_mm256_mul_ps(d, first), m));
        _mm256_storeu_ps(x + 16 + 8 * k, _mm256_add_ps(_mm256_mul_ps(d, second), m));
    }
}
#endif

// MARK: - Dispatch

typedef int (*block_encoder)(const float *, uint8_t *);
typedef void (*block_decoder)(const uint8_t *, float *);

static int encode_blocks(const float *src, uint8_t *dst, size_t blocks, size_t block_bytes, block_encoder encode, size_t *bad_block) {
    for (size_t b = 0; b < blocks; b++) {
        int status = encode(src + b * DECANT_QBLOCK, dst + b * block_bytes);
        if (status != DECANT_QUANT_OK) {
            if (bad_block) *bad_block = b;
            return status;
        }
    }
    return DECANT_QUANT_OK;
}

static void decode_blocks(const uint8_t *src, float *dst, size_t blocks, size_t block_bytes, block_decoder decode) {
    for (size_t b = 0; b < blocks; b++) decode(src + b * block_bytes, dst + b * DECANT_QBLOCK);
}

int decant_q8_encode(const float *src, void *dst, size_t blocks, int path, size_t *bad_block) {
    block_encoder encode = q8_encode_block_scalar;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: encode = q8_encode_block_avx512; break;
    case DECANT_PATH_AVX2: encode = q8_encode_block_avx2; break;
    default: break;
    }
#else
    (void)path;
#endif
    return encode_blocks(src, dst, blocks, DECANT_Q8_BLOCK_BYTES, encode, bad_block);
}

void decant_q8_decode(const void *src, float *dst, size_t blocks, int path) {
    block_decoder decode = q8_decode_block_scalar;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: decode = q8_decode_block_avx512; break;
    case DECANT_PATH_AVX2: decode = q8_decode_block_avx2; break;
    default: break;
    }
#else
    (void)path;
#endif
    decode_blocks(src, dst, blocks, DECANT_Q8_BLOCK_BYTES, decode);
}

int decant_q4_encode(const float *src, void *dst, size_t blocks, int path, size_t *bad_block) {
    block_encoder encode = q4_encode_block_scalar;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: encode = q4_encode_block_avx512; break;
    case DECANT_PATH_AVX2: encode = q4_encode_block_avx2; break;
    default: break;
    }
#else
    (void)path;
#endif
    return encode_blocks(src, dst, blocks, DECANT_Q4_BLOCK_BYTES, encode, bad_block);
}

void decant_q4_decode(const void *src, float *dst, size_t blocks, int path) {
    block_decoder decode = q4_decode_block_scalar;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: decode = q4_decode_block_avx512; break;
    case DECANT_PATH_AVX2: decode = q4_decode_block_avx2; break;
    default: break;
    }
#else
    (void)path;
#endif
    decode_blocks(src, dst, blocks, DECANT_Q4_BLOCK_BYTES, decode);
}

// MARK: - Error measurement

static void accumulate_error_scalar(const float *reference, const float *approximation, size_t n, decant_error_totals *totals) {
    double squared_error = 0, squared_reference = 0, max_abs = totals->max_abs_error;
    uint64_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        if ((decant_bits(reference[i]) & 0x7FFFFFFFu) >= 0x7F800000u) { skipped++; continue; }
        double difference = (double)approximation[i] - (double)reference[i];
        double magnitude = difference < 0 ? -difference : difference;
        squared_error += difference * difference;
        squared_reference += (double)reference[i] * (double)reference[i];
        // A NaN approximation makes the maximum NaN (and keeps it NaN) rather than being ignored.
        if (magnitude != magnitude || magnitude > max_abs) max_abs = magnitude;
    }
    totals->sum_squared_error += squared_error;
    totals->sum_squared_reference += squared_reference;
    totals->max_abs_error = max_abs;
    totals->compared += n - skipped;
    totals->skipped += skipped;
}

#if defined(DECANT_X86)
/// The same sums in f64, 16 values a step: masked lanes drop non-finite references, a NaN difference is
/// remembered and makes the maximum NaN as in the scalar loop. Only the summation order differs (≈ 1e-16 relative).
DECANT_AVX512 static void accumulate_error_avx512(const float *reference, const float *approximation, size_t n,
                                                  decant_error_totals *totals) {
    __m512d error0 = _mm512_setzero_pd(), error1 = _mm512_setzero_pd();
    __m512d norm0 = _mm512_setzero_pd(), norm1 = _mm512_setzero_pd();
    __m512d largest = _mm512_setzero_pd();
    const __m512i magnitude_mask = _mm512_set1_epi32(0x7FFFFFFF), infinity_bits = _mm512_set1_epi32(0x7F800000);
    uint64_t skipped = 0;
    int saw_nan = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 r = _mm512_loadu_ps(reference + i), a = _mm512_loadu_ps(approximation + i);
        __mmask16 finite = _mm512_cmplt_epi32_mask(_mm512_and_si512(_mm512_castps_si512(r), magnitude_mask), infinity_bits);
        skipped += 16u - (uint64_t)__builtin_popcount((unsigned)finite);
        __mmask8 low = (__mmask8)(finite & 0xFF), high = (__mmask8)(finite >> 8);
        __m512d r0 = _mm512_maskz_cvtps_pd(low, _mm512_castps512_ps256(r));
        __m512d r1 = _mm512_maskz_cvtps_pd(high, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r), 1)));
        __m512d a0 = _mm512_maskz_cvtps_pd(low, _mm512_castps512_ps256(a));
        __m512d a1 = _mm512_maskz_cvtps_pd(high, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
        __m512d d0 = _mm512_sub_pd(a0, r0), d1 = _mm512_sub_pd(a1, r1);
        saw_nan |= _mm512_cmp_pd_mask(d0, d0, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(d1, d1, _CMP_UNORD_Q);
        error0 = _mm512_fmadd_pd(d0, d0, error0);
        error1 = _mm512_fmadd_pd(d1, d1, error1);
        norm0 = _mm512_fmadd_pd(r0, r0, norm0);
        norm1 = _mm512_fmadd_pd(r1, r1, norm1);
        largest = _mm512_max_pd(largest, _mm512_max_pd(_mm512_abs_pd(d0), _mm512_abs_pd(d1)));
    }
    double max_abs = totals->max_abs_error, vector_max = _mm512_reduce_max_pd(largest);
    if (saw_nan) max_abs = __builtin_nan("");
    else if (max_abs == max_abs && vector_max > max_abs) max_abs = vector_max;
    totals->sum_squared_error += _mm512_reduce_add_pd(_mm512_add_pd(error0, error1));
    totals->sum_squared_reference += _mm512_reduce_add_pd(_mm512_add_pd(norm0, norm1));
    totals->max_abs_error = max_abs;
    totals->compared += i - skipped;
    totals->skipped += skipped;
    accumulate_error_scalar(reference + i, approximation + i, n - i, totals);
}
#endif

void decant_accumulate_error(const float *reference, const float *approximation, size_t n, decant_error_totals *totals,
                             int path) {
#if defined(DECANT_X86)
    if (decant_usable_path(path) == DECANT_PATH_AVX512) {
        accumulate_error_avx512(reference, approximation, n, totals);
        return;
    }
#endif
    accumulate_error_scalar(reference, approximation, n, totals);
}
