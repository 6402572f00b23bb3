/// EFF archives: the four shared fixtures (v1, v2, two v3 writers) and every kind of broken archive.
import Bytes
import Codec
import Containers
import Foundation
import Testing

/// Rewrites a fixture archive member by member (gzip tar in, gzip tar out) and returns the new file's path.
func rewrite(_ fixture: String, _ transform: (String, [UInt8]) -> [(String, [UInt8])]) throws -> String {
    let members = try streamMembers(try GunzipSource(upstream: FileSource(path: Fixtures.path(fixture))))
    let path = NSTemporaryDirectory() + "decant-eff-\(UInt32.random(in: 0...UInt32.max)).tlt"
    let file = try AtomicOutputFile(destination: path)
    let gzip = try GzipSink(downstream: file)
    let tar = TarWriter(sink: gzip)
    for member in members {
        for (name, data) in transform(member.entry.storedName, member.data) { try tar.addFile(name, contents: ByteView(copying: data)) }
    }
    try tar.finish()
    try gzip.finish()
    try file.commit()
    return path
}

func replacingManifest(_ fixture: String, _ edit: (String) -> String) throws -> String {
    try rewrite(fixture) { name, data in
        [(name, name == "manifest.yaml" ? Array(edit(String(decoding: data, as: UTF8.self)).utf8) : data)]
    }
}

/// Reads every artifact's plaintext.
func readAll(_ archive: EFFArchive, key: String = "tlt_encode") throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    try archive.readArtifacts(key: LoadKey(key)) { entry, source in out[entry.artifact.name] = try source.readAll() }
    return out
}

/// The fixtures' weights are stand-ins, not torch files: v1, v2 and nvidia-eff's hold bytes 0, 1, 2, … 255, 0, …
/// (SHA-256 4345…423e); real torch zips are covered by the `.nemo` round trips.
let countingBytes = (0..<5120).map { UInt8($0 % 256) }

@Suite("EFF reader")
struct EFFReaderTests {
    @Test("v1: default salt, encrypted_ member, no checksum")
    func version1() throws {
        let archive = try EFFArchive(path: Fixtures.path(Fixtures.effArchives[0]))
        #expect(archive.manifest.formatVersion == 1)
        #expect(archive.entries.map(\.artifact.member) == ["model_config.yaml", "encrypted_model_weights.ckpt"])
        #expect(archive.entries[1].artifact.salt == .default)
        #expect(archive.entries[1].artifact.sha256 == nil)
        #expect(archive.entries[1].plaintextSize == 5120)
        let plain = try readAll(archive)
        #expect(plain["model_weights.ckpt"] == countingBytes)
    }

    @Test("v2: one codec for the archive")
    func version2() throws {
        let archive = try EFFArchive(path: Fixtures.path(Fixtures.effArchives[1]))
        #expect(archive.manifest.formatVersion == 2)
        #expect(archive.entries[1].artifact.salt == (try CodecSalt.named("zjercilrdy")))
        #expect(!archive.entries[0].artifact.isEncrypted)
        let plain = try readAll(archive)
        #expect(plain["model_weights.ckpt"] == countingBytes)
        #expect(plain["model_config.yaml"]?.count == 20)
    }

    @Test("v3 by nvidia-eff 0.6.7: two encrypted artifacts with their own codecs, SHA-256 verified")
    func version3NvidiaEff() throws {
        let archive = try EFFArchive(path: Fixtures.path(Fixtures.effArchives[2]))
        #expect(archive.compression == .gzip)
        #expect(archive.entries.map(\.artifact.name) == ["model_config.yaml", "model_weights.ckpt", "vocab.txt"])
        #expect(archive.entries.map { $0.artifact.salt?.label } == [nil, "xvbrfdujhw", "vzcipsmwcv"])
        let plain = try readAll(archive)
        #expect(plain["model_weights.ckpt"] == countingBytes)
        #expect(plain["vocab.txt"] == Array("[PAD]\n[UNK]\nhello\n".utf8))
        #expect(hexString(try SHA256Hasher.digest(UnsafeRawBufferPointer(start: plain["model_weights.ckpt"]!, count: 5120)))
                == archive.entries[1].artifact.sha256)
    }

    @Test("v3 by TAO 4.0's NeMo path: only the weights are encrypted; TAO's metadata keys are kept")
    func version3Tao() throws {
        let archive = try EFFArchive(path: Fixtures.path(Fixtures.effArchives[3]))
        #expect(archive.entries.map(\.artifact.name) == ["model_config.yaml", "model_weights.ckpt", "vocab_src.txt"])
        #expect(archive.entries.map { $0.artifact.salt?.label } == [nil, "wogsoimicu", nil])
        #expect(archive.entries[2].artifact.fields.contains { $0 == ("conf_path", "tokenizer.vocab_file") })
        #expect(archive.manifest.metadata.contains { $0 == ("nemo_archive_version", "2") })
        let plain = try readAll(archive)
        #expect(try #require(plain["model_weights.ckpt"]).starts(with: Array("FAKE-TORCH-CHECKPOINT-".utf8)))
    }

    @Test("a wrong key is reported through the manifest SHA-256", arguments: [Fixtures.effArchives[2], Fixtures.effArchives[3]])
    func wrongKey(fixture: String) throws {
        let archive = try EFFArchive(path: Fixtures.path(fixture))
        #expect(throws: EFFError.wrongLoadKey(artifact: "model_weights.ckpt")) { try readAll(archive, key: "tao-encode") }
        #expect(EFFError.wrongLoadKey(artifact: "model_weights.ckpt").description
                == "wrong load key: SHA-256 of decrypted model_weights.ckpt does not match the manifest")
    }

    @Test("EFF v1/v2 have no checksum: a wrong key is refused by the weights' leading bytes, before the consumer sees them",
          arguments: [Fixtures.effArchives[0], Fixtures.effArchives[1]])
    func wrongKeyWithoutChecksum(fixture: String) throws {
        let archive = try EFFArchive(path: Fixtures.path(fixture))
        #expect(archive.entries[1].artifact.plaintextCheck == .leadingBytes)
        var seen: [String] = []
        #expect {
            try archive.readArtifacts(key: LoadKey("tao-encode")) { entry, source in
                seen.append(entry.artifact.name)
                _ = try source.readAll()
            }
        } throws: { error in
            guard case .wrongLoadKey("model_weights.ckpt", .noise)? = error as? EFFError else { return false }
            return (error as! EFFError).description.hasPrefix("wrong load key: decrypted model_weights.ckpt starts with ")
        }
        #expect(seen == ["model_config.yaml"])
        // The right key: the stand-in weights are not a torch file, but they are not noise either.
        #expect(try readAll(archive)["model_weights.ckpt"] == countingBytes)
    }

    @Test("what counts as noise: a wrong key's output does, torch files, text and stand-ins do not")
    func noiseDetector() throws {
        #expect(PlaintextMagic.isNoise(noise(4096)))
        #expect(PlaintextMagic.isNoise(Array(noise(64))))
        #expect(PlaintextMagic.isNoise(Array(countingBytes.prefix(63))))
        #expect(!PlaintextMagic.isNoise(Array(countingBytes.prefix(4096))))
        #expect(!PlaintextMagic.isNoise(Array(String(repeating: "model weights ", count: 300).utf8.prefix(4096))))
        let zip = try Fixtures.bytes("torch/zip_fp32_state_dict.pt")
        #expect(PlaintextMagic.torchCheckpoint(Array(zip.prefix(512))) == "zip (torch checkpoint)")
        #expect(PlaintextMagic.torchCheckpoint(noise(512)) == nil)
    }

    @Test("one artifact under two spellings, or two artifacts in one member, are refused when the manifest is read")
    func duplicateArtifacts() throws {
        let v3 = "artifacts:\n  model_weights.ckpt: {encryption: false}\n  %@: {encryption: false}\nmetadata: {format_version: 3}\n"
        for (second, shared) in [("./model_weights.ckpt", "artifact model_weights.ckpt"), (".//model_weights.ckpt", "artifact model_weights.ckpt")] {
            #expect(throws: EFFError.duplicateArtifact(first: "model_weights.ckpt", second: second, shared: shared)) {
                try EFFManifest(yaml: v3.replacingOccurrences(of: "%@", with: second))
            }
        }
        let clash = "files:\n  x: {encrypted: true}\n  encrypted_x: {encrypted: false}\nmetadata: {format_version: 1}\n"
        #expect(throws: EFFError.duplicateArtifact(first: "x", second: "encrypted_x", shared: "tar member encrypted_x")) {
            try EFFManifest(yaml: clash)
        }
        #expect(throws: EFFError.badManifest(reason: "artifact './' names no file")) {
            try EFFManifest(yaml: v3.replacingOccurrences(of: "%@", with: "./"))
        }
        // Distinct files whose names only look alike are fine: `a` is member artifacts/a, `artifacts/a` another.
        let manifest = try EFFManifest(yaml: v3.replacingOccurrences(of: "model_weights.ckpt", with: "a")
            .replacingOccurrences(of: "%@", with: "artifacts/a"))
        #expect(manifest.artifacts.map(\.member) == ["artifacts/a", "artifacts/artifacts/a"])
        // Names are kept normalised.
        let dotted = try EFFManifest(yaml: v3.replacingOccurrences(of: "model_weights.ckpt", with: "./w.ckpt")
            .replacingOccurrences(of: "%@", with: "v.txt"))
        #expect(dotted.artifacts.map(\.name) == ["w.ckpt", "v.txt"])
    }

    @Test("encrypted artifacts need a key")
    func keyRequired() throws {
        let archive = try EFFArchive(path: Fixtures.path(Fixtures.effArchives[3]))
        #expect(throws: EFFError.keyRequired(artifact: "model_weights.ckpt")) {
            try archive.readArtifacts(key: nil) { _, source in _ = try source.readAll() }
        }
    }

    @Test("an unknown codec name in the manifest")
    func unknownCodec() throws {
        let path = try replacingManifest(Fixtures.effArchives[3]) { $0.replacingOccurrences(of: "wogsoimicu", with: "notacodecx") }
        defer { unlink(path) }
        #expect(throws: CodecError.unknownCodec(name: "notacodecx")) { try EFFArchive(path: path) }
    }

    @Test("a manifest naming a missing member")
    func missingMember() throws {
        let path = try rewrite(Fixtures.effArchives[3]) { name, data in name == "artifacts/model_weights.ckpt" ? [] : [(name, data)] }
        defer { unlink(path) }
        #expect(throws: EFFError.missingMember(artifact: "model_weights.ckpt", member: "artifacts/model_weights.ckpt")) {
            try EFFArchive(path: path)
        }
    }

    @Test("traversal paths, in the tar or in the manifest, are refused", arguments: ["../x", "/etc/x"])
    func traversal(bad: String) throws {
        let inTar = try rewrite(Fixtures.effArchives[3]) { name, data in
            name == "manifest.yaml" ? [(bad, Array("evil".utf8)), (name, data)] : [(name, data)]
        }
        defer { unlink(inTar) }
        #expect(throws: TarError.unsafePath(bad)) { try EFFArchive(path: inTar) }
        let inManifest = try replacingManifest(Fixtures.effArchives[3]) { $0.replacingOccurrences(of: "  vocab_src.txt:", with: "  \(bad):") }
        defer { unlink(inManifest) }
        #expect(throws: TarError.unsafePath(bad)) { try EFFArchive(path: inManifest) }
    }

    @Test("a member the manifest does not list")
    func unlisted() throws {
        let path = try rewrite(Fixtures.effArchives[3]) { name, data in
            name == "manifest.yaml" ? [("artifacts/extra.bin", [1, 2, 3]), (name, data)] : [(name, data)]
        }
        defer { unlink(path) }
        #expect(throws: EFFError.unlistedMember(path: "artifacts/extra.bin")) { try EFFArchive(path: path) }
    }

    @Test("a tar without manifest, a bad manifest, an unknown version")
    func badManifests() throws {
        #expect(throws: EFFError.missingManifest) { try EFFArchive(path: Fixtures.path(Fixtures.nemoPlain)) }
        let notYaml = try replacingManifest(Fixtures.effArchives[3]) { _ in "artifacts: [unclosed" }
        defer { unlink(notYaml) }
        #expect(throws: EFFError.self) { try EFFArchive(path: notYaml) }
        let v9 = try replacingManifest(Fixtures.effArchives[3]) { $0.replacingOccurrences(of: "format_version: 3", with: "format_version: 9") }
        defer { unlink(v9) }
        #expect(throws: EFFError.unsupportedFormatVersion(9)) { try EFFArchive(path: v9) }
        let noSha = try replacingManifest(Fixtures.effArchives[3]) { $0.replacingOccurrences(of: "sha256: ", with: "checksum: ") }
        defer { unlink(noSha) }
        #expect(throws: EFFError.badManifest(reason: "encrypted model_weights.ckpt has no sha256")) { try EFFArchive(path: noSha) }
    }

    @Test("a truncated archive fails to open; a CRC-32 mismatch, which the index pass skips, fails the read")
    func damagedGzip() throws {
        var bytes = try Fixtures.bytes(Fixtures.effArchives[3])
        let truncated = NSTemporaryDirectory() + "decant-eff-truncated.tlt"
        try Data(bytes.dropLast(100)).write(to: URL(fileURLWithPath: truncated))
        defer { unlink(truncated) }
        #expect(throws: GzipError.truncated(compressedBytes: bytes.count - 100)) { try EFFArchive(path: truncated) }

        bytes[bytes.count - 6] ^= 0xff // the CRC-32 trailer
        let corrupt = NSTemporaryDirectory() + "decant-eff-bad-crc.tlt"
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        defer { unlink(corrupt) }
        let archive = try EFFArchive(path: corrupt)
        let error = try #require(throws: GzipError.self) { try readAll(archive) }
        guard case .corrupt(reason: "incorrect data check", _) = error else { Issue.record("\(error)"); return }
    }
}
