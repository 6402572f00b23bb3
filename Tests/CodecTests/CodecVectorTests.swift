/// Reproduces NVIDIA's codec vectors (`Fixtures/tao-codec/`) byte for byte, in both directions.
import Bytes
import Codec
import Foundation
import Testing

struct CodecVector: Decodable, Sendable, CustomStringConvertible {
    let id: String
    let key: String
    let encryption: String
    let derived_key_hex: String
    let nonce_hex: String
    let plaintext: String
    let ciphertext: String
    let keyfile: String
    let plaintext_sha256: String
    let ciphertext_sha256: String
    var description: String { id }

    var salt: CodecSalt { get throws { encryption == "default" ? .default : try .named(encryption) } }
}

enum CodecFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tao-codec")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    static let vectors: [CodecVector] = {
        struct File: Decodable { let vectors: [CodecVector] }
        let data = try! Data(contentsOf: folder.appendingPathComponent("vectors.json"))
        return try! JSONDecoder().decode(File.self, from: data).vectors
    }()

    static func derivedKey(_ vector: CodecVector) throws -> DerivedKey {
        let passphrase = String(decoding: try bytes(vector.keyfile), as: UTF8.self)
        return try DerivedKey(key: LoadKey(passphrase), salt: vector.salt)
    }
}

@Suite("codec vectors written by NVIDIA's library")
struct CodecVectorTests {
    @Test("the vector set covers both salt kinds and the edge sizes")
    func vectorSetIsComplete() {
        #expect(CodecFixtures.vectors.count == 11)
        #expect(CodecFixtures.vectors.contains { $0.encryption != "default" })
        #expect(CodecFixtures.vectors.contains { $0.ciphertext.contains("_0_") })
    }

    @Test("PBKDF2 derives the recorded key", arguments: CodecFixtures.vectors)
    func derivesKey(vector: CodecVector) throws {
        let key = try CodecFixtures.derivedKey(vector)
        #expect(hexString(key.bytes) == vector.derived_key_hex)
    }

    @Test("decrypting the ciphertext gives the plaintext and its SHA-256", arguments: CodecFixtures.vectors)
    func decrypts(vector: CodecVector) throws {
        let key = try CodecFixtures.derivedKey(vector)
        let blob = try CodecFixtures.bytes(vector.ciphertext)
        #expect(hexString(blob[0..<16]) == vector.nonce_hex)
        let collected = CollectingSink()
        let hasher = try SHA256Hasher()
        let sink = BlobDecryptingSink(key: key, downstream: collected)
        // Odd write sizes cross the nonce boundary and split counter blocks.
        var offset = 0
        for step in [3, 14, 1, 31, 1000, Int.max] where offset < blob.count {
            let end = min(blob.count, offset + min(step, blob.count))
            try sink.write(Array(blob[offset..<end]))
            offset = end
        }
        try sink.finish()
        try hasher.write(collected.bytes)
        #expect(collected.bytes == (try CodecFixtures.bytes(vector.plaintext)))
        #expect(hexString(try hasher.finalize()) == vector.plaintext_sha256)
    }

    @Test("encrypting with the vector's nonce gives NVIDIA's ciphertext", arguments: CodecFixtures.vectors)
    func encrypts(vector: CodecVector) throws {
        let key = try CodecFixtures.derivedKey(vector)
        let plain = try CodecFixtures.bytes(vector.plaintext)
        let expected = try CodecFixtures.bytes(vector.ciphertext)
        let nonce = Array(expected[0..<16])

        let collected = CollectingSink()
        let sink = try BlobEncryptingSink(key: key, downstream: collected, nonce: nonce, chunkSize: 100)
        try sink.write(plain)
        #expect(collected.bytes == expected)

        let pulled = try BlobEncryptingSource(key: key, upstream: ViewSource(ByteView(copying: plain)), nonce: nonce).readAll()
        #expect(pulled == expected)
        #expect(hexString(try SHA256Hasher.digest(UnsafeRawBufferPointer(start: pulled, count: pulled.count))) == vector.ciphertext_sha256)
    }

    @Test("the decrypting source yields the plaintext through small reads", arguments: CodecFixtures.vectors)
    func decryptingSource(vector: CodecVector) throws {
        let key = try CodecFixtures.derivedKey(vector)
        let source = BlobDecryptingSource(key: key, upstream: ViewSource(ByteView(copying: try CodecFixtures.bytes(vector.ciphertext))))
        var plain = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 7)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            plain += chunk[0..<n]
        }
        #expect(plain == (try CodecFixtures.bytes(vector.plaintext)))
    }

    @Test("a wrong key yields NVIDIA's garbage (w01), not an error")
    func wrongKeyGivesGarbage() throws {
        let key = try DerivedKey(key: LoadKey("tao-encode"), salt: .default)
        let blob = try EncryptedBlob(ByteView(copying: try CodecFixtures.bytes("v06_5000_tlt_encode.enc.bin")), key: key)
        let garbage = try blob.decrypt(offset: 0, length: blob.plaintextCount)
        #expect(garbage == (try CodecFixtures.bytes("w01_v06_decrypted_with_tao-encode.bin")))
        #expect(garbage != (try CodecFixtures.bytes("v06_5000_tlt_encode.plain.bin")))
    }
}
