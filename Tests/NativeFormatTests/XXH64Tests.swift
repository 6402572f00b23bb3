/// XXH64 against the reference values of xxHash's own sanity check (xxhsum: a 101-byte buffer generated from
/// PRIME32, seeds 0 and PRIME32) and published string vectors.
import NativeFormat
import Testing

private let prime32: UInt64 = 2_654_435_761

/// (length, seed, XXH64) from xxhsum's BMK_sanityCheck.
let sanityVectors: [(Int, UInt64, UInt64)] = [
        (0, 0, 0xEF46_DB37_51D8_E999), (0, prime32, 0xAC75_FDA2_929B_17EF),
        (1, 0, 0x4FCE_394C_C889_52D8), (1, prime32, 0x7398_40CB_819F_A723),
        (14, 0, 0xCFFA_8DB8_81BC_3A3D), (14, prime32, 0x5B96_1158_5EFC_C9CB),
        (101, 0, 0x0EAB_5433_84F8_78AD), (101, prime32, 0xCAA6_5939_306F_1E21),
    ]

@Suite struct XXH64Tests {
    /// xxhsum's sanityBuffer: byte i is the top byte of a generator that is squared at each step.
    static let sanityBuffer: [UInt8] = {
        var generator = UInt32(prime32)
        return (0..<101).map { _ in
            defer { generator = generator &* generator }
            return UInt8(generator >> 24)
        }
    }()

    @Test(arguments: sanityVectors)
    func matchesTheReferenceSanityVectors(length: Int, seed: UInt64, expected: UInt64) {
        let bytes = Array(Self.sanityBuffer.prefix(length))
        #expect(bytes.withUnsafeBytes { XXH64.hash($0, seed: seed) } == expected)
    }

    @Test func matchesPublishedStringVectors() {
        #expect(Array("a".utf8).withUnsafeBytes { XXH64.hash($0) } == 0xD24E_C4F1_A98C_6E5B)
        #expect(Array("abc".utf8).withUnsafeBytes { XXH64.hash($0) } == 0x44BC_2CF5_AD77_0999)
        #expect(Array("Nobody inspects the spammish repetition".utf8).withUnsafeBytes { XXH64.hash($0) } == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test func streamingInAnyChunksEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let oneShot = data.withUnsafeBytes { XXH64.hash($0, seed: 5) }
        for chunk in [1, 3, 31, 32, 33, 64, 999] {
            var hasher = XXH64(seed: 5)
            var start = 0
            while start < data.count {
                let end = min(data.count, start + chunk)
                data[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            #expect(hasher.digest() == oneShot, "chunk \(chunk)")
        }
    }
}
