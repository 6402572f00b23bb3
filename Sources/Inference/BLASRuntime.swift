import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// What OpenBLAS runs with, and the thread count the forward pass uses.
///
/// OpenBLAS picks its kernel family once, in its library constructor, from `OPENBLAS_CORETYPE` or CPU
/// detection; setting the variable from inside the process is too late (verified with 0.3.21). So Decant
/// cannot switch kernels in place: it reports the choice, and an executable may relaunch itself with better
/// kernels when the user left the variable unset. Measured on AMD EPYC Zen 5 (BENCHMARKS.md): Haswell kernels
/// reach ~123 GFLOP/s per core, SkylakeX ~224; Debian's 0.3.21 autodetects Cooperlake (AVX-512) there, but picks
/// slow kernels on some Sapphire Rapids VMs.
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

    /// Replaces the process with itself under `OPENBLAS_CORETYPE=<fasterCoreType>` when the variable is unset and
    /// OpenBLAS's detection left AVX-512 unused; an explicit user setting is always respected. Returns when no
    /// relaunch is needed or `execv` failed. Call first thing in `main`, before any thread starts.
    public static func relaunchWithFasterKernelsIfUnset() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = fasterCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
