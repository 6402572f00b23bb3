import Checkpoint
import Foundation
import Megatron
import Tensors
import Testing

/// The two synthetic QA archives end to end: open, detect, plan, materialize, and compare with the reference
/// Hugging Face export. Both archives hold byte-identical tensors; the v2 one reads its fused QKV rows in the
/// `[heads][3][d]` order, so only its QKV parts differ from the (v0) reference export.
@Suite struct NemoFixtureArchitectureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    struct Expected: Decodable {
        let naming: String
        let qkv_layout: String
        let num_layers: Int
        let hidden_size: Int
        let num_attention_heads: Int
        let vocab_size: Int
        let padded_vocab_size: Int
        let max_position_embeddings: Int
        let layernorm_epsilon: Double
    }

    static func expected(_ file: String) throws -> Expected {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("nemo/expected_outputs.json"))
        return try #require(try JSONDecoder().decode([String: Expected].self, from: data)[file])
    }

    @Test(arguments: [("qa_megatron_tiny_nemo1.0style_v0layout.nemo", "naming nemo1.0"),
                      ("qa_megatron_tiny_nemo1.10style_v2layout.nemo", "megatron_legacy false")])
    func architectureMatchesExpectedOutputs(file: String, rule: String) throws {
        let source = try ModelSource.open(path: Self.fixtures.appendingPathComponent("nemo/" + file).path)
        let a = try MegatronArchitecture.detect(tensors: source.tensors, hints: MegatronHints(settings: source.megatronSettings))
        let want = try Self.expected(file)
        #expect(a.naming.rawValue == want.naming)
        #expect(want.qkv_layout.hasPrefix(a.qkvLayout.rawValue + " "))
        #expect(a.qkvLayoutRule.hasPrefix(rule))
        #expect((a.layers, a.hidden, a.heads) == (want.num_layers, want.hidden_size, want.num_attention_heads))
        #expect((a.vocab, a.vocabPadded, a.positions) == (want.vocab_size, want.padded_vocab_size, want.max_position_embeddings))
        #expect(a.layerNormEps == want.layernorm_epsilon)
        #expect((a.tokenTypes, a.ffn, a.family) == (2, 256, "megatron-bert-qa"))
        #expect(a.headsRule == "model_config.yaml language_model.config num_attention_heads")
        #expect(a.vocabRule.hasSuffix("_tokenizer.vocab_file vocab_size"))
    }

    @Test(arguments: ["qa_megatron_tiny_nemo1.0style_v0layout.nemo", "qa_megatron_tiny_nemo1.10style_v2layout.nemo"])
    func canonicalTensorsEqualTheReferenceExport(file: String) throws {
        let source = try ModelSource.open(path: Self.fixtures.appendingPathComponent("nemo/" + file).path)
        let a = try MegatronArchitecture.detect(tensors: source.tensors, hints: MegatronHints(settings: source.megatronSettings))
        let plan = try MegatronMapping.plan(tensors: source.tensors.map(TensorSignature.init), architecture: a)
        #expect(plan.dropped.isEmpty)
        let reference = try ModelSource.open(
            path: Self.fixtures.appendingPathComponent("nemo/hf_export_reference/model.safetensors").path)
        let expected = Dictionary(uniqueKeysWithValues: reference.tensors.map { ($0.name, $0) })
        #expect(Set(plan.tensors.map(\.name)) == Set(expected.keys))
        let sources = Dictionary(uniqueKeysWithValues: source.tensors.map { ($0.name, $0) })
        for item in plan.tensors {
            let fused = try #require(sources[item.sourceNames[0]])
            let canonical = try MegatronMapping.materialize(item, source: fused)
            let want = try #require(expected[item.name])
            #expect(canonical.shape == want.shape, "\(item.name)")
            if case let .qkvSplit(part, .v2, heads) = item.transform {
                #expect(try canonical.toFloat32() == Self.v2Rows(of: fused, part: part.rawValue, heads: heads), "\(item.name)")
            } else {
                #expect(try canonical.toFloat32() == want.toFloat32(), "\(item.name)")
            }
        }
    }

    /// A model_optim_rng.pt-shaped file: its `args` reach detection, which notices they contradict the tensors.
    @Test func megatronArgsAreCrossCheckedAgainstTheTensors() throws {
        let source = try ModelSource.open(path: Self.fixtures.appendingPathComponent("torch/zip_megatron_style_nested.pt").path)
        #expect {
            try MegatronArchitecture.detect(tensors: source.tensors, hints: MegatronHints(settings: source.megatronSettings))
        } throws: { error in
            guard case let .configConflict(key, configured, fromTensors, origin)? = error as? MegatronError else { return false }
            return (key, configured, fromTensors) == ("num_layers", 2, 1) && origin.hasSuffix("args num_layers")
        }
    }

    /// Reference §2.4 for v2: canonical row i·d + e of part j is fused row i·3d + j·d + e.
    static func v2Rows(of fused: TensorView, part j: Int, heads: Int) throws -> [Float] {
        let values = try fused.toFloat32()
        let hidden = fused.shape[0] / 3
        let (d, width) = (hidden / heads, fused.shape.count == 2 ? fused.shape[1] : 1)
        var out: [Float] = []
        for i in 0..<heads {
            for e in 0..<d {
                let row = i * 3 * d + j * d + e
                out += values[(row * width)..<((row + 1) * width)]
            }
        }
        return out
    }
}
