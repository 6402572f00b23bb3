/// The detected shape of a Megatron-BERT checkpoint: sizes, naming generation, QKV layout and the rule behind each guess.

/// Which code wrote the tensor names.
public enum MegatronNaming: String, Codable, Sendable, CaseIterable {
    /// NeMo 1.0–1.4 with megatron-lm 2.2.0: `bert_model.language_model.transformer.layers.{i}.attention.*`.
    case nemo1_0 = "nemo1.0"
    /// NeMo ≥ 1.10: `bert_model.model[.module].language_model.encoder.layers.{i}.self_attention.*`.
    case nemo1_10 = "nemo1.10"
    /// A bare Megatron-LM state dict (`language_model.*` from model_optim_rng.pt), either layer spelling.
    case megatron
}

/// The GELU the forward pass must use to reproduce the source framework.
public enum MegatronActivation: String, Codable, Sendable, CaseIterable {
    /// `x·Φ(x)` with the exact erf (torch `F.gelu`, Hugging Face `gelu`).
    case geluErf = "gelu"
    /// Megatron's `erf_gelu`: `x·0.5·(erf(x/1.41421)+1)`; within 4e-6 of `gelu` in logits, exported as `gelu`.
    case geluMegatronErf = "gelu_megatron_erf"
    /// The tanh approximation (bias-GELU fusion, `openai_gelu`; Hugging Face `gelu_pytorch_tanh`).
    case geluTanh = "gelu_tanh"

    /// The `hidden_act` value for a Hugging Face config.json.
    public var huggingFaceName: String {
        switch self {
        case .geluErf, .geluMegatronErf: return "gelu"
        case .geluTanh: return "gelu_pytorch_tanh"
        }
    }
}

/// Everything downstream needs to place, convert and run a Megatron-BERT (QA) checkpoint.
public struct MegatronArchitecture: Codable, Sendable, Equatable {
    /// "megatron-bert-qa" with a span head, "megatron-bert" for a bare encoder.
    public var family: String
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    /// Where `heads` came from, e.g. "model_config.yaml language_model.config num_attention_heads".
    public var headsRule: String
    public var ffn: Int
    /// Tokenizer vocabulary: the rows kept in the export.
    public var vocab: Int
    public var vocabRule: String
    /// Word-embedding rows as stored (Megatron pads to a multiple of 128).
    public var vocabPadded: Int
    public var positions: Int
    /// 0 when the checkpoint has no token-type embedding.
    public var tokenTypes: Int
    public var naming: MegatronNaming
    /// Everything before `embedding.word_embeddings.weight`, e.g. "bert_model.language_model.".
    public var languageModelPrefix: String
    /// "transformer" or "encoder".
    public var stack: String
    /// "attention" or "self_attention".
    public var attention: String
    public var qkvLayout: QKVLayout
    /// Which rule decided the layout, e.g. "naming nemo1.0 implies checkpoint_version 0".
    public var qkvLayoutRule: String
    public var activation: MegatronActivation
    public var activationRule: String
    public var layerNormEps: Double
    public var layerNormEpsRule: String

    public var headDim: Int { hidden / heads }
    public var hasQAHead: Bool { family == MegatronArchitecture.qaFamily }

    public static let qaFamily = "megatron-bert-qa"
    public static let encoderFamily = "megatron-bert"

    /// Megatron's `layernorm_epsilon` default, for checkpoints whose configuration does not state one.
    public static let defaultLayerNormEps = 1e-5
    /// The LayerNorm epsilons that mean something: from Hugging Face's default of 1e-12, the smallest in use (an
    /// epsilon that f32 rounds to 0 divides by zero on a constant row), to 0.1, beyond which the epsilon rather
    /// than the variance scales the activations. Every reader checks against this one range (convert, and
    /// `.decant` and source files opened for ask and verify).
    public static let layerNormEpsRange: ClosedRange<Double> = 1e-12...0.1
    public static let layerNormEpsRequirement = "a finite number from 1e-12 to 0.1"

    /// Refuses an epsilon outside `layerNormEpsRange` (NaN and infinities included), naming where it came from.
    public static func checkLayerNormEps(_ value: Double, setting: String) throws(MegatronError) {
        guard layerNormEpsRange.contains(value) else {
            throw .invalidSetting(setting: setting, value: "\(value)", expected: layerNormEpsRequirement)
        }
    }
}
