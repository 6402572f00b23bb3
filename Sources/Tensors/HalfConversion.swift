import CKernels

/// f16 and bf16 to and from f32, through the CKernels loops (AVX-512/F16C or AVX2/F16C chosen at run time).
public enum HalfConversion {
    public static func f16ToF32(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>,
                                path: KernelPath = .best) {
        precondition(src.count >= dst.count * 2, "f16 source holds fewer than \(dst.count) values")
        guard let out = dst.baseAddress, let input = src.baseAddress else { return }
        decant_f16_to_f32(input, out, dst.count, path.rawValue)
    }

    public static func bf16ToF32(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>,
                                 path: KernelPath = .best) {
        precondition(src.count >= dst.count * 2, "bf16 source holds fewer than \(dst.count) values")
        guard let out = dst.baseAddress, let input = src.baseAddress else { return }
        decant_bf16_to_f32(input, out, dst.count, path.rawValue)
    }

    /// Rounds to nearest even; NaN stays NaN. Returns how many finite values overflowed to ±inf (|x| ≥ 65520).
    @discardableResult
    public static func f32ToF16(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableRawBufferPointer,
                                path: KernelPath = .best) -> Int {
        precondition(dst.count >= src.count * 2, "f16 destination has room for fewer than \(src.count) values")
        guard let input = src.baseAddress, let out = dst.baseAddress else { return 0 }
        return decant_f32_to_f16(input, out, src.count, path.rawValue)
    }

    /// Rounds to nearest even; NaN stays NaN. Returns how many finite values overflowed to ±inf (|x| > bf16 max).
    @discardableResult
    public static func f32ToBF16(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutableRawBufferPointer,
                                 path: KernelPath = .best) -> Int {
        precondition(dst.count >= src.count * 2, "bf16 destination has room for fewer than \(src.count) values")
        guard let input = src.baseAddress, let out = dst.baseAddress else { return 0 }
        return decant_f32_to_bf16(input, out, src.count, path.rawValue)
    }
}

/// Which implementation of a CKernels loop runs. Every path gives bit-identical results; asking for more than
/// the CPU has silently runs the best it does have.
public enum KernelPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0  // DECANT_PATH_SCALAR
    case avx2 = 1    // DECANT_PATH_AVX2 (with F16C)
    case avx512 = 2  // DECANT_PATH_AVX512 (AVX-512F with F16C)

    /// The fastest path this CPU runs.
    public static let best = KernelPath(rawValue: decant_kernel_best_path()) ?? .scalar

    public var description: String {
        switch self {
        case .scalar: return "scalar"
        case .avx2: return "AVX2+F16C"
        case .avx512: return "AVX-512F+F16C"
        }
    }
}
