import Bytes
import Quantization
import Tensors

/// f32 weights the forward pass reads: borrowed from the source's memory when it already holds aligned,
/// contiguous f32, otherwise widened once into memory the model owns. `owner` keeps either alive.
struct FloatBuffer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    let count: Int
    let owner: AnyObject?
    /// True when the floats live in the source's memory (mapped file) rather than a copy.
    let isBorrowed: Bool

    /// Copies `values` into 64-byte-aligned storage the buffer owns.
    init(copying values: some Collection<Float>) {
        let storage = ByteStorage(count: values.count * MemoryLayout<Float>.stride)
        let typed = storage.pointer.bindMemory(to: Float.self, capacity: max(values.count, 1))
        _ = UnsafeMutableBufferPointer(start: typed, count: values.count).initialize(from: values)
        self.init(pointer: UnsafePointer(typed), count: values.count, owner: storage, isBorrowed: false)
    }

    init(pointer: UnsafePointer<Float>, count: Int, owner: AnyObject?, isBorrowed: Bool) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        self.isBorrowed = isBorrowed
    }

    /// The view's own f32 memory when it can be used in place.
    static func borrowing(_ view: TensorView) -> FloatBuffer? {
        guard view.dtype == .f32, view.isContiguous, view.count > 0, let base = view.storage.buffer.baseAddress else {
            return nil
        }
        let start = base + view.storageOffset * MemoryLayout<Float>.stride
        guard Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return FloatBuffer(pointer: start.assumingMemoryBound(to: Float.self), count: view.count,
                           owner: view.storage.owner, isBorrowed: !(view.storage.owner is DecodedWeight))
    }

    static func load(_ view: TensorView) throws(InferenceError) -> FloatBuffer {
        if let borrowed = borrowing(view) { return borrowed }
        do {
            return FloatBuffer(copying: try view.toFloat32())
        } catch {
            throw .sourceFailed(name: view.name, reason: error.description)
        }
    }

    var ownedBytes: Int { isBorrowed ? 0 : count * MemoryLayout<Float>.stride }
}

/// Owns the f32 decoding of a quantized tensor, marking that memory as the model's rather than the source's.
final class DecodedWeight {
    let storage: ByteStorage
    init(_ storage: ByteStorage) { self.storage = storage }
}

/// A torch `Linear`: `weight` is [outFeatures, inFeatures], row-major.
struct LinearWeights {
    let weight: FloatBuffer
    let bias: FloatBuffer
    let outFeatures: Int
    let inFeatures: Int
}

struct NormWeights {
    let gamma: FloatBuffer
    let beta: FloatBuffer
}

struct LayerWeights {
    let attentionNorm: NormWeights
    /// Q, K and V stacked into one [3·hidden, hidden] matrix so one GEMM projects all three.
    let qkv: LinearWeights
    /// Where Q, K and V start among the fused output columns (their order follows the source's memory).
    let queryColumn: Int
    let keyColumn: Int
    let valueColumn: Int
    let attentionOutput: LinearWeights
    let mlpNorm: NormWeights
    let mlpIn: LinearWeights
    let mlpOut: LinearWeights
}

/// Every tensor of the QA model, validated against the config.
struct BertWeights {
    let wordEmbeddings: FloatBuffer
    let positionEmbeddings: FloatBuffer
    let tokenTypeEmbeddings: FloatBuffer
    let layers: [LayerWeights]
    let finalNorm: NormWeights
    let qaHead: LinearWeights

    init(config: BertConfig, source: WeightSource) throws(InferenceError) {
        let reader = WeightReader(source: source)
        let h = config.hidden
        wordEmbeddings = try reader.embedding("bert.embeddings.word_embeddings.weight", rows: config.vocab, hidden: h)
        positionEmbeddings = try reader.embedding("bert.embeddings.position_embeddings.weight",
                                                  rows: config.positions, hidden: h)
        tokenTypeEmbeddings = try reader.embedding("bert.embeddings.token_type_embeddings.weight",
                                                   rows: config.tokenTypes, hidden: h)
        layers = try (0..<config.layers).map { (i) throws(InferenceError) in
            let prefix = "bert.encoder.layer.\(i)."
            let fused = try reader.fusedQKV(prefix + "attention.self.", hidden: h)
            return LayerWeights(
                attentionNorm: try reader.norm(prefix + "attention.ln", hidden: h),
                qkv: fused.linear, queryColumn: fused.queryColumn, keyColumn: fused.keyColumn,
                valueColumn: fused.valueColumn,
                attentionOutput: try reader.linear(prefix + "attention.output.dense", out: h, in: h),
                mlpNorm: try reader.norm(prefix + "ln", hidden: h),
                mlpIn: try reader.linear(prefix + "intermediate.dense", out: config.ffn, in: h),
                mlpOut: try reader.linear(prefix + "output.dense", out: h, in: config.ffn))
        }
        finalNorm = try reader.norm("bert.encoder.ln", hidden: h)
        qaHead = try reader.linear("qa_outputs", out: 2, in: h)
    }

    private var allBuffers: [FloatBuffer] {
        var buffers = [wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, finalNorm.gamma, finalNorm.beta,
                       qaHead.weight, qaHead.bias]
        for layer in layers {
            buffers += [layer.attentionNorm.gamma, layer.attentionNorm.beta, layer.qkv.weight, layer.qkv.bias,
                        layer.attentionOutput.weight, layer.attentionOutput.bias, layer.mlpNorm.gamma,
                        layer.mlpNorm.beta, layer.mlpIn.weight, layer.mlpIn.bias, layer.mlpOut.weight, layer.mlpOut.bias]
        }
        return buffers
    }

    /// Bytes of f32 the model allocated for itself (copies and widenings), as opposed to borrowed source memory.
    var ownedBytes: Int { allBuffers.reduce(0) { $0 + $1.ownedBytes } }
    var borrowedBytes: Int { allBuffers.reduce(0) { $0 + ($1.isBorrowed ? $1.count * MemoryLayout<Float>.stride : 0) } }
}

/// Fetches tensors by canonical name and checks their shapes.
private struct WeightReader {
    let source: WeightSource

    /// The tensor with its shape checked first, so a bad quantized tensor is refused before it is decoded.
    func view(_ name: String, shape expected: [Int], atLeastRows: Bool = false) throws(InferenceError) -> TensorView {
        let (view, encoded) = try fetch(name)
        let shape = view?.shape ?? encoded!.shape
        let fits = atLeastRows
            ? shape.count == expected.count && shape[0] >= expected[0] && Array(shape.dropFirst()) == Array(expected.dropFirst())
            : shape == expected
        guard fits else {
            throw .shapeMismatch(name: name, expected: atLeastRows ? [-1] + expected.dropFirst() : expected, found: shape)
        }
        if let view {
            guard view.dtype.isFloatingPoint else { throw .unsupportedDType(name: name, dtype: view.dtype) }
            return view
        }
        return try decode(encoded!)
    }

    /// The source's dtype view or, failing that, its quantized blocks.
    private func fetch(_ name: String) throws(InferenceError) -> (TensorView?, QuantizedTensor?) {
        do {
            if let view = try source.tensor(name) { return (view, nil) }
            if let encoded = try source.quantizedTensor(name) { return (nil, encoded) }
        } catch let error as any DecantError {
            throw .sourceFailed(name: name, reason: error.description)
        } catch {
            throw .sourceFailed(name: name, reason: String(describing: error))
        }
        throw .missingTensor(name: name)
    }

    /// Decodes quantized blocks into an f32 view over storage the model owns.
    private func decode(_ encoded: QuantizedTensor) throws(InferenceError) -> TensorView {
        let count = encoded.shape.reduce(1, *)  // a shape that matched the config: no overflow
        let decoded = ByteStorage(count: count * MemoryLayout<Float>.stride)
        let floats = decoded.pointer.bindMemory(to: Float.self, capacity: max(count, 1))
        do {
            try Quantizer.decode(encoded.bytes.buffer, as: encoded.storage, name: encoded.name,
                                 into: UnsafeMutableBufferPointer(start: floats, count: count))
        } catch {
            throw .sourceFailed(name: encoded.name, reason: error.description)
        }
        let owned = ByteView(owner: DecodedWeight(decoded), buffer: UnsafeRawBufferPointer(decoded.mutableBuffer))
        return try! TensorView(name: encoded.name, dtype: .f32, shape: encoded.shape, storage: owned)  // sized above
    }

    /// Embedding tables may carry padding rows (Megatron pads 30522 to 30592); ids are checked against `rows`.
    func embedding(_ name: String, rows: Int, hidden: Int) throws(InferenceError) -> FloatBuffer {
        try FloatBuffer.load(view(name, shape: [rows, hidden], atLeastRows: true))
    }

    func norm(_ prefix: String, hidden: Int) throws(InferenceError) -> NormWeights {
        NormWeights(gamma: try FloatBuffer.load(view(prefix + ".weight", shape: [hidden])),
                    beta: try FloatBuffer.load(view(prefix + ".bias", shape: [hidden])))
    }

    func linear(_ prefix: String, out: Int, in inFeatures: Int) throws(InferenceError) -> LinearWeights {
        LinearWeights(weight: try FloatBuffer.load(view(prefix + ".weight", shape: [out, inFeatures])),
                      bias: try FloatBuffer.load(view(prefix + ".bias", shape: [out])),
                      outFeatures: out, inFeatures: inFeatures)
    }

    /// Stacks query, key and value. When the source holds the three f32 matrices back to back in one storage (a
    /// checkpoint source slicing Megatron's fused v0 `query_key_value`) the stack is the source's memory itself;
    /// otherwise (safetensors files interleave the biases) it is one copy.
    func fusedQKV(_ prefix: String, hidden: Int) throws(InferenceError) -> (linear: LinearWeights, queryColumn: Int,
                                                                             keyColumn: Int, valueColumn: Int) {
        let parts = try ["query", "key", "value"].map { (part) throws(InferenceError) in
            (weight: try view(prefix + part + ".weight", shape: [hidden, hidden]),
             bias: try view(prefix + part + ".bias", shape: [hidden]))
        }
        let borrowed = parts.compactMap { FloatBuffer.borrowing($0.weight) }
        let matrixBytes = hidden * hidden * MemoryLayout<Float>.stride
        var order = [0, 1, 2]
        var weight: FloatBuffer
        if borrowed.count == 3, Set(borrowed.map { $0.owner.map(ObjectIdentifier.init) }).count == 1 {
            order.sort { borrowed[$0].pointer < borrowed[$1].pointer }
            let starts = order.map { UnsafeRawPointer(borrowed[$0].pointer) }
            if starts[1] == starts[0] + matrixBytes, starts[2] == starts[1] + matrixBytes {
                weight = FloatBuffer(pointer: borrowed[order[0]].pointer, count: 3 * hidden * hidden,
                                     owner: borrowed[0].owner, isBorrowed: true)
            } else {
                order = [0, 1, 2]
                weight = try Self.concatenate(order.map { parts[$0].weight })
            }
        } else {
            weight = try Self.concatenate(order.map { parts[$0].weight })
        }
        let bias = try Self.concatenate(order.map { parts[$0].bias })
        let column = { (part: Int) in order.firstIndex(of: part)! * hidden }
        return (LinearWeights(weight: weight, bias: bias, outFeatures: 3 * hidden, inFeatures: hidden),
                column(0), column(1), column(2))
    }

    private static func concatenate(_ views: [TensorView]) throws(InferenceError) -> FloatBuffer {
        let total = views.reduce(0) { $0 + $1.count }
        let storage = ByteStorage(count: total * MemoryLayout<Float>.stride)
        let start = storage.pointer.bindMemory(to: Float.self, capacity: max(total, 1))
        var cursor = start
        for view in views {
            let part = try FloatBuffer.load(view)
            cursor.initialize(from: part.pointer, count: part.count)
            cursor += part.count
        }
        return FloatBuffer(pointer: UnsafePointer(start), count: total, owner: storage, isBorrowed: false)
    }
}
