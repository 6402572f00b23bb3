/// Fuzzes TAO's outer framing: file-kind detection, `.etlt` name parsing, blob decryption and plaintext magic.
import Bytes
import Codec
import Containers
import FuzzSupport

/// PBKDF2 runs once per process: the key is fixed, the blob is the input.
private let key = try! DerivedKey(key: LoadKey("nvidia_tlt"), salt: .default)

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        var blobView = view
        if case let .etlt(_, blobOffset) = TAOFileKind.identify(view) {
            blobView = try view.slice(offset: blobOffset, length: view.count - blobOffset)
        }
        let blob = try EncryptedBlob(blobView, key: key)
        _ = try PlaintextMagic.check(blob)
        // Ranges derived from the input itself, to exercise the bounds checks.
        let offset = Int(blobView.buffer.first ?? 0) * 7
        _ = try blob.decrypt(offset: offset, length: min(blob.plaintextCount, 300))
    }
}
