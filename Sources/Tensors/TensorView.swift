import Bytes

/// A lazy, strided view of a tensor over bytes owned elsewhere (a mapped file, a decrypted buffer).
///
/// Constructing one validates the shape, strides and storage bounds, so every later read is in range.
public struct TensorView: @unchecked Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// In elements, like torch.
    public let strides: [Int]
    /// In elements from the start of `storage`.
    public let storageOffset: Int
    /// The whole storage the view indexes into.
    public let storage: ByteView

    /// Validates and builds a view; `strides` default to row-major contiguous.
    public init(name: String, dtype: DType, shape: [Int], strides: [Int]? = nil, storageOffset: Int = 0,
                storage: ByteView) throws(TensorError) {
        let strides = strides ?? TensorView.contiguousStrides(shape)
        guard shape.count == strides.count else { throw .rankMismatch(name: name, shape: shape, strides: strides) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(name: name, shape: shape) }
        guard strides.allSatisfy({ $0 >= 0 }), storageOffset >= 0 else { throw .negativeStride(name: name, strides: strides) }
        let numel = try TensorView.checkedCount(shape, name: name)
        if numel > 0 {
            // Last reachable element = offset + Σ (size_k − 1) · stride_k, computed without overflow.
            var last = storageOffset
            for (size, stride) in zip(shape, strides) {
                let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, o2) = last.addingReportingOverflow(step)
                guard !o1, !o2 else { throw .sizeOverflow(name: name, shape: shape) }
                last = sum
            }
            let (endElements, o3) = last.addingReportingOverflow(1)
            let (endBytes, o4) = endElements.multipliedReportingOverflow(by: dtype.size)
            guard !o3, !o4 else { throw .sizeOverflow(name: name, shape: shape) }
            guard endBytes <= storage.count else {
                throw .outOfBounds(name: name, neededBytes: endBytes, storageBytes: storage.count)
            }
        }
        // A view with more elements than its storage reads some of them more than once (a stride-0 broadcast,
        // overlapping strides). torch.save writes such a view with only its small storage, and no real weight is
        // one, but reading it out costs numel × element size however small the file: a 521-byte checkpoint can
        // declare a 1 TiB broadcast of one float. numel ≤ the storage's elements bounds every copy of a view (and
        // numel × element size) by bytes that are really there.
        let storageElements = storage.count / dtype.size
        guard numel <= storageElements else {
            throw .viewExceedsStorage(name: name, shape: shape, strides: strides, storageElements: storageElements)
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.storage = storage
    }

    /// Number of elements; checked at construction so it cannot overflow here.
    public var count: Int { shape.reduce(1, *) }
    /// At most the storage's size (checked at construction).
    public var byteCount: Int { count * dtype.size }

    public var isContiguous: Bool { strides == TensorView.contiguousStrides(shape) || count <= 1 }

    /// The same view under another name (remapping renames without copying).
    public func renamed(_ newName: String) -> TensorView {
        // The checks already passed for these exact fields.
        try! TensorView(name: newName, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset, storage: storage)
    }

    /// The elements in row-major order as bytes: zero-copy when contiguous, gathered otherwise.
    public func contiguousBytes() -> ByteView {
        if count == 0 { return .empty }
        if isContiguous {
            return try! storage.slice(offset: storageOffset * dtype.size, length: byteCount)
        }
        let out = ByteStorage(count: byteCount)
        let elementSize = dtype.size
        var index = [Int](repeating: 0, count: shape.count)
        let src = storage.buffer.baseAddress!
        var dst = out.pointer
        for _ in 0..<count {
            var element = storageOffset
            for k in 0..<shape.count { element += index[k] * strides[k] }
            dst.copyMemory(from: src + element * elementSize, byteCount: elementSize)
            dst += elementSize
            var k = shape.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return out.view
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[k] = running
            running = running &* max(shape[k], 1)
        }
        return strides
    }

    /// numel with overflow checking.
    public static func checkedCount(_ shape: [Int], name: String = "") throws(TensorError) -> Int {
        var total = 1
        for size in shape {
            guard size >= 0 else { throw .negativeDimension(name: name, shape: shape) }
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .sizeOverflow(name: name, shape: shape) }
            total = product
        }
        return total
    }
}
