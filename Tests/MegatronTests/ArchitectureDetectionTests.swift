import Foundation
import Megatron
import Tensors
import Testing

@Suite struct ArchitectureDetectionTests {
    @Test func nemo1_0NamingIsDetectedWithSizesAndRules() throws {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.vocab = Sourced(10, source: "tokenizer vocab_file")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.family == "megatron-bert-qa")
        #expect(a.naming == .nemo1_0)
        #expect(a.languageModelPrefix == "bert_model.language_model.")
        #expect((a.stack, a.attention) == ("transformer", "attention"))
        #expect((a.layers, a.hidden, a.heads, a.ffn) == (2, 8, 2, 16))
        #expect((a.vocab, a.vocabPadded, a.positions, a.tokenTypes) == (10, 16, 6, 2))
        #expect(a.qkvLayout == .v0)
        #expect(a.qkvLayoutRule.hasPrefix("naming nemo1.0"))
        #expect(a.activation == .geluMegatronErf)
        #expect(a.layerNormEps == 1e-5)
        #expect(a.headsRule == "test")
    }

    @Test func nemo1_10NamingWithLegacyFlagAndWithoutTokenTypes() throws {
        var model = SyntheticMegatron.nemo1_10()
        model.tokenTypes = 0
        var hints = model.hints
        hints.megatronLegacy = Sourced(false, source: "model_config.yaml")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.naming == .nemo1_10)
        #expect((a.stack, a.attention) == ("encoder", "self_attention"))
        #expect(a.tokenTypes == 0)
        #expect(a.qkvLayout == .v2)
        #expect(a.qkvLayoutRule == "megatron_legacy false (model_config.yaml)")
        #expect(a.activation == .geluTanh)

        hints.megatronLegacy = Sourced(true, source: "model_config.yaml")
        #expect(try MegatronArchitecture.detect(tensors: model.tensors, hints: hints).qkvLayout == .v0)
    }

    @Test func o2ModuleWrapperIsNemo1_10() throws {
        var model = SyntheticMegatron.nemo1_10()
        model.prefix = "bert_model.model.module.language_model."
        var hints = model.hints
        hints.megatronLegacy = Sourced(false, source: "yaml")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.naming == .nemo1_10)
        #expect(a.languageModelPrefix == "bert_model.model.module.language_model.")
    }

    @Test(arguments: [("transformer", "attention"), ("encoder", "self_attention")])
    func bareMegatronEncoderEitherSpelling(stack: String, attention: String) throws {
        var model = SyntheticMegatron()
        (model.prefix, model.stack, model.attention, model.qaHead) = ("language_model.", stack, attention, false)
        var hints = model.hints
        hints.checkpointVersion = Sourced(3, source: "model_optim_rng.pt")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.naming == .megatron)
        #expect(a.family == "megatron-bert")
        #expect((a.stack, a.attention) == (stack, attention))
        #expect(a.qkvLayout == .v2)
        #expect(a.qkvLayoutRule == "checkpoint_version 3.0 (model_optim_rng.pt)")
    }

    @Test func checkpointVersionOutranksLegacyFlagAndNaming() throws {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.checkpointVersion = Sourced(1, source: "megatron_checkpoint_version.json")
        hints.megatronLegacy = Sourced(true, source: "yaml")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.qkvLayout == .v1)
        #expect(a.qkvLayoutRule == "checkpoint_version 1.0 (megatron_checkpoint_version.json)")

        hints.qkvLayout = Sourced(.v2, source: "--qkv-layout")
        #expect(try MegatronArchitecture.detect(tensors: model.tensors, hints: hints).qkvLayoutRule == "given (--qkv-layout)")
    }

    @Test(arguments: QKVLayout.allCases)
    func kBiasHeuristicFindsTheLayoutWhoseKeyBiasIsZero(layout: QKVLayout) throws {
        var model = SyntheticMegatron()
        (model.prefix, model.layout, model.zeroKeyBias) = ("language_model.", layout, true)
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: model.hints)
        #expect(a.qkvLayout == layout)
        #expect(a.qkvLayoutRule.hasPrefix("K-bias heuristic"))
    }

    @Test func kBiasHeuristicRefusesToGuessWithoutAClearWinner() throws {
        var model = SyntheticMegatron()
        model.prefix = "language_model."
        var tensors = model.tensors
        for layer in 0..<model.layers {
            let name = "language_model.transformer.layers.\(layer).attention.query_key_value.bias"
            tensors = tensors.replacing(name, shape: [3 * model.hidden])
        }
        #expect(throws: MegatronError.qkvLayoutUndecided(kBiasNorms: ["v0": 0, "v1": 0, "v2": 0])) {
            try MegatronArchitecture.detect(tensors: tensors, hints: model.hints)
        }
    }

    @Test func explicitArchiveSettingsBeatFrameworkDefaults() throws {
        let model = SyntheticMegatron.nemo1_10()
        var hints = model.hints
        hints.megatronLegacy = Sourced(false, source: "yaml")
        var a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.activation == .geluTanh)
        #expect(a.activationRule == "bias_gelu_fusion true (NeMo ≥ 1.10 default)")
        hints.onnxSafe = Sourced(true, source: "encoder_config.json")
        a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.activation == .geluMegatronErf)
        #expect(a.activationRule == "onnx_safe true (encoder_config.json)")
        hints.biasGeluFusion = Sourced(true, source: "yaml")
        #expect(try MegatronArchitecture.detect(tensors: model.tensors, hints: hints).activation == .geluTanh)
    }

    @Test func activationFollowsMegatronPrecedence() throws {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.onnxSafe = Sourced(false, source: "encoder_config.json")
        var a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.activation == .geluErf)
        hints.biasGeluFusion = Sourced(true, source: "yaml")
        a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        #expect(a.activation == .geluTanh)
        #expect(a.activationRule == "bias_gelu_fusion true (yaml)")
        hints.activation = Sourced(.geluMegatronErf, source: "--activation")
        #expect(try MegatronArchitecture.detect(tensors: model.tensors, hints: hints).activation == .geluMegatronErf)
        #expect(MegatronActivation.geluTanh.huggingFaceName == "gelu_pytorch_tanh")
    }

    @Test func headsDefaultTo16ForHidden1024AndAreRecorded() throws {
        let signatures = [
            TensorSignature(name: "language_model.embedding.word_embeddings.weight", shape: [30592, 1024], dtype: .f32),
            TensorSignature(name: "language_model.embedding.position_embeddings.weight", shape: [512, 1024], dtype: .f32),
            TensorSignature(name: "language_model.transformer.layers.0.mlp.dense_h_to_4h.weight", shape: [4096, 1024], dtype: .f32),
        ]
        var hints = MegatronHints()
        hints.checkpointVersion = Sourced(0, source: "args")
        let a = try MegatronArchitecture.detect(signatures: signatures, hints: hints) { _ in nil }
        #expect(a.heads == 16)
        #expect(a.headsRule.contains("default for hidden 1024"))
        #expect(a.vocab == 30592)
    }

    @Test func settingsDictionariesBecomeSourcedHints() throws {
        let hints = try MegatronHints(settings: [
            (source: "model_config.yaml language_model.config",
             values: ["num_attention_heads": "16", "megatron_legacy": "false", "hidden_size": "1024"]),
            (source: "encoder_config.json",
             values: ["num_attention_heads": "8", "onnx_safe": "true", "layernorm_epsilon": "1e-12", "num_layers": "24.0"]),
        ])
        #expect(hints.heads == Sourced(16, source: "model_config.yaml language_model.config num_attention_heads"))
        #expect(hints.megatronLegacy?.value == false)
        #expect(hints.onnxSafe == Sourced(true, source: "encoder_config.json onnx_safe"))
        #expect(hints.layerNormEps?.value == 1e-12)
        #expect(hints.layers?.value == 24)
        #expect(hints.hidden?.value == 1024)
        #expect(hints.checkpointVersion == nil)
    }

    /// A value that is there but cannot be its key's kind is refused where it was found, not skipped for the next
    /// source or a default (before, `hidden_size: 1e20` fell through and `layernorm_epsilon: nan` was taken).
    @Test(arguments: [("hidden_size", "1e20", "an integer"), ("num_attention_heads", "16.5", "an integer"),
                      ("layernorm_epsilon", "nan", "a finite number"), ("layernorm_epsilon", ".inf", "a finite number"),
                      ("checkpoint_version", "inf", "a finite number"), ("onnx_safe", "maybe", "true or false")])
    func malformedSettingsAreRefusedNamingTheKey(key: String, text: String, expected: String) {
        #expect(throws: MegatronError.invalidSetting(setting: "model_config.yaml language_model.config \(key)", value: text,
                                                     expected: expected)) {
            try MegatronHints(settings: [(source: "model_config.yaml language_model.config", values: [key: text]),
                                         (source: "encoder_config.json", values: [key: "1"])])
        }
    }

    @Test(arguments: [1e-300, -1, 0, 0.5, 1e-13])
    func layerNormEpsilonOutsideItsRangeIsRefused(eps: Double) {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.layerNormEps = Sourced(eps, source: "encoder_config.json layernorm_epsilon")
        #expect(throws: MegatronError.invalidSetting(setting: "encoder_config.json layernorm_epsilon", value: "\(eps)",
                                                     expected: "a finite number from 1e-12 to 0.1")) {
            try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        }
    }

    @Test(arguments: [1e-12, 1e-5, 0.1])
    func layerNormEpsilonInsideItsRangeIsKept(eps: Double) throws {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.layerNormEps = Sourced(eps, source: "encoder_config.json layernorm_epsilon")
        #expect(try MegatronArchitecture.detect(tensors: model.tensors, hints: hints).layerNormEps == eps)
    }

    @Test func architectureRoundTripsThroughJSON() throws {
        let a = try MegatronArchitecture.detect(tensors: SyntheticMegatron().tensors, hints: SyntheticMegatron().hints)
        let data = try JSONEncoder().encode(a)
        #expect(try JSONDecoder().decode(MegatronArchitecture.self, from: data) == a)
        #expect(String(decoding: data, as: UTF8.self).contains("\"naming\":\"nemo1.0\""))
    }
}

@Suite struct ArchitectureDetectionErrorTests {
    let model = SyntheticMegatron()

    @Test func noWordEmbeddings() {
        let tensors = model.tensors.removing("bert_model.language_model.embedding.word_embeddings.weight")
        #expect(throws: MegatronError.noWordEmbeddings) { try MegatronArchitecture.detect(tensors: tensors, hints: model.hints) }
    }

    @Test func severalWordEmbeddings() {
        var other = model
        other.extra = ["decoder.language_model.embedding.word_embeddings.weight": [16, 8]]
        #expect(throws: MegatronError.severalWordEmbeddings(names: [
            "bert_model.language_model.embedding.word_embeddings.weight",
            "decoder.language_model.embedding.word_embeddings.weight"])) {
            try MegatronArchitecture.detect(tensors: other.tensors, hints: model.hints)
        }
    }

    @Test func unknownNaming() {
        var other = model
        other.prefix = "gpt.lm."
        #expect(throws: MegatronError.unknownNaming(prefix: "gpt.lm.")) {
            try MegatronArchitecture.detect(tensors: other.tensors, hints: model.hints)
        }
    }

    @Test func headsUnknownAsksForTheFlag() {
        #expect(throws: MegatronError.headsUnknown(hidden: 8)) { try MegatronArchitecture.detect(tensors: model.tensors) }
        #expect(MegatronError.headsUnknown(hidden: 8).description.contains("--heads"))
    }

    @Test func headsMustDivideHidden() {
        #expect(throws: MegatronError.headsDoNotDivideHidden(heads: 3, hidden: 8)) {
            try MegatronArchitecture.detect(tensors: model.tensors, hints: MegatronHints(heads: Sourced(3, source: "x")))
        }
    }

    @Test func layerGap() {
        var three = model
        three.layers = 3
        let tensors = three.tensors.filter { !$0.name.contains(".layers.1.") }
        #expect(throws: MegatronError.layerGap(missing: [1], layers: 3)) {
            try MegatronArchitecture.detect(tensors: tensors, hints: model.hints)
        }
    }

    @Test func noLayers() {
        let tensors = model.tensors.filter { !$0.name.contains(".layers.") }
        #expect(throws: MegatronError.noLayers(stackPrefix: "bert_model.language_model.transformer.layers.")) {
            try MegatronArchitecture.detect(tensors: tensors, hints: model.hints)
        }
    }

    @Test func positionEmbeddingsMustMatchHidden() {
        let name = "bert_model.language_model.embedding.position_embeddings.weight"
        #expect(throws: MegatronError.unexpectedShape(name: name, expected: [6, 8], found: [6, 7])) {
            try MegatronArchitecture.detect(tensors: model.tensors.replacing(name, shape: [6, 7]), hints: model.hints)
        }
    }

    @Test func configContradictingTensors() {
        var hints = model.hints
        hints.layers = Sourced(24, source: "encoder_config.json num_layers")
        #expect(throws: MegatronError.configConflict(key: "num_layers", configured: 24, fromTensors: 2,
                                                     source: "encoder_config.json num_layers")) {
            try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        }
    }

    @Test func vocabLargerThanEmbedding() {
        var hints = model.hints
        hints.vocab = Sourced(17, source: "vocab.txt")
        #expect(throws: MegatronError.vocabExceedsEmbedding(vocab: 17, embeddingRows: 16, source: "vocab.txt")) {
            try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        }
    }

    @Test func unsupportedCheckpointVersion() {
        var hints = model.hints
        hints.checkpointVersion = Sourced(4, source: "json")
        #expect(throws: MegatronError.unsupportedCheckpointVersion(4, source: "json")) {
            try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        }
    }
}
