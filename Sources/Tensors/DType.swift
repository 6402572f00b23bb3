/// Dtypes, shapes and zero-copy tensor views over bytes; half-precision conversion.
///
/// Everything upstream (torch checkpoints, safetensors, native files) hands tensors to the rest of Decant
/// as `TensorView`s: a dtype, a shape and strides over bytes somebody else owns.

/// An element type as stored in a checkpoint.
public enum DType: String, Sendable, CaseIterable, Codable, Hashable {
    case f64, f32, f16, bf16
    case i64, i32, i16, i8
    case u64, u32, u16, u8
    case bool
    /// 8-bit floats (OCP FP8): E4M3 is torch's `float8_e4m3fn` (bias 7, no infinities, NaN = S.1111.111), E5M2
    /// is IEEE-like (bias 15, with infinities), E8M0 is an unsigned power of two (`float8_e8m0fnu`, 0xFF = NaN)
    /// used for block scales.
    case f8E4M3 = "f8_e4m3", f8E5M2 = "f8_e5m2", f8E8M0 = "f8_e8m0"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2, .f8E8M0: return 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16, .f8E4M3, .f8E5M2, .f8E8M0: return true
        default: return false
        }
    }

    /// The dtype tag safetensors uses ("F32", "BF16", …).
    public var safetensorsName: String {
        switch self {
        case .f64: return "F64"
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .i64: return "I64"
        case .i32: return "I32"
        case .i16: return "I16"
        case .i8: return "I8"
        case .u64: return "U64"
        case .u32: return "U32"
        case .u16: return "U16"
        case .u8: return "U8"
        case .bool: return "BOOL"
        case .f8E4M3: return "F8_E4M3"
        case .f8E5M2: return "F8_E5M2"
        case .f8E8M0: return "F8_E8M0"
        }
    }

    public init?(safetensorsName: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsName == safetensorsName }) else { return nil }
        self = match
    }
}
