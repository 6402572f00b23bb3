import Bytes
import Tensors

/// Drops the resident pages of source tensors once every canonical tensor made from them is written, so that
/// converting a memory-mapped checkpoint keeps RSS near one slice's worth instead of growing to the model's size.
///
/// Release goes through the storage's owner (`PageReleasable`): read-only file mappings (a plain `.nemo`, the
/// decrypted-weights spool file) drop their pages, heap copies ignore the request. A `.tlt` converted while it is
/// decrypted also punches the storage out of the spool (`ArrivingWeights.release`), so the conversion never
/// re-reads a released source tensor: a second pass over the plan needs a freshly opened source.
struct SourcePageRelease {
    /// For each plan index, the source tensors whose last use it is.
    private let releasedAfter: [Int: [String]]
    private let plan: ConversionPlan

    init(plan: ConversionPlan) {
        var lastUse: [String: Int] = [:]
        for (index, tensor) in plan.tensors.enumerated() {
            for name in tensor.sourceNames { lastUse[name] = index }
        }
        var releasedAfter: [Int: [String]] = [:]
        // Tensors whose values decided the plan stay until `confirmDecisions` has read them again.
        for (name, index) in lastUse where plan.sources[name] != nil && !plan.decidingTensors.contains(name) {
            releasedAfter[index, default: []].append(name)
        }
        self.releasedAfter = releasedAfter
        self.plan = plan
    }

    /// Releases the sources whose last canonical tensor was plan entry `index`.
    func release(after index: Int) throws {
        for name in releasedAfter[index] ?? [] {
            let view = try plan.sourceView(name)
            guard view.count > 0, let base = view.storage.buffer.baseAddress else { continue }
            var reach = 1
            for (size, stride) in zip(view.shape, view.strides) { reach += (size - 1) * stride }
            view.storage.releasePages(UnsafeRawBufferPointer(start: base + view.storageOffset * view.dtype.size,
                                                             count: reach * view.dtype.size))
            // A source still being decrypted frees the spooled bytes themselves once nothing needs them.
            try plan.source.release(plan.sources[name]!)
        }
    }
}
