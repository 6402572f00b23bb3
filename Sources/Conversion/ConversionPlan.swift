import Checkpoint
import Megatron
import Tensors

/// An opened source with its model described and every canonical tensor planned, before any byte is written.
public struct ConversionPlan: Sendable {
    public let source: ModelSource
    public let model: ModelDescription
    /// Canonical (Hugging Face) tensors in export order: embeddings, layers, final LayerNorm, QA head.
    public let tensors: [CanonicalTensorPlan]
    /// Source tensors with no place in a QA model (pooler, LM head, binary head).
    public let dropped: [String]
    let sources: [String: TensorView]

    /// Detects the architecture (Megatron naming, or names that are already canonical) and plans the mapping;
    /// `heads` and `qkvLayout`, when given, win over whatever the checkpoint says.
    public init(source: ModelSource, heads: Int? = nil, qkvLayout: QKVLayout? = nil) throws {
        self.source = source
        sources = Dictionary(source.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if CanonicalSource.holdsCanonicalNames(source.tensors) {
            let canonical = try CanonicalSource(source, heads: heads)
            (model, tensors, dropped) = (canonical.model, canonical.plan, [])
            return
        }
        let architecture: MegatronArchitecture
        do {
            let hints = ArchitectureOverrides(heads: heads, qkvLayout: qkvLayout)
                .applied(to: MegatronHints(settings: source.megatronSettings))
            architecture = try MegatronArchitecture.detect(tensors: source.tensors, hints: hints)
        } catch {
            switch error {
            case .noWordEmbeddings, .unknownNaming: throw ConversionError.unknownArchitecture(source.tensors.map(\.name), error)
            default: throw error
            }
        }
        let mapping = try MegatronMapping.plan(tensors: source.tensors.map(TensorSignature.init), architecture: architecture)
        (tensors, dropped) = (mapping.tensors, mapping.dropped)
        model = ModelDescription(architecture, source: source)
    }

    /// The canonical tensor as a view: zero-copy for renames, row truncations and v0/v1 QKV parts, gathered for v2.
    func materialize(_ plan: CanonicalTensorPlan) throws -> TensorView {
        try MegatronMapping.materialize(plan, source: try sourceView(plan.sourceNames[0]))
    }

    /// A source tensor's view; for a source still being decrypted, once its bytes are there.
    func sourceView(_ name: String) throws -> TensorView {
        // Plans are made from `sources`, so the name is always there.
        let view = sources[name]!
        return try source.arriving?.resolve(view) ?? view
    }
}

extension ModelDescription {
    /// The description of a Megatron checkpoint: detected architecture plus the archive's tokenizer and QA settings.
    init(_ a: MegatronArchitecture, source: ModelSource) {
        self.init(family: a.family, layers: a.layers, hidden: a.hidden, heads: a.heads, ffn: a.ffn, vocab: a.vocab,
                  vocabPadded: a.vocabPadded, positions: a.positions, tokenTypes: a.tokenTypes,
                  layerNormEps: a.layerNormEps, activation: a.activation, naming: a.naming.rawValue,
                  qkvLayout: a.qkvLayout,
                  rules: ["heads": a.headsRule, "vocab": a.vocabRule, "activation": a.activationRule,
                          "layer_norm_eps": a.layerNormEpsRule, "qkv_layout": a.qkvLayoutRule],
                  tokenizer: nil, qa: QASettingsRecord(source.config?.qa))
        tokenizer = source.vocab.map { vocab in
            let (lower, rule) = Self.doLowerCase(qa: source.config?.qa, tokenizerName: source.config?.tokenizerName)
            return TokenizerDescription(vocab: vocab, doLowerCase: lower, doLowerCaseRule: rule)
        }
    }

    /// `dataset.do_lower_case` when stated, else the tokenizer name (`…-uncased` / `…-cased`), else NeMo's default.
    static func doLowerCase(qa: NemoConfig.QASettings?, tokenizerName: String?) -> (Bool, String) {
        if let given = qa?.doLowerCase { return (given, "model_config.yaml dataset.do_lower_case") }
        if let name = tokenizerName?.lowercased() {
            if name.contains("uncased") { return (true, "tokenizer name \(name)") }
            if name.contains("cased") { return (false, "tokenizer name \(name)") }
        }
        return (true, "NeMo default")
    }
}
