/// Load keys (TAO passphrases) and the AES keys PBKDF2 derives from them.
import COpenSSL

/// A TAO passphrase, such as the published `tlt_encode`; its UTF-8 bytes are the PBKDF2 password.
public struct LoadKey: Sendable, Equatable {
    public let utf8: [UInt8]

    public init(_ passphrase: String) throws(CodecError) {
        let bytes = Array(passphrase.utf8)
        guard !bytes.isEmpty else { throw .emptyKey }
        guard !bytes.contains(0) else { throw .keyContainsNul }
        utf8 = bytes
    }
}

/// A 32-byte AES-256 key: PBKDF2-HMAC-SHA256(passphrase, salt, 100 000 iterations).
///
/// Derivation costs tens of milliseconds by design, so derive once per blob and reuse.
public struct DerivedKey: Sendable, Equatable {
    public static let iterations: Int32 = 100_000
    public let bytes: [UInt8]
    public let salt: CodecSalt

    public init(key: LoadKey, salt: CodecSalt) throws(CodecError) {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.utf8.withUnsafeBufferPointer { password in
            password.withMemoryRebound(to: CChar.self) { password in
                PKCS5_PBKDF2_HMAC(password.baseAddress, Int32(password.count), salt.bytes, Int32(salt.bytes.count),
                                  Self.iterations, EVP_sha256(), 32, &out)
            }
        }
        guard ok == 1 else { throw .cryptoFailure(operation: "PKCS5_PBKDF2_HMAC") }
        bytes = out
        self.salt = salt
    }
}
