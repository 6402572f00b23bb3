/// Native `.decant` output: every source × every storage type, re-read with the NativeFormat reader.
import Checkpoint
import Conversion
import Foundation
import Megatron
import NativeFormat
import Quantization
import JSON
import Tensors
import Testing

@Suite struct NativeConversionTests {
    @Test(arguments: allSources, StorageType.allCases)
    func convertsToEveryStorageType(source: Source, storage: StorageType) throws {
        let folder = try ScratchFolder()
        let output = folder.file("model.decant")
        let report = try Converter.convert(input: source.path, output: output,
                                           options: ConversionOptions(storage: storage, key: source.key))
        #expect(folder.contents == ["model.decant"])
        let native = try NativeFile(path: output)
        try native.verifyChecksums()
        let reference = try referenceTensors()
        #expect(native.names.count == 39)
        #expect(Set(native.names) == Set(reference.keys))
        for info in native.tensors {
            #expect(info.shape == reference[info.name]?.shape, "\(info.name)")
            let policy = QuantizationPolicy(target: storage).storage(name: info.name, shape: info.shape)
            #expect(info.storage == policy, "\(info.name)")
        }
        #expect(report.tensors.map(\.name) == native.names)
        #expect(native.metadata["family"]?.stringValue == "megatron-bert-qa")
    }

    /// The v0 archive's canonical tensors are exactly the reference export's, and f32 output keeps every bit.
    @Test(arguments: [Source(path: v0Nemo, key: nil), Source(path: tinyTLT, key: "tlt_encode")])
    func f32EqualsTheReferenceExport(source: Source) throws {
        let folder = try ScratchFolder()
        let report = try Converter.convert(input: source.path, output: folder.file("m.decant"),
                                           options: ConversionOptions(storage: .f32, key: source.key))
        let native = try NativeFile(path: folder.file("m.decant"))
        for (name, want) in try referenceTensors() {
            #expect(try native.tensor(named: name).toFloat32() == want.toFloat32(), "\(name)")
        }
        #expect(report.errors.measurements.isEmpty)
        #expect(report.tensors.allSatisfy { $0.measurement.relativeRMS == 0 && $0.measurement.maxAbsError == 0 })
        #expect(report.errorTable().contains("bit-exact"))
    }

    /// NeMo ≥ 1.10 stores Q, K and V interleaved per head: query row (head h, element e) is fused row h·3d + e.
    @Test func v2QKVSplitMatchesAHandComputation() throws {
        let folder = try ScratchFolder()
        _ = try Converter.convert(input: v2Nemo, output: folder.file("m.decant"))
        let native = try NativeFile(path: folder.file("m.decant"))
        let source = try NativeFusedQKV(layer: 1)
        let (heads, d, hidden) = (4, 16, 64)
        for (j, part) in ["query", "key", "value"].enumerated() {
            let weight = try native.tensor(named: "bert.encoder.layer.1.attention.self.\(part).weight").toFloat32()
            let bias = try native.tensor(named: "bert.encoder.layer.1.attention.self.\(part).bias").toFloat32()
            var expectedWeight: [Float] = []
            var expectedBias: [Float] = []
            for h in 0..<heads {
                for e in 0..<d {
                    let row = h * 3 * d + j * d + e
                    expectedWeight += source.weight[(row * hidden)..<((row + 1) * hidden)]
                    expectedBias.append(source.bias[row])
                }
            }
            #expect(weight == expectedWeight, "\(part)")
            #expect(bias == expectedBias, "\(part)")
        }
        // The v0 archive holds the same bytes read as [3][heads][d], so its split differs from v2's.
        _ = try Converter.convert(input: v0Nemo, output: folder.file("v0.decant"))
        let v0 = try NativeFile(path: folder.file("v0.decant"))
        #expect(try v0.tensor(named: "bert.encoder.layer.1.attention.self.key.weight").toFloat32()
                != native.tensor(named: "bert.encoder.layer.1.attention.self.key.weight").toFloat32())
    }

    @Test func metadataDescribesModelTokenizerQAAndProvenance() throws {
        let folder = try ScratchFolder()
        _ = try Converter.convert(input: tinyTLT, output: folder.file("m.decant"),
                                  options: ConversionOptions(storage: .q8, key: "tlt_encode"))
        let metadata = try NativeFile(path: folder.file("m.decant")).metadata
        let model = try #require(metadata["model"])
        #expect(model["layers"] == 2 && model["hidden"] == 64 && model["heads"] == 4 && model["ffn"] == 256)
        #expect(model["vocab"] == 120 && model["vocab_padded"] == 128 && model["positions"] == 32 && model["token_types"] == 2)
        #expect(model["layer_norm_eps"]?.doubleValue == 1e-5)
        #expect(model["activation"] == "megatron-erf" && model["naming"] == "nemo1.0" && model["qkv_layout"] == "v0")
        #expect(model["rules"]?["qkv_layout"]?.stringValue?.hasPrefix("naming nemo1.0") == true)

        let tokenizer = try #require(metadata["tokenizer"])
        let vocab = try String(contentsOfFile: referenceDirectory + "/vocab.txt", encoding: .utf8)
            .split(separator: "\n").map { JSONValue.string(String($0)) }
        #expect(tokenizer["vocab"] == .array(vocab))
        #expect(tokenizer["do_lower_case"] == true)
        #expect(tokenizer["special_token_ids"] == ["pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103])

        let qa = try #require(metadata["qa"])
        #expect(qa["max_seq_length"] == 384 && qa["doc_stride"] == 128 && qa["max_query_length"] == 64)
        #expect(qa["max_answer_length"] == 30 && qa["n_best_size"] == 20 && qa["version_2_with_negative"] == true)
        #expect(qa["null_score_diff_threshold"]?.doubleValue == 0 && qa["defaulted"] == [])

        let provenance = try #require(metadata["provenance"])
        #expect(provenance["source_name"] == "qa_megatron_tiny.tlt")
        #expect(provenance["source_sha256"]?.stringValue == sha256Hex(of: tinyTLT))
        #expect(provenance["converter"] == .string(ConversionOptions.converterVersion))
        #expect(provenance["options"] == ["dtype": "q8", "quantize_embeddings": false])
        #expect(provenance["source_layers"]?.arrayValue?.first?.stringValue?.hasPrefix("EFF v3") == true)
    }

    @Test func quantizeEmbeddingsQuantizesTheEmbeddingTables() throws {
        let folder = try ScratchFolder()
        _ = try Converter.convert(input: v0Nemo, output: folder.file("m.decant"),
                                  options: ConversionOptions(storage: .q8, quantizeEmbeddings: true))
        let native = try NativeFile(path: folder.file("m.decant"))
        #expect(try native.tensor(named: "bert.embeddings.word_embeddings.weight").storage == .q8)
        #expect(try native.tensor(named: "bert.embeddings.token_type_embeddings.weight").storage == .f32)  // 2 rows
        #expect(try native.tensor(named: "qa_outputs.weight").storage == .f32)
    }

    @Test(arguments: [StorageType.q8, .f16])
    func sameInputAndOptionsGiveIdenticalBytes(storage: StorageType) throws {
        let folder = try ScratchFolder()
        for name in ["a.decant", "b.decant"] {
            _ = try Converter.convert(input: v2Nemo, output: folder.file(name), options: ConversionOptions(storage: storage))
        }
        #expect(try bytes(of: folder.file("a.decant")) == bytes(of: folder.file("b.decant")))
    }

    @Test func errorTableGrowsWithCoarserStorage() throws {
        let folder = try ScratchFolder()
        func worst(_ storage: StorageType) throws -> Double {
            let report = try Converter.convert(input: v0Nemo, output: folder.file("\(storage).decant"),
                                               options: ConversionOptions(storage: storage))
            #expect(report.errors.measurements.count == 2 * 6)  // per layer: Q, K, V, output, intermediate, output dense
            #expect(report.errors.measurements.allSatisfy { $0.storage == storage })
            return report.errors.measurements.map(\.relativeRMS).max() ?? .nan
        }
        let (f16, q8, q4) = (try worst(.f16), try worst(.q8), try worst(.q4))
        #expect(f16 > 0 && f16 < 1e-3)
        #expect(q8 > f16 && q8 < 0.01)
        #expect(q4 > q8 && q4 < 0.15)
    }
}

/// Layer `layer`'s fused QKV weight and bias of the v2 archive, read straight from the source checkpoint.
struct NativeFusedQKV {
    let weight: [Float]
    let bias: [Float]
    init(layer: Int) throws {
        let plan = try ConversionPlan(source: try ModelSource.open(path: v2Nemo))
        let prefix = "bert_model.model.language_model.encoder.layers.\(layer).self_attention.query_key_value."
        let tensors = Dictionary(uniqueKeysWithValues: plan.source.tensors.map { ($0.name, $0) })
        weight = try #require(tensors[prefix + "weight"]).toFloat32()
        bias = try #require(tensors[prefix + "bias"]).toFloat32()
    }
}
