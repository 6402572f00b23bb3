/// Matrix products against weights kept in their storage type: C[m, n] += Σ_k A[m, k] · Ŵ[n, k], where Ŵ is the
/// decoded f16, bf16, q8 or q4 weight in torch's [out, in] layout, read in place from the mapped file.
///
/// Every path walks the same loops: K in chunks, and for each chunk the weights of `NR` output columns are
/// unpacked into a small panel (transposed so one vector load holds NR columns; f16 widened to f32, q4's nibbles
/// to bytes, scales to f32), which then meets every row of A while it sits in L1. So each weight is decoded once
/// per product, never into a whole-tensor copy, and the chunk of A (M × chunk) stays in L2 across panels.
///
///   - f16 (and bf16 without AVX512-BF16): the panel holds f32, the micro-kernel is an f32 FMA tile. f32 weights
///     take the same route (a plain transpose), which beats OpenBLAS on short inputs (BertQAModel decides).
///   - bf16 with AVX512-BF16: A is rounded to bf16 once per product, the panel holds bf16 pairs and
///     VDPBF16PS multiplies two pairs per lane.
///   - q8 / q4: A is quantized once per product to int8 in blocks of 32 along K, like the weights: per block a
///     scale s = max|a|/127 and a = round(x/s), so an outlier coarsens only its own block (trained BERTs have a
///     few huge LayerNorm channels). Each block's integer dot product Σ a·q is exact in 32 bits; it is scaled by
///     s·d into an f32 accumulator (q4 adds m·Σx, Σx the block's exact f32 sum). VPDPBUSD multiplies unsigned by
///     signed bytes, so the weights take the unsigned side: q4's 0…15 as they are, q8 as q + 128, whose extra
///     128·Σa starts the block's accumulator at −128·Σa instead of 0. AVX2 has no such instruction and
///     VPMADDUBSW saturates at 16 bits, so it multiplies |a| by q carrying a's sign (|a|·|q| ≤ 127·127, two of
///     them fit 16 bits). Every path computes the same integers and the same f32 operations in the same order.
/// The portable path computes the same quantities in the same order without vectors, so it is the reference the
/// vector paths are tested against (formats/native.md has the block layouts).
#include "CKernels.h"
#include "kernel_support.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KC_FLOAT 256   // K per chunk for the f32 panel: A chunk (M × 256 f32) stays in L2, the panel (32 KB) in L1.
#define KC_BF16 512    // 256 bf16 pairs: the same bytes as KC_FLOAT.
#define KC_INT 1024    // 32 blocks of 32: M × 1024 bytes of int8 activations in L2.
#define QBLOCK 32
#define GROUPS 8       // 4-byte groups per block: the unit VPDPBUSD consumes per lane.

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

static int is_block_storage(int storage) { return storage == DECANT_STORAGE_Q8 || storage == DECANT_STORAGE_Q4; }

/// Bytes of one weight row of K values.
static size_t row_bytes(int storage, size_t k) {
    switch (storage) {
    case DECANT_STORAGE_F16:
    case DECANT_STORAGE_BF16: return 2 * k;
    case DECANT_STORAGE_Q8: return k / QBLOCK * DECANT_Q8_BLOCK_BYTES;
    case DECANT_STORAGE_Q4: return k / QBLOCK * DECANT_Q4_BLOCK_BYTES;
    default: return 4 * k;
    }
}

// MARK: - Which paths this CPU runs

static int cpu_avx2_fma_f16c(void) {
#if DECANT_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

static int cpu_avx512(void) {
#if DECANT_X86
    return cpu_avx2_fma_f16c() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

int decant_gemm_path_available(int storage, int path) {
    if (storage < DECANT_STORAGE_F32 || storage > DECANT_STORAGE_Q4) return 0;
    switch (path) {
    case DECANT_GEMM_PORTABLE: return 1;
    case DECANT_GEMM_AVX2: return cpu_avx2_fma_f16c();
#if DECANT_X86
    case DECANT_GEMM_AVX_VNNI: return is_block_storage(storage) && cpu_avx2_fma_f16c() && __builtin_cpu_supports("avxvnni");
    case DECANT_GEMM_AVX512: return !is_block_storage(storage) && cpu_avx512();
    case DECANT_GEMM_AVX512_VNNI: return is_block_storage(storage) && cpu_avx512() && __builtin_cpu_supports("avx512vnni");
    case DECANT_GEMM_AVX512_BF16: return storage == DECANT_STORAGE_BF16 && cpu_avx512() && __builtin_cpu_supports("avx512bf16");
#endif
    default: return 0;
    }
}

int decant_gemm_best_path(int storage) {
    static const int preference[] = {DECANT_GEMM_AVX512_BF16, DECANT_GEMM_AVX512_VNNI, DECANT_GEMM_AVX512,
                                     DECANT_GEMM_AVX_VNNI, DECANT_GEMM_AVX2};
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
        if (decant_gemm_path_available(storage, preference[i])) return preference[i];
    }
    return DECANT_GEMM_PORTABLE;
}

/// What the activations become before the product.
enum { INPUT_F32 = 0, INPUT_BF16 = 1, INPUT_S8 = 2 };

static int input_kind(int storage, int path) {
    if (is_block_storage(storage)) return INPUT_S8;
    return path == DECANT_GEMM_AVX512_BF16 ? INPUT_BF16 : INPUT_F32;
}

// MARK: - Prepared activations

size_t decant_gemm_input_bytes(int storage, int path, size_t m, size_t k) {
    size_t blocks = m * (k / QBLOCK);
    switch (input_kind(storage, path)) {
    case INPUT_BF16: return round_up(m * round_up(k, 2) * 2, 64);
    case INPUT_S8:
        return round_up(m * k, 64) + round_up(blocks * sizeof(float), 64) + round_up(blocks * sizeof(int32_t), 64)
            + (storage == DECANT_STORAGE_Q4 ? round_up(blocks * sizeof(float), 64) : 0);
    default: return 0;
    }
}

int decant_gemm_input_init(decant_gemm_input *input, int storage, int path, const float *a, size_t lda, size_t m,
                           size_t k, void *buffer) {
    memset(input, 0, sizeof *input);
    if (!decant_gemm_path_available(storage, path) || k == 0 || lda < k) return -1;
    if (is_block_storage(storage) && k % QBLOCK != 0) return -1;
    input->storage = storage;
    input->path = path;
    input->a = a;
    input->lda = lda;
    input->m = m;
    input->k = k;
    uint8_t *cursor = buffer;
    switch (input_kind(storage, path)) {
    case INPUT_BF16:
        input->bf16 = (uint16_t *)cursor;
        input->bf16_ld = round_up(k, 2);
        break;
    case INPUT_S8:
        input->quantized = (int8_t *)cursor;
        cursor += round_up(m * k, 64);
        input->block_scale = (float *)cursor;
        cursor += round_up(m * (k / QBLOCK) * sizeof(float), 64);
        input->block_correction = (int32_t *)cursor;
        cursor += round_up(m * (k / QBLOCK) * sizeof(int32_t), 64);
        if (storage == DECANT_STORAGE_Q4) input->block_sums = (float *)cursor;
        break;
    default: break;
    }
    return 0;
}

/// The scale of a block whose largest magnitude is `maximum`, and its reciprocal; NaN when the block holds a NaN
/// or an infinity (`nonfinite` is the sum of x − x over the block), so that every output of the row becomes NaN as
/// the f32 product would. Every path computes them with these same scalar operations.
static void block_quantization_for(float maximum, float nonfinite, float *scale, float *inverse) {
    if (nonfinite != 0 || !isfinite(maximum)) {
        *scale = NAN;
        *inverse = 0;
    } else if (maximum == 0) {
        *scale = 0;
        *inverse = 0;
    } else {
        *scale = maximum / 127.0f;
        *inverse = 127.0f / maximum;
    }
}

/// round(x · inverse), half to even as CVTPS2DQ rounds, within ±127 (|x·inverse| ≤ 127 up to rounding).
static int8_t quantize_one(float x, float inverse) { return (int8_t)fminf(fmaxf(nearbyintf(x * inverse), -127), 127); }

/// Block b of row r: its scale, −128·Σa (what VPDPBUSD's extra 128 per weight adds) and, for q4, Σx.
static void finish_block(const decant_gemm_input *in, size_t r, size_t b, const float *x, const int8_t *a, float scale) {
    size_t index = r * (in->k / QBLOCK) + b;
    int32_t sum = 0;
    for (size_t j = 0; j < QBLOCK; j++) sum += a[j];
    in->block_scale[index] = scale;
    in->block_correction[index] = -128 * sum;
    if (in->block_sums) {
        float total = 0;
        for (size_t j = 0; j < QBLOCK; j++) total += x[j];
        in->block_sums[index] = total;
    }
}

static void quantize_rows_portable(const decant_gemm_input *in, size_t row_begin, size_t row_end) {
    size_t blocks = in->k / QBLOCK;
    for (size_t r = row_begin; r < row_end; r++) {
        for (size_t b = 0; b < blocks; b++) {
            const float *x = in->a + r * in->lda + b * QBLOCK;
            int8_t *a = in->quantized + r * in->k + b * QBLOCK;
            float maximum = 0, nonfinite = 0, scale, inverse;
            for (size_t j = 0; j < QBLOCK; j++) {
                maximum = fmaxf(maximum, fabsf(x[j]));
                nonfinite += x[j] - x[j];
            }
            block_quantization_for(maximum, nonfinite, &scale, &inverse);
            for (size_t j = 0; j < QBLOCK; j++) a[j] = inverse == 0 ? 0 : quantize_one(x[j], inverse);
            finish_block(in, r, b, x, a, scale);
        }
    }
}

static void bf16_rows_portable(const decant_gemm_input *in, size_t row_begin, size_t row_end) {
    for (size_t r = row_begin; r < row_end; r++) {
        decant_f32_to_bf16(in->a + r * in->lda, in->bf16 + r * in->bf16_ld, in->k, DECANT_PATH_SCALAR);
        if (in->bf16_ld > in->k) in->bf16[r * in->bf16_ld + in->k] = 0;
    }
}

#if DECANT_X86
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))
#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))

AVX512_TARGET static void quantize_rows_avx512(const decant_gemm_input *in, size_t row_begin, size_t row_end) {
    size_t blocks = in->k / QBLOCK;
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (size_t r = row_begin; r < row_end; r++) {
        for (size_t b = 0; b < blocks; b++) {
            const float *x = in->a + r * in->lda + b * QBLOCK;
            int8_t *a = in->quantized + r * in->k + b * QBLOCK;
            __m512 low = _mm512_loadu_ps(x), high = _mm512_loadu_ps(x + 16);
            __m512 magnitude = _mm512_max_ps(_mm512_andnot_ps(sign, low), _mm512_andnot_ps(sign, high));
            __m512 nonfinite = _mm512_add_ps(_mm512_sub_ps(low, low), _mm512_sub_ps(high, high));
            float scale, inverse;
            block_quantization_for(_mm512_reduce_max_ps(magnitude), _mm512_reduce_add_ps(nonfinite), &scale, &inverse);
            __m512 factor = _mm512_set1_ps(inverse);
            __m512i bound = _mm512_set1_epi32(127);
            __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(low, factor)), q1 = _mm512_cvtps_epi32(_mm512_mul_ps(high, factor));
            q0 = _mm512_max_epi32(_mm512_min_epi32(q0, bound), _mm512_sub_epi32(_mm512_setzero_si512(), bound));
            q1 = _mm512_max_epi32(_mm512_min_epi32(q1, bound), _mm512_sub_epi32(_mm512_setzero_si512(), bound));
            _mm_storeu_si128((__m128i *)a, _mm512_cvtepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(a + 16), _mm512_cvtepi32_epi8(q1));
            finish_block(in, r, b, x, a, scale);
        }
    }
}
#endif

void decant_gemm_input_prepare(const decant_gemm_input *input, size_t row_begin, size_t row_end) {
    row_end = min_size(row_end, input->m);
    if (row_begin >= row_end) return;
    switch (input_kind(input->storage, input->path)) {
    case INPUT_BF16:
#if DECANT_X86
        for (size_t r = row_begin; r < row_end; r++) {
            decant_f32_to_bf16(input->a + r * input->lda, input->bf16 + r * input->bf16_ld, input->k, DECANT_PATH_AVX512);
            if (input->bf16_ld > input->k) input->bf16[r * input->bf16_ld + input->k] = 0;
        }
#else
        bf16_rows_portable(input, row_begin, row_end);
#endif
        break;
    case INPUT_S8:
#if DECANT_X86
        if (input->path == DECANT_GEMM_AVX512_VNNI) {
            quantize_rows_avx512(input, row_begin, row_end);
            break;
        }
#endif
        quantize_rows_portable(input, row_begin, row_end);
        break;
    default: break;
    }
    (void)bf16_rows_portable;
}

// MARK: - Portable path: the reference arithmetic, no packing

/// Decodes `count` values of a weight row starting at element `k0` (k0, count multiples of 32 for q8/q4).
static void decode_row_part(int storage, const uint8_t *row, size_t k0, size_t count, float *out) {
    switch (storage) {
    case DECANT_STORAGE_F16:
        for (size_t j = 0; j < count; j++) out[j] = decant_f16_to_f32_one(decant_load_u16(row + 2 * (k0 + j)));
        break;
    case DECANT_STORAGE_BF16:
        for (size_t j = 0; j < count; j++) out[j] = decant_float((uint32_t)decant_load_u16(row + 2 * (k0 + j)) << 16);
        break;
    case DECANT_STORAGE_F32: memcpy(out, row + 4 * k0, 4 * count); break;
    default: break;
    }
}

/// One q8/q4 block's integers (q4: 0…15), scale and minimum.
typedef struct {
    int8_t q[QBLOCK];
    float d;
    float m;
} unpacked_block;

static void unpack_block(int storage, const uint8_t *row, size_t block, unpacked_block *out) {
    if (storage == DECANT_STORAGE_Q8) {
        const uint8_t *p = row + block * DECANT_Q8_BLOCK_BYTES;
        out->d = decant_f16_to_f32_one(decant_load_u16(p));
        out->m = 0;
        memcpy(out->q, p + 2, QBLOCK);
    } else {
        const uint8_t *p = row + block * DECANT_Q4_BLOCK_BYTES;
        out->d = decant_f16_to_f32_one(decant_load_u16(p));
        out->m = decant_f16_to_f32_one(decant_load_u16(p + 2));
        for (size_t j = 0; j < 16; j++) {
            out->q[j] = (int8_t)(p[4 + j] & 0x0F);
            out->q[j + 16] = (int8_t)(p[4 + j] >> 4);
        }
    }
}

static void gemm_float_portable(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                                float *c, size_t ldc, float *row) {
    size_t k = in->k, stride = row_bytes(in->storage, k);
    for (size_t k0 = 0; k0 < k; k0 += KC_FLOAT) {
        size_t kc = min_size(KC_FLOAT, k - k0);
        for (size_t n = n_begin; n < n_end; n++) {
            decode_row_part(in->storage, weights + n * stride, k0, kc, row);
            for (size_t m = 0; m < in->m; m++) {
                const float *a = in->a + m * in->lda + k0;
                float acc = c[m * ldc + n];
                for (size_t j = 0; j < kc; j++) acc = fmaf(a[j], row[j], acc);
                c[m * ldc + n] = acc;
            }
        }
    }
}

static void gemm_int_portable(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                              float *c, size_t ldc, unpacked_block *blocks) {
    size_t k = in->k, total_blocks = k / QBLOCK, stride = row_bytes(in->storage, k);
    for (size_t k0 = 0; k0 < k; k0 += KC_INT) {
        size_t b0 = k0 / QBLOCK, nb = min_size(KC_INT, k - k0) / QBLOCK;
        for (size_t n = n_begin; n < n_end; n++) {
            for (size_t b = 0; b < nb; b++) unpack_block(in->storage, weights + n * stride, b0 + b, &blocks[b]);
            for (size_t m = 0; m < in->m; m++) {
                const int8_t *a = in->quantized + m * k + k0;
                const float *scale = in->block_scale + m * total_blocks + b0;
                float f = 0;
                for (size_t b = 0; b < nb; b++) {
                    int32_t acc = 0;
                    for (size_t j = 0; j < QBLOCK; j++) acc += (int32_t)a[b * QBLOCK + j] * blocks[b].q[j];
                    f = fmaf((float)acc, blocks[b].d * scale[b], f);
                    if (in->block_sums) f = fmaf(blocks[b].m, in->block_sums[m * total_blocks + b0 + b], f);
                }
                c[m * ldc + n] += f;
            }
        }
    }
}

#if DECANT_X86

// MARK: - AVX-512 paths (panels of 32 columns: two 16-lane vectors)

#define NR512 32

/// Transposes a 16×16 matrix of 32-bit elements held as 16 rows.
AVX512_TARGET static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD);
        r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

/// Mask of the first `count` (≤ 16) lanes.
static inline __mmask16 lanes16(size_t count) { return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1); }
static inline __mmask32 lanes32(size_t count) { return count >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << count) - 1); }

/// Packs columns [n0, n0 + 32) ∩ [.., n_end) of f16/bf16 rows, K range [k0, k0 + kc), as f32 [kc][32].
AVX512_TARGET static void pack_float_avx512(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end,
                                            size_t k0, size_t kc, float *panel) {
    for (size_t half = 0; half < 2; half++) {
        for (size_t kk = 0; kk < kc; kk += 16) {
            size_t valid = min_size(16, kc - kk);
            __m512i rows[16];
            for (size_t c = 0; c < 16; c++) {
                size_t n = n0 + half * 16 + c;
                if (n >= n_end) {
                    rows[c] = _mm512_setzero_si512();
                    continue;
                }
                if (storage == DECANT_STORAGE_F32) {
                    rows[c] = _mm512_maskz_loadu_epi32(lanes16(valid), weights + n * stride + 4 * (k0 + kk));
                    continue;
                }
                __m256i h = _mm256_maskz_loadu_epi16(lanes16(valid), weights + n * stride + 2 * (k0 + kk));
                rows[c] = storage == DECANT_STORAGE_F16
                    ? _mm512_castps_si512(_mm512_cvtph_ps(h))
                    : _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16);
            }
            transpose16(rows);
            for (size_t t = 0; t < valid; t++) _mm512_store_si512(panel + (kk + t) * NR512 + half * 16, rows[t]);
        }
    }
}

/// C[mr × 32] += A[mr × kc] · panel, f32 FMA; `columns` of the 32 are stored.
#define FLOAT_MR512 12
AVX512_TARGET static inline __attribute__((always_inline)) void
float_tile_avx512(size_t mr, const float *a, size_t lda, const float *panel, size_t kc, float *c, size_t ldc,
                  size_t columns) {
    __m512 acc[FLOAT_MR512][2];
    __mmask16 m0 = lanes16(columns), m1 = lanes16(columns > 16 ? columns - 16 : 0);
    for (size_t r = 0; r < mr; r++) {
        acc[r][0] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
        acc[r][1] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
    }
    for (size_t j = 0; j < kc; j++) {
        __m512 b0 = _mm512_load_ps(panel + j * NR512), b1 = _mm512_load_ps(panel + j * NR512 + 16);
        for (size_t r = 0; r < mr; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + j]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (size_t r = 0; r < mr; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
    }
}

#define DISPATCH_ROWS(MR, CALL) \
    switch (MR) { \
    case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; case 4: CALL(4); break; \
    case 5: CALL(5); break; case 6: CALL(6); break; case 7: CALL(7); break; case 8: CALL(8); break; \
    case 9: CALL(9); break; case 10: CALL(10); break; case 11: CALL(11); break; default: CALL(12); break; }

AVX512_TARGET static void gemm_float_avx512(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin,
                                            size_t n_end, float *c, size_t ldc, float *panel) {
    size_t k = in->k, stride = row_bytes(in->storage, k);
    for (size_t k0 = 0; k0 < k; k0 += KC_FLOAT) {
        size_t kc = min_size(KC_FLOAT, k - k0);
        for (size_t n0 = n_begin; n0 < n_end; n0 += NR512) {
            size_t columns = min_size(NR512, n_end - n0);
            pack_float_avx512(in->storage, weights, stride, n0, n_end, k0, kc, panel);
            for (size_t m0 = 0; m0 < in->m; m0 += FLOAT_MR512) {
                size_t mr = min_size(FLOAT_MR512, in->m - m0);
                const float *a = in->a + m0 * in->lda + k0;
                float *out = c + m0 * ldc + n0;
#define FLOAT_TILE(R) float_tile_avx512(R, a, in->lda, panel, kc, out, ldc, columns)
                DISPATCH_ROWS(mr, FLOAT_TILE)
#undef FLOAT_TILE
            }
        }
    }
}

// bf16 × bf16 → f32 with VDPBF16PS: the panel holds [pairs][32 columns] of 32-bit bf16 pairs.
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,f16c,fma")))

BF16_TARGET static void pack_bf16_pairs_avx512(const uint8_t *weights, size_t stride, size_t n0, size_t n_end, size_t k0,
                                               size_t kc, uint32_t *panel) {
    size_t pairs = (kc + 1) / 2;
    for (size_t half = 0; half < 2; half++) {
        for (size_t pp = 0; pp < pairs; pp += 16) {
            size_t valid_pairs = min_size(16, pairs - pp);
            size_t valid_values = min_size(32, kc - 2 * pp);
            __m512i rows[16];
            for (size_t c = 0; c < 16; c++) {
                size_t n = n0 + half * 16 + c;
                rows[c] = n < n_end ? _mm512_maskz_loadu_epi16(lanes32(valid_values), weights + n * stride + 2 * (k0 + 2 * pp))
                                    : _mm512_setzero_si512();
            }
            transpose16(rows);
            for (size_t t = 0; t < valid_pairs; t++) _mm512_store_si512(panel + (pp + t) * NR512 + half * 16, rows[t]);
        }
    }
}

BF16_TARGET static inline __attribute__((always_inline)) void
bf16_tile_avx512(size_t mr, const uint16_t *a, size_t lda, const uint32_t *panel, size_t pairs, float *c, size_t ldc,
                 size_t columns) {
    __m512 acc[FLOAT_MR512][2];
    __mmask16 m0 = lanes16(columns), m1 = lanes16(columns > 16 ? columns - 16 : 0);
    for (size_t r = 0; r < mr; r++) {
        acc[r][0] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
        acc[r][1] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
    }
    for (size_t p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(panel + p * NR512);
        __m512bh b1 = (__m512bh)_mm512_load_si512(panel + p * NR512 + 16);
        for (size_t r = 0; r < mr; r++) {
            uint32_t pair;
            memcpy(&pair, a + r * lda + 2 * p, 4);
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)pair);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
        }
    }
    for (size_t r = 0; r < mr; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
    }
}

BF16_TARGET static void gemm_bf16_avx512(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                                         float *c, size_t ldc, uint32_t *panel) {
    size_t k = in->k, stride = row_bytes(in->storage, k);
    for (size_t k0 = 0; k0 < k; k0 += KC_BF16) {
        size_t kc = min_size(KC_BF16, k - k0), pairs = (kc + 1) / 2;
        for (size_t n0 = n_begin; n0 < n_end; n0 += NR512) {
            size_t columns = min_size(NR512, n_end - n0);
            pack_bf16_pairs_avx512(weights, stride, n0, n_end, k0, kc, panel);
            for (size_t m0 = 0; m0 < in->m; m0 += FLOAT_MR512) {
                size_t mr = min_size(FLOAT_MR512, in->m - m0);
                const uint16_t *a = in->bf16 + m0 * in->bf16_ld + k0;
                float *out = c + m0 * ldc + n0;
#define BF16_TILE(R) bf16_tile_avx512(R, a, in->bf16_ld, panel, pairs, out, ldc, columns)
                DISPATCH_ROWS(mr, BF16_TILE)
#undef BF16_TILE
            }
        }
    }
}

// q8/q4 with VPDPBUSD. Panel layout for a chunk of nb blocks: per block, 8 groups × 64 columns × 4 unsigned bytes
// (q8 + 128, or q4), then 64 f32 scales d, then (q4) 64 f32 minimums m.
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,f16c,fma")))
// 3 rows × 64 columns: 12 int32 and 12 f32 accumulators, 4 weight vectors and a broadcast fit the 32 registers
// (6 × 32 spills the f32 accumulators), and a worker's share of N (512, 1536, 2048) is a whole number of panels.
#ifndef INT_MR512
#define INT_MR512 3
#endif
#ifndef INT_V512
#define INT_V512 4
#endif
#define INT_NR512 (16 * INT_V512)

static size_t int_block_stride(int storage, size_t nr) {
    return GROUPS * nr * 4 + nr * sizeof(float) * (storage == DECANT_STORAGE_Q4 ? 2 : 1);
}

/// Stores block `block`'s scale (and q4's minimum) of each of `count` columns starting at weight row `n0`.
static void pack_scales(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end, size_t block,
                        size_t count, float *d, float *m) {
    for (size_t c = 0; c < count; c++) {
        float scale = 0, minimum = 0;
        if (n0 + c < n_end) {
            const uint8_t *row = weights + (n0 + c) * stride;
            if (storage == DECANT_STORAGE_Q8) {
                scale = decant_f16_to_f32_one(decant_load_u16(row + block * DECANT_Q8_BLOCK_BYTES));
            } else {
                scale = decant_f16_to_f32_one(decant_load_u16(row + block * DECANT_Q4_BLOCK_BYTES));
                minimum = decant_f16_to_f32_one(decant_load_u16(row + block * DECANT_Q4_BLOCK_BYTES + 2));
            }
        }
        d[c] = scale;
        if (m) m[c] = minimum;
    }
}

/// The 32 integers of one block as 8 groups of 4 bytes: q4 unpacked to 0…15; q8 as stored, or + 128 (`unsigned_q8`).
AVX2_TARGET static inline __m256i load_block_ints(int storage, const uint8_t *row, size_t block, int unsigned_q8) {
    if (storage == DECANT_STORAGE_Q8) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(row + block * DECANT_Q8_BLOCK_BYTES + 2));
        return unsigned_q8 ? _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)) : q;
    }
    __m128i packed = _mm_loadu_si128((const __m128i *)(row + block * DECANT_Q4_BLOCK_BYTES + 4));
    __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
}

/// pack_scales for 64 columns: one 32-bit gather per 16 columns fetches d (and q4's m right after it).
VNNI_TARGET static void pack_scales_avx512(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end,
                                           size_t block, float *d) {
    size_t block_bytes = storage == DECANT_STORAGE_Q8 ? DECANT_Q8_BLOCK_BYTES : DECANT_Q4_BLOCK_BYTES;
    __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                         _mm512_set1_epi32((int)stride));
    for (size_t v = 0; v < INT_V512; v++) {
        size_t first = n0 + 16 * v;
        __m512i words = _mm512_setzero_si512();
        if (first < n_end) {
            const uint8_t *base = weights + first * stride + block * block_bytes;
            words = _mm512_mask_i32gather_epi32(words, lanes16(n_end - first), offsets, base, 1);
        }
        _mm512_store_ps(d + 16 * v, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words)));
        if (storage == DECANT_STORAGE_Q4) {
            _mm512_store_ps(d + INT_NR512 + 16 * v, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(words, 16))));
        }
    }
}

VNNI_TARGET static void pack_int_avx512(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end,
                                        size_t b0, size_t nb, uint8_t *panel) {
    size_t block_stride = int_block_stride(storage, INT_NR512);
    for (size_t b = 0; b < nb; b += 2) {
        size_t pair = min_size(2, nb - b);
        for (size_t half = 0; half < INT_V512; half++) {
            __m512i rows[16];
            for (size_t c = 0; c < 16; c++) {
                size_t n = n0 + half * 16 + c;
                if (n >= n_end) {
                    rows[c] = _mm512_setzero_si512();
                    continue;
                }
                const uint8_t *row = weights + n * stride;
                __m256i first = load_block_ints(storage, row, b0 + b, 1);
                __m256i second = pair == 2 ? load_block_ints(storage, row, b0 + b + 1, 1) : _mm256_setzero_si256();
                rows[c] = _mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1);
            }
            transpose16(rows);
            for (size_t t = 0; t < 8 * pair; t++) {
                uint8_t *block = panel + (b + t / 8) * block_stride;
                _mm512_store_si512(block + (t % 8) * INT_NR512 * 4 + half * 64, rows[t]);
            }
        }
        for (size_t p = 0; p < pair; p++) {
            float *d = (float *)(panel + (b + p) * block_stride + GROUPS * INT_NR512 * 4);
            pack_scales_avx512(storage, weights, stride, n0, n_end, b0 + b + p, d);
        }
    }
}

/// Unsigned weight bytes × signed activation bytes. A q8 block's weights carry + 128, so its accumulator starts at
/// the block's −128·Σa; a q4 block's are 0…15 as they are, and it starts at 0.
VNNI_TARGET static inline __attribute__((always_inline)) void
int_tile_avx512(size_t mr, int q4, const int8_t *a, size_t lda, const float *scale, const int32_t *correction,
                const float *sums, size_t ld_blocks, const uint8_t *panel, size_t nb, size_t block_stride, float *c,
                size_t ldc, size_t columns) {
    __m512 f[INT_MR512][INT_V512];
    for (size_t r = 0; r < mr; r++)
        for (size_t v = 0; v < INT_V512; v++) f[r][v] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *block = panel + b * block_stride;
        __m512i acc[INT_MR512][INT_V512];
        for (size_t r = 0; r < mr; r++) {
            __m512i start = q4 ? _mm512_setzero_si512() : _mm512_set1_epi32(correction[r * ld_blocks + b]);
            for (size_t v = 0; v < INT_V512; v++) acc[r][v] = start;
        }
        for (size_t g = 0; g < GROUPS; g++) {
            __m512i w[INT_V512];
            for (size_t v = 0; v < INT_V512; v++) w[v] = _mm512_load_si512(block + g * INT_NR512 * 4 + v * 64);
            for (size_t r = 0; r < mr; r++) {
                int32_t group;
                memcpy(&group, a + r * lda + b * QBLOCK + g * 4, 4);
                __m512i x = _mm512_set1_epi32(group);
                for (size_t v = 0; v < INT_V512; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], w[v], x);
            }
        }
        const float *d = (const float *)(block + GROUPS * INT_NR512 * 4);
        for (size_t r = 0; r < mr; r++) {
            __m512 s = _mm512_set1_ps(scale[r * ld_blocks + b]);
            for (size_t v = 0; v < INT_V512; v++) {
                f[r][v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][v]), _mm512_mul_ps(_mm512_load_ps(d + 16 * v), s), f[r][v]);
            }
        }
        if (q4) {
            for (size_t r = 0; r < mr; r++) {
                __m512 x = _mm512_set1_ps(sums[r * ld_blocks + b]);
                for (size_t v = 0; v < INT_V512; v++) {
                    f[r][v] = _mm512_fmadd_ps(_mm512_load_ps(d + INT_NR512 + 16 * v), x, f[r][v]);
                }
            }
        }
    }
    for (size_t v = 0; v < INT_V512; v++) {
        __mmask16 mask = lanes16(columns > 16 * v ? columns - 16 * v : 0);
        for (size_t r = 0; r < mr; r++) {
            float *out = c + r * ldc + 16 * v;
            _mm512_mask_storeu_ps(out, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), f[r][v]));
        }
    }
}

#define DISPATCH_INT_ROWS(MR, CALL) \
    switch (MR) { case 1: CALL(1); break; case 2: CALL(2); break; default: CALL(INT_MR512); break; }

VNNI_TARGET static void gemm_int_avx512(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                                        float *c, size_t ldc, uint8_t *panel) {
    size_t k = in->k, total_blocks = k / QBLOCK, stride = row_bytes(in->storage, k);
    int q4 = in->storage == DECANT_STORAGE_Q4;
    size_t block_stride = int_block_stride(in->storage, INT_NR512);
    for (size_t k0 = 0; k0 < k; k0 += KC_INT) {
        size_t b0 = k0 / QBLOCK, nb = min_size(KC_INT, k - k0) / QBLOCK;
        for (size_t n0 = n_begin; n0 < n_end; n0 += INT_NR512) {
            size_t columns = min_size(INT_NR512, n_end - n0);
            pack_int_avx512(in->storage, weights, stride, n0, n_end, b0, nb, panel);
            for (size_t m0 = 0; m0 < in->m; m0 += INT_MR512) {
                size_t mr = min_size(INT_MR512, in->m - m0);
                const int8_t *a = in->quantized + m0 * k + k0;
                size_t first = m0 * total_blocks + b0;
                const float *sums = q4 ? in->block_sums + first : NULL;
                float *out = c + m0 * ldc + n0;
                if (q4) {
#define INT_TILE_Q4(R) int_tile_avx512(R, 1, a, k, in->block_scale + first, in->block_correction + first, sums, \
                                       total_blocks, panel, nb, block_stride, out, ldc, columns)
                    DISPATCH_INT_ROWS(mr, INT_TILE_Q4)
#undef INT_TILE_Q4
                } else {
#define INT_TILE_Q8(R) int_tile_avx512(R, 0, a, k, in->block_scale + first, in->block_correction + first, NULL, \
                                       total_blocks, panel, nb, block_stride, out, ldc, columns)
                    DISPATCH_INT_ROWS(mr, INT_TILE_Q8)
#undef INT_TILE_Q8
                }
            }
        }
    }
}

// MARK: - AVX2 paths (panels of 16 columns: two 8-lane vectors)

#define NR256 16

/// Transposes an 8×8 matrix of 32-bit elements held as 8 rows.
AVX2_TARGET static inline void transpose8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        s[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
    }
}

/// Up to 8 values of a f32/f16/bf16 row as f32 (zero beyond `valid`).
AVX2_TARGET static inline __m256 load8_as_float(int storage, const uint8_t *p, size_t valid) {
    if (storage == DECANT_STORAGE_F32) {
        float values[8] = {0};
        if (valid >= 8) return _mm256_loadu_ps((const float *)p);
        memcpy(values, p, 4 * valid);
        return _mm256_loadu_ps(values);
    }
    uint16_t buffer[8] = {0};
    const uint8_t *source = p;
    if (valid < 8) {
        memcpy(buffer, p, 2 * valid);
        source = (const uint8_t *)buffer;
    }
    __m128i h = _mm_loadu_si128((const __m128i *)source);
    if (storage == DECANT_STORAGE_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

AVX2_TARGET static void pack_float_avx2(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end,
                                        size_t k0, size_t kc, float *panel) {
    for (size_t half = 0; half < 2; half++) {
        for (size_t kk = 0; kk < kc; kk += 8) {
            size_t valid = min_size(8, kc - kk);
            __m256 rows[8];
            for (size_t c = 0; c < 8; c++) {
                size_t n = n0 + half * 8 + c;
                size_t offset = (storage == DECANT_STORAGE_F32 ? 4 : 2) * (k0 + kk);
                rows[c] = n < n_end ? load8_as_float(storage, weights + n * stride + offset, valid) : _mm256_setzero_ps();
            }
            transpose8(rows);
            for (size_t t = 0; t < valid; t++) _mm256_store_ps(panel + (kk + t) * NR256 + half * 8, rows[t]);
        }
    }
}

/// Stores the first `count` (≤ 8) lanes.
AVX2_TARGET static inline void store8(float *p, __m256 v, size_t count) {
    if (count >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    memcpy(p, lanes, count * sizeof(float));
}

AVX2_TARGET static inline __m256 load8(const float *p, size_t count) {
    if (count >= 8) return _mm256_loadu_ps(p);
    float lanes[8] = {0};
    memcpy(lanes, p, count * sizeof(float));
    return _mm256_loadu_ps(lanes);
}

#define FLOAT_MR256 6
AVX2_TARGET static inline __attribute__((always_inline)) void
float_tile_avx2(size_t mr, const float *a, size_t lda, const float *panel, size_t kc, float *c, size_t ldc, size_t columns) {
    __m256 acc[FLOAT_MR256][2];
    size_t c0 = min_size(columns, 8), c1 = columns > 8 ? columns - 8 : 0;
    for (size_t r = 0; r < mr; r++) {
        acc[r][0] = load8(c + r * ldc, c0);
        acc[r][1] = c1 ? load8(c + r * ldc + 8, c1) : _mm256_setzero_ps();
    }
    for (size_t j = 0; j < kc; j++) {
        __m256 b0 = _mm256_load_ps(panel + j * NR256), b1 = _mm256_load_ps(panel + j * NR256 + 8);
        for (size_t r = 0; r < mr; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + j);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (size_t r = 0; r < mr; r++) {
        store8(c + r * ldc, acc[r][0], c0);
        if (c1) store8(c + r * ldc + 8, acc[r][1], c1);
    }
}

#define DISPATCH_ROWS6(MR, CALL) \
    switch (MR) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    case 4: CALL(4); break; case 5: CALL(5); break; default: CALL(6); break; }

AVX2_TARGET static void gemm_float_avx2(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                                        float *c, size_t ldc, float *panel) {
    size_t k = in->k, stride = row_bytes(in->storage, k);
    for (size_t k0 = 0; k0 < k; k0 += KC_FLOAT) {
        size_t kc = min_size(KC_FLOAT, k - k0);
        for (size_t n0 = n_begin; n0 < n_end; n0 += NR256) {
            size_t columns = min_size(NR256, n_end - n0);
            pack_float_avx2(in->storage, weights, stride, n0, n_end, k0, kc, panel);
            for (size_t m0 = 0; m0 < in->m; m0 += FLOAT_MR256) {
                size_t mr = min_size(FLOAT_MR256, in->m - m0);
                const float *a = in->a + m0 * in->lda + k0;
                float *out = c + m0 * ldc + n0;
#define FLOAT_TILE2(R) float_tile_avx2(R, a, in->lda, panel, kc, out, ldc, columns)
                DISPATCH_ROWS6(mr, FLOAT_TILE2)
#undef FLOAT_TILE2
            }
        }
    }
}

/// Panel for 16 columns: per block 8 groups × 16 columns × 4 bytes (512 B), 16 d, (q4) 16 m. The AVX2 path keeps
/// q8 signed (`unsigned_q8` 0); AVX-VNNI stores q8 + 128 for VPDPBUSD's unsigned side.
AVX2_TARGET static void pack_int_avx2(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end, size_t b0,
                                      size_t nb, uint8_t *panel, int unsigned_q8) {
    size_t block_stride = int_block_stride(storage, NR256);
    for (size_t b = 0; b < nb; b++) {
        uint8_t *block = panel + b * block_stride;
        for (size_t half = 0; half < 2; half++) {
            __m256 rows[8];
            for (size_t c = 0; c < 8; c++) {
                size_t n = n0 + half * 8 + c;
                rows[c] = n < n_end ? _mm256_castsi256_ps(load_block_ints(storage, weights + n * stride, b0 + b, unsigned_q8))
                                    : _mm256_setzero_ps();
            }
            transpose8(rows);
            for (size_t g = 0; g < GROUPS; g++) {
                _mm256_store_si256((__m256i *)(block + g * NR256 * 4 + half * 32), _mm256_castps_si256(rows[g]));
            }
        }
        float *d = (float *)(block + GROUPS * NR256 * 4);
        pack_scales(storage, weights, stride, n0, n_end, b0 + b, NR256, d, storage == DECANT_STORAGE_Q4 ? d + NR256 : NULL);
    }
}

/// The AVX2 and AVX-VNNI integer tiles share this body and differ in the 4-byte dot product DOT and in where a q8
/// block's accumulator starts (INIT).
#define INT_MAX_MR256 3
#define INT_TILE_AVX2_BODY(DOT, INIT)                                                                                 \
    __m256 f[INT_MAX_MR256][2];                                                                                       \
    for (size_t r = 0; r < mr; r++) f[r][0] = f[r][1] = _mm256_setzero_ps();                                          \
    for (size_t b = 0; b < nb; b++) {                                                                                 \
        const uint8_t *block = panel + b * block_stride;                                                              \
        __m256i acc[INT_MAX_MR256][2];                                                                                \
        for (size_t r = 0; r < mr; r++) acc[r][0] = acc[r][1] = INIT(r, b);                                           \
        for (size_t g = 0; g < GROUPS; g++) {                                                                         \
            __m256i w0 = _mm256_load_si256((const __m256i *)(block + g * NR256 * 4));                                 \
            __m256i w1 = _mm256_load_si256((const __m256i *)(block + g * NR256 * 4 + 32));                            \
            for (size_t r = 0; r < mr; r++) {                                                                         \
                int32_t group;                                                                                        \
                memcpy(&group, a + r * lda + b * QBLOCK + g * 4, 4);                                                  \
                __m256i x = _mm256_set1_epi32(group);                                                                 \
                DOT(acc[r][0], w0, x);                                                                                \
                DOT(acc[r][1], w1, x);                                                                                \
            }                                                                                                         \
        }                                                                                                             \
        const float *d = (const float *)(block + GROUPS * NR256 * 4);                                                 \
        __m256 d0 = _mm256_load_ps(d), d1 = _mm256_load_ps(d + 8);                                                    \
        for (size_t r = 0; r < mr; r++) {                                                                             \
            __m256 s = _mm256_set1_ps(scale[r * ld_blocks + b]);                                                      \
            f[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][0]), _mm256_mul_ps(d0, s), f[r][0]);                  \
            f[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][1]), _mm256_mul_ps(d1, s), f[r][1]);                  \
        }                                                                                                             \
        if (sums) {                                                                                                   \
            __m256 m0 = _mm256_load_ps(d + NR256), m1 = _mm256_load_ps(d + NR256 + 8);                                \
            for (size_t r = 0; r < mr; r++) {                                                                         \
                __m256 x = _mm256_set1_ps(sums[r * ld_blocks + b]);                                                   \
                f[r][0] = _mm256_fmadd_ps(m0, x, f[r][0]);                                                            \
                f[r][1] = _mm256_fmadd_ps(m1, x, f[r][1]);                                                            \
            }                                                                                                         \
        }                                                                                                             \
    }                                                                                                                 \
    size_t c0 = min_size(columns, 8), c1 = columns > 8 ? columns - 8 : 0;                                             \
    for (size_t r = 0; r < mr; r++) {                                                                                 \
        store8(c + r * ldc, _mm256_add_ps(load8(c + r * ldc, c0), f[r][0]), c0);                                      \
        if (c1) store8(c + r * ldc + 8, _mm256_add_ps(load8(c + r * ldc + 8, c1), f[r][1]), c1);                      \
    }

/// Σ w·x over each 4-byte group, both signed: |x|·(w with x's sign), pairs summed in 16 bits (≤ 2·127·127).
#define DOT_AVX2(ACC, W, X)                                                                                           \
    do {                                                                                                              \
        __m256i p_ = _mm256_maddubs_epi16(_mm256_abs_epi8(X), _mm256_sign_epi8((W), (X)));                            \
        (ACC) = _mm256_add_epi32((ACC), _mm256_madd_epi16(p_, _mm256_set1_epi16(1)));                                 \
    } while (0)
#define INIT_AVX2(R, B) _mm256_setzero_si256()

#define INT_TILE_PARAMETERS                                                                                           \
    size_t mr, const int8_t *a, size_t lda, const float *scale, const int32_t *correction, const float *sums,         \
    size_t ld_blocks, const uint8_t *panel, size_t nb, size_t block_stride, float *c, size_t ldc, size_t columns

AVX2_TARGET static inline __attribute__((always_inline)) void int_tile_avx2(INT_TILE_PARAMETERS) {
    (void)correction;
    INT_TILE_AVX2_BODY(DOT_AVX2, INIT_AVX2)
}

#define AVX_VNNI_TARGET __attribute__((target("avx2,fma,f16c,avxvnni")))
#define DOT_AVX_VNNI(ACC, W, X) ((ACC) = _mm256_dpbusd_avx_epi32((ACC), (W), (X)))
#define INIT_AVX_VNNI(R, B) (sums ? _mm256_setzero_si256() : _mm256_set1_epi32(correction[(R) * ld_blocks + (B)]))
AVX_VNNI_TARGET static inline __attribute__((always_inline)) void int_tile_avx_vnni(INT_TILE_PARAMETERS) {
    INT_TILE_AVX2_BODY(DOT_AVX_VNNI, INIT_AVX_VNNI)
}

/// Drives a 16-column integer tile over the panel, TILE_MR rows at a time (the sign trick needs more registers
/// per row than VPDPBUSD, so AVX2 takes 2 rows and AVX-VNNI 3 within the 16 ymm registers).
#define GEMM_INT_AVX2_DRIVER(NAME, TARGET, TILE, TILE_MR, UNSIGNED_Q8)                                                \
    TARGET static void NAME(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,        \
                            float *c, size_t ldc, uint8_t *panel) {                                                   \
        size_t k = in->k, total_blocks = k / QBLOCK, stride = row_bytes(in->storage, k);                              \
        size_t block_stride = int_block_stride(in->storage, NR256);                                                   \
        for (size_t k0 = 0; k0 < k; k0 += KC_INT) {                                                                   \
            size_t b0 = k0 / QBLOCK, nb = min_size(KC_INT, k - k0) / QBLOCK;                                          \
            for (size_t n0 = n_begin; n0 < n_end; n0 += NR256) {                                                      \
                size_t columns = min_size(NR256, n_end - n0);                                                         \
                pack_int_avx2(in->storage, weights, stride, n0, n_end, b0, nb, panel, UNSIGNED_Q8);                   \
                for (size_t m0 = 0; m0 < in->m; m0 += TILE_MR) {                                                      \
                    size_t mr = min_size(TILE_MR, in->m - m0);                                                        \
                    const int8_t *a = in->quantized + m0 * k + k0;                                                    \
                    size_t first = m0 * total_blocks + b0;                                                            \
                    const float *sums = in->block_sums ? in->block_sums + first : NULL;                               \
                    const float *scale = in->block_scale + first;                                                     \
                    const int32_t *correction = in->block_correction + first;                                         \
                    float *out = c + m0 * ldc + n0;                                                                   \
                    switch (mr) {                                                                                     \
                    case 1: TILE(1, a, k, scale, correction, sums, total_blocks, panel, nb, block_stride, out, ldc, columns); break; \
                    case 2: TILE(2, a, k, scale, correction, sums, total_blocks, panel, nb, block_stride, out, ldc, columns); break; \
                    default: TILE(3, a, k, scale, correction, sums, total_blocks, panel, nb, block_stride, out, ldc, columns); break; \
                    }                                                                                                 \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
    }

GEMM_INT_AVX2_DRIVER(gemm_int_avx2, AVX2_TARGET, int_tile_avx2, 2, 0)
GEMM_INT_AVX2_DRIVER(gemm_int_avx_vnni, AVX_VNNI_TARGET, int_tile_avx_vnni, 3, 1)

#endif  // DECANT_X86

// MARK: - Entry points

size_t decant_gemm_workspace_bytes(int storage, int path, size_t k) {
    (void)k;
    size_t float_panel = KC_FLOAT * 32 * sizeof(float);
    size_t int_panel = (KC_INT / QBLOCK) * int_block_stride(DECANT_STORAGE_Q4, 64);
    size_t portable = KC_INT / QBLOCK * sizeof(unpacked_block) + KC_FLOAT * sizeof(float);
    (void)storage;
    (void)path;
    size_t largest = float_panel > int_panel ? float_panel : int_panel;
    return round_up(largest > portable ? largest : portable, 64);
}

int decant_gemm_run(const decant_gemm_input *in, const void *weights, size_t n_begin, size_t n_end, float *c, size_t ldc,
                    void *workspace) {
    if (!decant_gemm_path_available(in->storage, in->path) || in->k == 0) return -1;
    if (n_begin >= n_end || in->m == 0) return 0;
    const uint8_t *w = weights;
    int block = is_block_storage(in->storage);
    switch (in->path) {
    case DECANT_GEMM_PORTABLE:
        if (block) {
            gemm_int_portable(in, w, n_begin, n_end, c, ldc, workspace);
        } else {
            gemm_float_portable(in, w, n_begin, n_end, c, ldc, workspace);
        }
        return 0;
#if DECANT_X86
    case DECANT_GEMM_AVX2:
        if (block) {
            gemm_int_avx2(in, w, n_begin, n_end, c, ldc, workspace);
        } else {
            gemm_float_avx2(in, w, n_begin, n_end, c, ldc, workspace);
        }
        return 0;
    case DECANT_GEMM_AVX_VNNI:
        gemm_int_avx_vnni(in, w, n_begin, n_end, c, ldc, workspace);
        return 0;
    case DECANT_GEMM_AVX512:
        gemm_float_avx512(in, w, n_begin, n_end, c, ldc, workspace);
        return 0;
    case DECANT_GEMM_AVX512_VNNI:
        gemm_int_avx512(in, w, n_begin, n_end, c, ldc, workspace);
        return 0;
    case DECANT_GEMM_AVX512_BF16:
        gemm_bf16_avx512(in, w, n_begin, n_end, c, ldc, workspace);
        return 0;
#endif
    default: return -1;
    }
}
