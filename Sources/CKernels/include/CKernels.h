#ifndef DECANT_CKERNELS_H
#define DECANT_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Hot loops for Decant, each with an F16C/AVX2/AVX-512 path chosen at run time and a portable fallback.

/// 1 when the CPU has F16C (hardware f32<->f16 conversion).
int decant_cpu_has_f16c(void);
/// 1 when the CPU has AVX-512F.
int decant_cpu_has_avx512f(void);

// MARK: - Conversion, quantization and checksum kernels (engineer C)
// Each kernel takes `path`, a DECANT_PATH_* value: pass decant_kernel_best_path(), or a lower path to run the
// other implementations (tests compare them). A path above what the CPU supports is lowered to the best one it
// does, so any value is safe. All paths give bit-identical results. 16-bit and block buffers need no alignment.

enum { DECANT_PATH_SCALAR = 0, DECANT_PATH_AVX2 = 1, DECANT_PATH_AVX512 = 2 };

/// The fastest DECANT_PATH_* this CPU runs: AVX512 needs AVX-512F + F16C, AVX2 needs AVX2 + F16C.
int decant_kernel_best_path(void);

/// f32 → IEEE binary16, round to nearest even. NaN stays NaN (quieted, top payload bits kept); returns how many
/// finite inputs became ±inf (|x| ≥ 65520).
size_t decant_f32_to_f16(const float *src, void *dst, size_t n, int path);
/// binary16 → f32 (exact).
void decant_f16_to_f32(const void *src, float *dst, size_t n, int path);
/// f32 → bfloat16, round to nearest even. NaN stays NaN (quieted); returns how many finite inputs became ±inf.
size_t decant_f32_to_bf16(const float *src, void *dst, size_t n, int path);
/// bfloat16 → f32 (exact).
void decant_bf16_to_f32(const void *src, float *dst, size_t n, int path);

/// Elements per quantization block, and bytes per block (formats/native.md has the byte layouts).
enum { DECANT_QBLOCK = 32, DECANT_Q8_BLOCK_BYTES = 34, DECANT_Q4_BLOCK_BYTES = 20 };
/// Results of the block encoders.
enum { DECANT_QUANT_OK = 0, DECANT_QUANT_NONFINITE = 1, DECANT_QUANT_SCALE_OVERFLOW = 2 };

/// q8: per block an f16 scale d ≥ max|x|/127 then 32 int8 q = clamp(rne(x/d), −127, 127); x̂ = d·q.
/// Returns DECANT_QUANT_*; on failure *bad_block is the first failing block.
int decant_q8_encode(const float *src, void *dst, size_t blocks, int path, size_t *bad_block);
void decant_q8_decode(const void *src, float *dst, size_t blocks, int path);
/// q4: per block f16 scale d, f16 minimum m ≤ min x, then 16 bytes of nibbles q = clamp(rne((x−m)/d), 0, 15);
/// byte j holds element j in its low nibble and element j+16 in its high nibble; x̂ = d·q + m.
int decant_q4_encode(const float *src, void *dst, size_t blocks, int path, size_t *bad_block);
void decant_q4_decode(const void *src, float *dst, size_t blocks, int path);

/// Running totals for ‖x − x̂‖, ‖x‖ and max |x − x̂| over elements whose reference is finite.
typedef struct {
    double sum_squared_error;
    double sum_squared_reference;
    double max_abs_error;
    uint64_t compared;
    /// Reference elements that are NaN or ±inf (not compared).
    uint64_t skipped;
} decant_error_totals;
void decant_accumulate_error(const float *reference, const float *approximation, size_t n, decant_error_totals *totals,
                             int path);

/// XXH64 (xxHash, Yann Collet), one-shot and streaming.
uint64_t decant_xxh64(const void *data, size_t length, uint64_t seed);
typedef struct {
    uint64_t total_length;
    uint64_t lanes[4];
    uint64_t seed;
    uint8_t buffer[32];
    uint32_t buffered;
} decant_xxh64_state;
void decant_xxh64_reset(decant_xxh64_state *state, uint64_t seed);
void decant_xxh64_update(decant_xxh64_state *state, const void *data, size_t length);
uint64_t decant_xxh64_digest(const decant_xxh64_state *state);

// MARK: - Inference kernels (engineer E; inference_kernels.c)
// Row-wise kernels of the BERT forward pass. `isa` selects the code path: pass decant_inference_best_isa(), or a
// lower level to exercise the other paths. Rows are contiguous unless a leading dimension `ld` is given.

enum { DECANT_ISA_PORTABLE = 0, DECANT_ISA_AVX2 = 1, DECANT_ISA_AVX512 = 2 };
enum { DECANT_GELU_ERF = 0, DECANT_GELU_MEGATRON_ERF = 1, DECANT_GELU_TANH = 2 };

/// The best `DECANT_ISA_*` level this CPU runs.
int decant_inference_best_isa(void);
/// y[i] = (x[i] − mean) / √(var + eps) · gamma + beta for each of `rows` rows of `cols` floats (x and y may alias).
void decant_layer_norm(const float *x, float *y, size_t rows, size_t cols, const float *gamma, const float *beta,
                       float eps, int isa);
/// x = GELU(x + bias) in place; `bias` (cols floats) may be NULL; `variant` is a DECANT_GELU_* value.
void decant_bias_gelu(float *x, size_t rows, size_t cols, const float *bias, int variant, int isa);
/// x += bias for each row.
void decant_add_bias(float *x, size_t rows, size_t cols, const float *bias);
/// Softmax of each row of `cols` floats after adding `key_bias` (cols floats, NULL for none); rows are `ld` apart.
void decant_softmax_rows(float *x, size_t rows, size_t cols, size_t ld, const float *key_bias, int isa);


// MARK: - Products with weights in their storage type (weight_gemm.c)
// C[m, n] += Σ_k A[m, k] · Ŵ[n, k] for the Linear layers, Ŵ being f32/f16/bf16/q8/q4 weights ([N, K], row-major, in the
// .decant byte layouts) read in place. Each path is a separate implementation; a path the CPU lacks is refused
// (-1), never lowered, so a test can tell "ran" from "skipped". All paths of a storage type agree within the
// bounds Tests/InferenceTests/WeightGEMMTests.swift states; q8/q4 quantize the activations to int8 in blocks of 32.

/// Storage codes, the same numbers as the .decant directory.
enum { DECANT_STORAGE_F32 = 0, DECANT_STORAGE_F16 = 1, DECANT_STORAGE_BF16 = 2, DECANT_STORAGE_Q8 = 3, DECANT_STORAGE_Q4 = 4 };
/// Implementations: PORTABLE (plain C, every storage), AVX2 (AVX2 + FMA + F16C; q8/q4 by VPMADDUBSW),
/// AVX_VNNI (q8/q4, 256-bit VPDPBUSD), AVX512 (f32/f16/bf16, AVX-512 F/BW/VL FMA), AVX512_VNNI (q8/q4, 512-bit
/// VPDPBUSD), AVX512_BF16 (bf16, VDPBF16PS on bf16-rounded activations).
enum { DECANT_GEMM_PORTABLE = 0, DECANT_GEMM_AVX2 = 1, DECANT_GEMM_AVX_VNNI = 2, DECANT_GEMM_AVX512 = 3,
       DECANT_GEMM_AVX512_VNNI = 4, DECANT_GEMM_AVX512_BF16 = 5 };

/// 1 when `path` implements `storage` and this CPU runs it.
int decant_gemm_path_available(int storage, int path);
/// The fastest available path for `storage`.
int decant_gemm_best_path(int storage);

/// The activations of one product, and what the path made of them (pointers into the caller's buffer).
typedef struct {
    int storage;
    int path;
    size_t m;
    size_t k;
    const float *a;
    size_t lda;
    /// q8/q4: m × k int8, quantized in blocks of 32 along k: a[r][j] ≈ block_scale[r][j / 32] · quantized[r][j].
    int8_t *quantized;
    /// m × k/32: each block's scale (max |a| / 127; NaN for a block holding NaN or ±inf), −128 · Σ quantized (the
    /// start of a q8 block's VPDPBUSD sum, whose weights carry + 128) and, for q4, the exact f32 Σ a.
    float *block_scale;
    int32_t *block_correction;
    float *block_sums;
    /// AVX512_BF16: the rows rounded to bf16, bf16_ld (k rounded up to even, zero-padded) apart.
    uint16_t *bf16;
    size_t bf16_ld;
} decant_gemm_input;

/// Bytes of the buffer decant_gemm_input_init needs (0 when the path reads A as it is).
size_t decant_gemm_input_bytes(int storage, int path, size_t m, size_t k);
/// Sets `input` up over `buffer` (64-byte aligned); -1 when the path is unavailable or K does not fit the storage.
int decant_gemm_input_init(decant_gemm_input *input, int storage, int path, const float *a, size_t lda, size_t m,
                           size_t k, void *buffer);
/// Quantizes or converts rows [row_begin, row_end) of A; every row must be prepared before decant_gemm_run.
void decant_gemm_input_prepare(const decant_gemm_input *input, size_t row_begin, size_t row_end);
/// Bytes of the per-thread scratch decant_gemm_run needs (64-byte aligned).
size_t decant_gemm_workspace_bytes(int storage, int path, size_t k);
/// C[m, n] += Σ_k A[m, k] · Ŵ[n, k] for n in [n_begin, n_end); `weights` is the whole [N, K] matrix. Threads may run
/// disjoint column ranges at once, each with its own workspace. Returns 0, or -1 for an unavailable path.
int decant_gemm_run(const decant_gemm_input *input, const void *weights, size_t n_begin, size_t n_end, float *c,
                    size_t ldc, void *workspace);


// MARK: - Tensor statistics (engineer G; stats_moments.c)
// Streaming moments for `decant inspect --stats`. Start with decant_stats_reset, feed any number of chunks (the
// totals are those of the concatenation), merge partial totals with decant_stats_merge. `path` as above; the
// paths agree to f64 rounding (they sum in different orders), not bit for bit.

/// Running totals over the finite values, with NaN and ±inf counted apart.
typedef struct {
    /// Finite values seen.
    uint64_t count;
    uint64_t nan;
    uint64_t positive_infinity;
    uint64_t negative_infinity;
    /// Over finite values; +inf and −inf while count is 0.
    double min;
    double max;
    double mean;
    /// Σ (x − mean)² over finite values: variance = m2 / count.
    double m2;
} decant_stats;
void decant_stats_reset(decant_stats *stats);
void decant_stats_merge(decant_stats *into, const decant_stats *other);
void decant_stats_f32(const float *x, size_t n, decant_stats *stats, int path);
/// IEEE binary16 values (2 bytes each, any alignment).
void decant_stats_f16(const void *x, size_t n, decant_stats *stats, int path);
/// bfloat16 values (2 bytes each, any alignment).
void decant_stats_bf16(const void *x, size_t n, decant_stats *stats, int path);

#endif
