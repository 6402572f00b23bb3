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

/// The three 8-bit float formats to f32, by a table per format: every one of their values is exact in f32.
public enum Float8Conversion {
    public static func toF32(_ byte: UInt8, _ dtype: DType) -> Float {
        switch dtype {
        case .f8E4M3: return e4m3[Int(byte)]
        case .f8E5M2: return e5m2[Int(byte)]
        case .f8E8M0: return e8m0[Int(byte)]
        default: preconditionFailure("\(dtype) is not an 8-bit float")
        }
    }

    public static func toF32(_ src: UnsafeRawBufferPointer, _ dtype: DType, into dst: UnsafeMutableBufferPointer<Float>) {
        precondition(src.count >= dst.count, "\(dtype) source holds fewer than \(dst.count) values")
        for i in 0..<dst.count { dst[i] = toF32(src[i], dtype) }
    }

    /// OCP E4M3 (torch `float8_e4m3fn`): bias 7, subnormals, ±448 largest, no infinities, NaN only at S.1111.111.
    private static let e4m3: [Float] = (0...255).map { bits in
        let exponent = (bits >> 3) & 0xF, mantissa = bits & 7
        if exponent == 15 && mantissa == 7 { return .nan }
        let magnitude = exponent == 0 ? Float(mantissa) * 0x1p-9 : Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 10, significand: 1)
        return bits & 0x80 != 0 ? -magnitude : magnitude
    }

    /// OCP E5M2: IEEE layout with bias 15, subnormals, infinities and NaNs.
    private static let e5m2: [Float] = (0...255).map { bits in
        let exponent = (bits >> 2) & 0x1F, mantissa = bits & 3
        let magnitude: Float
        if exponent == 31 {
            magnitude = mantissa == 0 ? .infinity : .nan
        } else {
            magnitude = exponent == 0 ? Float(mantissa) * 0x1p-16 : Float(4 + mantissa) * Float(sign: .plus, exponent: exponent - 17, significand: 1)
        }
        return bits & 0x80 != 0 ? -magnitude : magnitude
    }

    /// OCP E8M0 (torch `float8_e8m0fnu`): 2^(bits − 127), no sign, no zero, 0xFF is NaN.
    private static let e8m0: [Float] = (0...255).map { bits in
        bits == 255 ? .nan : Float(sign: .plus, exponent: bits - 127, significand: 1)
    }
}
