import Inference
import Checkpoint
import Megatron
import Tensors

/// A `WeightSource` over a source checkpoint (`.nemo`, `.tlt`, torch): its tensors mapped to canonical names in
/// memory through the Megatron mapping, in their stored dtype (f32 for real QA checkpoints). Nothing is written.
///
/// Renames and row truncations are views of the source's memory; only v2-layout QKV parts are gathered (by
/// `MegatronMapping.materialize`), one tensor at a time as the model asks for it.
public final class SourceWeightSource: WeightSource {
    public let source: ModelSource
    public let architecture: MegatronArchitecture
    public let plan: MegatronMappingPlan
    private let planByName: [String: CanonicalTensorPlan]
    private let sourceByName: [String: TensorView]

    /// Detects the architecture from the tensors and the configuration that travelled with them; `overrides`
    /// win over that configuration.
    public init(source: ModelSource, overrides: ArchitectureOverrides = ArchitectureOverrides()) throws {
        self.source = source
        architecture = try MegatronArchitecture.detect(
            tensors: source.tensors, hints: overrides.applied(to: try MegatronHints(settings: source.megatronSettings)))
        plan = try MegatronMapping.plan(tensors: source.tensors.map(TensorSignature.init), architecture: architecture)
        planByName = Dictionary(plan.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        sourceByName = Dictionary(source.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func tensor(_ canonicalName: String) throws -> TensorView? {
        guard let item = planByName[canonicalName], let stored = sourceByName[item.sourceNames[0]] else { return nil }
        return try MegatronMapping.materialize(item, source: stored)
    }

    /// The engine configuration the detected architecture implies.
    public var config: BertConfig {
        get throws(InferenceError) { try BertConfig(architecture: architecture) }
    }
}

extension BertConfig {
    /// The configuration of a detected Megatron-BERT QA checkpoint, with the GELU its training code used.
    public init(architecture a: MegatronArchitecture) throws(InferenceError) {
        guard a.hasQAHead else {
            throw .invalidConfig("expected a Megatron-BERT QA checkpoint (family \(MegatronArchitecture.qaFamily)), found family \(a.family)")
        }
        let activation: GELUVariant
        switch a.activation {
        case .geluErf: activation = .erf
        case .geluMegatronErf: activation = .megatronErf
        case .geluTanh: activation = .tanh
        }
        self.init(layers: a.layers, hidden: a.hidden, heads: a.heads, ffn: a.ffn, vocab: a.vocab, positions: a.positions,
                  tokenTypes: a.tokenTypes, layerNormEps: Float(a.layerNormEps), activation: activation)
        try validate()
    }
}
