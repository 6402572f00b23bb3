import Bytes
import CKernels
import Tensors

/// Encodes f32 values into a storage type and decodes them back, through the CKernels loops.
///
/// Rounding: f16 and bf16 round to nearest even; q8 and q4 round x/d half-to-even (unbiased, and what the
/// vector instructions do) after choosing the f16 scale d so that no value needs clamping.
/// Non-finite input: f16 and bf16 keep NaN and ±inf (finite values beyond the f16 range become ±inf and are
/// counted); q8 and q4 refuse them with `QuantizationError.nonFiniteValue`.
public enum Quantizer {
    /// Writes `values` (row-major, `shape`) as `storage` into `destination`, which must be exactly
    /// `storage.byteCount(shape:)` bytes. Returns how many finite values overflowed to ±inf (f16/bf16 only).
    @discardableResult
    public static func encode(_ values: UnsafeBufferPointer<Float>, as storage: StorageType, shape: [Int], name: String,
                              into destination: UnsafeMutableRawBufferPointer, path: KernelPath = .best) throws(QuantizationError) -> Int {
        let expected = try storage.byteCount(shape: shape, name: name)
        guard values.count == shape.reduce(1, *) else { throw .valueCountMismatch(name: name, shape: shape, values: values.count) }
        guard destination.count == expected else {
            throw .byteCountMismatch(name: name, storage: storage, expected: expected, found: destination.count)
        }
        guard let input = values.baseAddress, let output = destination.baseAddress else { return 0 }
        let blocks = values.count / storage.blockElements
        var badBlock = 0
        let status: Int32
        switch storage {
        case .f32:
            output.copyMemory(from: input, byteCount: expected)
            return 0
        case .f16: return decant_f32_to_f16(input, output, values.count, path.rawValue)
        case .bf16: return decant_f32_to_bf16(input, output, values.count, path.rawValue)
        case .q8: status = decant_q8_encode(input, output, blocks, path.rawValue, &badBlock)
        case .q4: status = decant_q4_encode(input, output, blocks, path.rawValue, &badBlock)
        }
        switch Int(status) {
        case Int(DECANT_QUANT_OK): return 0
        case Int(DECANT_QUANT_NONFINITE):
            let start = badBlock * storage.blockElements
            let index = (start..<(start + storage.blockElements)).first { !values[$0].isFinite } ?? start
            throw .nonFiniteValue(name: name, storage: storage, index: index, value: values[index])
        default:
            throw .scaleOutOfRange(name: name, storage: storage, block: badBlock)
        }
    }

    /// Decodes `destination.count` values from `source`, which must hold exactly their encoding; for block types
    /// the count must be a whole number of blocks (always true for a tensor that `canStore`).
    public static func decode(_ source: UnsafeRawBufferPointer, as storage: StorageType, name: String = "",
                              into destination: UnsafeMutableBufferPointer<Float>, path: KernelPath = .best) throws(QuantizationError) {
        let count = destination.count
        guard count % storage.blockElements == 0 else {
            throw .notBlockAligned(name: name, storage: storage, shape: [count])
        }
        let expected = count / storage.blockElements * storage.bytesPerBlock
        guard source.count == expected else {
            throw .byteCountMismatch(name: name, storage: storage, expected: expected, found: source.count)
        }
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        let blocks = count / storage.blockElements
        switch storage {
        case .f32: UnsafeMutableRawPointer(output).copyMemory(from: input, byteCount: expected)
        case .f16: decant_f16_to_f32(input, output, count, path.rawValue)
        case .bf16: decant_bf16_to_f32(input, output, count, path.rawValue)
        case .q8: decant_q8_decode(input, output, blocks, path.rawValue)
        case .q4: decant_q4_decode(input, output, blocks, path.rawValue)
        }
    }

    /// Encodes a whole tensor into new storage and measures the error of the result against `values`.
    public static func encodeMeasuring(_ values: UnsafeBufferPointer<Float>, as storage: StorageType, shape: [Int],
                                       name: String) throws(QuantizationError) -> (bytes: ByteStorage, measurement: QuantizationMeasurement) {
        let bytes = ByteStorage(count: try storage.byteCount(shape: shape, name: name))
        let overflows = try encode(values, as: storage, shape: shape, name: name, into: bytes.mutableBuffer)
        var measurement = try measure(values, encoded: bytes.view.buffer, as: storage, name: name)
        measurement.overflowCount = overflows
        return (bytes, measurement)
    }

    /// Decodes `encoded` chunk by chunk (no full f32 copy) and compares it with the original `values`.
    public static func measure(_ values: UnsafeBufferPointer<Float>, encoded: UnsafeRawBufferPointer, as storage: StorageType,
                               name: String) throws(QuantizationError) -> QuantizationMeasurement {
        let chunkElements = 1 << 16  // a multiple of every block size
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, min(chunkElements, values.count)))
        defer { scratch.deallocate() }
        var totals = decant_error_totals()
        var start = 0
        while start < values.count {
            let n = min(chunkElements, values.count - start)
            let byteStart = start / storage.blockElements * storage.bytesPerBlock
            let byteCount = (n + storage.blockElements - 1) / storage.blockElements * storage.bytesPerBlock
            guard byteStart + byteCount <= encoded.count else {
                throw .byteCountMismatch(name: name, storage: storage, expected: byteStart + byteCount, found: encoded.count)
            }
            let window = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
            try decode(UnsafeRawBufferPointer(rebasing: encoded[byteStart..<(byteStart + byteCount)]), as: storage, name: name, into: window)
            decant_accumulate_error(values.baseAddress! + start, window.baseAddress!, n, &totals, decant_kernel_best_path())
            start += n
        }
        return QuantizationMeasurement(name: name, storage: storage, totals: totals)
    }
}
