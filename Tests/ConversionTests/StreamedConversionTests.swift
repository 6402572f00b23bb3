/// Converting a `.tlt` while it is decrypted: the spool is punched as tensors are written, so a second pass (a NaN
/// keeping its tensor f32 under q8) must open the source again — and still write what a plain `.nemo` gives.
import Bytes
import Checkpoint
import Codec
import Containers
import Conversion
import Foundation
import NativeFormat
import Tensors
import Testing

@Suite struct StreamedConversionTests {
    static let sourceTensor = "layers.0.mlp.dense_h_to_4h.weight"
    static let target = "bert.encoder.layer.0.intermediate.dense.weight"

    /// The v2 fixture with element 5 of `sourceTensor` set to NaN, as a `.nemo` and as a `.tlt`.
    static func nanModel(in folder: ScratchFolder) throws -> (nemo: String, tlt: String) {
        let original = try MappedFile(path: v2Nemo).view
        let index = try TarIndex(view: original)
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        for entry in index.entries where entry.isFile {
            var bytes = index.data(of: entry).array
            if entry.path.hasSuffix("model_weights.ckpt") {
                let weights = index.data(of: entry)
                let checkpoint = try TorchCheckpoint.read(weights)
                let tensor = try #require(checkpoint.tensors.first { $0.name.hasSuffix(Self.sourceTensor) })
                #expect(tensor.isContiguous && tensor.dtype == .f32)
                let at = tensor.storage.buffer.baseAddress! - weights.buffer.baseAddress! + (tensor.storageOffset + 5) * 4
                withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
            }
            try writer.addFile(entry.storedName, contents: ByteView(copying: bytes))
        }
        try writer.finish()
        let nemo = folder.file("nan.nemo")
        try Data(collected.bytes).write(to: URL(fileURLWithPath: nemo))
        let encrypted = CollectingSink()
        _ = try TAOConversion.encryptNemo(path: nemo, key: try LoadKey("tlt_encode"), to: encrypted)
        let tlt = folder.file("nan.tlt")
        try Data(encrypted.bytes).write(to: URL(fileURLWithPath: tlt))
        return (nemo, tlt)
    }

    @Test func aFallbackReopensTheSourceAndMatchesThePlainArchive() throws {
        let folder = try ScratchFolder()
        let (nemo, tlt) = try Self.nanModel(in: folder)
        let streamed = try Converter.convert(input: tlt, output: folder.file("tlt.decant"),
                                             options: ConversionOptions(storage: .q8, key: "tlt_encode"))
        let plain = try Converter.convert(input: nemo, output: folder.file("nemo.decant"), options: ConversionOptions(storage: .q8))
        #expect(streamed.fallbacks.map(\.name) == [Self.target])
        #expect(plain.fallbacks.map(\.name) == [Self.target])

        let fromTLT = try NativeFile(path: folder.file("tlt.decant"))
        let fromNemo = try NativeFile(path: folder.file("nemo.decant"))
        #expect(try fromTLT.tensor(named: Self.target).storage == .f32)
        #expect(try fromTLT.tensor(named: Self.target).toFloat32()[5].isNaN)
        #expect(fromTLT.names == fromNemo.names)
        for name in fromNemo.names {
            let a = try fromTLT.tensor(named: name), b = try fromNemo.tensor(named: name)
            #expect(a.storage == b.storage, "\(name)")
            #expect(a.bytes.buffer.elementsEqual(b.bytes.buffer), "\(name)")
        }
        // Nothing else was left in the folder.
        #expect(folder.contents == ["nan.nemo", "nan.tlt", "nemo.decant", "tlt.decant"])
    }

    /// Released tensors are refused rather than read as the zeros of a punched hole.
    @Test func aReleasedTensorIsNotReadAgain() throws {
        let folder = try ScratchFolder()
        let (_, tlt) = try Self.nanModel(in: folder)
        let source = try ModelSource.openStreaming(path: tlt, key: "tlt_encode")
        let arriving = try #require(source.arriving)
        defer { arriving.cancel() }
        let tensor = try #require(source.tensors.first { $0.name.hasSuffix(Self.sourceTensor) })
        #expect(try arriving.resolve(tensor).toFloat32()[5].isNaN)
        try arriving.release(tensor)
        #expect(throws: SourceError.bytesReleased(tensor: tensor.name)) { try arriving.resolve(tensor) }
        try arriving.finish()
    }
}
