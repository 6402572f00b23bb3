import CKernels
import Foundation
import Testing

/// The products with f32/f16/bf16/q8/q4 weights (`decant_gemm_run`), one test per implementation. A path this CPU
/// lacks shows up as skipped: the C side refuses it rather than lowering it, and `.enabled(if:)` keeps it out.
///
/// Each path is compared with a double-precision reference over the decoded weights, within a bound that follows
/// from what the path rounds (with S = Σ_k |a_k·ŵ_k|, the scale of the rounding errors of a dot product):
///   - f32 panels (f32, f16, bf16 without AVX512-BF16): K·2⁻²⁴·(S + |c₀|), f32 accumulation;
///   - AVX512-BF16: 2⁻⁸·S more, since A is rounded to bf16 (relative error ≤ 2⁻⁹ per value);
///   - q8/q4: 0.51·Σ_b s_b·Σ_{k∈b} |d·q_k| more, s_b the step of the activations' block b: rounding a block to
///     int8 moves each value by at most s_b/2, and the block products are exact in integers, so only that and
///     the f32 scaling remain;
/// and with the portable path, which does the same arithmetic without vectors, within the same bound (the vector
/// paths compute the same integers and the same f32 operations in the same order, so in practice they agree
/// bit for bit).
@Suite struct WeightGEMMTests {
    /// Which storage types each implementation covers.
    static let storagesByPath: [Int32: [Int32]] = [
        Int32(DECANT_GEMM_PORTABLE): [f32, f16, bf16, q8, q4],
        Int32(DECANT_GEMM_AVX2): [f32, f16, bf16, q8, q4],
        Int32(DECANT_GEMM_AVX_VNNI): [q8, q4],
        Int32(DECANT_GEMM_AVX512): [f32, f16, bf16],
        Int32(DECANT_GEMM_AVX512_VNNI): [q8, q4],
        Int32(DECANT_GEMM_AVX512_BF16): [bf16],
    ]
    static let f32 = Int32(DECANT_STORAGE_F32), f16 = Int32(DECANT_STORAGE_F16), bf16 = Int32(DECANT_STORAGE_BF16)
    static let q8 = Int32(DECANT_STORAGE_Q8), q4 = Int32(DECANT_STORAGE_Q4)

    static func runs(_ path: Int32) -> Bool {
        storagesByPath[path]!.allSatisfy { decant_gemm_path_available($0, path) != 0 }
    }

    /// (M, N, K): row and column tails of every tile size, K chunk boundaries (256 for f32 panels, 512 for bf16
    /// pairs, 1024 for blocks), odd K for bf16 pairs; block types need K a multiple of 32.
    static func shapes(_ storage: Int32) -> [(Int, Int, Int)] {
        let blocked = storage == q8 || storage == q4
        return blocked ? [(1, 32, 32), (13, 70, 96), (19, 40, 2080), (64, 33, 1056)]
                       : [(1, 16, 8), (13, 70, 77), (19, 40, 600), (25, 33, 1100)]
    }

    /// Weights encoded in `storage` and their exact decoding; q4's per-value minimum `m` (0 elsewhere).
    struct Weights {
        let bytes: [UInt8]
        let decoded: [Float]
        let minimum: [Float]
    }

    static func weights(_ storage: Int32, n: Int, k: Int, seed: UInt64) -> Weights {
        let values = KernelTests.randomValues(n * k, in: -0.1...0.1, seed: seed)
        let count = n * k
        let size = storage == q8 ? count / 32 * 34 : storage == q4 ? count / 32 * 20 : storage == f32 ? 4 * count : 2 * count
        var bytes = [UInt8](repeating: 0, count: size)
        var decoded = [Float](repeating: 0, count: count)
        var minimum = [Float](repeating: 0, count: count)
        var bad = 0
        let path = decant_kernel_best_path()
        switch storage {
        case f32:
            bytes = values.withUnsafeBytes { Array($0) }
            decoded = values
        case f16:
            _ = decant_f32_to_f16(values, &bytes, count, path)
            decant_f16_to_f32(bytes, &decoded, count, path)
        case bf16:
            _ = decant_f32_to_bf16(values, &bytes, count, path)
            decant_bf16_to_f32(bytes, &decoded, count, path)
        case q8:
            #expect(decant_q8_encode(values, &bytes, count / 32, path, &bad) == Int32(DECANT_QUANT_OK))
            decant_q8_decode(bytes, &decoded, count / 32, path)
        default:
            #expect(decant_q4_encode(values, &bytes, count / 32, path, &bad) == Int32(DECANT_QUANT_OK))
            decant_q4_decode(bytes, &decoded, count / 32, path)
            for block in 0..<(count / 32) {
                let m = Float(Float16(bitPattern: UInt16(bytes[20 * block + 2]) | UInt16(bytes[20 * block + 3]) << 8))
                for j in 0..<32 { minimum[32 * block + j] = m }
            }
        }
        return Weights(bytes: bytes, decoded: decoded, minimum: minimum)
    }

    /// Activations with an outlier column, like the LayerNorm outputs the products see.
    static func activations(m: Int, k: Int, seed: UInt64) -> [Float] {
        var a = KernelTests.randomValues(m * k, in: -2...3, seed: seed)
        for row in 0..<m { a[row * k + (row * 7) % k] = 12 }
        return a
    }

    struct Result {
        let c: [Float]
        /// m × k/32 activation steps (empty for float paths).
        let blockScale: [Float]
    }

    /// C = 1 + A·Ŵᵀ on `path`, with the activations' block steps.
    static func run(_ storage: Int32, _ path: Int32, a: [Float], m: Int, k: Int, weights: [UInt8], n: Int) throws -> Result {
        var input = decant_gemm_input()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(64, decant_gemm_input_bytes(storage, path, m, k)), alignment: 64)
        defer { buffer.deallocate() }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: decant_gemm_workspace_bytes(storage, path, k), alignment: 64)
        defer { scratch.deallocate() }
        var c = [Float](repeating: 1, count: m * n)
        var steps: [Float] = []
        try a.withUnsafeBufferPointer { a in
            try #require(decant_gemm_input_init(&input, storage, path, a.baseAddress, k, m, k, buffer) == 0)
            // Prepared in two row ranges, as two workers would.
            decant_gemm_input_prepare(&input, 0, m / 2)
            decant_gemm_input_prepare(&input, m / 2, m)
            // Columns in two ranges too; the split need not fall on a panel boundary.
            try #require(decant_gemm_run(&input, weights, 0, n / 3, &c, n, scratch) == 0)
            try #require(decant_gemm_run(&input, weights, n / 3, n, &c, n, scratch) == 0)
            if let scale = input.block_scale { steps = Array(UnsafeBufferPointer(start: scale, count: m * (k / 32))) }
        }
        return Result(c: c, blockScale: steps)
    }

    /// Checks `path` against the double reference and the portable path for every shape.
    static func check(storage: Int32, path: Int32) throws {
        let blocked = storage == q8 || storage == q4
        for (index, (m, n, k)) in shapes(storage).enumerated() {
            let w = weights(storage, n: n, k: k, seed: UInt64(10 + index))
            let a = activations(m: m, k: k, seed: UInt64(20 + index))
            let result = try run(storage, path, a: a, m: m, k: k, weights: w.bytes, n: n)
            let portable = try run(storage, Int32(DECANT_GEMM_PORTABLE), a: a, m: m, k: k, weights: w.bytes, n: n)
            let accumulation = Double(k) * 0x1p-24
            var worstReference = 0.0, worstPortable = 0.0
            for row in 0..<m {
                for column in 0..<n {
                    var exact = 1.0, magnitude = 1.0, rounding = 0.0
                    for j in 0..<k {
                        let product = Double(a[row * k + j]) * Double(w.decoded[column * k + j])
                        exact += product
                        magnitude += abs(product)
                        if blocked {
                            let step = Double(result.blockScale[row * (k / 32) + j / 32])
                            rounding += step * abs(Double(w.decoded[column * k + j] - w.minimum[column * k + j]))
                        }
                    }
                    var bound = accumulation * magnitude + 0.51 * rounding
                    if path == Int32(DECANT_GEMM_AVX512_BF16) { bound += 0x1p-8 * magnitude }
                    let value = Double(result.c[row * n + column])
                    worstReference = max(worstReference, abs(value - exact) / bound)
                    worstPortable = max(worstPortable, abs(value - Double(portable.c[row * n + column])) / bound)
                }
            }
            #expect(worstReference <= 1, "storage \(storage) path \(path) \(m)×\(n)×\(k): error/bound \(worstReference) vs reference")
            #expect(worstPortable <= 1, "storage \(storage) path \(path) \(m)×\(n)×\(k): difference/bound \(worstPortable) vs portable")
        }
    }

    @Test(arguments: [f32, f16, bf16, q8, q4])
    func portable(storage: Int32) throws { try Self.check(storage: storage, path: Int32(DECANT_GEMM_PORTABLE)) }

    @Test(.enabled(if: runs(Int32(DECANT_GEMM_AVX2)), "needs AVX2, FMA and F16C"), arguments: [f32, f16, bf16, q8, q4])
    func avx2(storage: Int32) throws { try Self.check(storage: storage, path: Int32(DECANT_GEMM_AVX2)) }

    @Test(.enabled(if: runs(Int32(DECANT_GEMM_AVX_VNNI)), "needs AVX-VNNI"), arguments: [q8, q4])
    func avxVNNI(storage: Int32) throws { try Self.check(storage: storage, path: Int32(DECANT_GEMM_AVX_VNNI)) }

    @Test(.enabled(if: runs(Int32(DECANT_GEMM_AVX512)), "needs AVX-512 F/BW/VL"), arguments: [f32, f16, bf16])
    func avx512(storage: Int32) throws { try Self.check(storage: storage, path: Int32(DECANT_GEMM_AVX512)) }

    @Test(.enabled(if: runs(Int32(DECANT_GEMM_AVX512_VNNI)), "needs AVX512-VNNI"), arguments: [q8, q4])
    func avx512VNNI(storage: Int32) throws { try Self.check(storage: storage, path: Int32(DECANT_GEMM_AVX512_VNNI)) }

    @Test(.enabled(if: runs(Int32(DECANT_GEMM_AVX512_BF16)), "needs AVX512-BF16"))
    func avx512BF16() throws { try Self.check(storage: Self.bf16, path: Int32(DECANT_GEMM_AVX512_BF16)) }

    /// Every integer path sees the same int8 blocks, steps and corrections (the vector quantizer rounds like the
    /// scalar one), so their products differ only in f32 rounding.
    @Test func everyIntegerPathQuantizesTheActivationsIdentically() throws {
        let (m, k) = (9, 96)
        let blocks = m * k / 32
        let a = Self.activations(m: m, k: k, seed: 3)
        func prepared(_ path: Int32) throws -> (values: [Int8], scales: [Float], corrections: [Int32]) {
            var input = decant_gemm_input()
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: decant_gemm_input_bytes(Self.q8, path, m, k), alignment: 64)
            defer { buffer.deallocate() }
            try #require(decant_gemm_input_init(&input, Self.q8, path, a, k, m, k, buffer) == 0)
            decant_gemm_input_prepare(&input, 0, m)
            return (Array(UnsafeBufferPointer(start: input.quantized, count: m * k)),
                    Array(UnsafeBufferPointer(start: input.block_scale, count: blocks)),
                    Array(UnsafeBufferPointer(start: input.block_correction, count: blocks)))
        }
        let reference = try prepared(Int32(DECANT_GEMM_PORTABLE))
        for path in [DECANT_GEMM_AVX2, DECANT_GEMM_AVX_VNNI, DECANT_GEMM_AVX512_VNNI].map(Int32.init)
        where decant_gemm_path_available(Self.q8, path) != 0 {
            let other = try prepared(path)
            #expect(other.values == reference.values, "path \(path)")
            #expect(other.scales == reference.scales, "path \(path)")
            #expect(other.corrections == reference.corrections, "path \(path)")
        }
        // Each block uses the whole ±127 grid, its step is max|a|/127, and its correction is −128·Σq.
        for block in 0..<blocks {
            let values = reference.values[(block * 32)..<((block + 1) * 32)]
            let inputs = a[(block * 32)..<((block + 1) * 32)]
            #expect(values.map { abs(Int($0)) }.max() == 127)
            #expect(reference.scales[block] == inputs.map(abs).max()! / 127)
            #expect(reference.corrections[block] == -128 * values.reduce(0) { $0 + Int32($1) })
        }
    }

    /// A NaN or infinity in a row makes that row's outputs NaN on the integer paths, as the f32 product would;
    /// an all-zero row gives exactly the bias.
    @Test func nonFiniteAndZeroRowsBehaveLikeTheFloatProduct() throws {
        let (m, n, k) = (3, 32, 64)
        let w = Self.weights(Self.q8, n: n, k: k, seed: 5)
        var a = Self.activations(m: m, k: k, seed: 6)
        a[5] = .infinity
        for j in 0..<k { a[k + j] = 0 }
        for path in Self.storagesByPath.keys.sorted() where decant_gemm_path_available(Self.q8, path) != 0 {
            let c = try Self.run(Self.q8, path, a: a, m: m, k: k, weights: w.bytes, n: n).c
            let nonFinite = c[0..<n].allSatisfy(\.isNaN), zero = c[n..<(2 * n)].allSatisfy { $0 == 1 }
            let finite = c[(2 * n)...].allSatisfy(\.isFinite)
            #expect(nonFinite && zero && finite, "path \(path)")
        }
    }

    /// Refused rather than lowered: an unknown path, a path for another storage type, K not a block multiple.
    @Test func unavailablePathsAndShapesAreRefused() {
        var input = decant_gemm_input()
        let a = [Float](repeating: 1, count: 64)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
        defer { buffer.deallocate() }
        #expect(decant_gemm_input_init(&input, Self.q8, 99, a, 64, 1, 64, buffer) == -1)
        #expect(decant_gemm_input_init(&input, Self.f16, Int32(DECANT_GEMM_AVX512_VNNI), a, 64, 1, 64, buffer) == -1)
        #expect(decant_gemm_input_init(&input, Self.q8, Int32(DECANT_GEMM_AVX512_BF16), a, 64, 1, 64, buffer) == -1)
        #expect(decant_gemm_input_init(&input, Self.q8, Int32(DECANT_GEMM_PORTABLE), a, 48, 1, 48, buffer) == -1)
        #expect(decant_gemm_input_init(&input, Self.f32, Int32(DECANT_GEMM_AVX512_VNNI), a, 64, 1, 64, buffer) == -1)
        #expect(decant_gemm_input_init(&input, 7, Int32(DECANT_GEMM_PORTABLE), a, 64, 1, 64, buffer) == -1)
        #expect(decant_gemm_best_path(Self.q8) >= 0)
    }
}
