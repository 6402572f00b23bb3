import Bytes
import NativeFormat
import Quantization
import Tensors

/// A `WeightSource` over a `.decant` file, in whatever storage type each tensor has.
///
/// f32 tensors are handed out as views of the mapped file, so the model uses them in place. f16/bf16 views and
/// q8/q4 blocks are decoded to f32 once, at load (the Inference module's choice: full-speed f32 GEMMs). The
/// mapped pages of a decoded tensor are then dead weight, so each request first drops the pages of the
/// non-f32 tensors handed out before it (`MADV_DONTNEED` on a read-only private mapping: if a tensor is touched
/// again its pages are simply re-read from the page cache). Peak memory while loading is therefore the f32
/// weights plus about one tensor of the file, not the f32 weights plus the whole file.
public final class NativeWeightSource: WeightSource {
    public let file: NativeFile
    private let mapping: MappedFile?
    private var decodedEarlier: [NativeTensorInfo] = []

    public init(file: NativeFile) {
        self.file = file
        self.mapping = file.view.owner as? MappedFile
    }

    public func tensor(_ canonicalName: String) throws -> TensorView? {
        guard let native = try entry(canonicalName) else { return nil }
        guard native.storage.dtype != nil else { return nil }
        if native.storage != .f32 { decodedEarlier.append(native.info) }
        return native.tensorView
    }

    public func quantizedTensor(_ canonicalName: String) throws -> QuantizedTensor? {
        guard let native = try entry(canonicalName), native.storage.isBlockQuantized else { return nil }
        decodedEarlier.append(native.info)
        return QuantizedTensor(name: native.name, storage: native.storage, shape: native.shape, bytes: native.bytes)
    }

    /// Drops the mapped pages of every non-f32 tensor handed out so far (the model holds their f32 decoding).
    public func releaseDecodedPages() {
        guard let mapping else { return }
        for info in decodedEarlier { mapping.release(offset: file.dataOffset + info.offset, length: info.length) }
        decodedEarlier.removeAll()
    }

    private func entry(_ name: String) throws -> NativeTensor? {
        releaseDecodedPages()
        do {
            return try file.tensor(named: name)
        } catch .tensorNotFound {
            return nil
        }
    }
}
