/// KernelBench: times the CKernels conversion, quantization and checksum loops on 1 GiB of f32 (Tools/bench_kernels.sh).
///
/// Each kernel runs once to fault the pages in, then `rounds` more times; the median is reported as GB/s of
/// f32 data (the larger side), so numbers compare across directions. `--exhaustive` also checks the scalar
/// f32 → f16 path against the vector one on all 2^32 bit patterns.
import Codec
import Foundation
import CKernels
import Glibc
import NativeFormat
import Quantization
import Tensors

let arguments = CommandLine.arguments.dropFirst()
let gibibytes = arguments.first { $0.hasPrefix("--gib=") }.flatMap { Double($0.dropFirst(6)) } ?? 1
let rounds = 5
let count = Int(gibibytes * Double(1 << 30)) / 4 / 32 * 32

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Median seconds of `rounds` timed runs after one warm-up.
func time(_ body: () -> Void) -> Double {
    body()
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        body()
        samples.append(now() - start)
    }
    return samples.sorted()[rounds / 2]
}

func report(_ name: String, _ path: String, seconds: Double, bytes: Int) {
    let rate = Double(bytes) / seconds / 1e9
    print("\(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(path.padding(toLength: 14, withPad: " ", startingAt: 0)) "
        + "\(String(format: "%7.1f", seconds * 1000)) ms  \(String(format: "%6.2f", rate)) GB/s")
}

// Weights-like data: N(0, 0.02²) from a fixed seed.
struct SplitMix64 {
    var state: UInt64
    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (Double((z ^ (z >> 31)) >> 11) + 0.5) / Double(1 << 53)
    }
}
var random = SplitMix64(state: 42)

let floats = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
for i in stride(from: 0, to: count, by: 2) {
    let r = (-2 * log(random.uniform())).squareRoot(), a = 2 * Double.pi * random.uniform()
    floats[i] = Float(r * cos(a) * 0.02)
    if i + 1 < count { floats[i + 1] = Float(r * sin(a) * 0.02) }
}
let halves = UnsafeMutableRawBufferPointer.allocate(byteCount: count * 2, alignment: 64)
let blocks = UnsafeMutableRawBufferPointer.allocate(byteCount: count / 32 * 34, alignment: 64)
let decoded = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
let input = UnsafeBufferPointer(floats)
let f32Bytes = count * 4

print("KernelBench: \(count) f32 values (\(f32Bytes >> 20) MiB), median of \(rounds) after a warm-up; best path here: \(KernelPath.best)")
print("rates are GB/s of f32 data (10^9 bytes/s)\n")

for path in KernelPath.allCases where path.rawValue <= KernelPath.best.rawValue {
    report("f32 -> f16", "\(path)", seconds: time { HalfConversion.f32ToF16(input, into: halves, path: path) }, bytes: f32Bytes)
    report("f16 -> f32", "\(path)", seconds: time { HalfConversion.f16ToF32(UnsafeRawBufferPointer(halves), into: decoded, path: path) }, bytes: f32Bytes)
    report("f32 -> bf16", "\(path)", seconds: time { HalfConversion.f32ToBF16(input, into: halves, path: path) }, bytes: f32Bytes)
    report("bf16 -> f32", "\(path)", seconds: time { HalfConversion.bf16ToF32(UnsafeRawBufferPointer(halves), into: decoded, path: path) }, bytes: f32Bytes)
    for storage in [StorageType.q8, .q4] {
        let encodedBytes = UnsafeMutableRawBufferPointer(rebasing: blocks[0..<(count / 32 * storage.bytesPerBlock)])
        report("f32 -> \(storage.rawValue)", "\(path)", seconds: time {
            _ = try! Quantizer.encode(input, as: storage, shape: [count], name: "bench", into: encodedBytes, path: path)
        }, bytes: f32Bytes)
        report("\(storage.rawValue) -> f32", "\(path)", seconds: time {
            try! Quantizer.decode(UnsafeRawBufferPointer(encodedBytes), as: storage, into: decoded, path: path)
        }, bytes: f32Bytes)
    }
    print("")
}

// The Swift baseline the C kernels replace: a plain loop over Float16(Float) in this (generic x86-64) build.
let swiftSeconds = time {
    let out = halves.bindMemory(to: UInt16.self)
    for i in 0..<count { out[i] = Float16(floats[i]).bitPattern }
}
report("f32 -> f16", "Swift Float16", seconds: swiftSeconds, bytes: f32Bytes)

let raw = UnsafeRawBufferPointer(floats)
report("XXH64", "scalar C", seconds: time { _ = XXH64.hash(raw) }, bytes: f32Bytes)
report("SHA-256", "OpenSSL", seconds: time { _ = try! SHA256Hasher.digest(raw) }, bytes: f32Bytes)

print("\nerror on the first 2^20 values (N(0, 0.02²), 1024 × 1024):")
let sample = UnsafeBufferPointer(rebasing: input[0..<(1 << 20)])
for storage in StorageType.allCases {
    let m = try! Quantizer.encodeMeasuring(sample, as: storage, shape: [1024, 1024], name: "sample").measurement
    print("  \(storage.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) relative RMS \(String(format: "%.3e", m.relativeRMS))  max |err| \(String(format: "%.3e", m.maxAbsError))  (\(storage.bitsPerValue) bits/value)")
}

if arguments.contains("--exhaustive") {
    // Every f32 bit pattern through the scalar and the best path, 2^24 at a time.
    let chunk = 1 << 24
    let patterns = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: chunk)
    let scalar = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * 2, alignment: 64)
    let vector = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * 2, alignment: 64)
    let start = now()
    var mismatches = 0
    for base in stride(from: 0, to: 1 << 32, by: chunk) {
        for i in 0..<chunk { patterns[i] = UInt32(base + i) }
        let values = UnsafeBufferPointer(start: UnsafeRawPointer(patterns.baseAddress!).assumingMemoryBound(to: Float.self), count: chunk)
        let a = HalfConversion.f32ToF16(values, into: scalar, path: .scalar)
        let b = HalfConversion.f32ToF16(values, into: vector, path: .best)
        if a != b || memcmp(scalar.baseAddress!, vector.baseAddress!, chunk * 2) != 0 { mismatches += 1 }
    }
    print("\nexhaustive f32 -> f16: scalar vs \(KernelPath.best) on all 2^32 inputs: \(mismatches == 0 ? "identical" : "\(mismatches) chunks differ") (\(String(format: "%.1f", now() - start)) s)")
}
