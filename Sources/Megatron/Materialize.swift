import Bytes
import Tensors

/// Turns a planned canonical tensor into a `TensorView`: renames and row truncations are zero-copy views, and so
/// are v0/v1 QKV parts (one row block / every third row); v2 parts interleave heads and are gathered.
extension MegatronMapping {
    public static func materialize(_ plan: CanonicalTensorPlan, source: TensorView) throws(MegatronError) -> TensorView {
        let rest = Array(plan.shape.dropFirst())
        let expectedSource: [Int]
        switch plan.transform {
        case .identity: expectedSource = plan.shape
        case .truncateRows: expectedSource = [source.shape.first ?? 0] + rest
        case .qkvSplit: expectedSource = [3 * (plan.shape.first ?? 0)] + rest
        }
        guard plan.sourceNames.contains(source.name), !plan.shape.isEmpty, source.shape == expectedSource,
              source.dtype == plan.dtype else {
            throw .sourceMismatch(canonical: plan.name, expectedShape: expectedSource, found: source.name,
                                  foundShape: source.shape)
        }

        switch plan.transform {
        case .identity:
            return source.renamed(plan.name)
        case let .truncateRows(rows):
            guard rows <= source.shape[0] else {
                throw .vocabExceedsEmbedding(vocab: rows, embeddingRows: source.shape[0], source: plan.name)
            }
            return subview(of: source, name: plan.name, shape: plan.shape, strides: source.strides,
                           offset: source.storageOffset)
        case let .qkvSplit(part, layout, heads):
            let hidden = plan.shape[0]
            guard heads > 0, hidden % heads == 0 else { throw .headsDoNotDivideHidden(heads: heads, hidden: hidden) }
            let headDim = hidden / heads
            let f = layout.rowFormula(part: part, heads: heads, headDim: headDim)
            let rowStride = source.strides[0]
            let restStrides = Array(source.strides.dropFirst())
            let offset = source.storageOffset + f.base * rowStride
            if f.isSingleStride(headDim: headDim) || heads == 1 {
                return subview(of: source, name: plan.name, shape: plan.shape,
                               strides: [f.elementStride * rowStride] + restStrides, offset: offset)
            }
            let perHead = subview(of: source, name: plan.name, shape: [heads, headDim] + rest,
                                  strides: [f.headStride * rowStride, f.elementStride * rowStride] + restStrides,
                                  offset: offset)
            return gatherHeads(perHead, shape: plan.shape)
        }
    }

    /// A view inside an already-validated view: its reach is a subset of the source's, so it cannot fail.
    private static func subview(of source: TensorView, name: String, shape: [Int], strides: [Int],
                                offset: Int) -> TensorView {
        try! TensorView(name: name, dtype: source.dtype, shape: shape, strides: strides, storageOffset: offset,
                        storage: source.storage)
    }

    /// Copies a `[heads, d, rest…]` view into a packed `[heads·d, rest…]` tensor, one block copy per head when
    /// each head's rows are contiguous.
    private static func gatherHeads(_ perHead: TensorView, shape: [Int]) -> TensorView {
        let heads = perHead.shape[0]
        let blockElements = perHead.shape.dropFirst().reduce(1, *)
        let innerStrides = Array(perHead.strides.dropFirst())
        let bytes: ByteView
        if perHead.count > 0, innerStrides == TensorView.contiguousStrides(Array(perHead.shape.dropFirst())) {
            let size = perHead.dtype.size
            let out = ByteStorage(count: perHead.byteCount)
            let base = perHead.storage.buffer.baseAddress!
            for head in 0..<heads {
                out.pointer.advanced(by: head * blockElements * size)
                    .copyMemory(from: base + (perHead.storageOffset + head * perHead.strides[0]) * size,
                                byteCount: blockElements * size)
            }
            bytes = out.view
        } else {
            bytes = perHead.contiguousBytes()
        }
        return try! TensorView(name: perHead.name, dtype: perHead.dtype, shape: shape, storage: bytes)
    }
}
