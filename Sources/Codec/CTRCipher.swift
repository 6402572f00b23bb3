/// AES-256-CTR over OpenSSL, with TAO's counter convention: the nonce is the whole initial counter block.
import COpenSSL

/// A keystream position: XORs bytes in place or between buffers, continuing where the last call stopped.
///
/// OpenSSL's CTR mode increments the full 16-byte block as one big-endian integer (carrying through all
/// 128 bits), which is exactly TAO's convention; `CodecTests` checks the 2^64 and 2^128 wrap points.
public final class CTRCipher {
    private let context: OpaquePointer

    /// Starts the keystream at `counterBlock` (a 16-byte nonce, possibly advanced with `counterBlock(_:advancedBy:)`).
    public init(key: DerivedKey, counterBlock: [UInt8]) throws(CodecError) {
        precondition(counterBlock.count == 16, "a counter block is 16 bytes")
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoFailure(operation: "EVP_CIPHER_CTX_new") }
        self.context = context
        guard EVP_EncryptInit_ex(context, EVP_aes_256_ctr(), nil, key.bytes, counterBlock) == 1 else {
            throw .cryptoFailure(operation: "EVP_EncryptInit_ex")
        }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// XORs the next `count` keystream bytes into `input`, writing to `output` (which may equal `input`).
    public func apply(_ input: UnsafeRawPointer, to output: UnsafeMutableRawPointer, count: Int) throws(CodecError) {
        var done = 0
        while done < count {
            // EVP takes an Int32 length; 1 GiB steps keep it positive.
            let step = min(count - done, 1 << 30)
            var written: Int32 = 0
            guard EVP_EncryptUpdate(context, (output + done).assumingMemoryBound(to: UInt8.self), &written,
                                    (input + done).assumingMemoryBound(to: UInt8.self), Int32(step)) == 1,
                  written == Int32(step) else {
                throw .cryptoFailure(operation: "EVP_EncryptUpdate")
            }
            done += step
        }
    }

    /// XORs the next keystream bytes into `buffer` in place.
    public func apply(inPlace buffer: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try apply(UnsafeRawPointer(base), to: base, count: buffer.count)
    }

    /// `nonce + blocks` as a 128-bit big-endian integer, wrapping modulo 2^128: the counter block of
    /// plaintext byte `16 * blocks`.
    public static func counterBlock(_ nonce: [UInt8], advancedBy blocks: UInt64) -> [UInt8] {
        precondition(nonce.count == 16, "a counter block is 16 bytes")
        var block = nonce
        var carry = blocks
        var index = 15
        while carry != 0 && index >= 0 {
            let sum = UInt64(block[index]) + (carry & 0xff)
            block[index] = UInt8(truncatingIfNeeded: sum)
            carry = (carry >> 8) + (sum >> 8)
            index -= 1
        }
        return block
    }
}

/// Fresh random bytes from OpenSSL's CSPRNG (nonces, codec choice).
public func secureRandomBytes(_ count: Int) throws(CodecError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .cryptoFailure(operation: "RAND_bytes") }
    return bytes
}
