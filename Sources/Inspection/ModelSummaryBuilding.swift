import Megatron
import JSON

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

    /// A .decant file's `model` metadata object: the architecture recorded at conversion, which describes the
    /// source (its naming and QKV layout, with the rules that decided them), under the keys `decant convert` writes
    /// (`layers`, `hidden`, `rules`, …) or the Hugging Face spellings formats/native.md lists. nil when the metadata
    /// describes no model.
    init?(nativeMetadata metadata: [String: JSONValue]) {
        guard let model = metadata["model"]?.objectValue else { return nil }
        func int(_ keys: String...) -> Int? { keys.lazy.compactMap { model[$0]?.intValue }.first }
        func text(_ keys: String...) -> String? { keys.lazy.compactMap { model[$0]?.stringValue }.first }
        guard let layers = int("layers", "num_hidden_layers"), let hidden = int("hidden", "hidden_size"),
              let heads = int("heads", "num_attention_heads"), let ffn = int("ffn", "intermediate_size"),
              let vocab = int("vocab", "vocab_size") else { return nil }
        let rules = model["rules"]?.objectValue ?? [:]
        func rule(_ key: String) -> String { rules[key]?.stringValue ?? "stated in the .decant metadata" }
        self.init(
            family: metadata["family"]?.stringValue ?? metadata["format"]?.stringValue ?? MegatronArchitecture.qaFamily,
            layers: layers, hidden: hidden, heads: heads, headsRule: rule("heads"), ffn: ffn, vocab: vocab,
            vocabRule: rule("vocab"), vocabPadded: int("vocab_padded") ?? vocab,
            positions: int("positions", "max_position_embeddings") ?? 0, tokenTypes: int("token_types", "type_vocab_size") ?? 0,
            naming: text("naming") ?? "huggingface", qkvLayout: text("qkv_layout"),
            qkvLayoutRule: model["qkv_layout"] == nil ? "query, key and value are separate tensors (canonical names)" : rule("qkv_layout"),
            activation: text("activation", "hidden_act") ?? "unstated", activationRule: rule("activation"),
            layerNormEps: model["layer_norm_eps"]?.doubleValue ?? MegatronArchitecture.defaultLayerNormEps)
    }
}
