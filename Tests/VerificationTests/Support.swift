/// Fixture paths, and .decant files built in the test from a fixture .nemo (independent of the Conversion module).
import Bytes
import Foundation
import Inference
import Checkpoint
import Megatron
import NativeFormat
import Quantization
import JSON
import Tensors
import Testing
@testable import Verification

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }

/// The two tiny Megatron-BERT QA archives, with the golden logits `Tools/reference_inference.py` computed for each
/// with a NeMo-style forward in torch on `squad/tiny_squad.json`.
enum Tiny: String, CaseIterable, CustomStringConvertible {
    case v0 = "nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo"
    case v2 = "nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo"

    var path: String { fixture(rawValue) }
    var nemoGolden: String { fixture(self == .v0 ? "golden/tiny_v0_nemo_squad_golden.json" : "golden/tiny_v2_nemo_squad_golden.json") }
    var description: String { self == .v0 ? "v0" : "v2" }
}

/// A folder removed at deinit.
final class Scratch {
    let path = NSTemporaryDirectory() + "decant-verification-\(UInt32.random(in: 0...UInt32.max))"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Writes a .decant file of a fixture's canonical tensors in `storage` (matrix weights only, as the conversion
/// policy does), with megatron-bert-qa metadata, optionally changing one tensor's values or the metadata first.
func writeNative(_ tiny: Tiny, storage: StorageType, to path: String,
                 damage: (name: String, change: (inout [Float]) -> Void)? = nil,
                 editMetadata: (inout [String: JSONValue]) -> Void = { _ in }) throws {
    let source = try SourceWeightSource(source: .open(path: tiny.path))
    let a = source.architecture
    let policy = QuantizationPolicy(target: storage)
    let plan = source.plan.tensors.map { NativeTensorSpec(name: $0.name, storage: policy.storage(name: $0.name, shape: $0.shape), shape: $0.shape) }
    let activation: String
    switch a.activation {
    case .geluErf: activation = "erf"
    case .geluMegatronErf: activation = "megatron-erf"
    case .geluTanh: activation = "tanh"
    }
    var metadata: [String: JSONValue] = [
        "family": "megatron-bert-qa",
        "model": .object(["layers": .integer(a.layers), "hidden": .integer(a.hidden), "heads": .integer(a.heads),
                          "ffn": .integer(a.ffn), "vocab": .integer(a.vocab), "positions": .integer(a.positions),
                          "token_types": .integer(a.tokenTypes), "layer_norm_eps": .double(a.layerNormEps),
                          "activation": .string(activation)]),
        "tokenizer": .object(["type": "wordpiece", "vocab": .array(source.source.vocab!.map(JSONValue.string)),
                              "do_lower_case": true]),
        "qa": .object(["max_seq_length": 384, "doc_stride": 128, "max_query_length": 64, "max_answer_length": 30,
                       "n_best_size": 20, "null_score_diff_threshold": 0.0, "do_lower_case": true,
                       "version_2_with_negative": true]),
    ]
    editMetadata(&metadata)
    let writer = try NativeFileWriter(destination: path, metadata: metadata, plan: plan)
    for spec in plan {
        var values = try source.tensor(spec.name)!.toFloat32()
        if let damage, damage.name == spec.name { damage.change(&values) }
        try values.withUnsafeBufferPointer { _ = try writer.write(name: spec.name, float32: $0) }
    }
    try writer.finish()
}

/// A golden JSON document from cases given as dictionaries.
func goldenBytes(_ cases: [[String: JSONValue]]) throws -> ByteView {
    ByteView(copying: Array(try JSONValue.object(["cases": .array(cases.map(JSONValue.object))]).serialized().utf8))
}
