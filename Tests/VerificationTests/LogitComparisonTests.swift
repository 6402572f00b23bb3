/// The statistics on hand-computed vectors; masked positions never count.
import Testing
@testable import Verification

@Suite struct LogitComparisonTests {
    @Test("max abs, relative L2, cosine and argmax over unmasked positions only")
    func statistics() {
        var comparison = LogitComparison()
        // Position 3 is padding: its huge difference and its high value must be ignored.
        comparison.add(candidate: [1, 2, 3, 100], reference: [1, 2, 4, -100], mask: [1, 1, 1, 0])
        comparison.add(candidate: [0, 5], reference: [0, 4], mask: [1, 1])
        #expect(comparison.positions == 5 && comparison.sequences == 2)
        #expect(comparison.maxAbsError == 1)
        // ‖c − r‖ = √2, ‖r‖ = √(1 + 4 + 16 + 16) = √37.
        #expect(abs(comparison.relativeL2Error - (2.0 / 37).squareRoot()) < 1e-15)
        // c·r = 1 + 4 + 12 + 20 = 37, ‖c‖ = √(1 + 4 + 9 + 25) = √39.
        #expect(abs(comparison.cosineSimilarity - 37 / (39.0 * 37).squareRoot()) < 1e-15)
        #expect(comparison.argmaxMatches == 2)
    }

    @Test("a different best position, and non-finite values, are counted")
    func disagreements() {
        var comparison = LogitComparison()
        comparison.add(candidate: [3, 1], reference: [1, 3], mask: [1, 1])
        comparison.add(candidate: [.nan, 1], reference: [1, 1], mask: [1, 1])
        #expect(comparison.argmaxMatches == 1)
        #expect(comparison.nonFinite == 1)
        #expect(Tolerance.defaults(for: .q4).violations(comparison, output: "start logits").contains("start logits: 1 non-finite logits"))
    }

    @Test("identical logits pass the tightest limits; a small shift fails f32 but passes f16")
    func tolerances() {
        var same = LogitComparison(), shifted = LogitComparison()
        let reference: [Float] = [1.5, -2, 0.25, 3]
        same.add(candidate: reference, reference: reference, mask: [1, 1, 1, 1])
        shifted.add(candidate: reference.map { $0 + 1e-3 }, reference: reference, mask: [1, 1, 1, 1])
        #expect(Tolerance.defaults(for: .f32).violations(same, output: "x").isEmpty)
        #expect(Tolerance.defaults(for: .f32).violations(shifted, output: "x").first?.hasPrefix("x max abs error") == true)
        #expect(Tolerance.defaults(for: .f16).violations(shifted, output: "x").isEmpty)
    }
}
