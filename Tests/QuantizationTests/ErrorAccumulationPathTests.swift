import CKernels
import Testing

/// The error-measurement kernel gives the scalar loop's answer on every path, including skipped non-finite
/// references, a NaN approximation, and lengths that leave a scalar tail.
@Suite struct ErrorAccumulationPathTests {
    static func totals(_ reference: [Float], _ approximation: [Float], path: Int32) -> decant_error_totals {
        var totals = decant_error_totals()
        // Two calls, as the slice-by-slice encoder makes them: totals carry over.
        let half = reference.count / 2
        reference.withUnsafeBufferPointer { r in
            approximation.withUnsafeBufferPointer { a in
                decant_accumulate_error(r.baseAddress!, a.baseAddress!, half, &totals, path)
                decant_accumulate_error(r.baseAddress! + half, a.baseAddress! + half, r.count - half, &totals, path)
            }
        }
        return totals
    }

    static func data(count: Int) -> ([Float], [Float]) {
        var generator = SystemRandomNumberGenerator()
        var reference = (0..<count).map { _ in Float.random(in: -2...2, using: &generator) }
        let approximation = reference.map { $0 + Float.random(in: -1e-3...1e-3, using: &generator) }
        for i in stride(from: 7, to: count, by: 101) { reference[i] = [Float.nan, .infinity, -.infinity][i % 3] }
        return (reference, approximation)
    }

    @Test(arguments: [1, 15, 16, 17, 1037, 65_539])
    func everyPathAgreesWithTheScalarLoop(count: Int) {
        let (reference, approximation) = Self.data(count: count)
        let scalar = Self.totals(reference, approximation, path: Int32(DECANT_PATH_SCALAR))
        let best = Self.totals(reference, approximation, path: decant_kernel_best_path())
        #expect(best.compared == scalar.compared && best.skipped == scalar.skipped)
        #expect(best.max_abs_error == scalar.max_abs_error)
        #expect(abs(best.sum_squared_error - scalar.sum_squared_error) <= 1e-12 * scalar.sum_squared_error)
        #expect(abs(best.sum_squared_reference - scalar.sum_squared_reference) <= 1e-12 * scalar.sum_squared_reference)
        #expect(scalar.compared + scalar.skipped == UInt64(count))
    }

    @Test func aNaNApproximationMakesTheMaximumNaNOnEveryPath() {
        var (reference, approximation) = Self.data(count: 100)
        approximation[40] = .nan
        #expect(reference[40].isFinite)
        #expect(Self.totals(reference, approximation, path: Int32(DECANT_PATH_SCALAR)).max_abs_error.isNaN)
        #expect(Self.totals(reference, approximation, path: decant_kernel_best_path()).max_abs_error.isNaN)
    }
}
