import Bytes
import NativeFormat
import Quantization
import Tensors

/// A `WeightSource` over a `.decant` file, in whatever storage type each tensor has.
///
/// Every tensor is handed out in place: f32/f16/bf16 as views of the mapped file, q8/q4 as their blocks. The model
/// multiplies by them as they are (the products decode tile by tile), so the resident memory of a q8 model is
/// its file, and opening costs O(header): pages fault in when the first forward pass reads them.
public final class NativeWeightSource: WeightSource {
    public let file: NativeFile

    public init(file: NativeFile) {
        self.file = file
    }

    public func tensor(_ canonicalName: String) throws -> TensorView? {
        try entry(canonicalName)?.tensorView
    }

    public func quantizedTensor(_ canonicalName: String) throws -> QuantizedTensor? {
        guard let native = try entry(canonicalName), native.storage.isBlockQuantized else { return nil }
        return QuantizedTensor(name: native.name, storage: native.storage, shape: native.shape, bytes: native.bytes)
    }

    private func entry(_ name: String) throws -> NativeTensor? {
        do {
            return try file.tensor(named: name)
        } catch .tensorNotFound {
            return nil
        }
    }
}
