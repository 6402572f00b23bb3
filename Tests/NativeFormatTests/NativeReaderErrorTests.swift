/// One broken invariant per test, each rejected with its own error; plus truncation at every cut point.
import Bytes
import NativeFormat
import Quantization
import Testing

@Suite struct NativeReaderErrorTests {
    @Test func theCraftedBaselineIsValid() throws {
        let file = try NativeFile(view: ByteView(copying: CraftedFile().build()))
        #expect(file.names == ["a", "b"])
        #expect(file.metadata == ["k": "v"])
        try file.verifyChecksums()
    }

    @Test func truncationAtEveryCutPointIsDetected() throws {
        let path = temporaryPath("model.decant")
        let writer = try NativeFileWriter(destination: path, metadata: ["m": 1], plan: [
            NativeTensorSpec(name: "w", storage: .q8, shape: [4, 32]), NativeTensorSpec(name: "b", storage: .f32, shape: [4]),
        ])
        try [Float](repeating: 0.5, count: 128).withUnsafeBufferPointer { _ = try writer.write(name: "w", float32: $0) }
        try [Float](repeating: 2, count: 4).withUnsafeBufferPointer { _ = try writer.write(name: "b", float32: $0) }
        try writer.finish()
        let bytes = try MappedFile(path: path).view.array
        #expect(openingError(bytes) == nil)
        for cut in 0..<bytes.count {
            let error = openingError(Array(bytes[0..<cut]))
            if cut < 64 {
                #expect(error == .truncatedPreamble(fileBytes: cut))
            } else {
                #expect(error == .truncatedFile(expectedBytes: UInt64(bytes.count), fileBytes: cut))
            }
        }
    }

    @Test func badMagic() {
        var crafted = CraftedFile()
        crafted.magic = Array("GGUF\u{0}\u{0}\u{0}\u{0}".utf8)
        #expect(openingError(crafted.build()) == .badMagic(found: crafted.magic))
    }

    @Test func unsupportedVersion() {
        var crafted = CraftedFile()
        crafted.version = 2
        #expect(openingError(crafted.build()) == .unsupportedVersion(2))
    }

    @Test func alignmentNotAPowerOfTwoOrTooSmall() {
        for alignment: UInt32 in [96, 32, 0, 1 << 21] {
            var crafted = CraftedFile()
            crafted.alignment = alignment == 0 ? 64 : alignment
            var bytes = crafted.build()
            bytes.replaceSubrange(12..<16, with: le(alignment))
            #expect(openingError(bytes) == .invalidAlignment(alignment))
        }
    }

    @Test func limitsOnHeaderSizes() {
        var limits = NativeFormatLimits()
        limits.maximumMetadataBytes = 4
        #expect(openingError(CraftedFile().build(), limits: limits) == .metadataTooLarge(bytes: 9, limit: 4))
        limits = NativeFormatLimits()
        limits.maximumTensorCount = 1
        #expect(openingError(CraftedFile().build(), limits: limits) == .tooManyTensors(count: 2, limit: 1))
        limits = NativeFormatLimits()
        limits.maximumDirectoryBytes = 10
        #expect(openingError(CraftedFile().build(), limits: limits) == .directoryTooLarge(bytes: 90, limit: 10))
    }

    @Test func trailingBytes() {
        let bytes = CraftedFile().build()
        #expect(openingError(bytes + [0]) == .trailingBytes(expectedBytes: UInt64(bytes.count), fileBytes: bytes.count + 1))
    }

    @Test func dataOffsetNotWhereTheHeaderEnds() {
        var crafted = CraftedFile()
        crafted.dataOffset = 256
        #expect(openingError(crafted.build()) == .dataOffsetMismatch(expected: 192, found: 256))
    }

    @Test func accidentalHeaderCorruptionFailsTheHeaderChecksum() {
        var bytes = CraftedFile().build()
        let stored = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 56, as: UInt64.self) })
        bytes[66] ^= 0x20  // inside the metadata: {"k":"v"} → {"K":"v"}
        guard case let .headerChecksumMismatch(reportedStored, computed) = openingError(bytes) else {
            Issue.record("expected a header checksum mismatch")
            return
        }
        #expect(reportedStored == stored && computed != stored)
    }

    @Test func metadataNotJSON() {
        var crafted = CraftedFile()
        crafted.metadata = Array("{oops}".utf8)
        guard case .metadataNotJSON = openingError(crafted.build()) else { Issue.record("expected metadataNotJSON"); return }
    }

    @Test func metadataNotAnObject() {
        var crafted = CraftedFile()
        crafted.metadata = Array("[1]".utf8)
        #expect(openingError(crafted.build()) == .metadataNotAnObject(found: "an array"))
    }

    @Test func directoryEndingInsideAnEntry() {
        var crafted = CraftedFile()
        crafted.directoryPrefix = crafted.entries[0].bytes.count + 5
        #expect(openingError(crafted.build()) == .directoryTruncated(entry: 1))
    }

    @Test func emptyName() {
        var crafted = CraftedFile()
        crafted.entries[0].name = []
        #expect(openingError(crafted.build()) == .invalidNameLength(entry: 0, length: 0))
    }

    @Test func nameNotUTF8() {
        var crafted = CraftedFile()
        crafted.entries[1].name = [0x62, 0xFF]
        #expect(openingError(crafted.build()) == .nameNotUTF8(entry: 1))
    }

    @Test func duplicateName() {
        var crafted = CraftedFile()
        crafted.entries[1].name = Array("a".utf8)
        #expect(openingError(crafted.build()) == .duplicateTensorName("a"))
    }

    @Test func unknownStorageCode() {
        var crafted = CraftedFile()
        crafted.entries[1].code = 9
        #expect(openingError(crafted.build()) == .unknownStorageType(name: "b", code: 9))
    }

    @Test func rankAboveEight() {
        var crafted = CraftedFile()
        crafted.entries[0].dimensions = [6] + [UInt64](repeating: 1, count: 8)
        #expect(openingError(crafted.build()) == .rankTooLarge(name: "a", rank: 9))
    }

    @Test func shapeOverflowing() {
        var crafted = CraftedFile()
        crafted.entries[0].dimensions = [UInt64.max, 2]
        #expect(openingError(crafted.build()) == .invalidShape(name: "a", dimensions: [UInt64.max, 2]))
        crafted.entries[0].dimensions = [1 << 62, 4]
        #expect(openingError(crafted.build()) == .invalidShape(name: "a", dimensions: [1 << 62, 4]))
    }

    @Test func blockTypeWithAnUnblockableShape() {
        var crafted = CraftedFile()
        crafted.entries[1].dimensions = [2, 16]
        #expect(openingError(crafted.build()) == .shapeNotBlockAligned(name: "b", storage: .q8, shape: [2, 16]))
    }

    @Test func lengthDisagreeingWithTypeAndShape() {
        var crafted = CraftedFile()
        crafted.entries[0].length = 20
        #expect(openingError(crafted.build()) == .lengthMismatch(name: "a", expected: 24, found: 20))
    }

    @Test func misalignedOffset() {
        var crafted = CraftedFile()
        crafted.entries[1].offset = 24
        #expect(openingError(crafted.build()) == .misalignedOffset(name: "b", offset: 24, alignment: 64))
    }

    @Test func overlappingTensors() {
        var crafted = CraftedFile()
        crafted.entries[0].dimensions = [20, 4]
        crafted.entries[0].length = 320
        crafted.dataBytes = 64 * 6
        #expect(openingError(crafted.build()) == .overlappingTensors(name: "b", previous: "a"))
    }

    @Test func gapBetweenTensors() {
        var crafted = CraftedFile()
        crafted.entries[1].offset = 128
        crafted.dataBytes = 128 + 34
        #expect(openingError(crafted.build()) == .gapBeforeTensor(name: "b", expectedOffset: 64, found: 128))
    }

    @Test func tensorPastTheData() {
        var crafted = CraftedFile()
        crafted.dataBytes = 64 + 30
        #expect(openingError(crafted.build()) == .tensorOutOfBounds(name: "b", end: 98, dataBytes: 94))
    }

    @Test func directoryLongerThanItsEntries() {
        var crafted = CraftedFile()
        crafted.directoryExtra = [0, 0, 0]
        #expect(openingError(crafted.build()) == .directoryLengthMismatch(declared: 93, parsed: 90))
    }

    @Test func dataBeyondTheLastTensor() {
        var crafted = CraftedFile()
        crafted.dataBytes = 64 + 34 + 10
        #expect(openingError(crafted.build()) == .dataLengthMismatch(expected: 98, found: 108))
    }

    @Test func descriptionsAreOneLine() {
        let errors: [NativeFormatError] = [.truncatedPreamble(fileBytes: 3), .badMagic(found: [0x47]),
                                           .checksumMismatch(name: "w", stored: 1, computed: 2), .metadataNotJSON(.unexpectedEnd(offset: 0))]
        for error in errors { #expect(!error.description.contains("\n") && error.description.hasPrefix(".decant: ")) }
    }
}
