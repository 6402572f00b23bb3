/// Random access into an encrypted blob: decrypt any plaintext range without touching the bytes before it.
import Bytes

/// A whole blob in memory or mapped from disk (`nonce || ciphertext`), with the key that opens it.
///
/// CTR mode makes this cheap: plaintext byte `j` depends only on counter block `nonce + j/16`.
public struct EncryptedBlob {
    public let blob: ByteView
    public let key: DerivedKey
    public let nonce: [UInt8]

    public init(_ blob: ByteView, key: DerivedKey) throws(CodecError) {
        guard blob.count >= 16 else { throw .blobTooShort(length: blob.count) }
        self.blob = blob
        self.key = key
        nonce = Array(blob.buffer[0..<16])
    }

    public var plaintextCount: Int { blob.count - 16 }

    /// Decrypts plaintext bytes `offset ..< offset + output.count` into `output`.
    public func decrypt(offset: Int, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let length = output.count
        guard offset >= 0, offset <= plaintextCount, length <= plaintextCount - offset else {
            throw .rangeOutOfBounds(offset: offset, length: length, plaintextLength: plaintextCount)
        }
        guard length > 0 else { return }
        let cipher = try CTRCipher(key: key, counterBlock: CTRCipher.counterBlock(nonce, advancedBy: UInt64(offset / 16)))
        let skip = offset % 16
        if skip > 0 {
            // Burn the keystream bytes that precede `offset` inside its block.
            let discard = UnsafeMutableRawBufferPointer.allocate(byteCount: skip, alignment: 16)
            defer { discard.deallocate() }
            try cipher.apply(inPlace: discard)
        }
        try cipher.apply(blob.buffer.baseAddress! + 16 + offset, to: output.baseAddress!, count: length)
    }

    /// Decrypts a range into a new array (for small ranges).
    public func decrypt(offset: Int, length: Int) throws(CodecError) -> [UInt8] {
        guard length >= 0 else { throw .rangeOutOfBounds(offset: offset, length: length, plaintextLength: plaintextCount) }
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 16)
        defer { out.deallocate() }
        try decrypt(offset: offset, into: out)
        return Array(out)
    }
}
