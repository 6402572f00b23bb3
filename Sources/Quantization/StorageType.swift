import CKernels
import Tensors

/// How a tensor's values are stored: plain floats or blocks of 32 small integers with scales.
///
/// Blocks run along the last dimension (the input dimension of a torch `[out, in]` weight), so a row is a whole
/// number of blocks and a matrix-vector product can decode one block at a time.
///   - `q8`: 34 bytes per block = f16 scale d (LE) + 32 × int8 q; x̂ = d·q  (ggml Q8_0 layout).
///   - `q4`: 20 bytes per block = f16 scale d + f16 minimum m + 16 bytes of nibbles; byte j holds element j in its
///     low nibble and element j+16 in its high nibble; x̂ = d·q + m  (ggml Q4_1 layout).
public enum StorageType: String, Sendable, CaseIterable, Codable, Hashable {
    case f32, f16, bf16, q8, q4

    /// Elements per block: 1 for the float types.
    public var blockElements: Int { isBlockQuantized ? Int(DECANT_QBLOCK) : 1 }

    public var bytesPerBlock: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q8: return Int(DECANT_Q8_BLOCK_BYTES)
        case .q4: return Int(DECANT_Q4_BLOCK_BYTES)
        }
    }

    public var isBlockQuantized: Bool { self == .q8 || self == .q4 }

    /// Average bits per value, scales included (8.5 for q8, 5 for q4).
    public var bitsPerValue: Double { Double(bytesPerBlock * 8) / Double(blockElements) }

    /// The float dtype with the same bytes, for the types a `TensorView` can describe.
    public var dtype: DType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .q8, .q4: return nil
        }
    }

    /// Whether a tensor of `shape` can be stored this way: block types need a last dimension that is a
    /// multiple of 32 (a scalar has no last dimension).
    public func canStore(shape: [Int]) -> Bool {
        guard isBlockQuantized else { return true }
        guard let last = shape.last else { return false }
        return last % blockElements == 0
    }

    /// Bytes a tensor of `shape` occupies, with overflow and block-alignment checks.
    public func byteCount(shape: [Int], name: String = "") throws(QuantizationError) -> Int {
        guard shape.allSatisfy({ $0 >= 0 }), let count = try? TensorView.checkedCount(shape) else {
            throw .invalidShape(name: name, shape: shape)
        }
        guard canStore(shape: shape) else { throw .notBlockAligned(name: name, storage: self, shape: shape) }
        let (bytes, overflow) = (count / blockElements).multipliedReportingOverflow(by: bytesPerBlock)
        guard !overflow else { throw .invalidShape(name: name, shape: shape) }
        return bytes
    }
}
