import Bytes
import Quantization
import Tensors

/// One tensor of a .decant file: its directory entry and its bytes, in place in the mapped file.
public struct NativeTensor: @unchecked Sendable {
    public let info: NativeTensorInfo
    /// Exactly `info.length` bytes, aligned to the file's alignment (≥ 64) in memory.
    public let bytes: ByteView

    public var name: String { info.name }
    public var storage: StorageType { info.storage }
    public var shape: [Int] { info.shape }
    public var count: Int { info.count }

    /// Decodes every value into `destination` (exactly `count` floats).
    public func dequantize(into destination: UnsafeMutableBufferPointer<Float>) throws(QuantizationError) {
        guard destination.count == count else { throw .valueCountMismatch(name: name, shape: shape, values: destination.count) }
        try Quantizer.decode(bytes.buffer, as: storage, name: name, into: destination)
    }

    /// The values as f32 (a copy).
    public func toFloat32() throws(QuantizationError) -> [Float] {
        var failure: QuantizationError?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(QuantizationError) { try dequantize(into: buffer) } catch { failure = error }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }

    /// A zero-copy `TensorView` for the float storage types; nil for q8/q4, which have no element dtype.
    public var tensorView: TensorView? {
        guard let dtype = storage.dtype else { return nil }
        return try? TensorView(name: name, dtype: dtype, shape: shape, storage: bytes)
    }
}
