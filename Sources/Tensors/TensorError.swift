import Bytes

/// A tensor description that does not fit the bytes behind it.
public enum TensorError: DecantError, Equatable {
    case negativeDimension(name: String, shape: [Int])
    case negativeStride(name: String, strides: [Int])
    case rankMismatch(name: String, shape: [Int], strides: [Int])
    /// numel × element size (or the extent of the strides) does not fit in 64 bits.
    case sizeOverflow(name: String, shape: [Int])
    /// The last element the view can reach lies past the end of its storage.
    case outOfBounds(name: String, neededBytes: Int, storageBytes: Int)
    /// The view has more elements than its storage (a broadcast or overlapping view), so reading it out would
    /// cost more than the bytes behind it.
    case viewExceedsStorage(name: String, shape: [Int], strides: [Int], storageElements: Int)
    case unsupportedDType(name: String, dtype: DType, wanted: String)

    public var description: String {
        switch self {
        case let .negativeDimension(name, shape): return "tensor \(name): negative dimension in shape \(shape)"
        case let .negativeStride(name, strides): return "tensor \(name): negative stride in \(strides)"
        case let .rankMismatch(name, shape, strides):
            return "tensor \(name): shape \(shape) has \(shape.count) dimensions but strides \(strides) have \(strides.count)"
        case let .sizeOverflow(name, shape): return "tensor \(name): shape \(shape) overflows 64-bit sizes"
        case let .outOfBounds(name, needed, have):
            return "tensor \(name): needs \(needed) bytes of storage but the storage holds \(have)"
        case let .viewExceedsStorage(name, shape, strides, storageElements):
            let numel = (try? TensorView.checkedCount(shape)).map(String.init) ?? "more than 2^63"
            return "tensor \(name): shape \(shape) with strides \(strides) addresses \(numel) elements but its storage holds "
                + "\(storageElements); expected a view no larger than its storage (a broadcast or overlapping view is refused)"
        case let .unsupportedDType(name, dtype, wanted):
            return "tensor \(name): dtype \(dtype.rawValue) cannot be read as \(wanted)"
        }
    }
}
