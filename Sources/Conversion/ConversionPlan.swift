import Checkpoint
import Megatron
import QA
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
    /// What detection decided and from which hints, so `confirmDecisions` can decide again on the complete source.
    var detection: (hints: MegatronHints, architecture: MegatronArchitecture)?
    /// Source tensors whose values (not just shapes) decided something, e.g. the K biases of the QKV-layout
    /// heuristic: kept readable until `confirmDecisions` has read them again.
    let decidingTensors: Set<String>

    /// Detects the architecture (Megatron naming, or names that are already canonical) and plans the mapping;
    /// `heads` and `qkvLayout`, when given, win over whatever the checkpoint says.
    public init(source: ModelSource, heads: Int? = nil, qkvLayout: QKVLayout? = nil) throws {
        self.source = source
        sources = Dictionary(source.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if CanonicalSource.holdsCanonicalNames(source.tensors) {
            let canonical = try CanonicalSource(source, heads: heads)
            (model, tensors, dropped, detection, decidingTensors) = (canonical.model, canonical.plan, [], nil, [])
            return
        }
        let hints = ArchitectureOverrides(heads: heads, qkvLayout: qkvLayout)
            .applied(to: try MegatronHints(settings: source.megatronSettings))
        let (architecture, read) = try Self.detect(source: source, sources: sources, hints: hints)
        (detection, decidingTensors) = ((hints, architecture), read)
        let mapping = try MegatronMapping.plan(tensors: source.tensors.map(TensorSignature.init), architecture: architecture)
        (tensors, dropped) = (mapping.tensors, mapping.dropped)
        model = try ModelDescription(architecture, source: source)
    }

    /// Runs detection reading values only through `source.resolve`, so that a source still being decrypted gives
    /// the tensors' real bytes (waiting for them), never its placeholders; returns the tensors whose values it read.
    private static func detect(source: ModelSource, sources: [String: TensorView],
                               hints: MegatronHints) throws -> (MegatronArchitecture, read: Set<String>) {
        var read = Set<String>()
        // Detection's value callback cannot throw; a read that failed is rethrown in place of what it caused.
        var readFailure: (any Error)?
        do {
            let architecture = try MegatronArchitecture.detect(signatures: source.tensors.map(TensorSignature.init),
                                                               hints: hints) { name in
                guard let tensor = sources[name] else { return nil }
                read.insert(name)
                do {
                    return try source.resolve(tensor).toFloat32()
                } catch {
                    readFailure = readFailure ?? error
                    return nil
                }
            }
            return (architecture, read)
        } catch {
            if let readFailure { throw readFailure }
            switch error {
            case .noWordEmbeddings, .unknownNaming: throw ConversionError.unknownArchitecture(source.tensors.map(\.name), error)
            default: throw error
            }
        }
    }

    /// Decides the architecture again, after `source.finish()`, from the complete and verified source, and refuses
    /// the conversion if anything decided from values (bytes that, for a `.tlt`, were still being decrypted and
    /// not yet checked) now comes out differently. The caller commits its output only after this.
    func confirmDecisions() throws {
        guard let detection, !decidingTensors.isEmpty else { return }
        let (complete, _) = try Self.detect(source: source, sources: sources, hints: detection.hints)
        let streamed = detection.architecture
        guard complete == streamed else {
            if complete.qkvLayout != streamed.qkvLayout || complete.qkvLayoutRule != streamed.qkvLayoutRule {
                throw ConversionError.decisionChanged(
                    decision: "qkv_layout", first: "\(streamed.qkvLayout.rawValue) (\(streamed.qkvLayoutRule))",
                    complete: "\(complete.qkvLayout.rawValue) (\(complete.qkvLayoutRule))")
            }
            throw ConversionError.decisionChanged(decision: "architecture", first: "\(streamed)", complete: "\(complete)")
        }
    }

    /// The canonical tensor as a view: zero-copy for renames, row truncations and v0/v1 QKV parts, gathered for v2.
    func materialize(_ plan: CanonicalTensorPlan) throws -> TensorView {
        try MegatronMapping.materialize(plan, source: try sourceView(plan.sourceNames[0]))
    }

    /// A source tensor's view; for a source still being decrypted, once its bytes are there.
    func sourceView(_ name: String) throws -> TensorView {
        // Plans are made from `sources`, so the name is always there.
        try source.resolve(sources[name]!)
    }
}

extension ModelDescription {
    /// The description of a Megatron checkpoint: detected architecture plus the archive's tokenizer and QA settings,
    /// refused (naming the key) when a setting is not a value NeMo could run with.
    init(_ a: MegatronArchitecture, source: ModelSource) throws {
        let qa = try SquadSettings.resolve(stated: source.config?.dataset ?? [:], source: "model_config.yaml dataset",
                                           tokenizerName: source.config?.tokenizerName)
        self.init(family: a.family, layers: a.layers, hidden: a.hidden, heads: a.heads, ffn: a.ffn, vocab: a.vocab,
                  vocabPadded: a.vocabPadded, positions: a.positions, tokenTypes: a.tokenTypes,
                  layerNormEps: a.layerNormEps, activation: a.activation, naming: a.naming.rawValue,
                  qkvLayout: a.qkvLayout,
                  rules: ["heads": a.headsRule, "vocab": a.vocabRule, "activation": a.activationRule,
                          "layer_norm_eps": a.layerNormEpsRule, "qkv_layout": a.qkvLayoutRule],
                  tokenizer: source.vocab.map {
                      TokenizerDescription(vocab: $0, doLowerCase: qa.settings.doLowerCase, doLowerCaseRule: qa.lowercasingRule)
                  },
                  qa: qa)
    }
}
