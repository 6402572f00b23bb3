import Megatron
import Safetensors

/// Fills a `ModelSummary` from Megatron architecture detection (checkpoints) or from a .decant file's metadata.
extension ModelSummary {
    public init(_ architecture: MegatronArchitecture) {
        self.init(
            family: architecture.family, layers: architecture.layers, hidden: architecture.hidden,
            heads: architecture.heads, headsRule: architecture.headsRule, ffn: architecture.ffn,
            vocab: architecture.vocab, vocabRule: architecture.vocabRule, vocabPadded: architecture.vocabPadded,
            positions: architecture.positions, tokenTypes: architecture.tokenTypes,
            naming: architecture.naming.rawValue, qkvLayout: architecture.qkvLayout.rawValue,
            qkvLayoutRule: architecture.qkvLayoutRule, activation: architecture.activation.rawValue,
            activationRule: architecture.activationRule, layerNormEps: architecture.layerNormEps)
    }

    /// A .decant file stores canonical (Hugging Face) names and its architecture in the `model` metadata object
    /// (formats/native.md); nil when the metadata does not describe a Megatron-BERT.
    init?(nativeMetadata metadata: [String: JSONValue]) {
        guard let model = metadata["model"]?.objectValue,
              let layers = model["num_hidden_layers"]?.intValue, let hidden = model["hidden_size"]?.intValue,
              let heads = model["num_attention_heads"]?.intValue, let ffn = model["intermediate_size"]?.intValue,
              let vocab = model["vocab_size"]?.intValue else { return nil }
        let stated = "stated in the .decant metadata"
        self.init(
            family: metadata["format"]?.stringValue ?? MegatronArchitecture.qaFamily, layers: layers, hidden: hidden,
            heads: heads, headsRule: stated, ffn: ffn, vocab: vocab, vocabRule: stated, vocabPadded: vocab,
            positions: model["max_position_embeddings"]?.intValue ?? 0, tokenTypes: model["type_vocab_size"]?.intValue ?? 0,
            naming: "huggingface", qkvLayout: nil,
            qkvLayoutRule: "query, key and value are separate tensors (canonical names)",
            activation: model["hidden_act"]?.stringValue ?? "unstated",
            activationRule: stated, layerNormEps: model["layer_norm_eps"]?.doubleValue ?? 1e-5)
    }
}
