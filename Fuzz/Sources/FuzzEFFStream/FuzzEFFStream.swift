/// Fuzzes converting a `.tlt` while it is being decrypted: the background EFF reader, the hand-over, the
/// front-to-back torch zip walk and the final cross-check. AES-CTR maps a flipped ciphertext bit to the same
/// plaintext bit, so mutations of the encrypted member reach the walk as hostile plaintext, before the SHA-256 and
/// the gzip CRC-32 at the end can object.
import Bytes
import Checkpoint
import FuzzSupport

private let scratch = ScratchFile(name: "stream.tlt")

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        scratch.write(view)
        let source = try ModelSource.openStreaming(path: scratch.path, key: "tlt_encode")
        guard let arriving = source.arriving else { return }
        defer { arriving.cancel() }
        for tensor in source.tensors {
            let resolved = try arriving.resolve(tensor)
            if resolved.count <= 1 << 16 { _ = try resolved.toFloat32() }
        }
        try arriving.finish()
    }
}
