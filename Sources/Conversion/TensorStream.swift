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

/// Walks the plan tensor by tensor: materialize, hand contiguous f32 values to the writer, release the source
/// pages that are no longer needed, report progress. At most one tensor (plus its encoding) is in memory.
struct TensorStream {
    let plan: ConversionPlan
    let observer: ConversionObserver?

    func run(_ write: (CanonicalTensorPlan, Float32Values) throws -> ConvertedTensor) throws -> [ConvertedTensor] {
        let release = SourcePageRelease(plan: plan)
        let total = plan.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.size }
        var done = 0
        var results: [ConvertedTensor] = []
        results.reserveCapacity(plan.tensors.count)
        for (index, tensor) in plan.tensors.enumerated() {
            let values = try Float32Values(try plan.materialize(tensor))
            results.append(try write(tensor, values))
            release.release(after: index)
            done += tensor.shape.reduce(1, *) * tensor.dtype.size
            try observer?(ConversionProgress(tensorsDone: index + 1, tensorCount: plan.tensors.count, bytesDone: done,
                                             bytesTotal: total, lastTensor: tensor.name))
        }
        return results
    }
}
