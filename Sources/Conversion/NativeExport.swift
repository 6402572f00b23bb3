import Bytes
import NativeFormat
import Quantization
import Safetensors

/// Writes a `.decant` file: matrix weights in the requested storage (`QuantizationPolicy`), the rest f32, and the
/// model's description as metadata.
enum NativeExport {
    /// `reopen` gives a fresh plan for a second pass when the first one's source released what it read (a `.tlt`
    /// converted while it is decrypted).
    static func write(_ plan: ConversionPlan, to destination: String, options: ConversionOptions,
                      digest: SourceDigest, observer: ConversionObserver?,
                      reopen: () throws -> ConversionPlan) throws -> [ConvertedTensor] {
        // A tensor q8/q4 cannot hold (a NaN, a range beyond the f16 scale) is kept f32 and the file is written
        // again from the start: rare, and a plan fixed up front is what keeps the output deterministic.
        var fallbacks: [String: String] = [:]
        var plan = plan
        var reopened: ConversionPlan?
        defer { reopened?.source.arriving?.cancel() }
        while true {
            do {
                return try attempt(plan, destination: destination, options: options, digest: digest,
                                   fallbacks: fallbacks, observer: observer)
            } catch let error as QuantizationError {
                switch error {
                case let .nonFiniteValue(name, _, _, _), let .scaleOutOfRange(name, _, _):
                    guard fallbacks[name] == nil else { throw error }
                    fallbacks[name] = "kept f32: \(error.description)"
                default:
                    throw error
                }
                if let arriving = plan.source.arriving {
                    arriving.cancel()
                    plan = try reopen()
                    reopened = plan
                }
            }
        }
    }

    private static func attempt(_ plan: ConversionPlan, destination: String, options: ConversionOptions,
                                digest: SourceDigest, fallbacks: [String: String],
                                observer: ConversionObserver?) throws -> [ConvertedTensor] {
        let policy = QuantizationPolicy(target: options.storage, quantizeEmbeddings: options.quantizeEmbeddings)
        let decisions: [(storage: StorageType, reason: String)] = plan.tensors.map { tensor in
            if let fallback = fallbacks[tensor.name] { return (.f32, fallback) }
            let decision = policy.decision(name: tensor.name, shape: tensor.shape)
            return (decision.storage, decision.reason)
        }
        let metadata = NativeMetadata.make(plan, options: options, sourceName: splitPath(plan.source.path).name,
                                           sourceSHA256: NativeMetadata.pendingDigest, fallbacks: fallbacks)
        let staged = StagedNativeFile(destination: destination)
        let writer = try NativeFileWriter(
            destination: staged.path, metadata: metadata,
            plan: zip(plan.tensors, decisions).map { NativeTensorSpec(name: $0.name, storage: $1.storage, shape: $0.shape) })
        let storage = Dictionary(uniqueKeysWithValues: zip(plan.tensors.map(\.name), decisions))
        let results = try TensorStream(plan: plan, observer: observer).run(storage: { storage[$0.name]! }) { bytes in
            try writer.write(bytes)
        }
        try writer.finish()
        try staged.commit(sourceSHA256: try digest.value())
        return results
    }
}
