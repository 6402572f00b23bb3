/// f32 ↔ f16 and f32 ↔ bf16 over arrays: F16C/AVX-512 and F16C/AVX2 loops chosen at run time, scalar fallback.
///
/// Swift cannot compile one function for several instruction sets, and a generic x86-64 Swift build converts
/// f32 → f16 about 17× slower than VCVTPS2PH, hence C with target attributes. The vector loops handle whole
/// registers and leave the tail to the scalar code, which is bit-exact with the hardware conversion.
#include "kernel_support.h"

// MARK: - f32 → f16

static size_t f32_to_f16_scalar(const float *src, uint8_t *dst, size_t n) {
    size_t overflows = 0;
    for (size_t i = 0; i < n; i++) {
        overflows += (size_t)decant_f16_overflows(src[i]);
        decant_store_u16(dst + 2 * i, decant_f32_to_f16_one(src[i]));
    }
    return overflows;
}

#if DECANT_X86
DECANT_AVX512 static size_t f32_to_f16_avx512(const float *src, uint8_t *dst, size_t n, size_t *done) {
    const __m512i magnitude_mask = _mm512_set1_epi32(0x7FFFFFFF);
    const __m512i overflow_bits = _mm512_set1_epi32((int)DECANT_F16_OVERFLOW_BITS);
    const __m512i infinity_bits = _mm512_set1_epi32(0x7F800000);
    size_t overflows = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(src + i);
        __m512i magnitude = _mm512_and_si512(_mm512_castps_si512(v), magnitude_mask);
        __mmask16 big = _mm512_cmpge_epu32_mask(magnitude, overflow_bits) & _mm512_cmplt_epu32_mask(magnitude, infinity_bits);
        overflows += (size_t)__builtin_popcount(big);
        _mm256_storeu_si256((__m256i *)(dst + 2 * i), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    *done = i;
    return overflows;
}

DECANT_AVX2 static size_t f32_to_f16_avx2(const float *src, uint8_t *dst, size_t n, size_t *done) {
    const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 threshold = _mm256_set1_ps(65520.0f);
    const __m256 infinity = _mm256_set1_ps(__builtin_inff());
    size_t overflows = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(src + i);
        __m256 magnitude = _mm256_and_ps(v, magnitude_mask);
        __m256 big = _mm256_and_ps(_mm256_cmp_ps(magnitude, threshold, _CMP_GE_OQ), _mm256_cmp_ps(magnitude, infinity, _CMP_LT_OQ));
        overflows += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(big));
        _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    *done = i;
    return overflows;
}
#endif

size_t decant_f32_to_f16(const float *src, void *dst, size_t n, int path) {
    uint8_t *out = dst;
    size_t done = 0, overflows = 0;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: overflows = f32_to_f16_avx512(src, out, n, &done); break;
    case DECANT_PATH_AVX2: overflows = f32_to_f16_avx2(src, out, n, &done); break;
    default: break;
    }
#else
    (void)path;
#endif
    return overflows + f32_to_f16_scalar(src + done, out + 2 * done, n - done);
}

// MARK: - f16 → f32

static void f16_to_f32_scalar(const uint8_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = decant_f16_to_f32_one(decant_load_u16(src + 2 * i));
}

#if DECANT_X86
DECANT_AVX512 static size_t f16_to_f32_avx512(const uint8_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + 2 * i))));
    return i;
}

DECANT_AVX2 static size_t f16_to_f32_avx2(const uint8_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + 2 * i))));
    return i;
}
#endif

void decant_f16_to_f32(const void *src, float *dst, size_t n, int path) {
    const uint8_t *in = src;
    size_t done = 0;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: done = f16_to_f32_avx512(in, dst, n); break;
    case DECANT_PATH_AVX2: done = f16_to_f32_avx2(in, dst, n); break;
    default: break;
    }
#else
    (void)path;
#endif
    f16_to_f32_scalar(in + 2 * done, dst + done, n - done);
}

// MARK: - f32 → bf16

/// Integer rounding rather than VCVTNEPS2BF16, which flushes subnormals to zero.
static inline uint16_t f32_to_bf16_one(float value) {
    uint32_t u = decant_bits(value);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x0040u);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

static inline int bf16_overflows(float value, uint16_t result) {
    return (decant_bits(value) & 0x7FFFFFFFu) < 0x7F800000u && (result & 0x7FFFu) == 0x7F80u;
}

static size_t f32_to_bf16_scalar(const float *src, uint8_t *dst, size_t n) {
    size_t overflows = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t b = f32_to_bf16_one(src[i]);
        overflows += (size_t)bf16_overflows(src[i], b);
        decant_store_u16(dst + 2 * i, b);
    }
    return overflows;
}

#if DECANT_X86
DECANT_AVX512 static size_t f32_to_bf16_avx512(const float *src, uint8_t *dst, size_t n, size_t *done) {
    const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7FFF), quiet = _mm512_set1_epi32(0x0040);
    const __m512i magnitude_mask = _mm512_set1_epi32(0x7FFFFFFF), infinity_bits = _mm512_set1_epi32(0x7F800000);
    const __m512i result_magnitude = _mm512_set1_epi32(0x7FFF), result_infinity = _mm512_set1_epi32(0x7F80);
    size_t overflows = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i u = _mm512_loadu_si512(src + i);
        __m512i magnitude = _mm512_and_si512(u, magnitude_mask);
        __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
        __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, bias), odd), 16);
        __mmask16 nan = _mm512_cmpgt_epu32_mask(magnitude, infinity_bits);
        __m512i result = _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(u, 16), quiet);
        __mmask16 finite = _mm512_cmplt_epu32_mask(magnitude, infinity_bits);
        __mmask16 became_infinite = _mm512_cmpeq_epi32_mask(_mm512_and_si512(result, result_magnitude), result_infinity);
        overflows += (size_t)__builtin_popcount(finite & became_infinite);
        _mm256_storeu_si256((__m256i *)(dst + 2 * i), _mm512_cvtepi32_epi16(result));
    }
    *done = i;
    return overflows;
}

DECANT_AVX2 static inline __m256i bf16_round_avx2(__m256i u, size_t *overflows) {
    const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7FFF), quiet = _mm256_set1_epi32(0x0040);
    const __m256i magnitude_mask = _mm256_set1_epi32(0x7FFFFFFF), infinity_bits = _mm256_set1_epi32(0x7F800000);
    // Magnitudes are non-negative as signed 32-bit integers, so signed compares are exact here.
    __m256i magnitude = _mm256_and_si256(u, magnitude_mask);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, bias), odd), 16);
    __m256i nan = _mm256_cmpgt_epi32(magnitude, infinity_bits);
    __m256i result = _mm256_blendv_epi8(rounded, _mm256_or_si256(_mm256_srli_epi32(u, 16), quiet), nan);
    __m256i finite = _mm256_cmpgt_epi32(infinity_bits, magnitude);
    __m256i became_infinite = _mm256_cmpeq_epi32(_mm256_and_si256(result, _mm256_set1_epi32(0x7FFF)), _mm256_set1_epi32(0x7F80));
    *overflows += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(finite, became_infinite))));
    return result;
}

DECANT_AVX2 static size_t f32_to_bf16_avx2(const float *src, uint8_t *dst, size_t n, size_t *done) {
    size_t overflows = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i low = bf16_round_avx2(_mm256_loadu_si256((const __m256i *)(src + i)), &overflows);
        __m256i high = bf16_round_avx2(_mm256_loadu_si256((const __m256i *)(src + i + 8)), &overflows);
        // packus interleaves 128-bit lanes; the permute puts the 16 results back in order.
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(low, high), 0xD8);
        _mm256_storeu_si256((__m256i *)(dst + 2 * i), packed);
    }
    *done = i;
    return overflows;
}
#endif

size_t decant_f32_to_bf16(const float *src, void *dst, size_t n, int path) {
    uint8_t *out = dst;
    size_t done = 0, overflows = 0;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: overflows = f32_to_bf16_avx512(src, out, n, &done); break;
    case DECANT_PATH_AVX2: overflows = f32_to_bf16_avx2(src, out, n, &done); break;
    default: break;
    }
#else
    (void)path;
#endif
    return overflows + f32_to_bf16_scalar(src + done, out + 2 * done, n - done);
}

// MARK: - bf16 → f32

static void bf16_to_f32_scalar(const uint8_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = decant_float((uint32_t)decant_load_u16(src + 2 * i) << 16);
}

#if DECANT_X86
DECANT_AVX512 static size_t bf16_to_f32_avx512(const uint8_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(src + 2 * i)));
        _mm512_storeu_si512(dst + i, _mm512_slli_epi32(wide, 16));
    }
    return i;
}

DECANT_AVX2 static size_t bf16_to_f32_avx2(const uint8_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + 2 * i)));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_slli_epi32(wide, 16));
    }
    return i;
}
#endif

void decant_bf16_to_f32(const void *src, float *dst, size_t n, int path) {
    const uint8_t *in = src;
    size_t done = 0;
#if DECANT_X86
    switch (decant_usable_path(path)) {
    case DECANT_PATH_AVX512: done = bf16_to_f32_avx512(in, dst, n); break;
    case DECANT_PATH_AVX2: done = bf16_to_f32_avx2(in, dst, n); break;
    default: break;
    }
#else
    (void)path;
#endif
    bf16_to_f32_scalar(in + 2 * done, dst + done, n - done);
}
