/// q8 and q4 blocks: byte layouts, exact round trips, rounding, block independence and the refusal cases.
import Quantization
import Tensors
import Testing

@Suite struct BlockQuantizationTests {
    @Test func q8BlockIsAnF16ScaleThenThirtyTwoSignedBytes() throws {
        // Multiples of 0.5 up to 63.5 = 127 × 0.5: the scale is exactly 0.5 and every value is representable.
        var values = (0..<32).map { Float($0 * 4 - 64) * 0.5 }
        values[0] = -63.5
        let bytes = try encoded(values, as: .q8)
        #expect(bytes.count == 34)
        #expect(bytes[0] == 0x00 && bytes[1] == 0x38)  // f16 0.5, little-endian
        #expect(bytes[2...].map { Int8(bitPattern: $0) } == values.map { Int8($0 / 0.5) })
        #expect(try decoded(bytes, as: .q8, count: 32) == values)
    }

    @Test func q4BlockIsScaleMinimumThenLowAndHighNibbles() throws {
        // m = −1, d = 0.25: element j is m + d·(j % 16), so bytes pair element j (low) with j+16 (high).
        let values = (0..<32).map { Float(-1) + 0.25 * Float(($0 * 7) % 16) }
        let bytes = try encoded(values, as: .q4)
        #expect(bytes.count == 20)
        #expect(Array(bytes[0..<4]) == [0x00, 0x34, 0x00, 0xBC])  // f16 0.25, f16 −1
        for j in 0..<16 {
            #expect(bytes[4 + j] & 0x0F == UInt8((j * 7) % 16))
            #expect(bytes[4 + j] >> 4 == UInt8(((j + 16) * 7) % 16))
        }
        #expect(try decoded(bytes, as: .q4, count: 32) == values)
    }

    @Test func q8RoundsHalfwayCasesToEven() throws {
        // amax 127 gives d = 1 exactly, so x/d lands exactly on the halves.
        var values = [Float](repeating: 0, count: 32)
        values[0] = 127
        values[1...6] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]
        #expect(try roundTrip(values, as: .q8)[0...6] == [127, 0, 2, 2, 0, -2, -2])
    }

    @Test func scalesAreTheSmallestF16ThatAvoidsClampingAndErrorsStayWithinHalfAStep() throws {
        // 1/127 is not an f16: rounding the scale down would push 1.0 past 127 and clamp it.
        var values = gaussian(32, seed: 9, scale: 0.3)
        values[5] = 1
        let q8 = try encoded(values, as: .q8)
        let d = Float16(bitPattern: UInt16(q8[0]) | UInt16(q8[1]) << 8)
        #expect(Float(d) >= 1 / 127)
        #expect(Float(Float16(bitPattern: d.bitPattern - 1)) < 1 / 127)
        #expect(Int8(bitPattern: q8[2 + 5]) == 127)
        for (x, y) in zip(values, try decoded(q8, as: .q8, count: 32)) { #expect(abs(x - y) <= Float(d) / 2 * 1.0001) }

        let q4 = try encoded(values, as: .q4)
        let d4 = Float(Float16(bitPattern: UInt16(q4[0]) | UInt16(q4[1]) << 8))
        let m4 = Float(Float16(bitPattern: UInt16(q4[2]) | UInt16(q4[3]) << 8))
        #expect(m4 <= values.min()!)
        #expect(m4 + 15 * d4 >= values.max()!)
        for (x, y) in zip(values, try decoded(q4, as: .q4, count: 32)) { #expect(abs(x - y) <= d4 / 2 * 1.0001) }
    }

    @Test func allZeroBlocksDecodeToZeroWithoutNaN() throws {
        for storage in [StorageType.q8, .q4] {
            let bytes = try encoded([Float](repeating: 0, count: 64), as: storage)
            #expect(bytes.allSatisfy { $0 == 0 })
            #expect(try decoded(bytes, as: storage, count: 64) == [Float](repeating: 0, count: 64))
        }
    }

    @Test func constantBlocksStayConstant() throws {
        let values = [Float](repeating: 0.7, count: 32) + [Float](repeating: -3, count: 32)
        for storage in [StorageType.q8, .q4] {
            let back = try roundTrip(values, as: storage)
            for (a, b) in zip(values, back) { #expect(abs(a - b) <= abs(a) * 0.01, "\(storage)") }
        }
    }

    @Test func eachBlockHasItsOwnScale() throws {
        // A block of huge values next to a block of tiny ones: the tiny block keeps its own precision.
        let tiny = gaussian(32, seed: 4, scale: 1e-3)
        let values = gaussian(32, seed: 5, scale: 1e3) + tiny
        for storage in [StorageType.q8, .q4] {
            let back = Array(try roundTrip(values, as: storage)[32...])
            let error = zip(tiny, back).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
            let norm = tiny.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            #expect(error / norm < (storage == .q8 ? 0.01 : 0.15), "\(storage)")
        }
    }

    @Test func everyPathProducesIdenticalBlocksAndFloats() throws {
        var values = gaussian(32 * 257, seed: 6, scale: 0.05)
        values[100] = 0.5  // an outlier block
        values[32 * 10 ..< 32 * 11] = ArraySlice(repeating: 0, count: 32)
        for storage in [StorageType.q8, .q4] {
            let reference = try encoded(values, as: storage, path: .scalar)
            let referenceFloats = try decoded(reference, as: storage, count: values.count, path: .scalar)
            for path in KernelPath.allCases {
                #expect(try encoded(values, as: storage, path: path) == reference, "\(storage) encode on \(path)")
                #expect(try decoded(reference, as: storage, count: values.count, path: path).map(\.bitPattern)
                    == referenceFloats.map(\.bitPattern), "\(storage) decode on \(path)")
            }
        }
    }

    @Test(arguments: [StorageType.q8, .q4])
    func refusesNaNAndInfinityNamingTheElement(storage: StorageType) {
        var values = gaussian(96, seed: 7)
        values[37] = .nan
        do {
            _ = try encoded(values, as: storage)
            Issue.record("\(storage) accepted NaN")
        } catch let QuantizationError.nonFiniteValue(name, refused, index, value) {
            #expect(name == "t" && refused == storage && index == 37 && value.isNaN)  // NaN ≠ NaN, so no ==
        } catch {
            Issue.record("unexpected \(error)")
        }
        values[37] = 1
        values[70] = -.infinity
        #expect(throws: QuantizationError.nonFiniteValue(name: "t", storage: storage, index: 70, value: -.infinity)) {
            try encoded(values, as: storage)
        }
    }

    @Test func refusesRangesBeyondTheF16Scale() {
        var values = [Float](repeating: 1, count: 64)
        values[40] = 1e7  // 1e7 / 127 > 65504
        #expect(throws: QuantizationError.scaleOutOfRange(name: "t", storage: .q8, block: 1)) { try encoded(values, as: .q8) }
        values[40] = 2e6  // (2e6 − 1) / 15 > 65504
        #expect(throws: QuantizationError.scaleOutOfRange(name: "t", storage: .q4, block: 1)) { try encoded(values, as: .q4) }
        values[40] = -7e4  // the minimum itself is not an f16
        #expect(throws: QuantizationError.scaleOutOfRange(name: "t", storage: .q4, block: 1)) { try encoded(values, as: .q4) }
    }

    @Test func refusesShapesThatCannotBeBlocked() {
        #expect(StorageType.q8.canStore(shape: [4, 64]))
        #expect(!StorageType.q8.canStore(shape: [64, 33]))
        #expect(!StorageType.q4.canStore(shape: []))
        #expect(StorageType.f16.canStore(shape: [3]))
        #expect(throws: QuantizationError.notBlockAligned(name: "w", storage: .q4, shape: [2, 48])) {
            try StorageType.q4.byteCount(shape: [2, 48], name: "w")
        }
        #expect(throws: QuantizationError.invalidShape(name: "w", shape: [Int.max, 2])) {
            try StorageType.f32.byteCount(shape: [Int.max, 2], name: "w")
        }
    }

    @Test func byteCountsFollowTheBlockLayouts() throws {
        #expect(try StorageType.q8.byteCount(shape: [1024, 4096]) == 1024 * 128 * 34)
        #expect(try StorageType.q4.byteCount(shape: [1024, 4096]) == 1024 * 128 * 20)
        #expect(try StorageType.bf16.byteCount(shape: [3, 5]) == 30)
        #expect(StorageType.q8.bitsPerValue == 8.5)
        #expect(StorageType.q4.bitsPerValue == 5)
    }

    @Test func refusesWrongBufferSizes() {
        let values = [Float](repeating: 1, count: 32)
        #expect(throws: QuantizationError.byteCountMismatch(name: "t", storage: .q8, expected: 34, found: 33)) {
            var bytes = [UInt8](repeating: 0, count: 33)
            try values.withUnsafeBufferPointer { src in
                try bytes.withUnsafeMutableBytes { _ = try Quantizer.encode(src, as: .q8, shape: [32], name: "t", into: $0) }
            }
        }
        #expect(throws: QuantizationError.valueCountMismatch(name: "t", shape: [2, 32], values: 32)) {
            var bytes = [UInt8](repeating: 0, count: 68)
            try values.withUnsafeBufferPointer { src in
                try bytes.withUnsafeMutableBytes { _ = try Quantizer.encode(src, as: .q8, shape: [2, 32], name: "t", into: $0) }
            }
        }
        #expect(throws: QuantizationError.byteCountMismatch(name: "", storage: .q4, expected: 20, found: 34)) {
            try decoded([UInt8](repeating: 0, count: 34), as: .q4, count: 32)
        }
    }
}
