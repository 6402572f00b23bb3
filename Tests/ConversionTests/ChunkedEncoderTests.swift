/// Slice-by-slice encoding gives the bytes and the error of encoding the whole tensor at once.
import Quantization
import Testing
@testable import Conversion

@Suite struct ChunkedEncoderTests {
    @Test(arguments: StorageType.allCases)
    func slicesMatchTheWholeTensor(storage: StorageType) throws {
        // 2.5 slices of rows, so the last slice is a partial one.
        let shape = [ChunkedEncoder.sliceValues * 5 / 2 / 512, 512]
        // A cheap deterministic spread of values in ±0.1 (debug builds make random generators slow).
        let values = (0..<(shape[0] * shape[1])).map { Float(($0 &* 7919) % 2001 - 1000) * 1e-4 }
        var streamed: [UInt8] = []
        var ranges: [Range<Int>] = []
        let measurement = try values.withUnsafeBufferPointer { buffer in
            try ChunkedEncoder.encode(buffer, as: storage, shape: shape, name: "w") { bytes, range in
                streamed += bytes
                ranges.append(range)
            }
        }
        let whole = try values.withUnsafeBufferPointer { try Quantizer.encodeMeasuring($0, as: storage, shape: shape, name: "w") }
        #expect(streamed == Array(whole.bytes.view.buffer))
        #expect(ranges.count == 3 && ranges.map(\.count) == [1 << 20, 1 << 20, values.count - 2 << 20])
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == values.count)
        #expect(measurement.comparedCount == whole.measurement.comparedCount)
        #expect(measurement.maxAbsError == whole.measurement.maxAbsError)
        #expect(abs(measurement.relativeRMS - whole.measurement.relativeRMS) <= 1e-9 * max(whole.measurement.relativeRMS, 1e-30))
        if storage == .f32 { #expect(measurement.relativeRMS == 0) }
    }
}
