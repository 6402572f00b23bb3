/// Random-access decryption and the 128-bit counter: ranges agree with full decryption, carries cross every byte.
import Bytes
import Codec
import Testing

@Suite("random access and counter arithmetic")
struct CodecRandomAccessTests {
    @Test("any range decrypts like the same slice of the full plaintext",
          arguments: ["v06_5000_tlt_encode", "v11_5000_tlt_encode_kkqfyajsee"])
    func rangesMatchFullDecryption(stem: String) throws {
        let vector = try #require(CodecFixtures.vectors.first { $0.ciphertext == stem + ".enc.bin" })
        let blob = try EncryptedBlob(ByteView(copying: try CodecFixtures.bytes(vector.ciphertext)), key: CodecFixtures.derivedKey(vector))
        let plain = try CodecFixtures.bytes(vector.plaintext)
        #expect(blob.plaintextCount == plain.count)
        for (offset, length) in [(0, 0), (0, 1), (1, 15), (15, 2), (16, 16), (17, 1000), (4095, 33), (4999, 1), (5000, 0), (0, 5000)] {
            #expect(try blob.decrypt(offset: offset, length: length) == Array(plain[offset..<(offset + length)]),
                    "range \(offset)+\(length)")
        }
    }

    @Test("ranges outside the plaintext are refused")
    func rangeOutOfBounds() throws {
        let key = try DerivedKey(key: LoadKey("tlt_encode"), salt: .default)
        let blob = try EncryptedBlob(ByteView(copying: [UInt8](repeating: 7, count: 26)), key: key)
        #expect(throws: CodecError.rangeOutOfBounds(offset: 5, length: 6, plaintextLength: 10)) {
            try blob.decrypt(offset: 5, length: 6)
        }
        #expect(throws: CodecError.rangeOutOfBounds(offset: -1, length: 1, plaintextLength: 10)) {
            try blob.decrypt(offset: -1, length: 1)
        }
    }

    @Test("counter blocks add as 128-bit big-endian integers and wrap")
    func counterArithmetic() {
        let lowAllOnes = [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0xff, count: 8)
        #expect(CTRCipher.counterBlock(lowAllOnes, advancedBy: 1) == [0, 0, 0, 0, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 8))
        #expect(CTRCipher.counterBlock([UInt8](repeating: 0xff, count: 16), advancedBy: 1) == [UInt8](repeating: 0, count: 16))
        #expect(CTRCipher.counterBlock([UInt8](repeating: 0xff, count: 16), advancedBy: 3) == [UInt8](repeating: 0, count: 15) + [2])
        let mid: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0xff, 0xf0]
        #expect(CTRCipher.counterBlock(mid, advancedBy: 0x1_0000_0020) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x12, 0x35, 0, 0x10])
    }

    /// OpenSSL's own increment must agree with the hand-computed counter at each wrap point: keystream
    /// block `j` from a cipher started at `nonce` equals block 0 of a cipher started at `nonce + j`.
    @Test("OpenSSL carries the counter through all 128 bits", arguments: [
        [UInt8](repeating: 0xff, count: 16),                                     // 2^128 - 1 wraps to 0
        [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0xff, count: 8),    // 2^64 - 1 carries into the high half
        [UInt8](repeating: 0, count: 12) + [UInt8](repeating: 0xff, count: 4),   // 2^32 - 1 (OpenSSL's ctr32 fast path)
        [UInt8](repeating: 0, count: 8) + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
    ])
    func openSSLCarries(nonce: [UInt8]) throws {
        let key = try DerivedKey(key: LoadKey("tlt_encode"), salt: .default)
        let blocks = 4
        var stream = [UInt8](repeating: 0, count: 16 * blocks)
        try stream.withUnsafeMutableBytes { try CTRCipher(key: key, counterBlock: nonce).apply(inPlace: $0) }
        for j in 0..<blocks {
            var single = [UInt8](repeating: 0, count: 16)
            let counter = CTRCipher.counterBlock(nonce, advancedBy: UInt64(j))
            try single.withUnsafeMutableBytes { try CTRCipher(key: key, counterBlock: counter).apply(inPlace: $0) }
            #expect(Array(stream[(16 * j)..<(16 * j + 16)]) == single, "block \(j)")
        }
        // And random access lands on the same bytes across the wrap.
        let blob = try EncryptedBlob(ByteView(copying: nonce + [UInt8](repeating: 0, count: 16 * blocks)), key: key)
        #expect(try blob.decrypt(offset: 13, length: 40) == Array(stream[13..<53]))
    }
}
