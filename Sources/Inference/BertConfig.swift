import Foundation
import JSON

/// The shape and numerics of a Megatron-BERT encoder with a QA head.
public struct BertConfig: Sendable, Codable, Equatable {
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var ffn: Int
    public var vocab: Int
    public var positions: Int
    public var tokenTypes: Int
    /// Megatron's default; Hugging Face's default (1e-12) moves the logits by about 1e-4.
    public var layerNormEps: Float
    public var activation: GELUVariant

    public init(layers: Int, hidden: Int, heads: Int, ffn: Int, vocab: Int, positions: Int, tokenTypes: Int,
                layerNormEps: Float = 1e-5, activation: GELUVariant = .erf) {
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.ffn = ffn
        self.vocab = vocab
        self.positions = positions
        self.tokenTypes = tokenTypes
        self.layerNormEps = layerNormEps
        self.activation = activation
    }

    /// Megatron-BERT 345M (bert-large-uncased vocabulary), the model NGC's QA checkpoint fine-tunes.
    public static let megatronBert345M = BertConfig(layers: 24, hidden: 1024, heads: 16, ffn: 4096, vocab: 30522,
                                                    positions: 512, tokenTypes: 2)

    public var headDim: Int { hidden / heads }

    /// Throws when a size is not positive or the heads do not divide the hidden size.
    public func validate() throws(InferenceError) {
        let sizes = [("layers", layers), ("hidden", hidden), ("heads", heads), ("ffn", ffn), ("vocab", vocab),
                     ("positions", positions), ("tokenTypes", tokenTypes)]
        for (field, value) in sizes where value <= 0 {
            throw .invalidConfig("\(field) must be positive, found \(value)")
        }
        guard hidden % heads == 0 else {
            throw .invalidConfig("hidden \(hidden) must be a multiple of heads \(heads)")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else {
            throw .invalidConfig("layerNormEps must be positive and finite, found \(layerNormEps)")
        }
    }
}

/// Which GELU the MLP applies. They differ by up to ~4e-4 in the logits, so the choice must match the training code.
public enum GELUVariant: String, Sendable, Codable, CaseIterable {
    /// x·Φ(x) with the exact erf and √2: Hugging Face `"gelu"`, torch's default.
    case erf
    /// `x·0.5·(erf(x/1.41421)+1)`: Megatron v2.0 with `onnx_safe` (NeMo 1.0–1.4 QA models).
    case megatronErf
    /// `0.5x(1+tanh(√(2/π)(x+0.044715x³)))`: NeMo ≥ 1.10 bias-GELU fusion, HF `"gelu_new"`/`"gelu_pytorch_tanh"`.
    case tanh
}

extension BertConfig {
    /// Reads a Hugging Face `config.json` of `model_type` `megatron-bert`, applying Hugging Face's defaults for
    /// absent fields (notably `layer_norm_eps` = 1e-12, as `from_pretrained` would).
    public init(huggingFaceConfigJSON data: Data) throws(InferenceError) {
        let object: Any
        // `withUnsafeBytes` rethrows untyped errors, so the typed result travels out as a `Result`.
        let nesting = data.withUnsafeBytes { bytes in Result { () throws(JSONError) in try JSONParser.checkNesting(bytes) } }
        if case let .failure(error) = nesting { throw .invalidConfig("config.json is \(error.verdict): \(error)") }
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidConfig("config.json is not JSON: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw .invalidConfig("config.json is not a JSON object") }

        func integer(_ key: String, default fallback: Int? = nil) throws(InferenceError) -> Int {
            guard let value = fields[key] else {
                guard let fallback else { throw .invalidConfig("config.json lacks \"\(key)\"") }
                return fallback
            }
            guard let number = value as? NSNumber, let exact = Int(exactly: number.doubleValue) else {
                throw .invalidConfig("config.json \"\(key)\" must be an integer, found \(jsonDescription(value))")
            }
            return exact
        }

        let activationName = fields["hidden_act"] as? String ?? "gelu"
        let activation: GELUVariant
        switch activationName {
        case "gelu": activation = .erf
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": activation = .tanh
        default: throw .invalidConfig("config.json hidden_act must be a GELU (gelu, gelu_new, gelu_pytorch_tanh), found \(activationName)")
        }
        let eps: Float
        switch fields["layer_norm_eps"] {
        case nil: eps = 1e-12
        case let number as NSNumber: eps = number.floatValue
        case let other?: throw .invalidConfig("config.json \"layer_norm_eps\" must be a number, found \(other)")
        }
        self.init(layers: try integer("num_hidden_layers"), hidden: try integer("hidden_size"),
                  heads: try integer("num_attention_heads"), ffn: try integer("intermediate_size"),
                  vocab: try integer("vocab_size"), positions: try integer("max_position_embeddings", default: 512),
                  tokenTypes: try integer("type_vocab_size", default: 2), layerNormEps: eps, activation: activation)
        try validate()
    }
}

/// A value from `JSONSerialization` as its JSON text would show it, not as Foundation prints it (`<null>`, `(…)`).
private func jsonDescription(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case let text as String: return "\"\(text)\""
    case is [Any]: return "an array"
    case is [String: Any]: return "an object"
    default: return "\(value)"
    }
}
