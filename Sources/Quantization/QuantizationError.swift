import Bytes

/// Why a tensor cannot be encoded or decoded in the storage type asked for.
public enum QuantizationError: DecantError, Equatable {
    /// Block types need the last dimension to be a multiple of 32; callers fall back to a float type.
    case notBlockAligned(name: String, storage: StorageType, shape: [Int])
    case invalidShape(name: String, shape: [Int])
    /// q8 and q4 refuse NaN and ±inf: one would poison the scale of its whole block.
    case nonFiniteValue(name: String, storage: StorageType, index: Int, value: Float)
    /// A block's range does not fit the f16 scale (|x| above about 8.3e6 for q8, 9.8e5 for q4).
    case scaleOutOfRange(name: String, storage: StorageType, block: Int)
    case valueCountMismatch(name: String, shape: [Int], values: Int)
    case byteCountMismatch(name: String, storage: StorageType, expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .notBlockAligned(name, storage, shape):
            return "tensor \(name): \(storage.rawValue) needs a last dimension that is a multiple of 32, shape is \(shape)"
        case let .invalidShape(name, shape): return "tensor \(name): shape \(shape) is negative or overflows 64-bit sizes"
        case let .nonFiniteValue(name, storage, index, value):
            return "tensor \(name): \(storage.rawValue) needs finite values, element \(index) is \(value)"
        case let .scaleOutOfRange(name, storage, block):
            return "tensor \(name): block \(block) spans a range too large for an f16 \(storage.rawValue) scale"
        case let .valueCountMismatch(name, shape, values):
            return "tensor \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values)"
        case let .byteCountMismatch(name, storage, expected, found):
            return "tensor \(name): \(storage.rawValue) data should be \(expected) bytes, found \(found)"
        }
    }
}
