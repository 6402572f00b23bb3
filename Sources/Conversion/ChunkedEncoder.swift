import Bytes
import CKernels
import Quantization

/// Encodes one tensor's f32 values into a storage type a slice of whole rows at a time, measuring the error as it
/// goes, so that neither the encoded tensor nor its decoded copy is ever whole in memory and the source pages of
/// each slice can be released as soon as the slice is written.
enum ChunkedEncoder {
    /// Values per slice (whole rows, at least one): 4 MiB of f32.
    static let sliceValues = 1 << 20

    /// Streams `values` (row-major, `shape`) as `storage` into `emit`, which receives each encoded slice and the
    /// range of values it covers. Returns the error of the whole tensor, as `Quantizer.measure` defines it.
    static func encode(_ values: UnsafeBufferPointer<Float>, as storage: StorageType, shape: [Int], name: String,
                       emit: (UnsafeRawBufferPointer, Range<Int>) throws -> Void) throws -> QuantizationMeasurement {
        // Rows of a matrix; for vectors, runs of whole blocks.
        let rowLength = shape.count >= 2 ? max(1, shape.last!) : storage.blockElements
        guard values.count % rowLength == 0 else { throw QuantizationError.notBlockAligned(name: name, storage: storage, shape: shape) }
        let sliceRows = max(1, sliceValues / rowLength)
        if storage == .f32 {
            var start = 0
            while start < values.count {
                let end = min(values.count, start + sliceRows * rowLength)
                try emit(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: values[start..<end])), start..<end)
                start = end
            }
            return QuantizationMeasurement(name: name, storage: .f32, relativeRMS: 0, maxAbsError: 0, comparedCount: values.count)
        }
        let capacity = min(values.count, sliceRows * rowLength)
        let encoded = ByteStorage(count: try storage.byteCount(shape: [capacity / rowLength * rowLength], name: name))
        let decoded = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, capacity))
        defer { decoded.deallocate() }
        var totals = decant_error_totals()
        var overflows = 0
        var start = 0
        while start < values.count {
            let rows = min(sliceRows, (values.count - start) / rowLength)
            let range = start..<(start + rows * rowLength)
            let slice = UnsafeBufferPointer(rebasing: values[range])
            let sliceShape = shape.count >= 2 ? [rows, rowLength] : [range.count]
            let output = UnsafeMutableRawBufferPointer(rebasing: encoded.mutableBuffer[0..<(try storage.byteCount(shape: sliceShape, name: name))])
            overflows += try Quantizer.encode(slice, as: storage, shape: sliceShape, name: name, into: output)
            let check = UnsafeMutableBufferPointer(rebasing: decoded[0..<range.count])
            try Quantizer.decode(UnsafeRawBufferPointer(output), as: storage, name: name, into: check)
            decant_accumulate_error(slice.baseAddress!, check.baseAddress!, range.count, &totals, decant_kernel_best_path())
            try emit(UnsafeRawBufferPointer(output), range)
            start = range.upperBound
        }
        let error = totals.sum_squared_error.squareRoot(), reference = totals.sum_squared_reference.squareRoot()
        return QuantizationMeasurement(
            name: name, storage: storage, relativeRMS: reference > 0 ? error / reference : (error == 0 ? 0 : .infinity),
            maxAbsError: totals.max_abs_error, overflowCount: overflows, comparedCount: Int(totals.compared),
            nonFiniteCount: Int(totals.skipped))
    }
}
