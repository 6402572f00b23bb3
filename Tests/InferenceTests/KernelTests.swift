import CKernels
import Foundation
import Testing

/// The C kernels on every instruction-set path this CPU runs, against double-precision scalar references.
@Suite struct KernelTests {
    static let levels = Array(0...decant_inference_best_isa())
    /// Lengths that exercise full vectors, AVX2's scalar tail and AVX-512's masked tail.
    static let widths = [1, 5, 16, 37, 64, 1024]

    static func randomValues(_ count: Int, in range: ClosedRange<Float>, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return range.lowerBound + Float(state >> 40) / Float(1 << 24) * (range.upperBound - range.lowerBound)
        }
    }

    static func geluReference(_ x: Double, _ variant: Int32) -> Double {
        switch variant {
        case Int32(DECANT_GELU_ERF): return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case Int32(DECANT_GELU_MEGATRON_ERF): return 0.5 * x * (1 + erf(x / 1.41421))
        default: return 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        }
    }

    @Test(arguments: [Int32(DECANT_GELU_ERF), Int32(DECANT_GELU_MEGATRON_ERF), Int32(DECANT_GELU_TANH)])
    func geluMatchesScalarReference(variant: Int32) {
        let inputs = Self.randomValues(1037, in: -12...12, seed: 1) + [0, -0.0, 1e-6, -1e-6, 3.9, -3.9, 40, -40, 100]
        for isa in Self.levels {
            var out = inputs
            decant_bias_gelu(&out, 1, out.count, nil, variant, isa)
            for (x, y) in zip(inputs, out) {
                let expected = Self.geluReference(Double(x), variant)
                #expect(abs(Double(y) - expected) <= 1e-6 * max(1, abs(expected)), "isa \(isa) x \(x)")
            }
        }
    }

    @Test func geluAddsTheBiasFirst() {
        let bias = Self.randomValues(37, in: -2...2, seed: 2)
        let x = Self.randomValues(2 * 37, in: -3...3, seed: 3)
        for isa in Self.levels {
            var out = x
            decant_bias_gelu(&out, 2, 37, bias, Int32(DECANT_GELU_ERF), isa)
            for (i, y) in out.enumerated() {
                let expected = Self.geluReference(Double(x[i] + bias[i % 37]), Int32(DECANT_GELU_ERF))
                #expect(abs(Double(y) - expected) <= 1e-6 * max(1, abs(expected)))
            }
        }
    }

    @Test(arguments: widths)
    func layerNormMatchesScalarReference(cols: Int) {
        let rows = 3
        let x = Self.randomValues(rows * cols, in: -4...6, seed: UInt64(cols))
        let gamma = Self.randomValues(cols, in: 0.5...1.5, seed: 7)
        let beta = Self.randomValues(cols, in: -0.5...0.5, seed: 8)
        let eps: Float = 1e-5
        for isa in Self.levels {
            var y = [Float](repeating: .nan, count: x.count)
            decant_layer_norm(x, &y, rows, cols, gamma, beta, eps, isa)
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let mean = row.reduce(0, +) / Double(cols)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                for j in 0..<cols {
                    let expected = (row[j] - mean) / (variance + Double(eps)).squareRoot() * Double(gamma[j]) + Double(beta[j])
                    #expect(abs(Double(y[r * cols + j]) - expected) <= 2e-5, "isa \(isa) cols \(cols)")
                }
            }
        }
    }

    @Test(arguments: widths)
    func softmaxMatchesScalarReferenceAndZeroesMaskedKeys(cols: Int) {
        let rows = 2, ld = cols + 3
        let scores = Self.randomValues(rows * ld, in: -20...20, seed: UInt64(cols) + 100)
        // Mask every third key, but never all of them.
        let bias: [Float] = (0..<cols).map { $0 % 3 == 2 ? -10000 : 0 }
        for isa in Self.levels {
            var out = scores
            decant_softmax_rows(&out, rows, cols, ld, bias, isa)
            for r in 0..<rows {
                let logits = (0..<cols).map { Double(scores[r * ld + $0]) + Double(bias[$0]) }
                let top = logits.max()!
                let total = logits.map { exp($0 - top) }.reduce(0, +)
                for j in 0..<cols {
                    let expected = exp(logits[j] - top) / total
                    let found = Double(out[r * ld + j])
                    #expect(abs(found - expected) <= 1e-6 * max(expected, 1e-3), "isa \(isa) cols \(cols) key \(j)")
                    if bias[j] != 0 { #expect(found < 1e-30) }
                }
                // The gap between rows (ld > cols) is left alone.
                for j in cols..<ld { #expect(out[r * ld + j] == scores[r * ld + j]) }
            }
        }
    }

    @Test func softmaxWithoutMaskSumsToOne() {
        for isa in Self.levels {
            var row = Self.randomValues(100, in: -80...80, seed: 9)
            decant_softmax_rows(&row, 1, 100, 100, nil, isa)
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            #expect(row.allSatisfy { $0.isFinite && $0 >= 0 })
        }
    }

    @Test func addBiasAddsToEveryRow() {
        var x: [Float] = [1, 2, 3, 4, 5, 6]
        decant_add_bias(&x, 2, 3, [10, 20, 30])
        #expect(x == [11, 22, 33, 14, 25, 36])
    }
}
