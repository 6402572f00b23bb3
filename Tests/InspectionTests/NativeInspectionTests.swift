/// `CheckpointReport.inspect` on .decant files written by NativeFileWriter: architecture from the metadata, q8
/// tensors measured after dequantization, and f32 tensors measured in place.
import Bytes
import Foundation
import Inspection
import NativeFormat
import Quantization
import JSON
import Testing

@Suite("Inspecting .decant files")
struct NativeInspectionTests {
    @Test("model from the metadata, f32 and q8 statistics, --tensor first values")
    func nativeFile() throws {
        let path = NSTemporaryDirectory() + "inspect-\(UInt32.random(in: 0...UInt32.max)).decant"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let matrix = pseudoRandom(64 * 32, seed: 21, mean: 0.1, spread: 0.05)
        let bias: [Float] = [1, -2, .nan, 4]
        let metadata: [String: JSONValue] = [
            "family": "megatron-bert-qa",
            "model": ["layers": 2, "hidden": 64, "heads": 4, "ffn": 256, "vocab": 120, "vocab_padded": 128,
                      "positions": 32, "token_types": 2, "naming": "nemo1.0", "qkv_layout": "v0",
                      "activation": "megatron-erf", "layer_norm_eps": 1e-5, "rules": ["qkv_layout": "naming nemo1.0"]],
        ]
        let writer = try NativeFileWriter(destination: path, metadata: metadata, plan: [
            NativeTensorSpec(name: "w", storage: .q8, shape: [64, 32]), NativeTensorSpec(name: "b", storage: .f32, shape: [4]),
        ])
        _ = try matrix.withUnsafeBufferPointer { try writer.write(name: "w", float32: $0) }
        _ = try bias.withUnsafeBufferPointer { try writer.write(name: "b", float32: $0) }
        try writer.finish()

        let report = try CheckpointReport.inspect(path: path, options: InspectionOptions(stats: true))
        #expect(report.layers.count == 1 && report.layers[0].hasPrefix(".decant v1"))
        let model = try #require(report.model)
        #expect(model.layers == 2 && model.hidden == 64 && model.heads == 4 && model.vocabPadded == 128)
        #expect(model.qkvLayout == "v0" && model.qkvLayoutRule == "naming nemo1.0")
        #expect(report.tensors.map(\.dtype) == ["q8", "f32"])
        #expect(report.tensors[0].bytes == 64 * 34)

        // q8 statistics are those of the dequantized values.
        let decoded = try NativeFile(path: path).tensor(named: "w").toFloat32()
        expectClose(try #require(report.tensors[0].stats), referenceStatistics(decoded))
        let biasStats = try #require(report.tensors[1].stats)
        #expect(biasStats.nan == 1 && biasStats.min == -2 && biasStats.max == 4 && biasStats.mean == 1)

        let detail = try CheckpointReport.inspect(path: path, options: InspectionOptions(tensor: "w", leadingValues: 3))
        #expect(detail.tensors.count == 1)
        #expect(detail.tensors[0].firstValues == decoded.prefix(3).map(Double.init))
        #expect(throws: InspectionError.tensorNotFound(name: "x", file: path, tensors: 2)) {
            try CheckpointReport.inspect(path: path, options: InspectionOptions(tensor: "x"))
        }
    }

    @Test("a .decant without a model object reports why there is no model")
    func noModel() throws {
        let path = NSTemporaryDirectory() + "inspect-\(UInt32.random(in: 0...UInt32.max)).decant"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try NativeFileWriter(destination: path, metadata: ["k": "v"],
                                          plan: [NativeTensorSpec(name: "a", storage: .f32, shape: [2])])
        _ = try [Float(1), 2].withUnsafeBufferPointer { try writer.write(name: "a", float32: $0) }
        try writer.finish()
        let report = try CheckpointReport.inspect(path: path)
        #expect(report.model == nil)
        #expect(report.modelError == "no known architecture: the .decant metadata has no model object")
        #expect(report.metadata.native?.entries == ["k": "v"])
        #expect(report.tensors.allSatisfy { $0.stats == nil } && report.stats == nil)
    }
}
