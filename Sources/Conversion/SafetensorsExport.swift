import Bytes
import Quantization
import Safetensors
import Tensors

/// Writes the canonical tensors as one safetensors file, every tensor in the same float dtype.
enum SafetensorsExport {
    static func write(_ plan: ConversionPlan, to destination: String, storage: StorageType,
                      observer: ConversionObserver?) throws -> [ConvertedTensor] {
        guard let dtype = storage.dtype else { throw ConversionError.storageNotSupported(format: .safetensors, storage: storage) }
        let writer = try SafetensorsWriter(
            destination: destination, plan: plan.tensors.map { SafetensorsTensorSpec(name: $0.name, dtype: dtype, shape: $0.shape) },
            metadata: ["format": "pt"])
        // One dtype for all, so the writer's data order (by element size, then plan order) is the plan order.
        precondition(writer.entries.map(\.name) == plan.tensors.map(\.name), "uniform dtype keeps plan order")
        let reason = "every tensor \(storage.rawValue)"
        let results = try TensorStream(plan: plan, observer: observer).run(storage: { _ in (storage, reason) }) { bytes in
            try writer.write(bytes)
        }
        try writer.finish()
        return results
    }
}
