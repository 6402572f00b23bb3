import Bytes
import CKernels
import Quantization
import Tensors

/// f32 vectors the forward pass reads (biases, LayerNorm parameters): borrowed from the source's memory when it
/// already holds aligned, contiguous f32, otherwise widened once into memory the model owns (a few KB each).
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

    static func load(_ view: TensorView) throws(InferenceError) -> FloatBuffer {
        if let matrix = WeightMatrix.borrowing(view), matrix.storage == .f32 {
            return FloatBuffer(pointer: matrix.base.assumingMemoryBound(to: Float.self), count: view.count,
                               owner: matrix.owner, isBorrowed: true)
        }
        do {
            return FloatBuffer(copying: try view.toFloat32())
        } catch {
            throw .sourceFailed(name: view.name, reason: error.description)
        }
    }

    var ownedBytes: Int { isBorrowed ? 0 : count * MemoryLayout<Float>.stride }
    var borrowedBytes: Int { isBorrowed ? count * MemoryLayout<Float>.stride : 0 }
}

/// A [rows, columns] weight in its storage type (f32, f16, bf16, q8 or q4 blocks along the columns), row-major.
///
/// It points into the source's memory — for a .decant file, the mapped file itself — so a q8 model holds its
/// int8 blocks and nothing else: the products decode tile by tile (`decant_gemm_run`), embeddings decode the rows
/// a batch looks up. Only a source whose layout cannot be read in place (f64, strided views) is widened to an f32
/// copy the model owns. `owner` keeps the memory alive.
struct WeightMatrix: @unchecked Sendable {
    let storage: StorageType
    let base: UnsafeRawPointer
    let rows: Int
    let columns: Int
    let owner: AnyObject?
    let isBorrowed: Bool

    var rowBytes: Int { columns / storage.blockElements * storage.bytesPerBlock }
    var byteCount: Int { rows * rowBytes }
    var ownedBytes: Int { isBorrowed ? 0 : byteCount }
    var borrowedBytes: Int { isBorrowed ? byteCount : 0 }

    /// The view's own memory when the kernels can read it as it is: contiguous f32 (4-byte aligned, BLAS needs
    /// it), f16 or bf16 (any alignment).
    static func borrowing(_ view: TensorView) -> WeightMatrix? {
        let storage: StorageType
        switch view.dtype {
        case .f32: storage = .f32
        case .f16: storage = .f16
        case .bf16: storage = .bf16
        default: return nil
        }
        guard view.isContiguous, view.count > 0, let start = view.storage.buffer.baseAddress else { return nil }
        let base = UnsafeRawPointer(start + view.storageOffset * view.dtype.size)
        guard storage != .f32 || Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else { return nil }
        let columns = view.shape.last ?? 1
        return WeightMatrix(storage: storage, base: base, rows: view.count / max(columns, 1), columns: columns,
                            owner: view.storage.owner, isBorrowed: true)
    }

    /// Writes row `row` as f32 into `destination` (`columns` floats), or returns the row in place when it is f32.
    func row(_ row: Int, decodingInto destination: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let start = base + row * rowBytes
        switch storage {
        case .f32: return start.assumingMemoryBound(to: Float.self)
        case .f16: decant_f16_to_f32(start, destination, columns, decant_kernel_best_path())
        case .bf16: decant_bf16_to_f32(start, destination, columns, decant_kernel_best_path())
        case .q8: decant_q8_decode(start, destination, columns / storage.blockElements, decant_kernel_best_path())
        case .q4: decant_q4_decode(start, destination, columns / storage.blockElements, decant_kernel_best_path())
        }
        return UnsafePointer(destination)
    }
}

/// A torch `Linear`: the weight is [outFeatures, inFeatures], possibly as several row blocks (`segments`) stacked
/// along the output, each multiplied separately into its own columns of the output.
struct LinearWeights {
    let segments: [WeightMatrix]
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
    /// Q, K and V as one [3·hidden, hidden] projection: one matrix when the source holds them back to back
    /// (a .decant file does), three segments otherwise; never a copy.
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
    let wordEmbeddings: WeightMatrix
    let positionEmbeddings: WeightMatrix
    let tokenTypeEmbeddings: WeightMatrix
    let layers: [LayerWeights]
    let finalNorm: NormWeights
    let qaHead: LinearWeights

    init(config: BertConfig, source: WeightSource) throws(InferenceError) {
        let reader = WeightReader(source: source)
        let h = config.hidden
        wordEmbeddings = try reader.matrix("bert.embeddings.word_embeddings.weight", shape: [config.vocab, h],
                                           atLeastRows: true)
        positionEmbeddings = try reader.matrix("bert.embeddings.position_embeddings.weight", shape: [config.positions, h],
                                               atLeastRows: true)
        tokenTypeEmbeddings = try reader.matrix("bert.embeddings.token_type_embeddings.weight",
                                                shape: [config.tokenTypes, h], atLeastRows: true)
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

    private var vectors: [FloatBuffer] {
        var buffers = [finalNorm.gamma, finalNorm.beta, qaHead.bias]
        for layer in layers {
            buffers += [layer.attentionNorm.gamma, layer.attentionNorm.beta, layer.qkv.bias, layer.attentionOutput.bias,
                        layer.mlpNorm.gamma, layer.mlpNorm.beta, layer.mlpIn.bias, layer.mlpOut.bias]
        }
        return buffers
    }

    var linears: [LinearWeights] { [qaHead] + layers.flatMap { [$0.qkv, $0.attentionOutput, $0.mlpIn, $0.mlpOut] } }

    private var matrices: [WeightMatrix] {
        [wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings] + linears.flatMap(\.segments)
    }

    /// Bytes the model allocated for weights (f32 widenings of sources it cannot read in place, fused biases).
    var ownedBytes: Int { vectors.reduce(0) { $0 + $1.ownedBytes } + matrices.reduce(0) { $0 + $1.ownedBytes } }
    /// Bytes of weights used in place from the source's memory, in their storage type.
    var borrowedBytes: Int { vectors.reduce(0) { $0 + $1.borrowedBytes } + matrices.reduce(0) { $0 + $1.borrowedBytes } }
}

/// Fetches tensors by canonical name and checks their shapes.
private struct WeightReader {
    let source: WeightSource

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

    private func check(_ name: String, _ shape: [Int], _ expected: [Int], atLeastRows: Bool) throws(InferenceError) {
        let fits = atLeastRows
            ? shape.count == expected.count && shape[0] >= expected[0] && Array(shape.dropFirst()) == Array(expected.dropFirst())
            : shape == expected
        guard fits else {
            throw .shapeMismatch(name: name, expected: atLeastRows ? [-1] + expected.dropFirst() : expected, found: shape)
        }
    }

    /// A matrix in place in its storage type; shapes are checked before any byte is read.
    func matrix(_ name: String, shape expected: [Int], atLeastRows: Bool = false) throws(InferenceError) -> WeightMatrix {
        let (view, quantized) = try fetch(name)
        if let view {
            try check(name, view.shape, expected, atLeastRows: atLeastRows)
            guard view.dtype.isFloatingPoint else { throw .unsupportedDType(name: name, dtype: view.dtype) }
            if let borrowed = WeightMatrix.borrowing(view) { return borrowed }
            let copy = try FloatBuffer.load(view)
            return WeightMatrix(storage: .f32, base: UnsafeRawPointer(copy.pointer), rows: view.shape[0],
                                columns: view.shape[1], owner: copy.owner, isBorrowed: false)
        }
        let encoded = quantized!
        try check(name, encoded.shape, expected, atLeastRows: atLeastRows)
        do throws(QuantizationError) {
            let expectedBytes = try encoded.storage.byteCount(shape: encoded.shape, name: name)
            guard encoded.bytes.count == expectedBytes else {
                throw .byteCountMismatch(name: name, storage: encoded.storage, expected: expectedBytes,
                                         found: encoded.bytes.count)
            }
        } catch {
            throw .sourceFailed(name: name, reason: error.description)
        }
        guard let base = encoded.bytes.buffer.baseAddress else { throw .shapeMismatch(name: name, expected: expected, found: encoded.shape) }
        guard encoded.storage != .f32 || Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else {
            var values = [Float](repeating: 0, count: encoded.shape.reduce(1, *))
            values.withUnsafeMutableBufferPointer { out in
                out.baseAddress!.initialize(from: base.assumingMemoryBound(to: Float.self), count: out.count)
            }
            let copy = FloatBuffer(copying: values)
            return WeightMatrix(storage: StorageType.f32, base: UnsafeRawPointer(copy.pointer), rows: encoded.shape[0],
                                columns: encoded.shape[1], owner: copy.owner, isBorrowed: false)
        }
        return WeightMatrix(storage: encoded.storage, base: base, rows: encoded.shape[0], columns: encoded.shape[1],
                            owner: encoded.bytes.owner, isBorrowed: true)
    }

    /// A 1-D parameter as f32 (in place when it is f32 already).
    func vector(_ name: String, count: Int) throws(InferenceError) -> FloatBuffer {
        let (view, quantized) = try fetch(name)
        if let view {
            try check(name, view.shape, [count], atLeastRows: false)
            guard view.dtype.isFloatingPoint else { throw .unsupportedDType(name: name, dtype: view.dtype) }
            return try FloatBuffer.load(view)
        }
        let encoded = quantized!
        try check(name, encoded.shape, [count], atLeastRows: false)
        var values = [Float](repeating: 0, count: count)
        do {
            try values.withUnsafeMutableBufferPointer { out throws(QuantizationError) in
                try Quantizer.decode(encoded.bytes.buffer, as: encoded.storage, name: name, into: out)
            }
        } catch {
            throw .sourceFailed(name: name, reason: error.description)
        }
        return FloatBuffer(copying: values)
    }

    func norm(_ prefix: String, hidden: Int) throws(InferenceError) -> NormWeights {
        NormWeights(gamma: try vector(prefix + ".weight", count: hidden), beta: try vector(prefix + ".bias", count: hidden))
    }

    func linear(_ prefix: String, out: Int, in inFeatures: Int) throws(InferenceError) -> LinearWeights {
        LinearWeights(segments: [try matrix(prefix + ".weight", shape: [out, inFeatures])],
                      bias: try vector(prefix + ".bias", count: out), outFeatures: out, inFeatures: inFeatures)
    }

    /// Stacks query, key and value. When the three matrices lie back to back in one storage, in one storage type
    /// (a .decant file; a checkpoint slicing Megatron's fused v0 `query_key_value`), the stack is that memory
    /// itself, in memory order; otherwise they stay three segments in Q, K, V order.
    func fusedQKV(_ prefix: String, hidden: Int) throws(InferenceError) -> (linear: LinearWeights, queryColumn: Int,
                                                                             keyColumn: Int, valueColumn: Int) {
        let weights = try ["query", "key", "value"].map { (part) throws(InferenceError) in
            try matrix(prefix + part + ".weight", shape: [hidden, hidden])
        }
        let biases = try ["query", "key", "value"].map { (part) throws(InferenceError) in
            try vector(prefix + part + ".bias", count: hidden)
        }
        var order = [0, 1, 2]
        order.sort { weights[$0].base < weights[$1].base }
        let adjacent = weights.allSatisfy { $0.isBorrowed && $0.storage == weights[0].storage }
            && Set(weights.map { $0.owner.map(ObjectIdentifier.init) }).count == 1
            && zip(order, order.dropFirst()).allSatisfy { weights[$0].base + weights[$0].byteCount == weights[$1].base }
        let segments: [WeightMatrix]
        if adjacent {
            let first = weights[order[0]]
            segments = [WeightMatrix(storage: first.storage, base: first.base, rows: 3 * hidden, columns: hidden,
                                     owner: first.owner, isBorrowed: true)]
        } else {
            order = [0, 1, 2]
            segments = weights
        }
        let bias = FloatBuffer(copying: order.flatMap { UnsafeBufferPointer(start: biases[$0].pointer, count: hidden) })
        let column = { (part: Int) in order.firstIndex(of: part)! * hidden }
        return (LinearWeights(segments: segments, bias: bias, outFeatures: 3 * hidden, inFeatures: hidden),
                column(0), column(1), column(2))
    }
}
