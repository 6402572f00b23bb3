import CBLAS
import CKernels

/// What OpenBLAS runs with, and the thread count the forward pass uses.
///
/// OpenBLAS picks its kernel family once, in its library constructor, from `OPENBLAS_CORETYPE` or CPU
/// detection; setting the variable from inside the process is too late (verified with 0.3.21). So Decant
/// cannot switch kernels itself: it reports the choice and, when AVX-512 sits unused, which value to launch
/// with. Measured on AMD EPYC Zen 5 (BENCHMARKS.md): Haswell kernels reach ~128 GFLOP/s per core, SkylakeX ~230.
public enum BLASRuntime {
    /// The kernel family OpenBLAS selected, e.g. "Haswell", "SkylakeX", "Cooperlake".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Threads each large GEMM uses; the forward pass also splits attention heads and row kernels this many ways.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// `OPENBLAS_CORETYPE` value worth relaunching with: SkylakeX when the CPU has AVX-512F but the kernels in
    /// use are AVX2-only, nil when nothing better is available.
    public static var fasterCoreType: String? {
        let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
        guard decant_cpu_has_avx512f() != 0, !avx512Cores.contains(coreName.lowercased()) else { return nil }
        return "SkylakeX"
    }
}
