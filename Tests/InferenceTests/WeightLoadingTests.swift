import Bytes
import CKernels
import Foundation
@testable import Inference
import Quantization
import Tensors
import Testing

/// How the model takes its weights from a `WeightSource`, and how it refuses bad ones.
@Suite struct WeightLoadingTests {
    static func logits(_ model: BertQAModel) throws -> (start: [Float], end: [Float]) {
        let golden = try Fixtures.goldenCases()[0]
        return try model.logits(inputIds: [golden.input_ids], tokenTypeIds: [golden.token_type_ids],
                                attentionMask: [golden.attention_mask])[0]
    }

    @Test func missingTensorIsNamed() throws {
        var weights = try Fixtures.hfWeights()
        weights["bert.encoder.layer.1.output.dense.bias"] = nil
        #expect(throws: InferenceError.missingTensor(name: "bert.encoder.layer.1.output.dense.bias")) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: weights)
        }
    }

    @Test func wrongShapeIsReported() throws {
        var weights = try Fixtures.hfWeights()
        weights["qa_outputs.weight"] = try Fixtures.tensor("qa_outputs.weight", Array(repeating: 0, count: 3 * 64), shape: [3, 64])
        #expect(throws: InferenceError.shapeMismatch(name: "qa_outputs.weight", expected: [2, 64], found: [3, 64])) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: weights)
        }
    }

    @Test func tooFewEmbeddingRowsAreReported() throws {
        var config = try Fixtures.hfConfig()
        config.vocab = 121
        #expect(throws: InferenceError.shapeMismatch(name: "bert.embeddings.word_embeddings.weight", expected: [-1, 64],
                                                     found: [120, 64])) {
            try BertQAModel(config: config, weights: Fixtures.hfWeights())
        }
    }

    @Test func integerTensorIsRefused() throws {
        var weights = try Fixtures.hfWeights()
        weights["bert.encoder.ln.bias"] = try Fixtures.tensor("bert.encoder.ln.bias", Array(repeating: 0, count: 64),
                                                              shape: [64], dtype: .i32)
        #expect(throws: InferenceError.unsupportedDType(name: "bert.encoder.ln.bias", dtype: .i32)) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: weights)
        }
    }

    @Test func sourceErrorsAreWrappedWithTheTensorName() throws {
        struct Broken: WeightSource {
            struct Failure: DecantError { var description: String { "disk on fire" } }
            func tensor(_ canonicalName: String) throws -> TensorView? { throw Failure() }
        }
        #expect(throws: InferenceError.sourceFailed(name: "bert.embeddings.word_embeddings.weight", reason: "disk on fire")) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: Broken())
        }
    }

    /// Megatron checkpoints pad the vocabulary to a multiple of 128; the extra rows are never indexed.
    @Test func paddedVocabularyGivesTheSameLogits() throws {
        var weights = try Fixtures.hfWeights()
        let name = "bert.embeddings.word_embeddings.weight"
        let padded = try weights[name]!.toFloat32() + Array(repeating: 9, count: 8 * 64)
        weights[name] = try Fixtures.tensor(name, padded, shape: [128, 64])
        let reference = try Self.logits(Fixtures.model())
        let result = try Self.logits(BertQAModel(config: Fixtures.hfConfig(), weights: weights))
        #expect(result.start == reference.start)
        #expect(result.end == reference.end)
    }

    /// f16 matrices are multiplied as f16, in place; only the 1-D parameters (a few KB) are widened to f32.
    @Test func halfPrecisionWeightsAreUsedInPlace() throws {
        var weights: [String: TensorView] = [:]
        for (name, view) in try Fixtures.hfWeights() {
            weights[name] = try Fixtures.tensor(name, view.toFloat32(), shape: view.shape, dtype: .f16)
        }
        let config = try Fixtures.hfConfig()
        let model = try BertQAModel(config: config, weights: weights)
        let h = config.hidden
        let matrixValues = config.layers * (4 * h * h + 2 * h * config.ffn) + 2 * h
            + (config.vocab + config.positions + config.tokenTypes) * h
        let vectorValues = config.layers * (2 * h + 3 * h + h + 2 * h + config.ffn + h) + 2 * h + 2
        #expect(model.borrowedWeightBytes == 2 * matrixValues)
        #expect(model.ownedWeightBytes == 4 * vectorValues)
        let golden = try Fixtures.goldenCases()[0]
        let result = try Self.logits(model)
        let difference = maxUnmaskedDifference(result.start, golden.start_logits, mask: golden.attention_mask)
        // f16 rounding of the weights moves the logits, but only a little.
        #expect(difference > 1e-6 && difference < 0.05)
    }

    /// A source that keeps matrices as q8 blocks (a quantized native file) is multiplied by them in place.
    @Test func quantizedMatricesAreUsedInPlace() throws {
        struct QuantizedSource: WeightSource {
            let plain: [String: TensorView]
            let quantized: [String: QuantizedTensor]
            func tensor(_ name: String) throws -> TensorView? { plain[name] }
            func quantizedTensor(_ name: String) throws -> QuantizedTensor? { quantized[name] }
        }
        var plain = try Fixtures.hfWeights()
        var quantized: [String: QuantizedTensor] = [:]
        for (name, view) in plain where view.shape.count == 2 && name.hasPrefix("bert.encoder.") {
            let values = try view.toFloat32()
            let storage = ByteStorage(count: try StorageType.q8.byteCount(shape: view.shape))
            try values.withUnsafeBufferPointer { buffer in
                _ = try Quantizer.encode(buffer, as: .q8, shape: view.shape, name: name, into: storage.mutableBuffer)
            }
            quantized[name] = QuantizedTensor(name: name, storage: .q8, shape: view.shape, bytes: storage.view)
            plain[name] = nil
        }
        #expect(quantized.count == 12)
        let model = try BertQAModel(config: Fixtures.hfConfig(), weights: QuantizedSource(plain: plain, quantized: quantized))
        // The model owns only the fused Q/K/V biases; the 12 matrices stay q8 (34 bytes per 32 values).
        #expect(model.ownedWeightBytes == 2 * 3 * 64 * 4)
        #expect(model.borrowedWeightBytes >= 2 * (4 * 64 * 64 + 2 * 64 * 256) / 32 * 34)
        let golden = try Fixtures.goldenCases()[0]
        let difference = maxUnmaskedDifference(try Self.logits(model).start, golden.start_logits, mask: golden.attention_mask)
        #expect(difference > 1e-5 && difference < 0.1)
    }

    /// The tiny model with its matrices in `storage` (q8/q4 as blocks, f16/bf16 as views), everything else f32.
    static func storedSource(_ storage: StorageType) throws -> some WeightSource {
        struct Stored: WeightSource {
            let plain: [String: TensorView]
            let quantized: [String: QuantizedTensor]
            func tensor(_ name: String) throws -> TensorView? { plain[name] }
            func quantizedTensor(_ name: String) throws -> QuantizedTensor? { quantized[name] }
        }
        var plain = try Fixtures.hfWeights()
        var quantized: [String: QuantizedTensor] = [:]
        for (name, view) in plain where view.shape.count == 2 && name.hasPrefix("bert.encoder.") {
            let values = try view.toFloat32()
            let bytes = ByteStorage(count: try storage.byteCount(shape: view.shape))
            try values.withUnsafeBufferPointer { buffer in
                _ = try Quantizer.encode(buffer, as: storage, shape: view.shape, name: name, into: bytes.mutableBuffer)
            }
            if let dtype = storage.dtype {
                plain[name] = try TensorView(name: name, dtype: dtype, shape: view.shape, storage: bytes.view)
            } else {
                quantized[name] = QuantizedTensor(name: name, storage: storage, shape: view.shape, bytes: bytes.view)
                plain[name] = nil
            }
        }
        return Stored(plain: plain, quantized: quantized)
    }

    /// Every product kernel this CPU runs gives the tiny model's logits as the portable one does; unavailable
    /// kernels are refused by the model rather than replaced.
    @Test(arguments: [StorageType.f32, .f16, .bf16, .q8, .q4])
    func everyProductKernelGivesTheSameLogits(storage: StorageType) throws {
        let config = try Fixtures.hfConfig()
        let source = try Self.storedSource(storage)
        let portable = try Self.logits(BertQAModel(config: config, weights: source,
                                                   productPaths: [storage: Int32(DECANT_GEMM_PORTABLE)]))
        let golden = try Fixtures.goldenCases()[0]
        // The storage type's own error against f32 (formats/verify.md measures it on these weights).
        let storageError: [StorageType: Float] = [.f32: 1e-4, .f16: 0.02, .bf16: 0.2, .q8: 0.3, .q4: 3]
        #expect(maxUnmaskedDifference(portable.start, golden.start_logits, mask: golden.attention_mask) < storageError[storage]!)
        var ran = 0
        for path in Int32(DECANT_GEMM_PORTABLE)...Int32(DECANT_GEMM_AVX512_BF16) {
            guard decant_gemm_path_available(storage.kernelCode, path) != 0 else {
                #expect(throws: InferenceError.self) {
                    try BertQAModel(config: config, weights: source, productPaths: [storage: path])
                }
                continue
            }
            let result = try Self.logits(BertQAModel(config: config, weights: source, productPaths: [storage: path]))
            // bf16-rounded activations (AVX512-BF16) move logits of ±10 by a few 1e-3; the rest agree to rounding.
            let limit: Float = path == Int32(DECANT_GEMM_AVX512_BF16) ? 0.05 : 1e-3
            #expect(maxUnmaskedDifference(result.start, portable.start, mask: golden.attention_mask) < limit, "path \(path)")
            #expect(maxUnmaskedDifference(result.end, portable.end, mask: golden.attention_mask) < limit, "path \(path)")
            ran += 1
        }
        #expect(ran >= 1)
    }

    @Test func quantizedTensorOfTheWrongShapeIsRefusedBeforeDecoding() throws {
        struct OneQuantized: WeightSource {
            let plain: [String: TensorView]
            let bad: QuantizedTensor
            func tensor(_ name: String) throws -> TensorView? { name == bad.name ? nil : plain[name] }
            func quantizedTensor(_ name: String) throws -> QuantizedTensor? { name == bad.name ? bad : nil }
        }
        let name = "bert.encoder.layer.0.intermediate.dense.weight"
        let bad = QuantizedTensor(name: name, storage: .q8, shape: [256, 32], bytes: ByteView(copying: [UInt8](repeating: 0, count: 10)))
        #expect(throws: InferenceError.shapeMismatch(name: name, expected: [256, 64], found: [256, 32])) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: OneQuantized(plain: Fixtures.hfWeights(), bad: bad))
        }
        let short = QuantizedTensor(name: name, storage: .q8, shape: [256, 64], bytes: ByteView(copying: [UInt8](repeating: 0, count: 10)))
        let error = #expect(throws: InferenceError.self) {
            try BertQAModel(config: Fixtures.hfConfig(), weights: OneQuantized(plain: Fixtures.hfWeights(), bad: short))
        }
        guard case let .sourceFailed(failedName, reason)? = error else {
            Issue.record("expected sourceFailed, got \(String(describing: error))")
            return
        }
        #expect(failedName == name)
        #expect(reason.contains("10"))
    }

    /// A source that slices Q, K and V out of one fused matrix (Megatron's v0 layout) lends it to the QKV GEMM whole.
    @Test func adjacentQKVIsUsedWithoutCopying() throws {
        var weights = try Fixtures.hfWeights()
        for layer in 0..<2 {
            let prefix = "bert.encoder.layer.\(layer).attention.self."
            // Stored as key, value, query to check that the column order follows memory.
            let order = ["key", "value", "query"]
            let fused = try order.flatMap { try weights[prefix + $0 + ".weight"]!.toFloat32() }
            let storage = fused.withUnsafeBytes { ByteView(copying: $0) }
            for (index, part) in order.enumerated() {
                weights[prefix + part + ".weight"] = try TensorView(name: prefix + part + ".weight", dtype: .f32, shape: [64, 64],
                                                                    storageOffset: index * 64 * 64, storage: storage)
            }
        }
        let model = try BertQAModel(config: Fixtures.hfConfig(), weights: weights)
        #expect(model.ownedWeightBytes == 2 * 3 * 64 * 4)
        let reference = try Self.logits(Fixtures.model())
        let result = try Self.logits(model)
        #expect(zip(result.start, reference.start).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}

@Suite struct ConfigTests {
    @Test func readsTheReferenceExport() throws {
        let config = try Fixtures.hfConfig()
        #expect(config == BertConfig(layers: 2, hidden: 64, heads: 4, ffn: 256, vocab: 120, positions: 32, tokenTypes: 2,
                                     layerNormEps: 1e-5, activation: .erf))
        #expect(config.headDim == 16)
    }

    static func parse(_ fields: [String: Any]) throws -> BertConfig {
        var base: [String: Any] = ["num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
                                   "intermediate_size": 256, "vocab_size": 120]
        base.merge(fields) { $1 }
        return try BertConfig(huggingFaceConfigJSON: JSONSerialization.data(withJSONObject: base))
    }

    @Test func appliesHuggingFaceDefaults() throws {
        let config = try Self.parse([:])
        #expect(config.layerNormEps == 1e-12)
        #expect(config.positions == 512)
        #expect(config.tokenTypes == 2)
        #expect(config.activation == .erf)
    }

    @Test func mapsTanhActivations() throws {
        #expect(try Self.parse(["hidden_act": "gelu_pytorch_tanh"]).activation == .tanh)
        #expect(try Self.parse(["hidden_act": "gelu_new"]).activation == .tanh)
    }

    @Test func refusesOtherActivations() {
        #expect(throws: InferenceError.invalidConfig(
            "config.json hidden_act must be a GELU (gelu, gelu_new, gelu_pytorch_tanh), found relu")) {
            try Self.parse(["hidden_act": "relu"])
        }
    }

    @Test func refusesMissingAndNonIntegerSizes() {
        #expect(throws: InferenceError.invalidConfig("config.json \"hidden_size\" must be an integer, found 64.5")) {
            try Self.parse(["hidden_size": 64.5])
        }
        #expect(throws: InferenceError.invalidConfig("config.json is not a JSON object")) {
            try BertConfig(huggingFaceConfigJSON: Data("[1]".utf8))
        }
    }

    @Test func refusesHeadsThatDoNotDivideHidden() {
        #expect(throws: InferenceError.invalidConfig("hidden 64 must be a multiple of heads 5")) {
            try Self.parse(["num_attention_heads": 5])
        }
        #expect(throws: InferenceError.invalidConfig("layers must be positive, found 0")) {
            try BertConfig(layers: 0, hidden: 8, heads: 2, ffn: 8, vocab: 4, positions: 4, tokenTypes: 1).validate()
        }
    }

    @Test func roundTripsThroughCodable() throws {
        let data = try JSONEncoder().encode(BertConfig.megatronBert345M)
        #expect(try JSONDecoder().decode(BertConfig.self, from: data) == .megatronBert345M)
    }
}
