#ifndef DECANT_CKERNELS_H
#define DECANT_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Hot loops for Decant, each with an F16C/AVX2/AVX-512 path chosen at run time and a portable fallback.

/// 1 when the CPU has F16C (hardware f32<->f16 conversion).
int decant_cpu_has_f16c(void);
/// 1 when the CPU has AVX-512F.
int decant_cpu_has_avx512f(void);

#endif
