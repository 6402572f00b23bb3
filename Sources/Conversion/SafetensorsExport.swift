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
        let results = try TensorStream(plan: plan, observer: observer).run { tensor, values in
            let measurement: QuantizationMeasurement
            if storage == .f32 {
                try writer.write(values.raw)
                measurement = QuantizationMeasurement(name: tensor.name, storage: .f32, relativeRMS: 0, maxAbsError: 0,
                                                      comparedCount: values.buffer.count)
            } else {
                let encoded: ByteStorage
                (encoded, measurement) = try Quantizer.encodeMeasuring(values.buffer, as: storage, shape: tensor.shape,
                                                                       name: tensor.name)
                try writer.write(encoded.view.buffer)
            }
            return ConvertedTensor(name: tensor.name, shape: tensor.shape, storage: storage, reason: reason,
                                   measurement: measurement)
        }
        try writer.finish()
        return results
    }
}
