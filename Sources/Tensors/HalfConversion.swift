/// f16 and bf16 to and from f32.
///
/// Portable scalar code for now; the quantization work replaces the bodies with CKernels calls
/// (F16C / AVX-512 with a runtime check) behind the same signatures.
public enum HalfConversion {
    public static func f16ToF32(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<dst.count {
            dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
    }

    public static func bf16ToF32(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<dst.count {
            dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
        }
    }
}
