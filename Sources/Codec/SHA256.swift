/// Streaming SHA-256 over OpenSSL, as a sink and as a pass-through source.
import Bytes
import COpenSSL

/// Hashes everything written to it; `finalize()` gives the 32-byte digest.
public final class SHA256Hasher: ByteSink {
    private let context: OpaquePointer
    private var digest: [UInt8]?

    public init() throws(CodecError) {
        guard let context = EVP_MD_CTX_new() else { throw .cryptoFailure(operation: "EVP_MD_CTX_new") }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw .cryptoFailure(operation: "EVP_DigestInit_ex") }
    }

    deinit { EVP_MD_CTX_free(context) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(digest == nil, "SHA256Hasher written after finalize()")
        guard !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw CodecError.cryptoFailure(operation: "EVP_DigestUpdate")
        }
    }

    /// The digest of everything written; later calls return the same value.
    public func finalize() throws(CodecError) -> [UInt8] {
        if let digest { return digest }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1, length == 32 else {
            throw .cryptoFailure(operation: "EVP_DigestFinal_ex")
        }
        digest = out
        return out
    }

    /// The SHA-256 of `bytes` in one call.
    public static func digest(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        let hasher = try SHA256Hasher()
        try hasher.write(bytes)
        return try hasher.finalize()
    }
}

/// Passes `upstream` through unchanged while hashing what the reader actually received.
public final class HashingSource: ByteSource {
    private let upstream: ByteSource
    public let hasher: SHA256Hasher

    public init(_ upstream: ByteSource) throws(CodecError) {
        self.upstream = upstream
        hasher = try SHA256Hasher()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        try hasher.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        return n
    }
}
