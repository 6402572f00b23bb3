/// Streaming encryption and decryption of codec blobs (`nonce(16) || AES-256-CTR ciphertext`), as sinks and sources.
import Bytes

/// Decrypts a blob pushed through it and forwards the plaintext; memory stays at one scratch chunk.
public final class BlobDecryptingSink: ByteSink {
    private let downstream: ByteSink
    private let key: DerivedKey
    private var nonce: [UInt8] = []
    private var cipher: CTRCipher?
    private let scratch: UnsafeMutableRawBufferPointer
    public private(set) var plaintextCount = 0

    public init(key: DerivedKey, downstream: ByteSink, chunkSize: Int = 1 << 20) {
        self.key = key
        self.downstream = downstream
        scratch = .allocate(byteCount: chunkSize, alignment: 64)
    }

    deinit { scratch.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        if cipher == nil {
            let take = min(16 - nonce.count, rest.count)
            nonce.append(contentsOf: rest[..<take])
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            guard nonce.count == 16 else { return }
            cipher = try CTRCipher(key: key, counterBlock: nonce)
        }
        while !rest.isEmpty, let cipher {
            let step = min(rest.count, scratch.count)
            try cipher.apply(rest.baseAddress!, to: scratch.baseAddress!, count: step)
            try downstream.write(UnsafeRawBufferPointer(rebasing: scratch[..<step]))
            plaintextCount += step
            rest = UnsafeRawBufferPointer(rebasing: rest[step...])
        }
    }

    /// Checks that a whole nonce arrived; call after the last write.
    public func finish() throws(CodecError) {
        guard cipher != nil else { throw .blobTooShort(length: nonce.count) }
    }
}

/// Encrypts plaintext pushed through it into a blob: the nonce first, then the ciphertext.
public final class BlobEncryptingSink: ByteSink {
    private let downstream: ByteSink
    private let cipher: CTRCipher
    private let scratch: UnsafeMutableRawBufferPointer
    public let nonce: [UInt8]

    /// Writes the nonce to `downstream` at once. `nonce` is random unless given (tests reproduce NVIDIA's vectors).
    public init(key: DerivedKey, downstream: ByteSink, nonce: [UInt8]? = nil, chunkSize: Int = 1 << 20) throws {
        let nonce = try nonce ?? secureRandomBytes(16)
        self.nonce = nonce
        self.downstream = downstream
        cipher = try CTRCipher(key: key, counterBlock: nonce)
        scratch = .allocate(byteCount: chunkSize, alignment: 64)
        try downstream.write(nonce)
    }

    deinit { scratch.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            let step = min(rest.count, scratch.count)
            try cipher.apply(rest.baseAddress!, to: scratch.baseAddress!, count: step)
            try downstream.write(UnsafeRawBufferPointer(rebasing: scratch[..<step]))
            rest = UnsafeRawBufferPointer(rebasing: rest[step...])
        }
    }
}

/// Pulls a blob from `upstream` and yields its plaintext, decrypting in the caller's buffer (no copy).
public final class BlobDecryptingSource: ByteSource {
    private let upstream: ByteSource
    private let key: DerivedKey
    private var cipher: CTRCipher?

    public init(key: DerivedKey, upstream: ByteSource) {
        self.key = key
        self.upstream = upstream
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if cipher == nil {
            var nonce = [UInt8](repeating: 0, count: 16)
            var filled = 0
            while filled < 16 {
                let n = try nonce.withUnsafeMutableBytes { try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
                if n == 0 { throw CodecError.blobTooShort(length: filled) }
                filled += n
            }
            cipher = try CTRCipher(key: key, counterBlock: nonce)
        }
        let n = try upstream.read(into: buffer)
        try cipher!.apply(inPlace: UnsafeMutableRawBufferPointer(rebasing: buffer[..<n]))
        return n
    }
}

/// Pulls plaintext from `upstream` and yields a blob: the nonce, then the ciphertext (encrypted in the caller's buffer).
public final class BlobEncryptingSource: ByteSource {
    private let upstream: ByteSource
    private let cipher: CTRCipher
    public let nonce: [UInt8]
    private var nonceSent = 0

    public init(key: DerivedKey, upstream: ByteSource, nonce: [UInt8]? = nil) throws {
        let nonce = try nonce ?? secureRandomBytes(16)
        self.nonce = nonce
        self.upstream = upstream
        cipher = try CTRCipher(key: key, counterBlock: nonce)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !buffer.isEmpty else { return 0 }
        if nonceSent < 16 {
            let n = min(16 - nonceSent, buffer.count)
            nonce.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + nonceSent, byteCount: n) }
            nonceSent += n
            return n
        }
        let n = try upstream.read(into: buffer)
        try cipher.apply(inPlace: UnsafeMutableRawBufferPointer(rebasing: buffer[..<n]))
        return n
    }
}
