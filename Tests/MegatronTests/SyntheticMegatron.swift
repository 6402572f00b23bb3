import Bytes
import Megatron
import Tensors

/// Builds small Megatron-BERT state dicts whose fused QKV values say where each row came from.
///
/// A fused QKV element encodes (part j, head i, element e, column c) as j·10⁶ + i·10⁴ + e·100 + c, placed at the
/// fused row given by the reference's §2.4 formulas, written out here independently of the module under test.
struct SyntheticMegatron {
    var prefix = "bert_model.language_model."
    var stack = "transformer"
    var attention = "attention"
    var layers = 2
    var hidden = 8
    var heads = 2
    var ffn = 16
    var vocabPadded = 16
    var positions = 6
    var tokenTypes = 2
    var layout = QKVLayout.v0
    /// Makes the K third of every fused bias exactly zero, as training leaves it.
    var zeroKeyBias = false
    var qaHead = true
    var extra: [String: [Int]] = [:]

    static func nemo1_10() -> SyntheticMegatron {
        var model = SyntheticMegatron()
        model.prefix = "bert_model.model.language_model."
        model.stack = "encoder"
        model.attention = "self_attention"
        model.layout = .v2
        return model
    }

    var headDim: Int { hidden / heads }

    static func code(part: Int, head: Int, element: Int, column: Int) -> Float {
        Float(part * 1_000_000 + head * 10_000 + element * 100 + column)
    }

    /// §2.4: the fused row of (part j, head i, element e).
    func referenceFusedRow(part j: Int, head i: Int, element e: Int) -> Int {
        let d = headDim
        switch layout {
        case .v0: return j * hidden + i * d + e
        case .v1: return (i * d + e) * 3 + j
        case .v2: return i * 3 * d + j * d + e
        }
    }

    func fusedQKV() -> (weight: [Float], bias: [Float]) {
        var weight = [Float](repeating: .nan, count: 3 * hidden * hidden)
        var bias = [Float](repeating: .nan, count: 3 * hidden)
        for j in 0..<3 {
            for i in 0..<heads {
                for e in 0..<headDim {
                    let row = referenceFusedRow(part: j, head: i, element: e)
                    for c in 0..<hidden { weight[row * hidden + c] = Self.code(part: j, head: i, element: e, column: c) }
                    bias[row] = zeroKeyBias && j == 1 ? 0 : Self.code(part: j, head: i, element: e, column: 99)
                }
            }
        }
        return (weight, bias)
    }

    var tensors: [TensorView] {
        var out: [TensorView] = []
        func add(_ name: String, _ shape: [Int]) {
            let count = shape.reduce(1, *)
            out.append(Self.f32(name, shape, (0..<count).map { Float($0 % 97) / 97 }))
        }
        add(prefix + "embedding.word_embeddings.weight", [vocabPadded, hidden])
        add(prefix + "embedding.position_embeddings.weight", [positions, hidden])
        if tokenTypes > 0 { add(prefix + "embedding.tokentype_embeddings.weight", [tokenTypes, hidden]) }
        let qkv = fusedQKV()
        for layer in 0..<layers {
            let l = prefix + stack + ".layers.\(layer)."
            add(l + "input_layernorm.weight", [hidden])
            add(l + "input_layernorm.bias", [hidden])
            out.append(Self.f32(l + attention + ".query_key_value.weight", [3 * hidden, hidden], qkv.weight))
            out.append(Self.f32(l + attention + ".query_key_value.bias", [3 * hidden], qkv.bias))
            add(l + attention + ".dense.weight", [hidden, hidden])
            add(l + attention + ".dense.bias", [hidden])
            add(l + "post_attention_layernorm.weight", [hidden])
            add(l + "post_attention_layernorm.bias", [hidden])
            add(l + "mlp.dense_h_to_4h.weight", [ffn, hidden])
            add(l + "mlp.dense_h_to_4h.bias", [ffn])
            add(l + "mlp.dense_4h_to_h.weight", [hidden, ffn])
            add(l + "mlp.dense_4h_to_h.bias", [hidden])
        }
        add(prefix + stack + ".final_layernorm.weight", [hidden])
        add(prefix + stack + ".final_layernorm.bias", [hidden])
        if qaHead {
            add("classifier.mlp.layer0.weight", [2, hidden])
            add("classifier.mlp.layer0.bias", [2])
        }
        for (name, shape) in extra.sorted(by: { $0.key < $1.key }) { add(name, shape) }
        return out
    }

    var hints: MegatronHints { MegatronHints(heads: Sourced(heads, source: "test")) }

    static func f32(_ name: String, _ shape: [Int], _ values: [Float], strides: [Int]? = nil) -> TensorView {
        let bytes = values.withUnsafeBytes { ByteView(copying: $0) }
        return try! TensorView(name: name, dtype: .f32, shape: shape, strides: strides, storage: bytes)
    }
}

extension Array where Element == TensorView {
    func named(_ name: String) -> TensorView? { first { $0.name == name } }
    var signatures: [TensorSignature] { map(TensorSignature.init) }

    func removing(_ name: String) -> [TensorView] { filter { $0.name != name } }

    func replacing(_ name: String, shape: [Int]) -> [TensorView] {
        map { $0.name == name ? SyntheticMegatron.f32(name, shape, [Float](repeating: 0, count: shape.reduce(1, *))) : $0 }
    }
}
