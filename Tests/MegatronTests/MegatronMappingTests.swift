import Megatron
import Tensors
import Testing

@Suite struct MegatronMappingTests {
    /// Both namings map to the same canonical names, in export order, with the reference's tensor count.
    @Test func bothNamingsProduceTheHuggingFaceTable() throws {
        var legacy = SyntheticMegatron.nemo1_10()
        legacy.layout = .v0
        var hints = legacy.hints
        hints.megatronLegacy = Sourced(true, source: "yaml")
        let old = SyntheticMegatron()
        let oldPlan = try MegatronMapping.plan(
            tensors: old.tensors.signatures,
            architecture: try MegatronArchitecture.detect(tensors: old.tensors, hints: old.hints))
        let newPlan = try MegatronMapping.plan(
            tensors: legacy.tensors.signatures,
            architecture: try MegatronArchitecture.detect(tensors: legacy.tensors, hints: hints))

        #expect(oldPlan.tensors.map(\.name) == newPlan.tensors.map(\.name))
        #expect(oldPlan.tensors.count == 3 + 2 * 16 + 2 + 2)
        #expect(Array(oldPlan.tensors.map(\.name).prefix(5)) == [
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
            "bert.embeddings.token_type_embeddings.weight", "bert.encoder.layer.0.attention.ln.weight",
            "bert.encoder.layer.0.attention.ln.bias"])
        #expect(Array(oldPlan.tensors.map(\.name).suffix(4)) == [
            "bert.encoder.ln.weight", "bert.encoder.ln.bias", "qa_outputs.weight", "qa_outputs.bias"])
        let dense = try #require(newPlan.tensors.first { $0.name == "bert.encoder.layer.1.intermediate.dense.weight" })
        #expect(dense.sourceNames == ["bert_model.model.language_model.encoder.layers.1.mlp.dense_h_to_4h.weight"])
        #expect(dense.transform == .identity)
        #expect(dense.shape == [16, 8])
    }

    @Test func wordEmbeddingsAreTruncatedToTheTokenizerVocabWithoutCopying() throws {
        let model = SyntheticMegatron()
        var hints = model.hints
        hints.vocab = Sourced(10, source: "vocab")
        let tensors = model.tensors
        let plan = try MegatronMapping.plan(tensors: tensors.signatures,
                                            architecture: try MegatronArchitecture.detect(tensors: tensors, hints: hints))
        let embeddings = plan.tensors[0]
        #expect(embeddings.transform == .truncateRows(10))
        #expect(embeddings.shape == [10, 8])
        let source = try #require(tensors.named(embeddings.sourceNames[0]))
        let view = try MegatronMapping.materialize(embeddings, source: source)
        #expect(view.shape == [10, 8])
        #expect(view.name == "bert.embeddings.word_embeddings.weight")
        #expect(view.storage.buffer.baseAddress == source.storage.buffer.baseAddress)
        #expect(try view.toFloat32() == Array(try source.toFloat32().prefix(80)))
    }

    @Test func untruncatedEmbeddingsAreIdentity() throws {
        let model = SyntheticMegatron()
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: model.hints)
        #expect(try MegatronMapping.plan(tensors: model.tensors.signatures, architecture: a).tensors[0].transform == .identity)
    }

    @Test func poolerLMHeadAndBinaryHeadAreDroppedAndListed() throws {
        var model = SyntheticMegatron()
        model.extra = ["bert_model.language_model.pooler.dense.weight": [8, 8],
                       "bert_model.language_model.pooler.dense.bias": [8],
                       "bert_model.lm_head.bias": [16],
                       "bert_model.binary_head.weight": [2, 8]]
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: model.hints)
        let plan = try MegatronMapping.plan(tensors: model.tensors.signatures, architecture: a)
        #expect(plan.dropped == ["bert_model.binary_head.weight", "bert_model.language_model.pooler.dense.bias",
                                 "bert_model.language_model.pooler.dense.weight", "bert_model.lm_head.bias"])
        #expect(!plan.tensors.contains { $0.name.contains("pooler") })
    }

    @Test func bareEncoderHasNoQAHeadInThePlan() throws {
        var model = SyntheticMegatron()
        (model.prefix, model.qaHead) = ("language_model.", false)
        var hints = model.hints
        hints.checkpointVersion = Sourced(0, source: "ckpt")
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: hints)
        let plan = try MegatronMapping.plan(tensors: model.tensors.signatures, architecture: a)
        #expect(plan.tensors.last?.name == "bert.encoder.ln.bias")
    }
}

@Suite struct MegatronMappingErrorTests {
    let model = SyntheticMegatron()

    private func plan(_ tensors: [TensorView]) throws {
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: model.hints)
        _ = try MegatronMapping.plan(tensors: tensors.signatures, architecture: a)
    }

    @Test func unknownNamesAreListed() {
        var other = model
        other.extra = ["bert_model.language_model.transformer.layers.0.attention.rotary.inv_freq": [4],
                       "classifier.mlp.layer2.weight": [2, 8]]
        #expect(throws: MegatronError.unplaceable(names: [
            "bert_model.language_model.transformer.layers.0.attention.rotary.inv_freq", "classifier.mlp.layer2.weight"])) {
            try plan(other.tensors)
        }
    }

    @Test func missingTensor() {
        let name = "bert_model.language_model.transformer.layers.1.attention.dense.bias"
        #expect(throws: MegatronError.missingTensor(name: name)) { try plan(model.tensors.removing(name)) }
    }

    @Test func missingQAHeadInANeMoCheckpoint() {
        #expect(throws: MegatronError.missingTensor(name: "classifier.mlp.layer0.weight")) {
            try plan(model.tensors.removing("classifier.mlp.layer0.weight"))
        }
    }

    @Test func fusedQKVRowsMustBeThreeTimesHidden() {
        let name = "bert_model.language_model.transformer.layers.0.attention.query_key_value.weight"
        #expect(throws: MegatronError.fusedQKVRows(name: name, rows: 25, hidden: 8)) {
            try plan(model.tensors.replacing(name, shape: [25, 8]))
        }
    }

    @Test func wrongShape() {
        let name = "bert_model.language_model.transformer.layers.1.mlp.dense_4h_to_h.weight"
        #expect(throws: MegatronError.unexpectedShape(name: name, expected: [8, 16], found: [16, 8])) {
            try plan(model.tensors.replacing(name, shape: [16, 8]))
        }
    }

    @Test func materializeRefusesTheWrongSource() throws {
        let a = try MegatronArchitecture.detect(tensors: model.tensors, hints: model.hints)
        let mapping = try MegatronMapping.plan(tensors: model.tensors.signatures, architecture: a)
        let query = try #require(mapping.tensors.first { $0.name == "bert.encoder.layer.0.attention.self.query.weight" })
        let wrong = try #require(model.tensors.named("bert_model.language_model.transformer.layers.0.attention.dense.weight"))
        #expect(throws: MegatronError.sourceMismatch(canonical: query.name, expectedShape: [24, 8], found: wrong.name,
                                                     foundShape: [8, 8])) {
            try MegatronMapping.materialize(query, source: wrong)
        }
    }
}
