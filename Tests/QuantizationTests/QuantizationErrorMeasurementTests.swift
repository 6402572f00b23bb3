/// Measured errors: the sizes the formats should give on Gaussian weights, and the float types' edge cases.
import Quantization
import Tensors
import Testing

@Suite struct QuantizationErrorMeasurementTests {
    // 1024 × 1024 N(0, 0.02²) values: the scale of BERT weights (initializer_range 0.02).
    static let weights = gaussian(1 << 20, seed: 11, scale: 0.02)

    @Test func q8RelativeRMSIsAboutHalfAPercent() throws {
        let m = try measurement(Self.weights, as: .q8, shape: [1024, 1024])
        #expect(m.relativeRMS > 0.004 && m.relativeRMS < 0.01, "q8 relative RMS \(m.relativeRMS)")
        #expect(m.comparedCount == 1 << 20)
    }

    @Test func q4RelativeRMSIsAboutTenPercent() throws {
        let m = try measurement(Self.weights, as: .q4, shape: [1024, 1024])
        #expect(m.relativeRMS > 0.05 && m.relativeRMS < 0.15, "q4 relative RMS \(m.relativeRMS)")
    }

    @Test func halfTypesAreNearTheirUnitRoundoff() throws {
        let f16 = try measurement(Self.weights, as: .f16)
        let bf16 = try measurement(Self.weights, as: .bf16)
        // Uniform relative rounding error has RMS u/√3 with u = 2^-11 (f16) and 2^-8 (bf16).
        #expect(f16.relativeRMS > 1e-4 && f16.relativeRMS < 4e-4, "f16 \(f16.relativeRMS)")
        #expect(bf16.relativeRMS > 1e-3 && bf16.relativeRMS < 3e-3, "bf16 \(bf16.relativeRMS)")
        #expect(f16.overflowCount == 0 && bf16.overflowCount == 0)
        #expect(try measurement(Self.weights, as: .f32).relativeRMS == 0)
    }

    @Test func representableValuesRoundTripExactly() throws {
        let halves: [Float] = [0, -0.0, 1, -2, 65504, 0x1p-24, 0.333251953125, 1025]
        #expect(try roundTrip(halves, as: .f16).map(\.bitPattern) == halves.map(\.bitPattern))
        let bfloats: [Float] = [0, 1, -3.5, Float(bitPattern: 0x7F7F_0000), Float(bitPattern: 0x0001_0000)]
        #expect(try roundTrip(bfloats, as: .bf16).map(\.bitPattern) == bfloats.map(\.bitPattern))
        let m = try measurement(halves, as: .f16)
        #expect(m.relativeRMS == 0 && m.maxAbsError == 0)
    }

    @Test func halfTypesKeepNaNAndInfinityAndCountOverflows() throws {
        let values: [Float] = [.nan, .infinity, -.infinity, 1e5, -7e4, 3]
        let back = try roundTrip(values, as: .f16)
        #expect(back[0].isNaN)
        #expect(back[1...4] == [.infinity, -.infinity, .infinity, -.infinity])
        let m = try measurement(values, as: .f16)
        #expect(m.overflowCount == 2)
        #expect(m.nonFiniteCount == 3)
        #expect(m.comparedCount == 3)
        #expect(m.relativeRMS == .infinity)  // an overflow is an unbounded error, reported as such
        #expect(try roundTrip([.nan, .infinity], as: .bf16).map { $0.isNaN } == [true, false])
    }

    @Test func zeroTensorsHaveZeroRelativeError() throws {
        let m = try measurement([Float](repeating: 0, count: 64), as: .q4)
        #expect(m.relativeRMS == 0 && m.maxAbsError == 0)
    }

    @Test func measuringChunksGivesTheSameAnswerAsOneShot() throws {
        // 200 000 values spans several 65 536-value chunks; compare with a direct computation.
        let values = gaussian(200_000, seed: 12)
        let back = try roundTrip(values, as: .q8)
        let error = zip(values, back).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        let norm = values.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        let maxError = zip(values, back).map { Double(abs($0 - $1)) }.max()!
        let m = try measurement(values, as: .q8)
        #expect(abs(m.relativeRMS - error / norm) < 1e-12)
        #expect(m.maxAbsError == maxError)
    }
}
