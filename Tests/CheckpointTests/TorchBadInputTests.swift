import Bytes
import Checkpoint
import Containers
import Foundation
import Pickle
import Tensors
import Testing

/// Broken and hostile torch checkpoints: each gives its own typed error, never a crash or a hang.
@Suite struct TorchBadInputTests {
    private func read(_ bytes: [UInt8], options: PickleOptions = .init()) throws -> TorchCheckpoint {
        try TorchCheckpoint.read(ByteView(copying: bytes), options: options)
    }

    private func valid(_ tensors: [(name: String, key: String, numel: Int, offset: Int, shape: [Int], strides: [Int])],
                       record: [UInt8] = twelveFloats) -> TestZip {
        TestZip.checkpoint(pickle: TestPickle.stateDict(tensors), records: ["0": record])
    }

    @Test func theHandBuiltZipItselfReads() throws {
        let checkpoint = try read(valid([("w", "0", 12, 2, [2, 5], [5, 1])]).bytes())
        #expect(checkpoint.format == .zip(prefix: "archive/"))
        #expect(try checkpoint.tensors[0].toFloat32() == (2..<12).map(Float.init))
    }

    @Test func zip64ExtraFieldsSupplySentinelSizesAndOffsets() throws {
        var zip = valid([("w", "0", 12, 0, [12], [1])])
        for index in zip.entries.indices { zip.entries[index].zip64Fields = true }
        #expect(try read(zip.bytes()).tensors[0].count == 12)
        zip.entries[0].dropZip64Extra = true
        #expect(throws: ZipError.zip64FieldMissing(entry: "archive/data.pkl", field: "uncompressed size")) {
            try read(zip.bytes())
        }
    }

    @Test func everyTruncationOfEveryFormatFailsCleanly() throws {
        // A tar stays complete when only trailing zero blocks past the first end marker are cut.
        let tarEnd = try TarIndex(view: try TorchFixtures.sample("tar_format_handmade.pt")).entries
            .map { $0.dataOffset + ($0.size + 511) / 512 * 512 }.max()! + 512
        for (file, needed) in [("zip_fp32_state_dict.pt", nil), ("legacy_fp32_state_dict.pt", nil),
                               ("tar_format_handmade.pt", tarEnd)] as [(String, Int?)] {
            let full = try TorchFixtures.sample(file).array
            let cuts = 0..<(needed ?? full.count)
            var failures = 0
            for cut in cuts {
                do { _ = try read(Array(full[..<cut])) } catch { failures += 1 }
            }
            #expect(failures == cuts.count, "\(file): every cut into the data is refused")
        }
    }

    @Test func everySingleByteCorruptionEitherReadsOrFailsCleanly() throws {
        // Not a correctness check: it proves no byte value at any position crashes, traps or hangs the readers.
        for file in ["zip_fp32_state_dict.pt", "legacy_fp32_state_dict.pt", "zip_lightning_like.ckpt"] {
            let full = try TorchFixtures.sample(file).array
            var outcomes = 0
            for position in full.indices {
                var corrupted = full
                corrupted[position] ^= 0xFF
                do { _ = try read(corrupted) } catch {}
                outcomes += 1
            }
            #expect(outcomes == full.count)
        }
    }

    @Test func storageLargerThanItsRecordIsRefused() {
        #expect(throws: TorchCheckpointError.storageTooSmall(key: "0", neededBytes: 400, availableBytes: 48)) {
            try read(valid([("w", "0", 100, 0, [100], [1])]).bytes())
        }
    }

    @Test func viewsReachingPastTheStorageAreRefused() {
        #expect(throws: TensorError.outOfBounds(name: "w", neededBytes: 52, storageBytes: 48)) {
            try read(valid([("w", "0", 12, 1, [12], [1])]).bytes())
        }
        #expect(throws: TensorError.outOfBounds(name: "w", neededBytes: 64, storageBytes: 48)) {
            try read(valid([("w", "0", 12, 0, [4, 4], [4, 1])]).bytes())
        }
    }

    @Test func shapeTimesElementSizeOverflowIsRefused() {
        #expect {
            try read(valid([("w", "0", 12, 0, [1 << 62, 4], [4, 1])]).bytes())
        } throws: { error in
            guard case let .invalidArguments(_, reason, _, path) = error as? PickleError else { return false }
            return reason.contains("overflows") && path == "w"
        }
    }

    @Test func negativeSizesStridesAndOffsetsAreRefused() {
        #expect {
            try read(valid([("w", "0", 12, 0, [-1, 4], [4, 1])]).bytes())
        } throws: { error in
            guard case let .invalidArguments(_, reason, _, _) = error as? PickleError else { return false }
            return reason.contains("negative size")
        }
        #expect(throws: TensorError.negativeStride(name: "w", strides: [-4, 1])) {
            try read(valid([("w", "0", 12, 8, [2, 4], [-4, 1])]).bytes())
        }
        #expect(throws: TensorError.negativeStride(name: "w", strides: [1])) {
            try read(valid([("w", "0", 12, -1, [2], [1])]).bytes())
        }
    }

    @Test func bigEndianArchivesAreRefused() {
        let zip = TestZip.checkpoint(pickle: TestPickle.stateDict([("w", "0", 12, 0, [12], [1])]),
                                     records: ["0": twelveFloats], byteorder: "big")
        #expect(throws: TorchCheckpointError.bigEndian(format: "torch zip")) { try read(zip.bytes()) }
    }

    @Test func missingByteOrderMeansLittleEndian() throws {
        let zip = TestZip.checkpoint(pickle: TestPickle.stateDict([("w", "0", 12, 0, [12], [1])]),
                                     records: ["0": twelveFloats], byteorder: nil)
        #expect(try read(zip.bytes()).tensors.count == 1)
    }

    @Test func dataPickleMustExistOnce() {
        #expect(throws: TorchCheckpointError.dataPickleMissing) {
            try read(TestZip(entries: [.init(name: "archive/version", data: [0x33])]).bytes())
        }
        let twice = TestZip(entries: [.init(name: "a/data.pkl", data: [0x4E, 0x2E]), .init(name: "b/data.pkl", data: [0x4E, 0x2E])])
        #expect(throws: TorchCheckpointError.multipleDataPickles(["a/data.pkl", "b/data.pkl"])) { try read(twice.bytes()) }
    }

    @Test func referencedStorageWithoutARecordIsRefused() {
        #expect(throws: TorchCheckpointError.storageRecordMissing(key: "7")) {
            try read(TestZip.checkpoint(pickle: TestPickle.stateDict([("w", "7", 1, 0, [1], [1])]), records: [:]).bytes())
        }
    }

    @Test func compressionMethodsOtherThanDeflateAreRefused() {
        var zip = valid([("w", "0", 12, 0, [12], [1])])
        zip.entries[0].method = 12
        #expect(throws: ZipError.compressedEntry(entry: "archive/data.pkl", method: 12)) { try read(zip.bytes()) }
    }

    @Test func storedBytesMarkedDeflatedAreCorruptDeflate() {
        var zip = valid([("w", "0", 12, 0, [12], [1])])
        zip.entries[0].method = 8
        #expect {
            try read(zip.bytes())
        } throws: { error in
            guard case let .corruptDeflate(entry, _)? = error as? ZipError else { return false }
            return entry == "archive/data.pkl"
        }
    }

    @Test func directoryAndEntryBoundsAreChecked() throws {
        let good = valid([("w", "0", 12, 0, [12], [1])]).bytes()
        // EOCD's directory offset pushed past the file.
        var farDirectory = TestZip(entries: valid([("w", "0", 12, 0, [12], [1])]).entries, writeZip64End: false).bytes()
        farDirectory.replaceSubrange((farDirectory.count - 6)..<(farDirectory.count - 2), with: u32(0x7FFF_FFF0))
        #expect {
            try read(farDirectory)
        } throws: { error in
            if case .centralDirectoryOutOfRange = error as? ZipError { return true }
            return false
        }
        // No end record at all.
        #expect(throws: ZipError.endOfCentralDirectoryMissing(fileSize: 200)) {
            try read(Array(good[..<200]))
        }
    }

    @Test func overlappingEntriesAreRefused() throws {
        // Entry "outer" carries, inside its data, a complete local header and data of entry "inner".
        let inner = TestZip(entries: [.init(name: "inner", data: [1, 2, 3])], writeZip64End: false).bytes()
        let innerLocal = Array(inner[..<(64 + 3 + 16)])
        var zip = TestZip(entries: [.init(name: "outer", data: innerLocal)], writeZip64End: false).bytes()
        // Append a central entry for "inner" pointing inside "outer" (local header at outer's data offset, 64).
        let directoryStart = 64 + innerLocal.count + 16
        var directory = Array(zip[directoryStart..<(zip.count - 22)])
        directory += u32(0x0201_4B50) + u16(0x031E) + u16(20) + u16(0x0808) + u16(0) + u16(0) + u16(0) + u32(0)
            + u32(3) + u32(3) + u16(5) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(64) + Array("inner".utf8)
        zip = Array(zip[..<directoryStart]) + directory + u32(0x0605_4B50) + u16(0) + u16(0) + u16(2) + u16(2)
            + u32(UInt32(directory.count)) + u32(UInt32(directoryStart)) + u16(0)
        #expect(throws: ZipError.overlappingEntries(first: "outer", second: "inner")) { _ = try ZipArchive(ByteView(copying: zip)) }
    }

    @Test func legacyStreamInvariants() throws {
        let legacy = try TorchFixtures.sample("legacy_fp32_state_dict.pt").array
        // sys_info's little_endian True (NEWTRUE right after the key and its BINPUT) → False.
        let key = Array("little_endian".utf8)
        let at = try #require((0..<200).first { Array(legacy[$0..<($0 + key.count)]) == key })
        var bigEndian = legacy
        let flag = try #require((at + key.count..<at + key.count + 4).first { legacy[$0] == 0x88 })
        bigEndian[flag] = 0x89
        #expect(throws: TorchCheckpointError.bigEndian(format: "legacy torch stream")) { try read(bigEndian) }
        // The first storage's element count (at byte 464, see dumps/legacy_fp32_state_dict.pt.txt) 3 → 4.
        var miscounted = legacy
        #expect(miscounted[464] == 3)
        miscounted[464] = 4
        #expect(throws: TorchCheckpointError.legacyStorageCountMismatch(key: "94775992714256", recorded: 4, expected: 3)) {
            try read(miscounted)
        }
        var wrongMagic = legacy
        wrongMagic[5] ^= 1
        #expect(throws: TorchCheckpointError.notATorchCheckpoint(firstBytes: "80 02 8a 0a 6c fd 9c 46")) { try read(wrongMagic) }
    }

    @Test func unknownBytesAreNotACheckpoint() {
        #expect(throws: TorchCheckpointError.notATorchCheckpoint(firstBytes: "nothing (empty file)")) { try read([]) }
        #expect(throws: TorchCheckpointError.notATorchCheckpoint(firstBytes: "7b 7d")) { try read(Array("{}".utf8)) }
    }

    @Test func forbiddenGlobalsInsideACheckpointAreRefusedUnlessOpaqueIsAllowed() throws {
        let malicious = try TorchFixtures.view("malicious/os_system.pkl").array
        let zip = TestZip.checkpoint(pickle: malicious, records: [:]).bytes()
        let global = try #require((0..<malicious.count).first { Array(malicious[$0...].prefix(4)) == Array("cos\n".utf8) })
        #expect(throws: PickleError.forbiddenGlobal(symbol: "os.system", offset: global, path: "callback")) { try read(zip) }
        // With allowOpaque the file is data: its state_dict holds no tensors, and nothing ran.
        #expect(throws: TorchCheckpointError.noTensors(location: "state_dict (Lightning)")) {
            try read(zip, options: PickleOptions(allowOpaque: true))
        }
    }

    @Test func unsupportedDtypesAreNamed() throws {
        let zip = TestZip.checkpoint(pickle: TestPickle.stateDict([("c", "0", 6, 0, [6], [1])], storageClass: "ComplexFloatStorage"),
                                     records: ["0": twelveFloats])
        #expect(throws: TorchCheckpointError.unsupportedDType(tensor: "c", dtype: "complex64")) { try read(zip.bytes()) }
    }
}
