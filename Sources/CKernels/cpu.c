/// CPU feature detection for the runtime choice between the scalar, AVX2 + F16C and AVX-512 + F16C kernels.
#include "CKernels.h"

int decant_cpu_has_f16c(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

int decant_cpu_has_avx512f(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

int decant_kernel_best_path(void) {
    if (!decant_cpu_has_f16c()) return DECANT_PATH_SCALAR;
    return decant_cpu_has_avx512f() ? DECANT_PATH_AVX512 : DECANT_PATH_AVX2;
}
