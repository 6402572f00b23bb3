/// Streaming tensor statistics (count, NaN/±inf counts, min, max, mean, M2) over f32, f16 and bf16 arrays, for
/// `decant inspect --stats`: AVX-512 and AVX2 loops chosen at run time, scalar fallback.
///
/// Accuracy: values are summed in f64 as deviations from a pivot (the block's first finite value), block by block
/// (4096 elements), and blocks are merged with Chan et al.'s pairwise update. Shifting by a value from the data
/// keeps Σd² − (Σd)²/n free of the cancellation a plain Σx² − (Σx)²/n suffers when |mean| ≫ std.
/// Speed: the vector loops assume every value is finite and need no per-element classification; a NaN or ±inf
/// makes the block's f64 sums non-finite (f32 values squared cannot overflow f64), and only such a block is
/// recounted by the scalar loop.
#include <math.h>
#include "kernel_support.h"

enum { STATS_BLOCK = 4096 };

void decant_stats_reset(decant_stats *stats) {
    memset(stats, 0, sizeof *stats);
    stats->min = INFINITY;
    stats->max = -INFINITY;
}

void decant_stats_merge(decant_stats *into, const decant_stats *other) {
    into->nan += other->nan;
    into->positive_infinity += other->positive_infinity;
    into->negative_infinity += other->negative_infinity;
    if (other->count == 0) return;
    if (other->min < into->min) into->min = other->min;
    if (other->max > into->max) into->max = other->max;
    double na = (double)into->count, nb = (double)other->count, n = na + nb;
    double delta = other->mean - into->mean;
    into->mean += delta * (nb / n);
    into->m2 += other->m2 + delta * delta * (na * nb / n);
    into->count += other->count;
}

/// One block's finite moments, from sums of deviations d = x − pivot.
static void finish_block(decant_stats *block, uint64_t finite, double pivot, double s1, double s2, float lo, float hi) {
    decant_stats_reset(block);
    if (finite == 0) return;
    double n = (double)finite;
    block->count = finite;
    block->mean = pivot + s1 / n;
    double m2 = s2 - s1 * (s1 / n);
    block->m2 = m2 > 0 ? m2 : 0;
    block->min = lo;
    block->max = hi;
}

/// Classifies every element; the reference path, and the fallback for blocks holding NaN or ±inf.
static void block_scalar(const float *x, size_t n, decant_stats *block) {
    uint64_t finite = 0, nan = 0, positive = 0, negative = 0;
    double pivot = 0, s1 = 0, s2 = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (isnan(v)) { nan++; continue; }
        if (isinf(v)) { if (v > 0) positive++; else negative++; continue; }
        if (finite++ == 0) pivot = v;
        double d = (double)v - pivot;
        s1 += d;
        s2 += d * d;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    finish_block(block, finite, pivot, s1, s2, lo, hi);
    block->nan = nan;
    block->positive_infinity = positive;
    block->negative_infinity = negative;
}

#if DECANT_X86
/// The SIMD paths' shared end: the elements after the last full vector, then the block's moments; 0 when the sums
/// are not finite (the block holds a NaN or ±inf, and the caller recounts it).
static int finish_vector_block(const float *x, size_t i, size_t n, double pivot, double s1, double s2, float fl, float fh,
                               decant_stats *block) {
    for (; i < n; i++) {
        double d = (double)x[i] - pivot;
        s1 += d;
        s2 += d * d;
        if (x[i] < fl) fl = x[i];
        if (x[i] > fh) fh = x[i];
    }
    if (!isfinite(s1) || !isfinite(s2)) return 0;
    finish_block(block, n, pivot, s1, s2, fl, fh);
    return 1;
}

/// Returns 0 when the block holds a NaN or ±inf (the caller recounts it), else fills `block`.
DECANT_AVX512 static int block_avx512(const float *x, size_t n, decant_stats *block) {
    double pivot = x[0];
    __m512d k = _mm512_set1_pd(pivot);
    __m512d s1a = _mm512_setzero_pd(), s1b = _mm512_setzero_pd(), s2a = _mm512_setzero_pd(), s2b = _mm512_setzero_pd();
    __m512 lo = _mm512_set1_ps(INFINITY), hi = _mm512_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        lo = _mm512_min_ps(lo, v);
        hi = _mm512_max_ps(hi, v);
        __m512d da = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), k);
        __m512d db = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))), k);
        s1a = _mm512_add_pd(s1a, da);
        s1b = _mm512_add_pd(s1b, db);
        s2a = _mm512_fmadd_pd(da, da, s2a);
        s2b = _mm512_fmadd_pd(db, db, s2b);
    }
    double s1 = _mm512_reduce_add_pd(_mm512_add_pd(s1a, s1b));
    double s2 = _mm512_reduce_add_pd(_mm512_add_pd(s2a, s2b));
    float fl = _mm512_reduce_min_ps(lo), fh = _mm512_reduce_max_ps(hi);
    return finish_vector_block(x, i, n, pivot, s1, s2, fl, fh, block);
}

DECANT_AVX2 static int block_avx2(const float *x, size_t n, decant_stats *block) {
    double pivot = x[0];
    __m256d k = _mm256_set1_pd(pivot);
    __m256d s1a = _mm256_setzero_pd(), s1b = _mm256_setzero_pd(), s2a = _mm256_setzero_pd(), s2b = _mm256_setzero_pd();
    __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
        __m256d da = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), k);
        __m256d db = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), k);
        s1a = _mm256_add_pd(s1a, da);
        s1b = _mm256_add_pd(s1b, db);
        // No FMA: the AVX2 path's CPU check does not cover it.
        s2a = _mm256_add_pd(s2a, _mm256_mul_pd(da, da));
        s2b = _mm256_add_pd(s2b, _mm256_mul_pd(db, db));
    }
    double sums1[4], sums2[4];
    float los[8], his[8];
    _mm256_storeu_pd(sums1, _mm256_add_pd(s1a, s1b));
    _mm256_storeu_pd(sums2, _mm256_add_pd(s2a, s2b));
    _mm256_storeu_ps(los, lo);
    _mm256_storeu_ps(his, hi);
    double s1 = (sums1[0] + sums1[1]) + (sums1[2] + sums1[3]);
    double s2 = (sums2[0] + sums2[1]) + (sums2[2] + sums2[3]);
    float fl = los[0], fh = his[0];
    for (int j = 1; j < 8; j++) {
        if (los[j] < fl) fl = los[j];
        if (his[j] > fh) fh = his[j];
    }
    return finish_vector_block(x, i, n, pivot, s1, s2, fl, fh, block);
}
#endif

static void block_any(const float *x, size_t n, decant_stats *block, int path) {
#if DECANT_X86
    switch (path) {
    case DECANT_PATH_AVX512: if (block_avx512(x, n, block)) return; break;
    case DECANT_PATH_AVX2: if (block_avx2(x, n, block)) return; break;
    default: break;
    }
#else
    (void)path;
#endif
    block_scalar(x, n, block);
}

void decant_stats_f32(const float *x, size_t n, decant_stats *stats, int path) {
    int usable = decant_usable_path(path);
    decant_stats block;
    for (size_t start = 0; start < n; start += STATS_BLOCK) {
        size_t length = n - start < STATS_BLOCK ? n - start : STATS_BLOCK;
        block_any(x + start, length, &block, usable);
        decant_stats_merge(stats, &block);
    }
}

/// 16-bit floats widen exactly to f32 a block at a time, through the conversion kernels.
static void stats_widened(const uint8_t *x, size_t n, decant_stats *stats, int path,
                          void (*widen)(const void *, float *, size_t, int)) {
    int usable = decant_usable_path(path);
    float buffer[STATS_BLOCK];
    decant_stats block;
    for (size_t start = 0; start < n; start += STATS_BLOCK) {
        size_t length = n - start < STATS_BLOCK ? n - start : STATS_BLOCK;
        widen(x + 2 * start, buffer, length, usable);
        block_any(buffer, length, &block, usable);
        decant_stats_merge(stats, &block);
    }
}

void decant_stats_f16(const void *x, size_t n, decant_stats *stats, int path) {
    stats_widened(x, n, stats, path, decant_f16_to_f32);
}

void decant_stats_bf16(const void *x, size_t n, decant_stats *stats, int path) {
    stats_widened(x, n, stats, path, decant_bf16_to_f32);
}
