/// Element-wise kernels of the BERT forward pass: LayerNorm, bias + GELU, bias add and masked softmax.
///
/// Every kernel takes the instruction set to use (`DecantISA`) so tests can run each path on one machine; the
/// Swift side passes `decant_inference_best_isa()`. The scalar path evaluates the same polynomials as the vector
/// paths (not libm), so all paths agree to rounding and only the choice of FMA differs.
#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define DECANT_X86 1
#endif

int decant_inference_best_isa(void) {
#if DECANT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return DECANT_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DECANT_ISA_AVX2;
#endif
    return DECANT_ISA_PORTABLE;
}

// MARK: - Shared constants

// exp: Cephes expf. Range reduction x = n·ln2 + r with ln2 split in two for exactness, then a degree-6 polynomial.
#define EXP_HI 88.3762626647949f
#define EXP_LO (-87.3365447504019f)
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

// erf: odd/even rational minimax fit on [-4, 4] (outside it erf is ±1 in f32); about 3 ulp, no exp needed.
#define ERF_CLAMP 4.0f
#define ERF_A13 (-2.72614225801306e-10f)
#define ERF_A11 2.77068142495902e-08f
#define ERF_A9 (-2.10102402082508e-06f)
#define ERF_A7 (-5.69250639462346e-05f)
#define ERF_A5 (-7.34990630326855e-04f)
#define ERF_A3 (-2.95459980854025e-03f)
#define ERF_A1 (-1.60960333262415e-02f)
#define ERF_B8 (-1.45660718464996e-05f)
#define ERF_B6 (-2.13374055278905e-04f)
#define ERF_B4 (-1.68282697438203e-03f)
#define ERF_B2 (-7.37332916720468e-03f)
#define ERF_B0 (-1.42647390514189e-02f)

// GELU argument scales: exact 1/√2, Megatron v2.0's `x / 1.41421`, and tanh's √(2/π) with its cubic term.
#define INV_SQRT2 0.70710678118654752f
#define INV_MEGATRON_SQRT2 (1.0f / 1.41421f)
#define TANH_SCALE 0.79788456080286536f
#define TANH_CUBIC 0.044715f

static float gelu_scale(int variant) {
    return variant == DECANT_GELU_MEGATRON_ERF ? INV_MEGATRON_SQRT2 : INV_SQRT2;
}

// MARK: - Portable path

static float exp_scalar(float x) {
    x = fminf(fmaxf(x, EXP_LO), EXP_HI);
    float n = floorf(fmaf(x, LOG2E, 0.5f));
    float r = fmaf(n, -LN2_HI, x);
    r = fmaf(n, -LN2_LO, r);
    float p = fmaf(EXP_P0, r, EXP_P1);
    p = fmaf(p, r, EXP_P2);
    p = fmaf(p, r, EXP_P3);
    p = fmaf(p, r, EXP_P4);
    p = fmaf(p, r, EXP_P5);
    p = fmaf(p, r * r, r + 1.0f);
    return ldexpf(p, (int)n);
}

static float erf_scalar(float x) {
    x = fminf(fmaxf(x, -ERF_CLAMP), ERF_CLAMP);
    float x2 = x * x;
    float p = fmaf(x2, ERF_A13, ERF_A11);
    p = fmaf(x2, p, ERF_A9);
    p = fmaf(x2, p, ERF_A7);
    p = fmaf(x2, p, ERF_A5);
    p = fmaf(x2, p, ERF_A3);
    p = fmaf(x2, p, ERF_A1);
    float q = fmaf(x2, ERF_B8, ERF_B6);
    q = fmaf(x2, q, ERF_B4);
    q = fmaf(x2, q, ERF_B2);
    q = fmaf(x2, q, ERF_B0);
    return x * p / q;
}

static float gelu_scalar(float x, int variant) {
    if (variant == DECANT_GELU_TANH) {
        float u = TANH_SCALE * fmaf(TANH_CUBIC * x, x * x, x);
        // tanh(u) = 1 − 2/(e^{2u} + 1): saturates cleanly at ±1 because exp is clamped.
        float t = 1.0f - 2.0f / (exp_scalar(2.0f * u) + 1.0f);
        return 0.5f * x * (1.0f + t);
    }
    return 0.5f * x * (1.0f + erf_scalar(x * gelu_scale(variant)));
}

static void layer_norm_portable(const float *x, float *y, size_t cols, const float *gamma, const float *beta, float eps) {
    float sum = 0;
    for (size_t j = 0; j < cols; j++) sum += x[j];
    float mean = sum / (float)cols;
    float squares = 0;
    for (size_t j = 0; j < cols; j++) squares += (x[j] - mean) * (x[j] - mean);
    float inv = 1.0f / sqrtf(squares / (float)cols + eps);
    for (size_t j = 0; j < cols; j++) y[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
}

static void bias_gelu_portable(float *x, size_t cols, const float *bias, int variant) {
    for (size_t j = 0; j < cols; j++) x[j] = gelu_scalar(x[j] + (bias ? bias[j] : 0.0f), variant);
}

static void softmax_portable(float *x, size_t cols, const float *key_bias) {
    float max = -INFINITY;
    for (size_t j = 0; j < cols; j++) {
        x[j] += key_bias ? key_bias[j] : 0.0f;
        max = fmaxf(max, x[j]);
    }
    float sum = 0;
    for (size_t j = 0; j < cols; j++) {
        x[j] = exp_scalar(x[j] - max);
        sum += x[j];
    }
    float inv = 1.0f / sum;
    for (size_t j = 0; j < cols; j++) x[j] *= inv;
}

#if DECANT_X86

// MARK: - AVX-512 path (masked tails, so every element takes the vector code)

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __mmask16 tail_mask16(size_t remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << remaining) - 1u);
}

AVX512 static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LO)), _mm512_set1_ps(EXP_HI));
    __m512 n = _mm512_roundscale_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(LOG2E), _mm512_set1_ps(0.5f)),
                                    _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(EXP_P0), r, _mm512_set1_ps(EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

AVX512 static inline __m512 erf16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-ERF_CLAMP)), _mm512_set1_ps(ERF_CLAMP));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(ERF_A13), _mm512_set1_ps(ERF_A11));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(ERF_A9));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(ERF_A7));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(ERF_A5));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(ERF_A3));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(ERF_A1));
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(ERF_B8), _mm512_set1_ps(ERF_B6));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(ERF_B4));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(ERF_B2));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(ERF_B0));
    return _mm512_div_ps(_mm512_mul_ps(x, p), q);
}

AVX512 static inline __m512 gelu16(__m512 x, int variant) {
    __m512 half_x = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
    __m512 one = _mm512_set1_ps(1.0f);
    if (variant == DECANT_GELU_TANH) {
        __m512 cubic = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(TANH_CUBIC), x), _mm512_mul_ps(x, x));
        __m512 two_u = _mm512_mul_ps(_mm512_set1_ps(2.0f * TANH_SCALE), _mm512_add_ps(x, cubic));
        __m512 t = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(exp16(two_u), one)));
        return _mm512_mul_ps(half_x, _mm512_add_ps(one, t));
    }
    __m512 e = erf16(_mm512_mul_ps(x, _mm512_set1_ps(gelu_scale(variant))));
    return _mm512_mul_ps(half_x, _mm512_add_ps(one, e));
}

AVX512 static void layer_norm_avx512(const float *x, float *y, size_t cols, const float *gamma, const float *beta, float eps) {
    __m512 acc = _mm512_setzero_ps();
    for (size_t j = 0; j < cols; j += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(tail_mask16(cols - j), x + j));
    float mean = _mm512_reduce_add_ps(acc) / (float)cols;
    __m512 mean_v = _mm512_set1_ps(mean);
    acc = _mm512_setzero_ps();
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + j), mean_v);
        acc = _mm512_fmadd_ps(d, d, acc);
    }
    __m512 inv = _mm512_set1_ps(1.0f / sqrtf(_mm512_reduce_add_ps(acc) / (float)cols + eps));
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), mean_v), inv);
        __m512 out = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, gamma + j), _mm512_maskz_loadu_ps(m, beta + j));
        _mm512_mask_storeu_ps(y + j, m, out);
    }
}

AVX512 static void bias_gelu_avx512(float *x, size_t cols, const float *bias, int variant) {
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        __m512 v = _mm512_maskz_loadu_ps(m, x + j);
        if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
        _mm512_mask_storeu_ps(x + j, m, gelu16(v, variant));
    }
}

AVX512 static void softmax_avx512(float *x, size_t cols, const float *key_bias) {
    __m512 max = _mm512_set1_ps(-INFINITY);
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        __m512 v = _mm512_maskz_loadu_ps(m, x + j);
        if (key_bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, key_bias + j));
        _mm512_mask_storeu_ps(x + j, m, v);
        max = _mm512_mask_max_ps(max, m, max, v);
    }
    __m512 max_v = _mm512_set1_ps(_mm512_reduce_max_ps(max));
    __m512 sum = _mm512_setzero_ps();
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), max_v));
        _mm512_mask_storeu_ps(x + j, m, e);
        sum = _mm512_mask_add_ps(sum, m, sum, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 m = tail_mask16(cols - j);
        _mm512_mask_storeu_ps(x + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), inv));
    }
}

// MARK: - AVX2 + FMA path (vector body, portable-polynomial tail)

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)), _mm256_set1_ps(EXP_HI));
    __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(LOG2E), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(EXP_P0), r, _mm256_set1_ps(EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^n built in the exponent field; n ∈ [-126, 127] after the clamp, so the bias keeps it a normal number.
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

AVX2 static inline __m256 erf8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-ERF_CLAMP)), _mm256_set1_ps(ERF_CLAMP));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(ERF_A13), _mm256_set1_ps(ERF_A11));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(ERF_A9));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(ERF_A7));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(ERF_A5));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(ERF_A3));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(ERF_A1));
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(ERF_B8), _mm256_set1_ps(ERF_B6));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(ERF_B4));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(ERF_B2));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(ERF_B0));
    return _mm256_div_ps(_mm256_mul_ps(x, p), q);
}

AVX2 static inline __m256 gelu8(__m256 x, int variant) {
    __m256 half_x = _mm256_mul_ps(x, _mm256_set1_ps(0.5f));
    __m256 one = _mm256_set1_ps(1.0f);
    if (variant == DECANT_GELU_TANH) {
        __m256 cubic = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(TANH_CUBIC), x), _mm256_mul_ps(x, x));
        __m256 two_u = _mm256_mul_ps(_mm256_set1_ps(2.0f * TANH_SCALE), _mm256_add_ps(x, cubic));
        __m256 t = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(exp8(two_u), one)));
        return _mm256_mul_ps(half_x, _mm256_add_ps(one, t));
    }
    __m256 e = erf8(_mm256_mul_ps(x, _mm256_set1_ps(gelu_scale(variant))));
    return _mm256_mul_ps(half_x, _mm256_add_ps(one, e));
}

AVX2 static void layer_norm_avx2(const float *x, float *y, size_t cols, const float *gamma, const float *beta, float eps) {
    size_t body = cols & ~(size_t)7;
    __m256 acc = _mm256_setzero_ps();
    for (size_t j = 0; j < body; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + j));
    float sum = hsum8(acc);
    for (size_t j = body; j < cols; j++) sum += x[j];
    float mean = sum / (float)cols;
    __m256 mean_v = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    for (size_t j = 0; j < body; j += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), mean_v);
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    float squares = hsum8(acc);
    for (size_t j = body; j < cols; j++) squares += (x[j] - mean) * (x[j] - mean);
    float inv = 1.0f / sqrtf(squares / (float)cols + eps);
    __m256 inv_v = _mm256_set1_ps(inv);
    for (size_t j = 0; j < body; j += 8) {
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), mean_v), inv_v);
        _mm256_storeu_ps(y + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    for (size_t j = body; j < cols; j++) y[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
}

AVX2 static void bias_gelu_avx2(float *x, size_t cols, const float *bias, int variant) {
    size_t body = cols & ~(size_t)7;
    for (size_t j = 0; j < body; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
        _mm256_storeu_ps(x + j, gelu8(v, variant));
    }
    bias_gelu_portable(x + body, cols - body, bias ? bias + body : NULL, variant);
}

AVX2 static void softmax_avx2(float *x, size_t cols, const float *key_bias) {
    size_t body = cols & ~(size_t)7;
    __m256 max8 = _mm256_set1_ps(-INFINITY);
    for (size_t j = 0; j < body; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        if (key_bias) v = _mm256_add_ps(v, _mm256_loadu_ps(key_bias + j));
        _mm256_storeu_ps(x + j, v);
        max8 = _mm256_max_ps(max8, v);
    }
    float max = hmax8(max8);
    for (size_t j = body; j < cols; j++) {
        x[j] += key_bias ? key_bias[j] : 0.0f;
        max = fmaxf(max, x[j]);
    }
    __m256 max_v = _mm256_set1_ps(max);
    __m256 sum8 = _mm256_setzero_ps();
    for (size_t j = 0; j < body; j += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), max_v));
        _mm256_storeu_ps(x + j, e);
        sum8 = _mm256_add_ps(sum8, e);
    }
    float sum = hsum8(sum8);
    for (size_t j = body; j < cols; j++) {
        x[j] = exp_scalar(x[j] - max);
        sum += x[j];
    }
    __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (size_t j = 0; j < body; j += 8) _mm256_storeu_ps(x + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), inv));
    for (size_t j = body; j < cols; j++) x[j] *= 1.0f / sum;
}

#endif

// MARK: - Row loops with dispatch

void decant_layer_norm(const float *x, float *y, size_t rows, size_t cols, const float *gamma, const float *beta,
                       float eps, int isa) {
    for (size_t i = 0; i < rows; i++) {
        const float *in = x + i * cols;
        float *out = y + i * cols;
#if DECANT_X86
        if (isa == DECANT_ISA_AVX512) { layer_norm_avx512(in, out, cols, gamma, beta, eps); continue; }
        if (isa == DECANT_ISA_AVX2) { layer_norm_avx2(in, out, cols, gamma, beta, eps); continue; }
#endif
        layer_norm_portable(in, out, cols, gamma, beta, eps);
    }
}

void decant_bias_gelu(float *x, size_t rows, size_t cols, const float *bias, int variant, int isa) {
    for (size_t i = 0; i < rows; i++) {
        float *row = x + i * cols;
#if DECANT_X86
        if (isa == DECANT_ISA_AVX512) { bias_gelu_avx512(row, cols, bias, variant); continue; }
        if (isa == DECANT_ISA_AVX2) { bias_gelu_avx2(row, cols, bias, variant); continue; }
#endif
        bias_gelu_portable(row, cols, bias, variant);
    }
}

void decant_add_bias(float *x, size_t rows, size_t cols, const float *bias) {
    // Memory-bound: the compiler's vectorisation of this loop is as fast as hand-written intrinsics.
    for (size_t i = 0; i < rows; i++) {
        float *row = x + i * cols;
        for (size_t j = 0; j < cols; j++) row[j] += bias[j];
    }
}

void decant_softmax_rows(float *x, size_t rows, size_t cols, size_t ld, const float *key_bias, int isa) {
    for (size_t i = 0; i < rows; i++) {
        float *row = x + i * ld;
#if DECANT_X86
        if (isa == DECANT_ISA_AVX512) { softmax_avx512(row, cols, key_bias); continue; }
        if (isa == DECANT_ISA_AVX2) { softmax_avx2(row, cols, key_bias); continue; }
#endif
        softmax_portable(row, cols, key_bias);
    }
}
