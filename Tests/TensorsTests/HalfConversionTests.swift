/// f16/bf16 kernels: every path against the scalar one and against independent references, on edge cases,
/// exhaustively where the domain is 16 bits, and on random bit patterns.
import Testing
@testable import Tensors

private func f16(_ values: [Float], path: KernelPath) -> (bits: [UInt16], overflows: Int) {
    var out = [UInt16](repeating: 0xFFFF, count: values.count)
    let overflows = values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBytes { HalfConversion.f32ToF16(src, into: $0, path: path) }
    }
    return (out, overflows)
}

private func bf16(_ values: [Float], path: KernelPath) -> (bits: [UInt16], overflows: Int) {
    var out = [UInt16](repeating: 0xFFFF, count: values.count)
    let overflows = values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBytes { HalfConversion.f32ToBF16(src, into: $0, path: path) }
    }
    return (out, overflows)
}

private func widen(_ bits: [UInt16], bfloat: Bool, path: KernelPath) -> [UInt32] {
    var out = [Float](repeating: 0, count: bits.count)
    bits.withUnsafeBytes { src in
        out.withUnsafeMutableBufferPointer {
            if bfloat { HalfConversion.bf16ToF32(src, into: $0, path: path) } else { HalfConversion.f16ToF32(src, into: $0, path: path) }
        }
    }
    return out.map(\.bitPattern)
}

/// Deterministic pseudo-random 32-bit patterns (SplitMix64), so failures reproduce.
func randomBitPatterns(_ count: Int, seed: UInt64) -> [UInt32] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: z ^ (z >> 31))
    }
}

let f16EdgeCases: [(Float, UInt16)] = [
        (0, 0x0000), (-0.0, 0x8000), (.infinity, 0x7C00), (-.infinity, 0xFC00),
        (1, 0x3C00), (-2, 0xC000), (65504, 0x7BFF), (65519.99, 0x7BFF), (65520, 0x7C00), (-65520, 0xFC00),
        (65536, 0x7C00), (.greatestFiniteMagnitude, 0x7C00),
        (0x1p-24, 0x0001), (0x1p-25, 0x0000), (0x1.8p-24, 0x0002), (0x1.4p-24, 0x0001), (0x1p-14, 0x0400),
        (0x1.ffcp-15, 0x0400), (0x1.ff8p-15, 0x03FF), (0x1.ff4p-15, 0x03FE), (0x1p-26, 0x0000), (.leastNonzeroMagnitude, 0x0000),
        (1 + 0x1p-11, 0x3C00), (1 + 0x1.8p-10, 0x3C02), (1 + 0x1p-10, 0x3C01), (2049, 0x6800), (2051, 0x6802),
    ]

let bf16EdgeCases: [(UInt32, UInt16)] = [
        (0x3F80_0000, 0x3F80), (0x3F80_8000, 0x3F80), (0x3F81_8000, 0x3F82), (0x3F80_8001, 0x3F81),
        (0xBF80_8000, 0xBF80), (0x0000_8000, 0x0000), (0x0001_8000, 0x0002), (0x8000_0000, 0x8000),
        (0x7F7F_FFFF, 0x7F80), (0x7F80_0000, 0x7F80), (0x7F80_0001, 0x7FC0), (0xFF80_0001, 0xFFC0), (0x7FC1_2345, 0x7FC1),
    ]

@Suite struct HalfConversionTests {
    @Test func reportsTheKernelPathInUse() {
        // This machine's CPU decides; the test documents which path the other tests exercised.
        #expect(KernelPath.allCases.contains(KernelPath.best))
    }

    @Test(arguments: f16EdgeCases)
    func roundsToNearestEvenOnEveryPath(value: Float, expected: UInt16) {
        for path in KernelPath.allCases {
            // Pad to 20 values so the vector loops see the edge case too, not only the scalar tail.
            let input = [Float](repeating: value, count: 20)
            #expect(f16(input, path: path).bits == [UInt16](repeating: expected, count: 20), "\(value) on \(path)")
        }
    }

    @Test func nanStaysNaNQuietWithItsTopPayloadOnEveryPath() {
        let nans: [UInt32] = [0x7FC0_0000, 0x7F80_0001, 0xFF80_0001, 0x7FBF_FFFF, 0x7FA0_2000, 0xFFFF_FFFF]
        let input = (0..<32).map { Float(bitPattern: nans[$0 % nans.count]) }
        let expected = input.map { value -> UInt16 in
            let bits = value.bitPattern
            return UInt16((bits >> 16) & 0x8000) | 0x7E00 | UInt16((bits >> 13) & 0x3FF)
        }
        for path in KernelPath.allCases { #expect(f16(input, path: path).bits == expected, "\(path)") }
    }

    @Test func countsValuesThatOverflowToInfinity() {
        let input: [Float] = [65504, 65519.99, 65520, -65520, 1e6, -.greatestFiniteMagnitude, .infinity, .nan, 1]
            + [Float](repeating: 7e4, count: 17)
        for path in KernelPath.allCases { #expect(f16(input, path: path).overflows == 4 + 17, "\(path)") }
    }

    @Test func everyPathAgreesWithSwiftFloat16OnRandomBits() {
        let input = randomBitPatterns(1 << 20, seed: 1).map(Float.init(bitPattern:))
        let scalar = f16(input, path: .scalar)
        for (value, bits) in zip(input, scalar.bits) where !value.isNaN {
            guard Float16(value).bitPattern == bits else {
                Issue.record("scalar f16 of \(value) (0x\(String(value.bitPattern, radix: 16))) is 0x\(String(bits, radix: 16)), Float16 says 0x\(String(Float16(value).bitPattern, radix: 16))")
                return
            }
        }
        for path in KernelPath.allCases {
            let converted = f16(input, path: path)
            #expect(converted.bits == scalar.bits, "\(path)")
            #expect(converted.overflows == scalar.overflows, "\(path)")
        }
    }

    @Test func tailsOfEveryLengthMatch() {
        let input = randomBitPatterns(40, seed: 2).map { Float(bitPattern: $0 & 0x47FF_FFFF) }
        for count in 0...40 {
            let slice = Array(input.prefix(count))
            for path in KernelPath.allCases {
                #expect(f16(slice, path: path).bits == f16(slice, path: .scalar).bits)
                #expect(bf16(slice, path: path).bits == bf16(slice, path: .scalar).bits)
            }
        }
    }

    @Test func widensEveryF16BitPatternExactlyOnEveryPath() {
        let all = (0...UInt16.max).map { $0 }
        let scalar = widen(all, bfloat: false, path: .scalar)
        for (h, bits) in zip(all, scalar) {
            let reference = Float(Float16(bitPattern: h))
            if reference.isNaN {
                // Quiet NaN with the payload moved up, the sign kept (what VCVTPH2PS does).
                let expected = (UInt32(h & 0x8000) << 16) | 0x7FC0_0000 | (UInt32(h & 0x3FF) << 13)
                #expect(bits == expected, "0x\(String(h, radix: 16))")
            } else {
                #expect(bits == reference.bitPattern, "0x\(String(h, radix: 16))")
            }
        }
        for path in KernelPath.allCases { #expect(widen(all, bfloat: false, path: path) == scalar, "\(path)") }
    }

    @Test(arguments: bf16EdgeCases)
    func roundsBFloat16ToNearestEvenOnEveryPath(bits: UInt32, expected: UInt16) {
        let input = [Float](repeating: Float(bitPattern: bits), count: 20)
        for path in KernelPath.allCases {
            #expect(bf16(input, path: path).bits == [UInt16](repeating: expected, count: 20), "0x\(String(bits, radix: 16)) on \(path)")
        }
    }

    @Test func bfloat16PathsAgreeOnRandomBitsAndCountOverflows() {
        let input = randomBitPatterns(1 << 20, seed: 3).map(Float.init(bitPattern:))
        let scalar = bf16(input, path: .scalar)
        let expectedOverflows = input.filter { $0.isFinite && abs($0) >= Float(bitPattern: 0x7F7F_8000) }.count
        #expect(scalar.overflows == expectedOverflows)
        #expect(expectedOverflows > 0)
        for path in KernelPath.allCases {
            let converted = bf16(input, path: path)
            #expect(converted.bits == scalar.bits, "\(path)")
            #expect(converted.overflows == scalar.overflows, "\(path)")
        }
    }

    @Test func widensEveryBFloat16BitPatternExactlyOnEveryPath() {
        let all = (0...UInt16.max).map { $0 }
        for path in KernelPath.allCases { #expect(widen(all, bfloat: true, path: path) == all.map { UInt32($0) << 16 }, "\(path)") }
    }

    @Test func tensorViewsReadHalvesThroughTheKernels() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        let view = try TensorView(name: "h", dtype: .f16, shape: [4], storage: .init(copying: halves.withUnsafeBytes { Array($0) }))
        #expect(try view.toFloat32() == [1, -2, 65504, 0x1p-24])
    }
}
