/// Reads any floating-point or integer view as `Float`s (the reference path: f32 everywhere).
extension TensorView {
    public func toFloat32() throws(TensorError) -> [Float] {
        let bytes = contiguousBytes()
        let n = count
        var out = [Float](repeating: 0, count: n)
        guard n > 0 else { return out }
        let raw = bytes.buffer
        out.withUnsafeMutableBufferPointer { dst in
            switch dtype {
            case .f32:
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * 4)]))
            case .f16:
                HalfConversion.f16ToF32(raw, into: dst)
            case .bf16:
                HalfConversion.bf16ToF32(raw, into: dst)
            case .f64:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
            case .i64:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
            case .i32:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
            case .i16:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
            case .i8:
                for i in 0..<n { dst[i] = Float(Int8(bitPattern: raw[i])) }
            case .u64:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
            case .u32:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
            case .u16:
                for i in 0..<n { dst[i] = Float(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
            case .u8, .bool:
                for i in 0..<n { dst[i] = Float(raw[i]) }
            case .f8E4M3, .f8E5M2, .f8E8M0:
                Float8Conversion.toF32(raw, dtype, into: dst)
            }
        }
        return out
    }
}
