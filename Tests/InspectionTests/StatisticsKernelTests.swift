/// The moments kernel (every path, every 16/32-bit float dtype) against a plain f64 two-pass reference,
/// including NaN, ±inf, blocks that are all non-finite, tails, and data whose mean dwarfs its spread.
import Bytes
import CKernels
import Inspection
import Tensors
import Testing

/// Two passes in f64 over the finite values: the textbook definition, no shortcuts.
func referenceStatistics(_ values: [Float]) -> TensorStatistics {
    let finite = values.filter(\.isFinite).map(Double.init)
    let mean = finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count)
    let std = mean.map { m in (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finite.count)).squareRoot() }
    return TensorStatistics(
        elements: values.count, finite: finite.count, nan: values.filter(\.isNaN).count,
        positiveInfinity: values.filter { $0 == .infinity }.count, negativeInfinity: values.filter { $0 == -.infinity }.count,
        min: finite.min(), max: finite.max(), mean: mean, std: std)
}

func expectClose(_ actual: TensorStatistics, _ expected: TensorStatistics, relative: Double = 1e-12,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.elements == expected.elements, sourceLocation: sourceLocation)
    #expect(actual.finite == expected.finite, sourceLocation: sourceLocation)
    #expect(actual.nan == expected.nan, sourceLocation: sourceLocation)
    #expect(actual.positiveInfinity == expected.positiveInfinity, sourceLocation: sourceLocation)
    #expect(actual.negativeInfinity == expected.negativeInfinity, sourceLocation: sourceLocation)
    #expect(actual.min == expected.min, sourceLocation: sourceLocation)
    #expect(actual.max == expected.max, sourceLocation: sourceLocation)
    for (name, a, e) in [("mean", actual.mean, expected.mean), ("std", actual.std, expected.std)] {
        guard let a, let e else {
            #expect(a == nil && e == nil, "\(name): \(String(describing: a)) vs \(String(describing: e))", sourceLocation: sourceLocation)
            continue
        }
        let scale = Swift.max(abs(e), expected.std ?? 0, 1e-300)
        #expect(abs(a - e) <= relative * scale, "\(name): \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}

/// Deterministic normal-ish values (sum of uniforms) so failures reproduce.
func pseudoRandom(_ count: Int, seed: UInt64, mean: Float = 0, spread: Float = 1) -> [Float] {
    var state = seed
    func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }
    return (0..<count).map { _ in mean + spread * (next() + next() + next() - 1.5) }
}

/// The values as a tensor of `dtype` (16-bit ones rounded from f32 by the conversion kernels).
func tensor(_ values: [Float], as dtype: DType) -> TensorView {
    var raw = [UInt8](repeating: 0, count: values.count * dtype.size)
    values.withUnsafeBufferPointer { source in
        raw.withUnsafeMutableBytes { destination in
            switch dtype {
            case .f16: HalfConversion.f32ToF16(source, into: destination)
            case .bf16: HalfConversion.f32ToBF16(source, into: destination)
            default: destination.copyMemory(from: UnsafeRawBufferPointer(source))
            }
        }
    }
    return try! TensorView(name: "t", dtype: dtype, shape: [values.count], storage: ByteView(copying: raw))
}

func statistics(_ values: [Float], dtype: DType, path: KernelPath) -> TensorStatistics {
    TensorStatistics(tensor(values, as: dtype), path: path)
}

/// What a 16-bit tensor holds after rounding, as f32, for the reference.
func widened(_ values: [Float], _ dtype: DType) -> [Float] {
    try! tensor(values, as: dtype).toFloat32()
}

@Suite("Statistics kernel")
struct StatisticsKernelTests {
    static let cases: [(DType, KernelPath)] = [DType.f32, .f16, .bf16].flatMap { dtype in KernelPath.allCases.map { (dtype, $0) } }

    @Test("random data over several blocks and a ragged tail", arguments: cases)
    func randomData(dtype: DType, path: KernelPath) {
        let values = pseudoRandom(3 * 4096 + 37, seed: 7, mean: 0.25, spread: 2)
        expectClose(statistics(values, dtype: dtype, path: path), referenceStatistics(widened(values, dtype)))
    }

    @Test("NaN and ±inf are counted apart and left out of the moments", arguments: cases)
    func nonFinite(dtype: DType, path: KernelPath) {
        var values = pseudoRandom(2 * 4096 + 5, seed: 11)
        for i in [0, 17, 4096, 4097, 8000] { values[i] = .nan }
        for i in [3, 5000] { values[i] = .infinity }
        values[8196] = -.infinity  // in the tail
        let result = statistics(values, dtype: dtype, path: path)
        #expect(result.nan == 5 && result.positiveInfinity == 2 && result.negativeInfinity == 1)
        expectClose(result, referenceStatistics(widened(values, dtype)))
    }

    @Test("a block with nothing finite, then finite blocks", arguments: cases)
    func allNonFiniteBlock(dtype: DType, path: KernelPath) {
        let values = [Float](repeating: .nan, count: 4096) + [Float](repeating: -.infinity, count: 10) + pseudoRandom(5000, seed: 3)
        expectClose(statistics(values, dtype: dtype, path: path), referenceStatistics(widened(values, dtype)))
    }

    @Test("nothing finite at all: moments are absent", arguments: KernelPath.allCases)
    func nothingFinite(path: KernelPath) {
        let result = statistics([.nan, .infinity, .nan], dtype: .f32, path: path)
        #expect(result.finite == 0 && result.nan == 2 && result.positiveInfinity == 1)
        #expect(result.min == nil && result.max == nil && result.mean == nil && result.std == nil)
    }

    @Test("a large mean with a small spread keeps its variance (no Σx² − (Σx)²/n cancellation)", arguments: KernelPath.allCases)
    func largeMean(path: KernelPath) {
        let values = pseudoRandom(20_000, seed: 5, mean: 10_000, spread: 0.01)
        let result = statistics(values, dtype: .f32, path: path)
        expectClose(result, referenceStatistics(values), relative: 1e-9)
        #expect(result.std! > 0.001 && result.std! < 0.01)
    }

    @Test("empty and single-element tensors")
    func tiny() {
        expectClose(statistics([], dtype: .f32, path: .best), referenceStatistics([]))
        let one = statistics([-2.5], dtype: .f32, path: .best)
        #expect(one.mean == -2.5 && one.std == 0 && one.min == -2.5 && one.max == -2.5)
    }

    @Test("chunks fed one by one give the totals of the whole")
    func streaming() {
        let values = pseudoRandom(10_000, seed: 9, mean: -3, spread: 0.5)
        var accumulator = StatisticsAccumulator()
        for start in stride(from: 0, to: values.count, by: 777) {
            values[start..<Swift.min(values.count, start + 777)].withUnsafeBufferPointer { accumulator.add($0) }
        }
        expectClose(accumulator.statistics, referenceStatistics(values))
    }

    @Test("f64 and integer tensors go through the Swift path with the same results")
    func otherDTypes() throws {
        let doubles: [Double] = [1e300, -1e300, 0.5, .nan, -.infinity, 3]
        let view = try TensorView(name: "d", dtype: .f64, shape: [6], storage: ByteView(copying: doubles.withUnsafeBytes { Array($0) }))
        let result = TensorStatistics(view)
        #expect(result.finite == 4 && result.nan == 1 && result.negativeInfinity == 1)
        #expect(result.min == -1e300 && result.max == 1e300)
        let ints: [Int64] = [-4, 0, 4, 10]
        let intView = try TensorView(name: "i", dtype: .i64, shape: [2, 2], storage: ByteView(copying: ints.withUnsafeBytes { Array($0) }))
        let intStats = TensorStatistics(intView)
        #expect(intStats.mean == 2.5 && intStats.min == -4 && intStats.max == 10)
        #expect(abs(intStats.std! - (((6.5 * 6.5) + (2.5 * 2.5) + (1.5 * 1.5) + (7.5 * 7.5)) / 4).squareRoot()) < 1e-12)
    }

    @Test("a strided view is measured in its own element order, not its storage's")
    func strided() throws {
        let storage = (0..<12).map(Float.init)
        let view = try TensorView(name: "t", dtype: .f32, shape: [4], strides: [3], storageOffset: 0,
                                  storage: ByteView(copying: storage.withUnsafeBytes { Array($0) }))
        let result = TensorStatistics(view)
        #expect(result.elements == 4 && result.mean == 4.5 && result.max == 9)
        #expect(view.leadingValues(3) == [0, 3, 6])
    }
}
