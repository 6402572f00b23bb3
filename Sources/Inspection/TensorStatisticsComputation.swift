import CKernels
import NativeFormat
import Tensors

/// Computes `TensorStatistics` by streaming over a tensor's bytes where they lie (the mapped file): f32, f16 and
/// bf16 through the CKernels moments loop, every other dtype through the same arithmetic in Swift.
public struct StatisticsAccumulator: Sendable {
    private var totals: decant_stats
    public private(set) var elements = 0
    private let path: KernelPath

    public init(path: KernelPath = .best) {
        totals = decant_stats()
        decant_stats_reset(&totals)
        self.path = path
    }

    /// Adds every element of `tensor` (row-major order; a non-contiguous view is gathered first).
    public mutating func add(_ tensor: TensorView) {
        let bytes = tensor.contiguousBytes()
        let n = tensor.count
        elements += n
        guard n > 0, let base = bytes.buffer.baseAddress else { return }
        switch tensor.dtype {
        case .f32: decant_stats_f32(base.assumingMemoryBound(to: Float.self), n, &totals, path.rawValue)
        case .f16: decant_stats_f16(base, n, &totals, path.rawValue)
        case .bf16: decant_stats_bf16(base, n, &totals, path.rawValue)
        default: addScalars(ElementReader(dtype: tensor.dtype, bytes: bytes.buffer), count: n)
        }
    }

    /// Adds f32 values (a dequantized q8/q4 tensor, a test's array).
    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        elements += values.count
        guard let base = values.baseAddress else { return }
        decant_stats_f32(base, values.count, &totals, path.rawValue)
    }

    /// Merges another accumulator's totals (whole-model statistics from per-tensor ones).
    public mutating func merge(_ other: StatisticsAccumulator) {
        var theirs = other.totals
        decant_stats_merge(&totals, &theirs)
        elements += other.elements
    }

    /// The same block-and-merge arithmetic as the kernel, for dtypes it does not take (f64, 8-bit floats and
    /// integers: rare in checkpoints, or small, like step counters and position ids).
    private mutating func addScalars(_ reader: ElementReader, count: Int) {
        let blockSize = 4096
        var start = 0
        while start < count {
            let end = Swift.min(count, start + blockSize)
            var block = decant_stats()
            decant_stats_reset(&block)
            var pivot = 0.0, s1 = 0.0, s2 = 0.0, finite: UInt64 = 0
            for i in start..<end {
                let x = reader[i]
                if x.isNaN { block.nan += 1; continue }
                if x.isInfinite { if x > 0 { block.positive_infinity += 1 } else { block.negative_infinity += 1 }; continue }
                if finite == 0 { pivot = x }
                finite += 1
                let d = x - pivot
                s1 += d
                s2 += d * d
                block.min = Swift.min(block.min, x)
                block.max = Swift.max(block.max, x)
            }
            if finite > 0 {
                let n = Double(finite)
                block.count = finite
                block.mean = pivot + s1 / n
                block.m2 = Swift.max(0, s2 - s1 * (s1 / n))
            }
            decant_stats_merge(&totals, &block)
            start = end
        }
    }

    public var statistics: TensorStatistics {
        let finite = Int(totals.count)
        let any = finite > 0
        return TensorStatistics(
            elements: elements, finite: finite, nan: Int(totals.nan), positiveInfinity: Int(totals.positive_infinity),
            negativeInfinity: Int(totals.negative_infinity), min: any ? totals.min : nil, max: any ? totals.max : nil,
            mean: any ? totals.mean : nil, std: any ? (totals.m2 / Double(finite)).squareRoot() : nil)
    }
}

extension TensorStatistics {
    public init(_ tensor: TensorView, path: KernelPath = .best) {
        var accumulator = StatisticsAccumulator(path: path)
        accumulator.add(tensor)
        self = accumulator.statistics
    }
}

/// Reads element `i` of a row-major byte buffer as a Double, for any dtype.
struct ElementReader {
    let dtype: DType
    let bytes: UnsafeRawBufferPointer

    subscript(i: Int) -> Double {
        switch dtype {
        case .f64: return bytes.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
        case .f32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
        case .f16, .bf16:
            var value: Float = 0
            let source = UnsafeRawBufferPointer(rebasing: bytes[(i * 2)..<(i * 2 + 2)])
            withUnsafeMutablePointer(to: &value) { pointer in
                let destination = UnsafeMutableBufferPointer(start: pointer, count: 1)
                if dtype == .f16 { HalfConversion.f16ToF32(source, into: destination) } else { HalfConversion.bf16ToF32(source, into: destination) }
            }
            return Double(value)
        case .i64: return Double(bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
        case .i32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
        case .i16: return Double(bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
        case .i8: return Double(Int8(bitPattern: bytes[i]))
        case .u64: return Double(bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        case .u32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        case .u16: return Double(bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        case .u8, .bool: return Double(bytes[i])
        case .f8E4M3, .f8E5M2, .f8E8M0: return Double(Float8Conversion.toF32(bytes[i], dtype))
        }
    }
}

extension TensorView {
    /// The first `limit` elements in row-major order; a contiguous view reads only those bytes, a strided one is
    /// gathered first.
    public func leadingValues(_ limit: Int) -> [Double] {
        let n = Swift.min(limit, count)
        guard n > 0 else { return [] }
        // In range: the view was validated against its storage at construction.
        let bytes = isContiguous ? try! storage.slice(offset: storageOffset * dtype.size, length: n * dtype.size)
                                 : contiguousBytes()
        return withExtendedLifetime(bytes) {
            let reader = ElementReader(dtype: dtype, bytes: bytes.buffer)
            return (0..<n).map { reader[$0] }
        }
    }
}
