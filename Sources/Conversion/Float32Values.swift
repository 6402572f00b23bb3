import Bytes
import Tensors

/// A canonical tensor's values as a contiguous f32 buffer: the source bytes themselves when they already are
/// aligned contiguous f32 (the common case, zero-copy), otherwise one converted copy.
struct Float32Values {
    /// Keeps `buffer` alive (the mapped file, or the copy).
    private let bytes: ByteView
    let buffer: UnsafeBufferPointer<Float>

    init(_ tensor: TensorView) throws {
        let count = tensor.count
        if tensor.dtype == .f32 {
            let contiguous = tensor.contiguousBytes()
            if let base = contiguous.buffer.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
                bytes = contiguous
                buffer = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count)
                return
            }
        }
        let copy = ByteStorage(count: count * MemoryLayout<Float>.size)
        let destination = UnsafeMutableBufferPointer(start: copy.pointer.bindMemory(to: Float.self, capacity: count), count: count)
        switch tensor.dtype {
        case .f16: HalfConversion.f16ToF32(tensor.contiguousBytes().buffer, into: destination)
        case .bf16: HalfConversion.bf16ToF32(tensor.contiguousBytes().buffer, into: destination)
        default: _ = destination.initialize(from: try tensor.toFloat32())
        }
        bytes = copy.view
        buffer = UnsafeBufferPointer(destination)
    }

    /// Drops the pages of `range` once written, when the values are the source's mapped memory (a copy ignores it).
    func releasePages(_ range: Range<Int>) {
        bytes.releasePages(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[range])))
    }
}
