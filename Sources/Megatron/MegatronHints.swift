/// What configuration (yaml, encoder_config.json, Megatron args, command-line flags) says about the model.
///
/// Megatron stays independent of where these came from: callers fill the fields they know and name the source,
/// and detection records which source decided each value.

/// A configuration value together with where it came from, e.g. "model_config.yaml language_model.config".
public struct Sourced<Value: Sendable & Equatable>: Sendable, Equatable {
    public let value: Value
    public let source: String

    public init(_ value: Value, source: String) {
        self.value = value
        self.source = source
    }
}

/// Optional facts about a Megatron-BERT checkpoint that its tensor shapes cannot tell.
public struct MegatronHints: Sendable, Equatable {
    /// `num_attention_heads`; shapes never reveal it.
    public var heads: Sourced<Int>?
    /// The tokenizer's vocabulary size (the embedding is padded past it).
    public var vocab: Sourced<Int>?
    /// Megatron `checkpoint_version` (e.g. from `*_megatron_checkpoint_version.json` or model_optim_rng.pt).
    public var checkpointVersion: Sourced<Double>?
    /// NeMo ≥ 1.10 `megatron_legacy`: true means the v0 QKV layout under the new naming.
    public var megatronLegacy: Sourced<Bool>?
    /// NeMo ≥ 1.10 / Megatron `bias_gelu_fusion` (true selects the tanh GELU approximation).
    public var biasGeluFusion: Sourced<Bool>?
    /// Megatron `openai_gelu`: the tanh approximation when bias-GELU fusion is off.
    public var openaiGelu: Sourced<Bool>?
    /// Megatron `onnx_safe`: erf GELU with Megatron's 1.41421 constant when fusion and openai_gelu are off.
    public var onnxSafe: Sourced<Bool>?
    /// An explicit activation (a command-line override) wins over everything.
    public var activation: Sourced<MegatronActivation>?
    /// An explicit layout (a command-line override) wins over everything.
    public var qkvLayout: Sourced<QKVLayout>?
    /// `layernorm_epsilon`.
    public var layerNormEps: Sourced<Double>?
    /// Sizes the configuration declares, cross-checked against the tensors.
    public var layers: Sourced<Int>?
    public var hidden: Sourced<Int>?
    public var positions: Sourced<Int>?
    public var ffn: Sourced<Int>?

    public init(heads: Sourced<Int>? = nil, vocab: Sourced<Int>? = nil, checkpointVersion: Sourced<Double>? = nil,
                megatronLegacy: Sourced<Bool>? = nil, biasGeluFusion: Sourced<Bool>? = nil,
                openaiGelu: Sourced<Bool>? = nil, onnxSafe: Sourced<Bool>? = nil,
                activation: Sourced<MegatronActivation>? = nil, qkvLayout: Sourced<QKVLayout>? = nil,
                layerNormEps: Sourced<Double>? = nil, layers: Sourced<Int>? = nil, hidden: Sourced<Int>? = nil,
                positions: Sourced<Int>? = nil, ffn: Sourced<Int>? = nil) {
        self.heads = heads
        self.vocab = vocab
        self.checkpointVersion = checkpointVersion
        self.megatronLegacy = megatronLegacy
        self.biasGeluFusion = biasGeluFusion
        self.openaiGelu = openaiGelu
        self.onnxSafe = onnxSafe
        self.activation = activation
        self.qkvLayout = qkvLayout
        self.layerNormEps = layerNormEps
        self.layers = layers
        self.hidden = hidden
        self.positions = positions
        self.ffn = ffn
    }

    /// Fills each field from the first labelled settings dictionary that has one of its keys.
    ///
    /// Keys are Megatron argument names as NeMo's yaml, encoder_config.json and Megatron `args` spell them:
    /// `num_attention_heads`, `num_layers`, `hidden_size`, `max_position_embeddings`, `ffn_hidden_size`,
    /// `layernorm_epsilon`, `megatron_legacy`, `bias_gelu_fusion`, `openai_gelu`, `onnx_safe`,
    /// `checkpoint_version`, `vocab_size`. Values are given as text, the common denominator of YAML and JSON. A
    /// value that is there but is not what its key needs (`hidden_size: 1e20`, `layernorm_epsilon: nan`,
    /// `onnx_safe: maybe`) is refused, naming where it was found, rather than skipped for a later source or default.
    public init(settings: [(source: String, values: [String: String])]) throws(MegatronError) {
        func first<T>(_ keys: [String], expected: String,
                      _ parse: (String) -> T?) throws(MegatronError) -> Sourced<T>? {
            for (source, values) in settings {
                for key in keys {
                    guard let text = values[key] else { continue }
                    guard let value = parse(text) else {
                        throw .invalidSetting(setting: "\(source) \(key)", value: text, expected: expected)
                    }
                    return Sourced(value, source: "\(source) \(key)")
                }
            }
            return nil
        }
        let double: (String) -> Double? = { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        let int: (String) -> Int? = { Int($0) ?? double($0).flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil } }
        let bool: (String) -> Bool? = {
            switch $0.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: return nil
            }
        }
        let integer = "an integer", number = "a finite number", flag = "true or false"
        self.init(
            heads: try first(["num_attention_heads"], expected: integer, int),
            vocab: try first(["vocab_size"], expected: integer, int),
            checkpointVersion: try first(["checkpoint_version"], expected: number, double),
            megatronLegacy: try first(["megatron_legacy"], expected: flag, bool),
            biasGeluFusion: try first(["bias_gelu_fusion"], expected: flag, bool),
            openaiGelu: try first(["openai_gelu"], expected: flag, bool),
            onnxSafe: try first(["onnx_safe"], expected: flag, bool),
            layerNormEps: try first(["layernorm_epsilon", "layer_norm_eps"], expected: number, double),
            layers: try first(["num_layers"], expected: integer, int),
            hidden: try first(["hidden_size"], expected: integer, int),
            positions: try first(["max_position_embeddings"], expected: integer, int),
            ffn: try first(["ffn_hidden_size"], expected: integer, int))
    }
}
