#ifndef DECANT_CKERNELS_H
#define DECANT_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Hot loops for Decant, each with an F16C/AVX2/AVX-512 path chosen at run time and a portable fallback.

/// 1 when the CPU has F16C (hardware f32<->f16 conversion).
int decant_cpu_has_f16c(void);
/// 1 when the CPU has AVX-512F.
int decant_cpu_has_avx512f(void);

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

#endif
