import Megatron
import Quantization
import Tensors

/// How far a conversion has got, reported after each canonical tensor.
public struct ConversionProgress: Sendable, Equatable {
    public let tensorsDone: Int
    public let tensorCount: Int
    /// Bytes of canonical tensors (in the source dtype) converted so far and in all.
    public let bytesDone: Int
    public let bytesTotal: Int
    public let lastTensor: String
}

/// Called after every tensor; throwing from it stops the conversion and removes the partial output.
public typealias ConversionObserver = (ConversionProgress) throws -> Void

/// One written tensor: where it went, in what storage, why, and what that cost in accuracy.
public struct ConvertedTensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let storage: StorageType
    /// Why this storage (the quantization policy's reason, or the dtype every tensor gets).
    public let reason: String
    public let measurement: QuantizationMeasurement
}

/// Walks the plan tensor by tensor and each tensor slice by slice: materialize (a view, or a gathered copy for
/// v2 QKV parts), encode a slice of rows, hand its bytes to the writer, release the source pages it came from.
/// Memory in use is one slice plus, for gathered tensors, one tensor — never the model.
struct TensorStream {
    let plan: ConversionPlan
    let observer: ConversionObserver?

    /// `storage` decides each tensor's storage type (and why); `write` receives the encoded bytes in file order.
    func run(storage: (CanonicalTensorPlan) -> (StorageType, String),
             write: (UnsafeRawBufferPointer) throws -> Void) throws -> [ConvertedTensor] {
        let release = SourcePageRelease(plan: plan)
        let total = plan.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.size }
        var done = 0
        var results: [ConvertedTensor] = []
        results.reserveCapacity(plan.tensors.count)
        for (index, tensor) in plan.tensors.enumerated() {
            let values = try Float32Values(try plan.materialize(tensor))
            let (type, reason) = storage(tensor)
            let measurement = try ChunkedEncoder.encode(values.buffer, as: type, shape: tensor.shape, name: tensor.name) { bytes, range in
                try write(bytes)
                values.releasePages(range)
            }
            results.append(ConvertedTensor(name: tensor.name, shape: tensor.shape, storage: type, reason: reason,
                                           measurement: measurement))
            try release.release(after: index)
            done += tensor.shape.reduce(1, *) * tensor.dtype.size
            try observer?(ConversionProgress(tensorsDone: index + 1, tensorCount: plan.tensors.count, bytesDone: done,
                                             bytesTotal: total, lastTensor: tensor.name))
        }
        // A source decrypted while it was converted is trusted only once complete: checksums verified, every
        // tensor where the complete checkpoint puts it, and every decision taken from values taken again from the
        // verified bytes. The caller commits its output only after this.
        try plan.source.finish()
        try plan.confirmDecisions()
        return results
    }
}
