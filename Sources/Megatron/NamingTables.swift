import Foundation
import Tensors

/// The name tables, as data: each naming generation's spelling and how each source tensor becomes a
/// Hugging Face `MegatronBertForQuestionAnswering` tensor.
///
/// Source patterns use `{lm}` (the language-model prefix), `{stack}` (`transformer` | `encoder`), `{attn}`
/// (`attention` | `self_attention`) and `{i}` (the layer); canonical patterns use `{i}` and `{part}`
/// (`query` | `key` | `value`).

/// A tensor as far as naming is concerned.
public struct TensorSignature: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let dtype: DType

    public init(name: String, shape: [Int], dtype: DType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }

    public init(_ view: TensorView) {
        self.init(name: view.name, shape: view.shape, dtype: view.dtype)
    }
}

/// How a naming generation spells the language model.
struct NamingGeneration: Sendable {
    let naming: MegatronNaming
    /// Exact prefixes, or nil for "anything ending in `language_model.`" (bare Megatron, possibly nested in `model.`).
    let prefixes: [String]?
    /// The (stack, attention) spellings this generation may use, in the order they are tried.
    let spellings: [(stack: String, attention: String)]

    static let all: [NamingGeneration] = [
        NamingGeneration(naming: .nemo1_0, prefixes: ["bert_model.language_model."],
                         spellings: [("transformer", "attention")]),
        NamingGeneration(naming: .nemo1_10,
                         prefixes: ["bert_model.model.language_model.", "bert_model.model.module.language_model."],
                         spellings: [("encoder", "self_attention")]),
        // Megatron-LM renamed transformer → encoder and attention → self_attention in v2.5.
        NamingGeneration(naming: .megatron, prefixes: nil,
                         spellings: [("transformer", "attention"), ("encoder", "self_attention")]),
    ]

    static func matching(prefix: String) -> NamingGeneration? {
        all.first { generation in
            if let prefixes = generation.prefixes { return prefixes.contains(prefix) }
            return prefix == "language_model." || prefix.hasSuffix(".language_model.")
        }
    }
}

/// A dimension in a table's expected shape, resolved against the detected architecture.
enum SymbolicDim: Sendable {
    case hidden, ffn, vocabPadded, positions, tokenTypes, fusedQKV, spanLabels

    func resolve(_ a: MegatronArchitecture) -> Int {
        switch self {
        case .hidden: return a.hidden
        case .ffn: return a.ffn
        case .vocabPadded: return a.vocabPadded
        case .positions: return a.positions
        case .tokenTypes: return a.tokenTypes
        case .fusedQKV: return 3 * a.hidden
        case .spanLabels: return 2
        }
    }
}

/// One row of the mapping table.
struct NameRule: Sendable {
    enum Kind: Sendable {
        case copy
        /// Word embeddings: rows past the tokenizer vocabulary are Megatron padding.
        case vocabRows
        /// Fused QKV: one source row set becomes query, key and value.
        case fusedQKV
    }

    enum Presence: Sendable {
        case required
        /// Only when the checkpoint has token types (NeMo ≥ 1.10 without a binary head has none).
        case whenTokenTypes
        /// Only in QA checkpoints (a bare Megatron encoder has no span head).
        case whenQAHead
    }

    let source: String
    let canonical: String
    let shape: [SymbolicDim]
    let kind: Kind
    let presence: Presence

    init(_ source: String, _ canonical: String, _ shape: [SymbolicDim], _ kind: Kind = .copy,
         _ presence: Presence = .required) {
        self.source = source
        self.canonical = canonical
        self.shape = shape
        self.kind = kind
        self.presence = presence
    }

    var isPerLayer: Bool { source.contains("{i}") }
}

/// The table (§3.1 of the reference): NeMo/Megatron name → Hugging Face name. Order is export order.
let megatronBertQARules: [NameRule] = [
    NameRule("{lm}embedding.word_embeddings.weight", "bert.embeddings.word_embeddings.weight",
             [.vocabPadded, .hidden], .vocabRows),
    NameRule("{lm}embedding.position_embeddings.weight", "bert.embeddings.position_embeddings.weight",
             [.positions, .hidden]),
    NameRule("{lm}embedding.tokentype_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
             [.tokenTypes, .hidden], .copy, .whenTokenTypes),

    NameRule("{lm}{stack}.layers.{i}.input_layernorm.weight", "bert.encoder.layer.{i}.attention.ln.weight", [.hidden]),
    NameRule("{lm}{stack}.layers.{i}.input_layernorm.bias", "bert.encoder.layer.{i}.attention.ln.bias", [.hidden]),
    NameRule("{lm}{stack}.layers.{i}.{attn}.query_key_value.weight", "bert.encoder.layer.{i}.attention.self.{part}.weight",
             [.fusedQKV, .hidden], .fusedQKV),
    NameRule("{lm}{stack}.layers.{i}.{attn}.query_key_value.bias", "bert.encoder.layer.{i}.attention.self.{part}.bias",
             [.fusedQKV], .fusedQKV),
    NameRule("{lm}{stack}.layers.{i}.{attn}.dense.weight", "bert.encoder.layer.{i}.attention.output.dense.weight",
             [.hidden, .hidden]),
    NameRule("{lm}{stack}.layers.{i}.{attn}.dense.bias", "bert.encoder.layer.{i}.attention.output.dense.bias", [.hidden]),
    NameRule("{lm}{stack}.layers.{i}.post_attention_layernorm.weight", "bert.encoder.layer.{i}.ln.weight", [.hidden]),
    NameRule("{lm}{stack}.layers.{i}.post_attention_layernorm.bias", "bert.encoder.layer.{i}.ln.bias", [.hidden]),
    NameRule("{lm}{stack}.layers.{i}.mlp.dense_h_to_4h.weight", "bert.encoder.layer.{i}.intermediate.dense.weight",
             [.ffn, .hidden]),
    NameRule("{lm}{stack}.layers.{i}.mlp.dense_h_to_4h.bias", "bert.encoder.layer.{i}.intermediate.dense.bias", [.ffn]),
    NameRule("{lm}{stack}.layers.{i}.mlp.dense_4h_to_h.weight", "bert.encoder.layer.{i}.output.dense.weight",
             [.hidden, .ffn]),
    NameRule("{lm}{stack}.layers.{i}.mlp.dense_4h_to_h.bias", "bert.encoder.layer.{i}.output.dense.bias", [.hidden]),

    NameRule("{lm}{stack}.final_layernorm.weight", "bert.encoder.ln.weight", [.hidden]),
    NameRule("{lm}{stack}.final_layernorm.bias", "bert.encoder.ln.bias", [.hidden]),

    // NeMo's TokenClassifier with one layer: channel 0 = start logit, 1 = end logit, same as HF qa_outputs.
    NameRule("classifier.mlp.layer0.weight", "qa_outputs.weight", [.spanLabels, .hidden], .copy, .whenQAHead),
    NameRule("classifier.mlp.layer0.bias", "qa_outputs.bias", [.spanLabels], .copy, .whenQAHead),
]

/// Module names whose tensors have no place in a QA model and are dropped (listed, never silently).
let droppedModules: Set<String> = ["pooler", "lm_head", "binary_head"]

/// The spelling of one detected checkpoint, used to expand the table's source patterns.
struct Spelling: Sendable {
    let languageModelPrefix: String
    let stack: String
    let attention: String

    init(_ a: MegatronArchitecture) {
        self.init(languageModelPrefix: a.languageModelPrefix, stack: a.stack, attention: a.attention)
    }

    init(languageModelPrefix: String, stack: String, attention: String) {
        self.languageModelPrefix = languageModelPrefix
        self.stack = stack
        self.attention = attention
    }

    func source(_ pattern: String, layer: Int? = nil) -> String {
        var name = pattern.replacingOccurrences(of: "{lm}", with: languageModelPrefix)
            .replacingOccurrences(of: "{stack}", with: stack)
            .replacingOccurrences(of: "{attn}", with: attention)
        if let layer { name = name.replacingOccurrences(of: "{i}", with: String(layer)) }
        return name
    }
}

func canonical(_ pattern: String, layer: Int?, part: QKVPart? = nil) -> String {
    var name = pattern
    if let layer { name = name.replacingOccurrences(of: "{i}", with: String(layer)) }
    if let part { name = name.replacingOccurrences(of: "{part}", with: part.name) }
    return name
}
