/// Benchmark driver for Tools/bench_inspect.sh: throughput of the statistics kernel per path (scalar, AVX2,
/// AVX-512) and dtype on 1 GiB of weight-like values (|x| ≲ 0.02, all finite) in memory, single-threaded; prints
/// one JSON line per measurement. A block holding a NaN or ±inf runs the scalar loop instead, so the scalar rows
/// are also the speed of tensors riddled with non-finite values.
import Bytes
import BenchSupport
import Foundation
import Inspection
import Tensors

let bytes = 1 << 30
let storage = ByteStorage(count: bytes)
let floats = storage.pointer.bindMemory(to: Float.self, capacity: bytes / 4)
var state: UInt64 = 345
for i in 0..<(bytes / 4) {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    floats[i] = Float(Int32(truncatingIfNeeded: state >> 32)) * 1e-11
}

/// The same values rounded to 16 bits: 1 GiB holds twice as many of them, so the f32 data is converted twice.
func halves(_ dtype: DType, of floats: UnsafeMutablePointer<Float>) -> ByteStorage {
    let out = ByteStorage(count: bytes)
    let n = bytes / 4
    for half in 0..<2 {
        let source = UnsafeBufferPointer(start: floats, count: n)
        let destination = UnsafeMutableRawBufferPointer(start: out.pointer + half * n * 2, count: n * 2)
        if dtype == .f16 { HalfConversion.f32ToF16(source, into: destination) } else { HalfConversion.f32ToBF16(source, into: destination) }
    }
    return out
}

for dtype in [DType.f32, .f16, .bf16] {
    let data = dtype == .f32 ? storage : halves(dtype, of: floats)
    let view = try! TensorView(name: "x", dtype: dtype, shape: [bytes / dtype.size], storage: data.view)
    for path in KernelPath.allCases where path.rawValue <= KernelPath.best.rawValue {
        var result = TensorStatistics(view, path: path)  // warm: pages touched, caches settled
        let best = (0..<3).map { _ in seconds { result = TensorStatistics(view, path: path) } }.min()!
        print("{\"dtype\": \"\(dtype.rawValue)\", \"path\": \"\(path)\", \"GiB\": 1, \"seconds\": \(best), "
            + "\"GBps\": \(Double(bytes) / best / 1e9), \"nonFinite\": \(result.nonFinite)}")
    }
}
