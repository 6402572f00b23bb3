import CBLAS
import CKernels
import Foundation
import Quantization

/// Megatron-BERT with a span-QA head, on the CPU: start and end logits for batches of token sequences.
///
/// The forward pass follows Megatron v2.0 / Hugging Face MegatronBert: word + position + token-type embeddings
/// (no embedding LayerNorm), pre-LN blocks x + Attn(LN₁(x)) then x + MLP(LN₂(x)), a final LayerNorm and a
/// Linear(hidden → 2) head (channel 0 start, 1 end). All sequences of a batch are stacked into one matrix so each
/// projection is a single GEMM; attention runs per (sequence, head), split across threads.
public final class BertQAModel: @unchecked Sendable {
    public let config: BertConfig
    let weights: BertWeights
    private let isa = decant_inference_best_isa()

    /// Megatron fills masked scores with −10000 (HF adds the dtype minimum); either way a masked key's probability
    /// is below 1e-37 for every query that has an unmasked key, and a fully masked row stays finite.
    static let maskedKeyBias: Float = -10000

    /// The forward pass changes OpenBLAS's global thread count around attention, so passes run one at a time.
    private static let forwardLock = NSLock()

    /// The kernel each non-f32 storage type's products run on (`decant_gemm_best_path` unless a test chose one).
    let productPaths: [StorageType: Int32]

    public convenience init(config: BertConfig, weights source: WeightSource) throws(InferenceError) {
        try self.init(config: config, weights: source, productPaths: [:])
    }

    /// `productPaths` replaces the best kernel for the given storage types (tests run every path this way); a
    /// path the CPU does not run is refused, never lowered.
    init(config: BertConfig, weights source: WeightSource, productPaths: [StorageType: Int32]) throws(InferenceError) {
        try config.validate()
        self.config = config
        self.weights = try BertWeights(config: config, source: source)
        var paths: [StorageType: Int32] = [:]
        for storage in StorageType.allCases {
            let path = productPaths[storage] ?? decant_gemm_best_path(storage.kernelCode)
            guard decant_gemm_path_available(storage.kernelCode, path) != 0 else {
                throw .invalidConfig("the \(storage.rawValue) product kernel \(path) does not run on this CPU")
            }
            paths[storage] = path
        }
        self.productPaths = paths
    }

    /// Bytes of weights the model allocated (f32 widenings of sources it cannot read in place, fused biases).
    public var ownedWeightBytes: Int { weights.ownedBytes }
    /// Bytes of weights used in place from the source's memory, in their storage type.
    public var borrowedWeightBytes: Int { weights.borrowedBytes }

    /// Start and end logits for every position of every sequence. Sequences may differ in length; logits at
    /// positions whose attention mask is 0 are computed but meaningless.
    public func logits(inputIds: [[Int32]], tokenTypeIds: [[Int32]], attentionMask: [[Int32]]) throws(InferenceError)
        -> [(start: [Float], end: [Float])] {
        let batch = try TokenBatch(inputIds: inputIds, tokenTypeIds: tokenTypeIds, attentionMask: attentionMask,
                                   config: config)
        guard batch.rows > 0 else { return [] }
        Self.forwardLock.lock()
        defer { Self.forwardLock.unlock() }
        let workers = BLASRuntime.threads
        let workspace = Workspace(config: config, batch: batch, workers: workers, products: productBuffers(rows: batch.rows))
        defer { workspace.deallocate() }
        return forward(batch, workspace, workers: workers)
    }

    private func forward(_ batch: TokenBatch, _ ws: Workspace, workers: Int) -> [(start: [Float], end: [Float])] {
        embed(batch, into: ws.residual)
        for layer in weights.layers {
            layerNorm(ws.residual, into: ws.normed, rows: batch.rows, layer.attentionNorm, workers: workers)
            linear(ws.normed, layer.qkv, rows: batch.rows, into: ws.qkv, accumulate: false, ws, workers: workers)
            attention(batch, layer, ws, workers: workers)
            linear(ws.context, layer.attentionOutput, rows: batch.rows, into: ws.residual, accumulate: true, ws, workers: workers)
            layerNorm(ws.residual, into: ws.normed, rows: batch.rows, layer.mlpNorm, workers: workers)
            linear(ws.normed, layer.mlpIn, rows: batch.rows, into: ws.inner, accumulate: false, ws, workers: workers)
            let variant = config.activation.kernelVariant
            parallelRanges(batch.rows, workers: workers, inlineBelow: 16) { _, rows in
                decant_bias_gelu(ws.inner + rows.lowerBound * config.ffn, rows.count, config.ffn, nil, variant, isa)
            }
            linear(ws.inner, layer.mlpOut, rows: batch.rows, into: ws.residual, accumulate: true, ws, workers: workers)
        }
        layerNorm(ws.residual, into: ws.normed, rows: batch.rows, weights.finalNorm, workers: workers)
        linear(ws.normed, weights.qaHead, rows: batch.rows, into: ws.logits, accumulate: false, ws, workers: workers)
        return batch.sequences.map { sequence in
            let pairs = UnsafeBufferPointer(start: ws.logits + 2 * sequence.firstRow, count: 2 * sequence.length)
            return (start: stride(from: 0, to: pairs.count, by: 2).map { pairs[$0] },
                    end: stride(from: 1, to: pairs.count, by: 2).map { pairs[$0] })
        }
    }

    /// Word + position + token-type embedding of every token; rows stored in another type than f32 are decoded
    /// one at a time (a lookup touches a few hundred rows of a 30 522-row table).
    private func embed(_ batch: TokenBatch, into out: UnsafeMutablePointer<Float>) {
        let h = config.hidden
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * h)
        defer { scratch.deallocate() }
        for sequence in batch.sequences {
            for position in 0..<sequence.length {
                let word = weights.wordEmbeddings.row(Int(sequence.inputIds[position]), decodingInto: scratch)
                let place = weights.positionEmbeddings.row(position, decodingInto: scratch + h)
                let type = weights.tokenTypeEmbeddings.row(Int(sequence.tokenTypeIds[position]), decodingInto: scratch + 2 * h)
                let row = out + (sequence.firstRow + position) * h
                for j in 0..<h { row[j] = word[j] + place[j] + type[j] }
            }
        }
    }

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int,
                           _ norm: NormWeights, workers: Int) {
        let h = config.hidden
        parallelRanges(rows, workers: workers, inlineBelow: 64) { _, range in
            decant_layer_norm(x + range.lowerBound * h, y + range.lowerBound * h, range.count, h,
                              norm.gamma.pointer, norm.beta.pointer, config.layerNormEps, isa)
        }
    }

    /// out = in·Wᵀ + b over all rows; `accumulate` adds onto `out` (the residual stream) instead. Either way the
    /// bias goes into `out` first and every product accumulates onto it, so no separate pass zeroes `out`.
    private func linear(_ input: UnsafePointer<Float>, _ layer: LinearWeights, rows: Int,
                        into out: UnsafeMutablePointer<Float>, accumulate: Bool, _ ws: Workspace, workers: Int) {
        let n = layer.outFeatures
        if accumulate {
            decant_add_bias(out, rows, n, layer.bias.pointer)
        } else {
            for row in 0..<rows { (out + row * n).update(from: layer.bias.pointer, count: n) }
        }
        var column = 0
        for segment in layer.segments {
            product(input, segment, rows: rows, into: out + column, ldc: n, ws, workers: workers)
            column += segment.rows
        }
    }

    /// out[r, j] += Σ_k input[r, k] · W[j, k]: `decant_gemm_run` on the weights in their storage type, its output
    /// columns split between the workers (each unpacks only its own weights); OpenBLAS for f32 weights and more
    /// than `openBLASMinimumRows` rows.
    private func product(_ input: UnsafePointer<Float>, _ weight: WeightMatrix, rows: Int,
                         into out: UnsafeMutablePointer<Float>, ldc: Int, _ ws: Workspace, workers: Int) {
        let n = weight.rows, k = weight.columns
        guard weight.storage != .f32 || rows < Self.openBLASMinimumRows else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(k), 1, input, Int32(k),
                        weight.base.assumingMemoryBound(to: Float.self), Int32(k), 1, out, Int32(ldc))
            return
        }
        let code = weight.storage.kernelCode, path = productPaths[weight.storage]!
        var prepared = decant_gemm_input()
        // Shapes were checked against the storage at load and the path against the CPU at init.
        precondition(decant_gemm_input_init(&prepared, code, path, input, k, rows, k, ws.productInput) == 0)
        withUnsafePointer(to: &prepared) { prepared in
            if decant_gemm_input_bytes(code, path, rows, k) > 0 {
                parallelRanges(rows, workers: workers, inlineBelow: 32) { _, range in
                    decant_gemm_input_prepare(prepared, range.lowerBound, range.upperBound)
                }
            }
            let tiles = (n + Self.productColumnTile - 1) / Self.productColumnTile
            parallelRanges(tiles, workers: workers) { worker, range in
                let columns = (range.lowerBound * Self.productColumnTile)..<min(n, range.upperBound * Self.productColumnTile)
                let status = decant_gemm_run(prepared, weight.base, columns.lowerBound, columns.upperBound, out, ldc,
                                             ws.productScratch + worker * ws.productScratchPerWorker)
                precondition(status == 0)
            }
        }
    }

    /// Below this many rows (tokens in the batch), f32 products run on Decant's f32 panel kernel rather than
    /// OpenBLAS, whose sgemm slows down on short inputs: the forward pass at 64 tokens took 14 % less time that
    /// way, at 128 tokens 6 % less, at 384 tokens 2 % more (BENCHMARKS.md).
    static let openBLASMinimumRows = 256

    /// Columns are split between workers in multiples of the widest kernel panel (64 for AVX512-VNNI).
    static let productColumnTile = 64

    /// Bytes of prepared activations and of per-worker kernel scratch the largest product of a batch needs.
    private func productBuffers(rows: Int) -> (input: Int, scratch: Int) {
        var input = 0, scratch = 0
        for segment in weights.linears.flatMap(\.segments) where segment.storage != .f32 || rows < Self.openBLASMinimumRows {
            let code = segment.storage.kernelCode, path = productPaths[segment.storage]!
            input = max(input, decant_gemm_input_bytes(code, path, rows, segment.columns))
            scratch = max(scratch, decant_gemm_workspace_bytes(code, path, segment.columns))
        }
        return (input, scratch)
    }

    /// softmax(Q·Kᵀ/√d + mask)·V for each (sequence, head), reading Q, K and V in place from the fused
    /// projection. Each worker runs whole heads with single-threaded GEMMs: at 384×384×64 one thread per head
    /// beats two threads per GEMM.
    private func attention(_ batch: TokenBatch, _ layer: LayerWeights, _ ws: Workspace, workers: Int) {
        let h = config.hidden, d = config.headDim, ld = 3 * h
        let heads = config.heads
        let scale = 1 / Float(d).squareRoot()
        let items = batch.sequences.count * heads
        let parallel = workers > 1 && items > 1
        if parallel { BLASRuntime.setThreads(1) }
        defer { if parallel { BLASRuntime.setThreads(workers) } }
        parallelRanges(items, workers: parallel ? workers : 1) { worker, range in
            let scores = ws.scores + worker * ws.scoresPerWorker
            for item in range {
                let sequence = batch.sequences[item / heads]
                let head = item % heads
                let s = sequence.length
                let base = ws.qkv + sequence.firstRow * ld + head * d
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s), Int32(s), Int32(d), scale,
                            base + layer.queryColumn, Int32(ld), base + layer.keyColumn, Int32(ld), 0, scores, Int32(s))
                sequence.keyBias.withUnsafeBufferPointer { bias in
                    decant_softmax_rows(scores, s, s, s, bias.baseAddress, isa)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s), Int32(d), Int32(s), 1, scores, Int32(s),
                            base + layer.valueColumn, Int32(ld), 0, ws.context + sequence.firstRow * h + head * d, Int32(h))
            }
        }
    }
}

extension GELUVariant {
    var kernelVariant: Int32 {
        switch self {
        case .erf: return Int32(DECANT_GELU_ERF)
        case .megatronErf: return Int32(DECANT_GELU_MEGATRON_ERF)
        case .tanh: return Int32(DECANT_GELU_TANH)
        }
    }
}

extension StorageType {
    /// The DECANT_STORAGE_* code of the product kernels.
    var kernelCode: Int32 {
        switch self {
        case .f32: return Int32(DECANT_STORAGE_F32)
        case .f16: return Int32(DECANT_STORAGE_F16)
        case .bf16: return Int32(DECANT_STORAGE_BF16)
        case .q8: return Int32(DECANT_STORAGE_Q8)
        case .q4: return Int32(DECANT_STORAGE_Q4)
        }
    }
}
