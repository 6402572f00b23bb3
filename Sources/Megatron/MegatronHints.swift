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
    /// `checkpoint_version`, `vocab_size`. Values are given as text, the common denominator of YAML and JSON.
    public init(settings: [(source: String, values: [String: String])]) {
        func first<T>(_ keys: [String], _ parse: (String) -> T?) -> Sourced<T>? {
            for (source, values) in settings {
                for key in keys {
                    if let text = values[key], let value = parse(text) { return Sourced(value, source: "\(source) \(key)") }
                }
            }
            return nil
        }
        let int: (String) -> Int? = { Int($0) ?? Double($0).flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil } }
        let double: (String) -> Double? = { Double($0) }
        let bool: (String) -> Bool? = {
            switch $0.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: return nil
            }
        }
        self.init(
            heads: first(["num_attention_heads"], int),
            vocab: first(["vocab_size"], int),
            checkpointVersion: first(["checkpoint_version"], double),
            megatronLegacy: first(["megatron_legacy"], bool),
            biasGeluFusion: first(["bias_gelu_fusion"], bool),
            openaiGelu: first(["openai_gelu"], bool),
            onnxSafe: first(["onnx_safe"], bool),
            layerNormEps: first(["layernorm_epsilon", "layer_norm_eps"], double),
            layers: first(["num_layers"], int),
            hidden: first(["hidden_size"], int),
            positions: first(["max_position_embeddings"], int),
            ffn: first(["ffn_hidden_size"], int))
    }
}
