/// Scalar helpers shared by the conversion and quantization kernels (private to CKernels).
#ifndef DECANT_KERNEL_SUPPORT_H
#define DECANT_KERNEL_SUPPORT_H
#include <stdint.h>
#include <string.h>
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define DECANT_X86 1
#define DECANT_AVX2 __attribute__((target("avx2,f16c")))
#define DECANT_AVX512 __attribute__((target("avx512f,f16c")))
#endif

/// The requested path, lowered to what this CPU supports.
static inline int decant_usable_path(int path) {
    int best = decant_kernel_best_path();
    return path < best ? path : best;
}

static inline uint32_t decant_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float decant_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint16_t decant_load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline void decant_store_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/// |x| ≥ 65520 rounds to infinity in binary16; these are the bits of 65520.0f.
#define DECANT_F16_OVERFLOW_BITS 0x477FF000u

/// f32 → binary16, round to nearest even, matching VCVTPS2PH bit for bit (F. Giesen's float_to_half_fast3_rtne,
/// with NaN payloads kept like the hardware does).
static inline uint16_t decant_f32_to_f16_one(float value) {
    uint32_t u = decant_bits(value);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t magnitude = u & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
    if (magnitude >= 0x47800000u) return (uint16_t)(sign | 0x7C00u);  // ≥ 65536, and ±inf
    if (magnitude < 0x38800000u) {
        // Subnormal or zero in binary16: adding 0.5 lines the binary16 ulp up with the f32 ulp, so the FPU's own
        // round-to-nearest-even does the rounding.
        float shifted = decant_float(magnitude) + 0.5f;
        return (uint16_t)(sign | (decant_bits(shifted) - 0x3F000000u));
    }
    uint32_t odd = (magnitude >> 13) & 1u;
    magnitude += 0xC8000FFFu + odd;  // re-bias the exponent (−112 << 23) and add the rounding increment
    return (uint16_t)(sign | (magnitude >> 13));
}

/// binary16 → f32 (exact), matching VCVTPH2PS bit for bit (signalling NaNs come back quiet).
static inline float decant_f16_to_f32_one(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) return decant_float(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0));
    if (exponent != 0) return decant_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    return decant_float(sign | decant_bits((float)mantissa * 0x1p-24f));  // subnormal or zero: exact
}

static inline int decant_f16_overflows(float value) {
    uint32_t magnitude = decant_bits(value) & 0x7FFFFFFFu;
    return magnitude >= DECANT_F16_OVERFLOW_BITS && magnitude < 0x7F800000u;
}

#endif
