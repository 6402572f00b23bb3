/// Helpers for the quantization tests: deterministic data and one-call encode/decode.
import Quantization
import Tensors

/// Standard normal samples from a fixed seed (SplitMix64 + Box–Muller), so every run sees the same data.
func gaussian(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed
    func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (Double((z ^ (z >> 31)) >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ in
        Float((-2 * Foundation_log(next())).squareRoot() * Foundation_cos(2 * Double.pi * next())) * scale
    }
}

#if canImport(Glibc)
import Glibc
private func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
private func Foundation_cos(_ x: Double) -> Double { Glibc.cos(x) }
#endif

func encoded(_ values: [Float], as storage: StorageType, shape: [Int]? = nil, path: KernelPath = .best) throws -> [UInt8] {
    let shape = shape ?? [values.count]
    var bytes = [UInt8](repeating: 0xAA, count: try storage.byteCount(shape: shape))
    try values.withUnsafeBufferPointer { src in
        try bytes.withUnsafeMutableBytes { _ = try Quantizer.encode(src, as: storage, shape: shape, name: "t", into: $0, path: path) }
    }
    return bytes
}

func decoded(_ bytes: [UInt8], as storage: StorageType, count: Int, path: KernelPath = .best) throws -> [Float] {
    var values = [Float](repeating: .nan, count: count)
    try bytes.withUnsafeBytes { src in
        try values.withUnsafeMutableBufferPointer { try Quantizer.decode(src, as: storage, into: $0, path: path) }
    }
    return values
}

func roundTrip(_ values: [Float], as storage: StorageType, path: KernelPath = .best) throws -> [Float] {
    try decoded(encoded(values, as: storage, path: path), as: storage, count: values.count, path: path)
}

func measurement(_ values: [Float], as storage: StorageType, shape: [Int]? = nil) throws -> QuantizationMeasurement {
    try values.withUnsafeBufferPointer { try Quantizer.encodeMeasuring($0, as: storage, shape: shape ?? [values.count], name: "t").measurement }
}
