/// Values the storage types cannot hold: f16 overflow is counted and warned about, a NaN keeps a tensor f32
/// under q8 (recorded in the metadata), both through a canonical safetensors copy of the reference export.
import Bytes
import Conversion
import Foundation
import NativeFormat
import Safetensors
import Tensors
import Testing

@Suite struct ValueEdgeCaseTests {
    static let target = "bert.encoder.layer.0.intermediate.dense.weight"

    /// The reference export in `folder/hf`, with element 5 of `target` replaced by `value`.
    static func exportWithValue(_ value: Float, in folder: ScratchFolder) throws -> String {
        let directory = folder.file("hf")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["config.json", "vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: referenceDirectory + "/" + file, toPath: directory + "/" + file)
        }
        let reference = try SafetensorsFile(path: referenceDirectory + "/model.safetensors")
        let writer = try SafetensorsWriter(destination: directory + "/model.safetensors",
                                           plan: reference.entries.map { SafetensorsTensorSpec(name: $0.name, dtype: $0.dtype, shape: $0.shape) })
        for entry in writer.entries {
            var tensor = try reference.tensor(named: entry.name)
            if entry.name == target {
                var values = try tensor.toFloat32()
                values[5] = value
                let bytes = values.withUnsafeBytes { ByteView(copying: $0) }
                tensor = try TensorView(name: entry.name, dtype: .f32, shape: entry.shape, storage: bytes)
            }
            try writer.write(tensor)
        }
        try writer.finish()
        return directory + "/model.safetensors"
    }

    @Test func f16OverflowIsCountedAndWarned() throws {
        let folder = try ScratchFolder()
        let input = try Self.exportWithValue(1e6, in: folder)
        let report = try Converter.convert(input: input, output: folder.file("m.decant"), options: ConversionOptions(storage: .f16))
        #expect(report.overflowCount == 1)
        #expect(report.tensors.first { $0.name == Self.target }?.measurement.overflowCount == 1)
        #expect(report.warnings == ["\(Self.target): 1 values overflowed to ±inf in f16"])
        #expect(report.errorTable().hasSuffix("1 overflows"))
        let stored = try NativeFile(path: folder.file("m.decant")).tensor(named: Self.target).toFloat32()
        #expect(stored[5] == .infinity)
    }

    @Test func nanKeepsItsTensorF32UnderQ8() throws {
        let folder = try ScratchFolder()
        let input = try Self.exportWithValue(.nan, in: folder)
        let report = try Converter.convert(input: input, output: folder.file("m.decant"), options: ConversionOptions(storage: .q8))
        let native = try NativeFile(path: folder.file("m.decant"))
        #expect(try native.tensor(named: Self.target).storage == .f32)
        #expect(try native.tensor(named: "bert.encoder.layer.1.intermediate.dense.weight").storage == .q8)
        #expect(try native.tensor(named: Self.target).toFloat32()[5].isNaN)
        let fallback = native.metadata["provenance"]?["storage_fallbacks"]?[Self.target]?.stringValue
        #expect(fallback?.hasPrefix("kept f32: tensor \(Self.target): q8 needs finite values, element 5 is nan") == true)
        #expect(report.fallbacks.map(\.name) == [Self.target])
        #expect(report.warnings.contains { $0.hasPrefix("\(Self.target): kept f32") })
    }
}
