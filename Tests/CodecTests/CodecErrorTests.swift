/// Bad keys, short blobs and unknown codec names each raise their own typed error.
import Bytes
import Codec
import Testing

@Suite("codec errors")
struct CodecErrorTests {
    @Test("a key containing NUL, or an empty key, is refused")
    func nulKey() {
        #expect(throws: CodecError.keyContainsNul) { try LoadKey("tlt\u{0}encode") }
        #expect(throws: CodecError.emptyKey) { try LoadKey("") }
    }

    @Test("an unknown codec name is refused; every table name resolves to a distinct 32-byte salt")
    func codecNames() throws {
        #expect(throws: CodecError.unknownCodec(name: "notacodec")) { try CodecSalt.named("notacodec") }
        #expect(CodecSalt.allNames.count == 32)
        let salts = try CodecSalt.allNames.map { try CodecSalt.named($0).bytes }
        #expect(Set(salts.map { hexString($0) }).count == 32)
        #expect(salts.allSatisfy { $0.count == 32 })
        #expect(try hexString(CodecSalt.named("wogsoimicu").bytes) == "ecf9f0bd468783160c2467723dfcb1ad4a03b52590e28ab255af3e3f4bd3c100")
    }

    @Test("known default-salt keys for tlt_encode and tao-encode")
    func publishedDerivedKeys() throws {
        #expect(hexString(try DerivedKey(key: LoadKey("tlt_encode"), salt: .default).bytes)
                == "5c192ece6a4278fb0d791cce8178a21760a0c93f79e5ba4d2d96644af294e185")
        #expect(hexString(try DerivedKey(key: LoadKey("tao-encode"), salt: .default).bytes)
                == "e7a6d9b13bc74a99dbf3e3507cf1143584b342aad9a05d929682aeb08cff829c")
    }

    @Test("a blob shorter than 16 bytes is refused by every reader", arguments: [0, 1, 15])
    func shortBlob(length: Int) throws {
        let key = try DerivedKey(key: LoadKey("tlt_encode"), salt: .default)
        let bytes = [UInt8](repeating: 1, count: length)
        #expect(throws: CodecError.blobTooShort(length: length)) { try EncryptedBlob(ByteView(copying: bytes), key: key) }
        let sink = BlobDecryptingSink(key: key, downstream: DiscardingSink())
        try sink.write(bytes)
        #expect(throws: CodecError.blobTooShort(length: length)) { try sink.finish() }
        #expect(throws: CodecError.blobTooShort(length: length)) {
            try BlobDecryptingSource(key: key, upstream: ViewSource(ByteView(copying: bytes))).readAll()
        }
    }

    @Test("exactly 16 bytes is an empty plaintext")
    func nonceOnly() throws {
        let key = try DerivedKey(key: LoadKey("tlt_encode"), salt: .default)
        let collected = CollectingSink()
        let sink = BlobDecryptingSink(key: key, downstream: collected)
        try sink.write([UInt8](repeating: 9, count: 16))
        try sink.finish()
        #expect(collected.bytes.isEmpty)
    }

    @Test("SHA-256 matches the FIPS 180-2 'abc' vector, also when fed in pieces")
    func sha256() throws {
        let hasher = try SHA256Hasher()
        try hasher.write(Array("a".utf8))
        try hasher.write(Array("bc".utf8))
        #expect(hexString(try hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hashing = try HashingSource(ViewSource(ByteView(copying: Array("abc".utf8))))
        #expect(try hashing.readAll() == Array("abc".utf8))
        #expect(hexString(try hashing.hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
