/// Encrypting `.nemo` archives into EFF v3 and back: byte-identical members, TAO's manifest, random codecs.
import Bytes
import Codec
import Containers
import Foundation
import Testing

@Suite("EFF writer and NeMo round trip")
struct EFFWriterTests {
    @Test(".nemo → encrypt → decrypt gives byte-identical members", arguments: [Fixtures.nemoGzip, Fixtures.nemoPlain])
    func roundTrip(fixture: String) throws {
        let key = try LoadKey("tlt_encode")
        let tlt = NSTemporaryDirectory() + "decant-rt-\(UInt32.random(in: 0...UInt32.max)).tlt"
        defer { unlink(tlt) }
        let out = try AtomicOutputFile(destination: tlt)
        _ = try TAOConversion.encryptNemo(path: Fixtures.path(fixture), key: key, to: out)
        try out.commit()

        let archive = try EFFArchive(path: tlt)
        #expect(archive.manifest.formatVersion == 3)
        #expect(archive.entries.filter(\.artifact.isEncrypted).map(\.artifact.name) == ["model_weights.ckpt"])
        let config = try #require(archive.entries.first { $0.artifact.name.hasSuffix("_tokenizer.vocab_file") })
        #expect(config.artifact.fields.contains { $0 == ("conf_path", "tokenizer.vocab_file") })
        #expect(archive.manifest.metadata.contains { $0 == ("origin", "NeMo") })
        #expect(archive.manifest.metadata.contains { $0.key == "obj_cls" && $0.value.contains("QAModel") })

        let nemo = CollectingSink()
        let report = try TAOConversion.decrypt(path: tlt, key: key, to: nemo)
        #expect(report.members.filter { $0.codec != nil }.map(\.check) == ["sha256 verified"])
        let original = try streamMembers(Fixtures.path(fixture).hasSuffix("v0layout.nemo")
            ? GunzipSource(upstream: FileSource(path: Fixtures.path(fixture))) : FileSource(path: Fixtures.path(fixture)))
        let decrypted = try streamMembers(ViewSource(ByteView(copying: nemo.bytes)))
        #expect(decrypted.map(\.entry.storedName) == original.map(\.entry.storedName))
        #expect(decrypted.map(\.data) == original.map(\.data))
    }

    @Test("each encrypted artifact gets a fresh codec and nonce")
    func freshCodecs() throws {
        let key = try LoadKey("tlt_encode")
        var codecs = Set<String>()
        var blobs = Set<[UInt8]>()
        for _ in 0..<6 {
            let sink = CollectingSink()
            let writer = try EFFWriter(sink: sink, key: key)
            try writer.addArtifact("w.bin", size: 100, from: ViewSource(ByteView(copying: noise(100))), encrypt: true, fields: [])
            try writer.finish(metadata: [])
            codecs.insert(writer.writtenArtifacts[0].salt!.label)
            blobs.insert(sink.bytes)
        }
        #expect(codecs.count > 1)
        #expect(blobs.count == 6)
    }

    @Test("raw blobs: encrypt, identify by magic, decrypt; a wrong key is caught by the magic check")
    func rawBlob() throws {
        let key = try LoadKey("tlt_encode")
        let source = Fixtures.path("torch/zip_fp32_state_dict.pt")
        let blobPath = NSTemporaryDirectory() + "decant-raw-\(UInt32.random(in: 0...UInt32.max)).tlt"
        defer { unlink(blobPath) }
        let out = try AtomicOutputFile(destination: blobPath)
        _ = try TAOConversion.encryptRaw(path: source, key: key, to: out)
        try out.commit()
        let plain = CollectingSink()
        let report = try TAOConversion.decrypt(path: blobPath, key: key, to: plain)
        #expect(report.container == "raw blob")
        #expect(report.members[0].check == "zip (torch checkpoint)")
        #expect(plain.bytes == (try Fixtures.bytes("torch/zip_fp32_state_dict.pt")))
        #expect(throws: TAOFileError.self) { try TAOConversion.decrypt(path: blobPath, key: LoadKey("tao-encode"), to: DiscardingSink()) }
    }

    @Test(".etlt framing is recognised and its blob decrypted")
    func etlt() throws {
        let key = try DerivedKey(key: LoadKey("tlt_encode"), salt: .default)
        let payload = noise(1000)
        let blob = CollectingSink()
        let sink = try BlobEncryptingSink(key: key, downstream: blob)
        try sink.write(payload)
        let name = Array("input_1".utf8)
        let file = withUnsafeBytes(of: UInt32(name.count).littleEndian) { Array($0) } + name + blob.bytes
        #expect(TAOFileKind.identify(ByteView(copying: file)) == .etlt(inputName: "input_1", blobOffset: 11))
        let path = NSTemporaryDirectory() + "decant-\(UInt32.random(in: 0...UInt32.max)).etlt"
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let plain = CollectingSink()
        let report = try TAOConversion.decrypt(path: path, key: LoadKey("tlt_encode"), to: plain)
        #expect(plain.bytes == payload)
        #expect(report.container == "etlt (input 'input_1')")
    }

    @Test("a raw blob shorter than a nonce")
    func shortRawBlob() throws {
        let path = NSTemporaryDirectory() + "decant-short-\(UInt32.random(in: 0...UInt32.max)).tlt"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(throws: CodecError.blobTooShort(length: 3)) { try TAOConversion.decrypt(path: path, key: LoadKey("tlt_encode"), to: DiscardingSink()) }
    }
}
