/// The activations of one forward pass, allocated once per call and sized for the batch.
final class Workspace: @unchecked Sendable {
    let residual: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let inner: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    /// One longest×longest score matrix per worker thread.
    let scores: UnsafeMutablePointer<Float>
    let scoresPerWorker: Int
    /// The activations of one product as its kernel wants them (quantized to u8, rounded to bf16), when it does.
    let productInput: UnsafeMutableRawPointer
    /// Each worker's panel of unpacked weights.
    let productScratch: UnsafeMutableRawPointer
    let productScratchPerWorker: Int
    private let allocations: [UnsafeMutablePointer<Float>]

    init(config: BertConfig, batch: TokenBatch, workers: Int, products: (input: Int, scratch: Int)) {
        let rows = batch.rows, h = config.hidden
        scoresPerWorker = batch.longest * batch.longest
        let sizes = [rows * h, rows * h, rows * 3 * h, rows * h, rows * config.ffn, rows * 2,
                     scoresPerWorker * max(1, workers)]
        allocations = sizes.map { count in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: count)
        }
        (residual, normed, qkv, context, inner, logits, scores) =
            (allocations[0], allocations[1], allocations[2], allocations[3], allocations[4], allocations[5], allocations[6])
        productInput = UnsafeMutableRawPointer.allocate(byteCount: max(products.input, 64), alignment: 64)
        productScratchPerWorker = (products.scratch + 63) / 64 * 64
        productScratch = UnsafeMutableRawPointer.allocate(byteCount: max(productScratchPerWorker * max(1, workers), 64),
                                                          alignment: 64)
    }

    func deallocate() {
        for pointer in allocations { pointer.deallocate() }
        productInput.deallocate()
        productScratch.deallocate()
    }
}
