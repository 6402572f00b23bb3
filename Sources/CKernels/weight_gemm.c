/// Matrix products against weights kept in their storage type: C[m, n] += Σ_k A[m, k] · Ŵ[n, k], where Ŵ is the
/// decoded f16, bf16, q8 or q4 weight in torch's [out, in] layout, read in place from the mapped file.
///
/// Every path walks the same loops: K in chunks, and for each chunk the weights of `NR` output columns are
/// unpacked into a small panel (transposed so one vector load holds NR columns; f16 widened to f32, q4's nibbles
/// to bytes, scales to f32), which then meets every row of A while it sits in L1. So each weight is decoded once
/// per product, never into a whole-tensor copy, and the chunk of A (M × chunk) stays in L2 across panels.
///
///   - f16 (and bf16 without AVX512-BF16): the panel holds f32, the micro-kernel is an f32 FMA tile.
///   - bf16 with AVX512-BF16: A is rounded to bf16 once per product, the panel holds bf16 pairs and
///     VDPBF16PS multiplies two pairs per lane.
///   - q8 / q4: A is quantized once per product, per row, to u8 with a scale s and a zero point z
///     (a ≈ s·(u − z)); the panel holds the int8 weights (q4: 0…15) and each 32-element block's integer dot
///     product Σ u·q runs on VPDPBUSD (AVX512-VNNI, AVX-VNNI) or on VPMADDUBSW with the sign trick (AVX2).
///     Per block the integer sum is scaled by the weight scale d into an f32 accumulator F; at the end of a chunk
///     C += s·(F − z·Σ_b d·Σq), the last term undoing the zero point with column sums taken while unpacking.
///     q4's minimum m adds m·Σ_block a, with the block sums of A taken in f32 while quantizing.
///
/// The portable path computes the same quantities in the same order without vectors, so it is the reference the
/// vector paths are tested against (formats/native.md has the block layouts).
#include "CKernels.h"
#include "kernel_support.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KC_FLOAT 256   // K per chunk for the f32 panel: A chunk (M × 256 f32) stays in L2, the panel (32 KB) in L1.
#define KC_BF16 512    // 256 bf16 pairs: the same bytes as KC_FLOAT.
#define KC_INT 1024    // 32 blocks of 32: M × 1024 bytes of u8 activations in L2.
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
    if (storage != DECANT_STORAGE_F16 && storage != DECANT_STORAGE_BF16 && !is_block_storage(storage)) return 0;
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
enum { INPUT_F32 = 0, INPUT_BF16 = 1, INPUT_U8 = 2 };

static int input_kind(int storage, int path) {
    if (is_block_storage(storage)) return INPUT_U8;
    return path == DECANT_GEMM_AVX512_BF16 ? INPUT_BF16 : INPUT_F32;
}

// MARK: - Prepared activations

size_t decant_gemm_input_bytes(int storage, int path, size_t m, size_t k) {
    switch (input_kind(storage, path)) {
    case INPUT_BF16: return round_up(m * round_up(k, 2) * 2, 64);
    case INPUT_U8:
        return round_up(m * k, 64) + round_up(m * sizeof(float), 64) + round_up(m * sizeof(int32_t), 64)
            + (storage == DECANT_STORAGE_Q4 ? round_up(m * (k / QBLOCK) * sizeof(float), 64) : 0);
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
    case INPUT_U8:
        input->quantized = cursor;
        cursor += round_up(m * k, 64);
        input->row_scale = (float *)cursor;
        cursor += round_up(m * sizeof(float), 64);
        input->row_zero = (int32_t *)cursor;
        cursor += round_up(m * sizeof(int32_t), 64);
        if (storage == DECANT_STORAGE_Q4) input->block_sums = (float *)cursor;
        break;
    default: break;
    }
    return 0;
}

/// u8 quantization of one row, given its range: identical bytes on every path (the same scalar scale, the same
/// multiplication by its reciprocal, round-half-even like CVTPS2DQ, the same clamp).
typedef struct {
    float scale;
    float inverse;
    int32_t zero;
} row_quantization;

static row_quantization row_quantization_for(float minimum, float maximum, float nonfinite) {
    row_quantization q = {0, 0, 0};
    float lo = fminf(minimum, 0), hi = fmaxf(maximum, 0);
    if (nonfinite != 0 || !isfinite(hi - lo)) {
        q.scale = NAN;  // every output of the row becomes NaN, as the f32 product would give
        return q;
    }
    if (hi == lo) return q;  // an all-zero row: every u is 0 and the scale 0
    q.scale = (hi - lo) / 255.0f;
    q.inverse = 255.0f / (hi - lo);
    float zero = nearbyintf(-lo * q.inverse);
    q.zero = (int32_t)fminf(fmaxf(zero, 0), 255);
    return q;
}

static uint8_t quantize_one(float x, row_quantization q) {
    float u = nearbyintf(x * q.inverse) + (float)q.zero;
    return (uint8_t)fminf(fmaxf(u, 0), 255);
}

static void quantize_rows_portable(const decant_gemm_input *in, size_t row_begin, size_t row_end) {
    size_t k = in->k, blocks = k / QBLOCK;
    for (size_t r = row_begin; r < row_end; r++) {
        const float *x = in->a + r * in->lda;
        float minimum = INFINITY, maximum = -INFINITY, nonfinite = 0;
        for (size_t j = 0; j < k; j++) {
            minimum = fminf(minimum, x[j]);
            maximum = fmaxf(maximum, x[j]);
            nonfinite += x[j] - x[j];
        }
        row_quantization q = row_quantization_for(minimum, maximum, nonfinite);
        in->row_scale[r] = q.scale;
        in->row_zero[r] = q.zero;
        uint8_t *u = in->quantized + r * k;
        for (size_t j = 0; j < k; j++) u[j] = isnan(q.scale) ? 0 : quantize_one(x[j], q);
        if (in->block_sums) {
            for (size_t b = 0; b < blocks; b++) {
                float sum = 0;
                for (size_t j = 0; j < QBLOCK; j++) sum += x[b * QBLOCK + j];
                in->block_sums[r * blocks + b] = sum * q.inverse;
            }
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

AVX512_TARGET static void quantize_rows_avx512(const decant_gemm_input *in, size_t row_begin, size_t row_end) {
    size_t k = in->k, blocks = k / QBLOCK;
    for (size_t r = row_begin; r < row_end; r++) {
        const float *x = in->a + r * in->lda;
        __m512 vmin = _mm512_set1_ps(INFINITY), vmax = _mm512_set1_ps(-INFINITY), vbad = _mm512_setzero_ps();
        for (size_t j = 0; j < k; j += 16) {  // k is a multiple of 32
            __m512 v = _mm512_loadu_ps(x + j);
            vmin = _mm512_min_ps(vmin, v);
            vmax = _mm512_max_ps(vmax, v);
            vbad = _mm512_add_ps(vbad, _mm512_sub_ps(v, v));
        }
        row_quantization q = row_quantization_for(_mm512_reduce_min_ps(vmin), _mm512_reduce_max_ps(vmax),
                                                  _mm512_reduce_add_ps(vbad));
        in->row_scale[r] = q.scale;
        in->row_zero[r] = q.zero;
        uint8_t *u = in->quantized + r * k;
        if (isnan(q.scale)) {
            memset(u, 0, k);
        } else {
            __m512 inverse = _mm512_set1_ps(q.inverse);
            __m512i zero = _mm512_set1_epi32(q.zero);
            for (size_t j = 0; j < k; j += 16) {
                __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + j), inverse));
                v = _mm512_add_epi32(v, zero);
                // VPMOVUSDB saturates unsigned; clamp the negative side first.
                v = _mm512_max_epi32(v, _mm512_setzero_si512());
                _mm_storeu_si128((__m128i *)(u + j), _mm512_cvtusepi32_epi8(v));
            }
        }
        if (in->block_sums) {
            for (size_t b = 0; b < blocks; b++) {
                float sum = 0;
                for (size_t j = 0; j < QBLOCK; j++) sum += x[b * QBLOCK + j];
                in->block_sums[r * blocks + b] = sum * q.inverse;
            }
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
    case INPUT_U8:
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
    default: break;
    }
}

/// One q8/q4 block's integers (q4: 0…15), scale, minimum and column sum.
typedef struct {
    int8_t q[QBLOCK];
    float d;
    float m;
    int32_t sum;
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
    int32_t sum = 0;
    for (size_t j = 0; j < QBLOCK; j++) sum += out->q[j];
    out->sum = sum;
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
            float compensation = 0;
            for (size_t b = 0; b < nb; b++) {
                unpack_block(in->storage, weights + n * stride, b0 + b, &blocks[b]);
                compensation = fmaf(blocks[b].d, (float)blocks[b].sum, compensation);
            }
            for (size_t m = 0; m < in->m; m++) {
                const uint8_t *u = in->quantized + m * k + k0;
                float f = 0;
                for (size_t b = 0; b < nb; b++) {
                    int32_t acc = 0;
                    for (size_t j = 0; j < QBLOCK; j++) acc += (int32_t)u[b * QBLOCK + j] * blocks[b].q[j];
                    f = fmaf((float)acc, blocks[b].d, f);
                    if (in->block_sums) f = fmaf(blocks[b].m, in->block_sums[m * total_blocks + b0 + b], f);
                }
                float t = fmaf(-(float)in->row_zero[m], compensation, f);
                c[m * ldc + n] = fmaf(t, in->row_scale[m], c[m * ldc + n]);
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

// q8/q4 with VPDPBUSD. Panel layout for a chunk of nb blocks: per block, 8 groups × 32 columns × 4 bytes (1024 B),
// then 32 f32 scales d, then (q4) 32 f32 minimums m; after the blocks, 32 f32 compensations Σ_b d·Σq.
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,f16c,fma")))
#define INT_MR512 6

static size_t int_block_stride(int storage, size_t nr) {
    return GROUPS * nr * 4 + nr * sizeof(float) * (storage == DECANT_STORAGE_Q4 ? 2 : 1);
}

/// The 32 bytes of integers of one block (q4 unpacked to 0…15), as 8 groups of 4.
VNNI_TARGET static inline __m256i load_block_ints(int storage, const uint8_t *row, size_t block) {
    if (storage == DECANT_STORAGE_Q8) return _mm256_loadu_si256((const __m256i *)(row + block * DECANT_Q8_BLOCK_BYTES + 2));
    __m128i packed = _mm_loadu_si128((const __m128i *)(row + block * DECANT_Q4_BLOCK_BYTES + 4));
    __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
}

VNNI_TARGET static void pack_int_avx512(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end,
                                        size_t b0, size_t nb, uint8_t *panel) {
    size_t block_stride = int_block_stride(storage, NR512);
    const __m512i ones = _mm512_set1_epi8(1);
    __m512 compensation[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t b = 0; b < nb; b += 2) {
        size_t pair = min_size(2, nb - b);
        for (size_t half = 0; half < 2; half++) {
            __m512i rows[16];
            for (size_t c = 0; c < 16; c++) {
                size_t n = n0 + half * 16 + c;
                if (n >= n_end) {
                    rows[c] = _mm512_setzero_si512();
                    continue;
                }
                const uint8_t *row = weights + n * stride;
                __m256i first = load_block_ints(storage, row, b0 + b);
                __m256i second = pair == 2 ? load_block_ints(storage, row, b0 + b + 1) : _mm256_setzero_si256();
                rows[c] = _mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1);
            }
            transpose16(rows);
            for (size_t t = 0; t < 8 * pair; t++) {
                uint8_t *block = panel + (b + t / 8) * block_stride;
                _mm512_store_si512(block + (t % 8) * NR512 * 4 + half * 64, rows[t]);
            }
            for (size_t p = 0; p < pair; p++) {
                __m512i sums = _mm512_setzero_si512();
                for (size_t g = 0; g < GROUPS; g++) sums = _mm512_dpbusd_epi32(sums, ones, rows[8 * p + g]);
                uint8_t *block = panel + (b + p) * block_stride;
                float *d = (float *)(block + GROUPS * NR512 * 4);
                for (size_t c = 0; c < 16; c++) {
                    size_t n = n0 + half * 16 + c;
                    float scale = 0, minimum = 0;
                    if (n < n_end) {
                        const uint8_t *row = weights + n * stride;
                        if (storage == DECANT_STORAGE_Q8) {
                            scale = decant_f16_to_f32_one(decant_load_u16(row + (b0 + b + p) * DECANT_Q8_BLOCK_BYTES));
                        } else {
                            const uint8_t *q = row + (b0 + b + p) * DECANT_Q4_BLOCK_BYTES;
                            scale = decant_f16_to_f32_one(decant_load_u16(q));
                            minimum = decant_f16_to_f32_one(decant_load_u16(q + 2));
                        }
                    }
                    d[half * 16 + c] = scale;
                    if (storage == DECANT_STORAGE_Q4) d[NR512 + half * 16 + c] = minimum;
                }
                __m512 dv = _mm512_load_ps(d + half * 16);
                compensation[half] = _mm512_fmadd_ps(dv, _mm512_cvtepi32_ps(sums), compensation[half]);
            }
        }
    }
    float *out = (float *)(panel + nb * block_stride);
    _mm512_store_ps(out, compensation[0]);
    _mm512_store_ps(out + 16, compensation[1]);
}

VNNI_TARGET static inline __attribute__((always_inline)) void
int_tile_avx512(size_t mr, int q4, const uint8_t *u, size_t ldu, const float *block_sums, size_t ld_sums,
                const float *scale, const int32_t *zero, const uint8_t *panel, size_t nb, size_t block_stride, float *c,
                size_t ldc, size_t columns) {
    __m512 f[INT_MR512][2];
    for (size_t r = 0; r < mr; r++) f[r][0] = f[r][1] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *block = panel + b * block_stride;
        __m512i acc[INT_MR512][2];
        for (size_t r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
        for (size_t g = 0; g < GROUPS; g++) {
            __m512i w0 = _mm512_load_si512(block + g * NR512 * 4), w1 = _mm512_load_si512(block + g * NR512 * 4 + 64);
            for (size_t r = 0; r < mr; r++) {
                int32_t group;
                memcpy(&group, u + r * ldu + b * QBLOCK + g * 4, 4);
                __m512i x = _mm512_set1_epi32(group);
                acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, w0);
                acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, w1);
            }
        }
        const float *d = (const float *)(block + GROUPS * NR512 * 4);
        __m512 d0 = _mm512_load_ps(d), d1 = _mm512_load_ps(d + 16);
        for (size_t r = 0; r < mr; r++) {
            f[r][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][0]), d0, f[r][0]);
            f[r][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][1]), d1, f[r][1]);
        }
        if (q4) {
            __m512 m0 = _mm512_load_ps(d + NR512), m1 = _mm512_load_ps(d + NR512 + 16);
            for (size_t r = 0; r < mr; r++) {
                __m512 s = _mm512_set1_ps(block_sums[r * ld_sums + b]);
                f[r][0] = _mm512_fmadd_ps(m0, s, f[r][0]);
                f[r][1] = _mm512_fmadd_ps(m1, s, f[r][1]);
            }
        }
    }
    const float *compensation = (const float *)(panel + nb * block_stride);
    __m512 k0 = _mm512_load_ps(compensation), k1 = _mm512_load_ps(compensation + 16);
    __mmask16 m0 = lanes16(columns), m1 = lanes16(columns > 16 ? columns - 16 : 0);
    for (size_t r = 0; r < mr; r++) {
        __m512 z = _mm512_set1_ps((float)zero[r]), s = _mm512_set1_ps(scale[r]);
        __m512 t0 = _mm512_fnmadd_ps(z, k0, f[r][0]), t1 = _mm512_fnmadd_ps(z, k1, f[r][1]);
        _mm512_mask_storeu_ps(c + r * ldc, m0, _mm512_fmadd_ps(t0, s, _mm512_maskz_loadu_ps(m0, c + r * ldc)));
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, _mm512_fmadd_ps(t1, s, _mm512_maskz_loadu_ps(m1, c + r * ldc + 16)));
    }
}

#define DISPATCH_INT_ROWS(MR, CALL) \
    switch (MR) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    case 4: CALL(4); break; case 5: CALL(5); break; default: CALL(6); break; }

VNNI_TARGET static void gemm_int_avx512(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,
                                        float *c, size_t ldc, uint8_t *panel) {
    size_t k = in->k, total_blocks = k / QBLOCK, stride = row_bytes(in->storage, k);
    int q4 = in->storage == DECANT_STORAGE_Q4;
    size_t block_stride = int_block_stride(in->storage, NR512);
    for (size_t k0 = 0; k0 < k; k0 += KC_INT) {
        size_t b0 = k0 / QBLOCK, nb = min_size(KC_INT, k - k0) / QBLOCK;
        for (size_t n0 = n_begin; n0 < n_end; n0 += NR512) {
            size_t columns = min_size(NR512, n_end - n0);
            pack_int_avx512(in->storage, weights, stride, n0, n_end, b0, nb, panel);
            for (size_t m0 = 0; m0 < in->m; m0 += INT_MR512) {
                size_t mr = min_size(INT_MR512, in->m - m0);
                const uint8_t *u = in->quantized + m0 * k + k0;
                const float *sums = q4 ? in->block_sums + m0 * total_blocks + b0 : NULL;
                float *out = c + m0 * ldc + n0;
                if (q4) {
#define INT_TILE_Q4(R) int_tile_avx512(R, 1, u, k, sums, total_blocks, in->row_scale + m0, in->row_zero + m0, panel, nb, \
                                       block_stride, out, ldc, columns)
                    DISPATCH_INT_ROWS(mr, INT_TILE_Q4)
#undef INT_TILE_Q4
                } else {
#define INT_TILE_Q8(R) int_tile_avx512(R, 0, u, k, NULL, 0, in->row_scale + m0, in->row_zero + m0, panel, nb, \
                                       block_stride, out, ldc, columns)
                    DISPATCH_INT_ROWS(mr, INT_TILE_Q8)
#undef INT_TILE_Q8
                }
            }
        }
    }
}

// MARK: - AVX2 paths (panels of 16 columns: two 8-lane vectors)

#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))
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

/// Up to 8 values of a f16/bf16 row as f32 (zero beyond `valid`).
AVX2_TARGET static inline __m256 load8_as_float(int storage, const uint8_t *p, size_t valid) {
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
                rows[c] = n < n_end ? load8_as_float(storage, weights + n * stride + 2 * (k0 + kk), valid) : _mm256_setzero_ps();
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

/// The integers of one block as 8 groups of 4 bytes (q4 unpacked to 0…15).
AVX2_TARGET static inline __m256i load_block_ints_avx2(int storage, const uint8_t *row, size_t block) {
    if (storage == DECANT_STORAGE_Q8) return _mm256_loadu_si256((const __m256i *)(row + block * DECANT_Q8_BLOCK_BYTES + 2));
    __m128i packed = _mm_loadu_si128((const __m128i *)(row + block * DECANT_Q4_BLOCK_BYTES + 4));
    __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
}

/// Σ of the 4 signed bytes in each 32-bit lane.
AVX2_TARGET static inline __m256i group_sums_avx2(__m256i w) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), w), _mm256_set1_epi16(1));
}

/// Panel for 16 columns: per block 8 groups × 16 columns × 4 bytes (512 B), 16 d, (q4) 16 m; then 16 compensations.
AVX2_TARGET static void pack_int_avx2(int storage, const uint8_t *weights, size_t stride, size_t n0, size_t n_end, size_t b0,
                                      size_t nb, uint8_t *panel) {
    size_t block_stride = int_block_stride(storage, NR256);
    __m256 compensation[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t b = 0; b < nb; b++) {
        uint8_t *block = panel + b * block_stride;
        float *d = (float *)(block + GROUPS * NR256 * 4);
        for (size_t half = 0; half < 2; half++) {
            __m256 rows[8];
            for (size_t c = 0; c < 8; c++) {
                size_t n = n0 + half * 8 + c;
                rows[c] = n < n_end ? _mm256_castsi256_ps(load_block_ints_avx2(storage, weights + n * stride, b0 + b))
                                    : _mm256_setzero_ps();
            }
            transpose8(rows);
            __m256i sums = _mm256_setzero_si256();
            for (size_t g = 0; g < GROUPS; g++) {
                _mm256_store_si256((__m256i *)(block + g * NR256 * 4 + half * 32), _mm256_castps_si256(rows[g]));
                sums = _mm256_add_epi32(sums, group_sums_avx2(_mm256_castps_si256(rows[g])));
            }
            for (size_t c = 0; c < 8; c++) {
                size_t n = n0 + half * 8 + c;
                float scale = 0, minimum = 0;
                if (n < n_end) {
                    const uint8_t *row = weights + n * stride;
                    if (storage == DECANT_STORAGE_Q8) {
                        scale = decant_f16_to_f32_one(decant_load_u16(row + (b0 + b) * DECANT_Q8_BLOCK_BYTES));
                    } else {
                        const uint8_t *q = row + (b0 + b) * DECANT_Q4_BLOCK_BYTES;
                        scale = decant_f16_to_f32_one(decant_load_u16(q));
                        minimum = decant_f16_to_f32_one(decant_load_u16(q + 2));
                    }
                }
                d[half * 8 + c] = scale;
                if (storage == DECANT_STORAGE_Q4) d[NR256 + half * 8 + c] = minimum;
            }
            compensation[half] = _mm256_fmadd_ps(_mm256_load_ps(d + half * 8), _mm256_cvtepi32_ps(sums), compensation[half]);
        }
    }
    float *out = (float *)(panel + nb * block_stride);
    _mm256_store_ps(out, compensation[0]);
    _mm256_store_ps(out + 8, compensation[1]);
}

/// The AVX2 and AVX-VNNI integer tiles share this body; they differ in the 4-byte dot product. AVX2 has no
/// u8×s8 → s32 instruction and VPMADDUBSW saturates at 16 bits (255·127·2 > 32767), so it multiplies the signed
/// activations s = u − 128 (|s| ≤ 128, |s·q + s·q| ≤ 32512) by the sign trick and its sums are Σ (u − 128)·q:
/// its zero point is z − 128. VPDPBUSD sums Σ u·q directly.
#define INT_MAX_MR256 3
#define INT_TILE_AVX2_BODY(DOT, ZERO_SHIFT)                                                                          \
    __m256 f[INT_MAX_MR256][2];                                                                                       \
    for (size_t r = 0; r < mr; r++) f[r][0] = f[r][1] = _mm256_setzero_ps();                                          \
    for (size_t b = 0; b < nb; b++) {                                                                                 \
        const uint8_t *block = panel + b * block_stride;                                                              \
        __m256i acc[INT_MAX_MR256][2];                                                                                \
        for (size_t r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();                               \
        for (size_t g = 0; g < GROUPS; g++) {                                                                         \
            __m256i w0 = _mm256_load_si256((const __m256i *)(block + g * NR256 * 4));                                 \
            __m256i w1 = _mm256_load_si256((const __m256i *)(block + g * NR256 * 4 + 32));                            \
            for (size_t r = 0; r < mr; r++) {                                                                         \
                int32_t group;                                                                                        \
                memcpy(&group, u + r * ldu + b * QBLOCK + g * 4, 4);                                                  \
                __m256i x = _mm256_set1_epi32(group);                                                                 \
                DOT(acc[r][0], x, w0);                                                                                \
                DOT(acc[r][1], x, w1);                                                                                \
            }                                                                                                         \
        }                                                                                                             \
        const float *d = (const float *)(block + GROUPS * NR256 * 4);                                                 \
        __m256 d0 = _mm256_load_ps(d), d1 = _mm256_load_ps(d + 8);                                                    \
        for (size_t r = 0; r < mr; r++) {                                                                             \
            f[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][0]), d0, f[r][0]);                                    \
            f[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][1]), d1, f[r][1]);                                    \
        }                                                                                                             \
        if (block_sums) {                                                                                             \
            __m256 m0 = _mm256_load_ps(d + NR256), m1 = _mm256_load_ps(d + NR256 + 8);                                \
            for (size_t r = 0; r < mr; r++) {                                                                         \
                __m256 s = _mm256_set1_ps(block_sums[r * ld_sums + b]);                                               \
                f[r][0] = _mm256_fmadd_ps(m0, s, f[r][0]);                                                            \
                f[r][1] = _mm256_fmadd_ps(m1, s, f[r][1]);                                                            \
            }                                                                                                         \
        }                                                                                                             \
    }                                                                                                                 \
    const float *compensation = (const float *)(panel + nb * block_stride);                                           \
    __m256 k0 = _mm256_load_ps(compensation), k1 = _mm256_load_ps(compensation + 8);                                  \
    size_t c0 = min_size(columns, 8), c1 = columns > 8 ? columns - 8 : 0;                                             \
    for (size_t r = 0; r < mr; r++) {                                                                                 \
        __m256 z = _mm256_set1_ps((float)(zero[r] - (ZERO_SHIFT))), s = _mm256_set1_ps(scale[r]);                     \
        store8(c + r * ldc, _mm256_fmadd_ps(_mm256_fnmadd_ps(z, k0, f[r][0]), s, load8(c + r * ldc, c0)), c0);        \
        if (c1) {                                                                                                     \
            __m256 t1 = _mm256_fnmadd_ps(z, k1, f[r][1]);                                                             \
            store8(c + r * ldc + 8, _mm256_fmadd_ps(t1, s, load8(c + r * ldc + 8, c1)), c1);                          \
        }                                                                                                             \
    }

#define DOT_AVX2(ACC, X, W)                                                                                           \
    do {                                                                                                              \
        __m256i s_ = _mm256_xor_si256((X), _mm256_set1_epi8((char)0x80));                                             \
        __m256i p_ = _mm256_maddubs_epi16(_mm256_abs_epi8(s_), _mm256_sign_epi8((W), s_));                            \
        (ACC) = _mm256_add_epi32((ACC), _mm256_madd_epi16(p_, _mm256_set1_epi16(1)));                                 \
    } while (0)

#define INT_TILE_PARAMETERS                                                                                           \
    size_t mr, const uint8_t *u, size_t ldu, const float *block_sums, size_t ld_sums, const float *scale,             \
    const int32_t *zero, const uint8_t *panel, size_t nb, size_t block_stride, float *c, size_t ldc, size_t columns

AVX2_TARGET static inline __attribute__((always_inline)) void int_tile_avx2(INT_TILE_PARAMETERS) {
    INT_TILE_AVX2_BODY(DOT_AVX2, 128)
}

#define AVX_VNNI_TARGET __attribute__((target("avx2,fma,f16c,avxvnni")))
#define DOT_AVX_VNNI(ACC, X, W) ((ACC) = _mm256_dpbusd_avx_epi32((ACC), (X), (W)))
AVX_VNNI_TARGET static inline __attribute__((always_inline)) void int_tile_avx_vnni(INT_TILE_PARAMETERS) {
    INT_TILE_AVX2_BODY(DOT_AVX_VNNI, 0)
}

/// Drives a 16-column integer tile over the panel; TILE_MR rows at a time (the sign trick needs more registers
/// per row than VPDPBUSD, so AVX2 takes 2 rows and AVX-VNNI 3 within the 16 ymm registers).
#define GEMM_INT_AVX2_DRIVER(NAME, TARGET, TILE, TILE_MR)                                                             \
    TARGET static void NAME(const decant_gemm_input *in, const uint8_t *weights, size_t n_begin, size_t n_end,        \
                            float *c, size_t ldc, uint8_t *panel) {                                                   \
        size_t k = in->k, total_blocks = k / QBLOCK, stride = row_bytes(in->storage, k);                              \
        size_t block_stride = int_block_stride(in->storage, NR256);                                                   \
        for (size_t k0 = 0; k0 < k; k0 += KC_INT) {                                                                   \
            size_t b0 = k0 / QBLOCK, nb = min_size(KC_INT, k - k0) / QBLOCK;                                          \
            for (size_t n0 = n_begin; n0 < n_end; n0 += NR256) {                                                      \
                size_t columns = min_size(NR256, n_end - n0);                                                         \
                pack_int_avx2(in->storage, weights, stride, n0, n_end, b0, nb, panel);                                \
                for (size_t m0 = 0; m0 < in->m; m0 += TILE_MR) {                                                      \
                    size_t mr = min_size(TILE_MR, in->m - m0);                                                        \
                    const uint8_t *u = in->quantized + m0 * k + k0;                                                   \
                    const float *sums = in->block_sums ? in->block_sums + m0 * total_blocks + b0 : NULL;              \
                    float *out = c + m0 * ldc + n0;                                                                   \
                    const float *scale = in->row_scale + m0;                                                          \
                    const int32_t *zero = in->row_zero + m0;                                                          \
                    switch (mr) {                                                                                     \
                    case 1: TILE(1, u, k, sums, total_blocks, scale, zero, panel, nb, block_stride, out, ldc, columns); break; \
                    case 2: TILE(2, u, k, sums, total_blocks, scale, zero, panel, nb, block_stride, out, ldc, columns); break; \
                    default: TILE(3, u, k, sums, total_blocks, scale, zero, panel, nb, block_stride, out, ldc, columns); break; \
                    }                                                                                                 \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
    }

GEMM_INT_AVX2_DRIVER(gemm_int_avx2, AVX2_TARGET, int_tile_avx2, 2)
GEMM_INT_AVX2_DRIVER(gemm_int_avx_vnni, AVX_VNNI_TARGET, int_tile_avx_vnni, 3)

#endif  // DECANT_X86

// MARK: - Entry points

size_t decant_gemm_workspace_bytes(int storage, int path, size_t k) {
    (void)k;
    size_t float_panel = KC_FLOAT * 32 * sizeof(float);
    size_t int_panel = (KC_INT / QBLOCK) * int_block_stride(DECANT_STORAGE_Q4, 32) + 32 * sizeof(float);
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
