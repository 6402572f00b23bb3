/// `decant decrypt` / `decant encrypt` end to end: round trips, listing, and the failure contract on bad input.
import Bytes
import Containers
import Foundation
import Testing

@Suite("decant decrypt / encrypt")
struct DecryptCLITests {
    @Test("encrypt then decrypt a .nemo: byte-identical members, NeMo's ./ layout",
          arguments: ["qa_megatron_tiny_nemo1.0style_v0layout.nemo", "qa_megatron_tiny_nemo1.10style_v2layout.nemo"])
    func roundTrip(nemo: String) throws {
        let folder = try ScratchFolder()
        let source = fixtures.appendingPathComponent("nemo/" + nemo).path
        let encrypted = try decant("encrypt", source, "--key", "tlt_encode", "-o", folder.file("m.tlt"))
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        let decrypted = try decant("decrypt", folder.file("m.tlt"), "--key", "tlt_encode", "-o", folder.file("m.nemo"))
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(decrypted.stdout.contains("container: EFF v3 (gzip tar)"))
        #expect(decrypted.stdout.contains("sha256 verified"))
        #expect(folder.contents == ["m.nemo", "m.tlt"])

        func members(_ path: String) throws -> [String: [UInt8]] {
            let file = try MappedFile(path: path)
            let raw: ByteView = file.view.matches([0x1f, 0x8b])
                ? ByteView(copying: try GunzipSource(upstream: FileSource(path: path)).readAll()) : file.view
            let index = try TarIndex(view: raw)
            return Dictionary(uniqueKeysWithValues: index.entries.filter(\.isFile).map { ($0.storedName, index.data(of: $0).array) })
        }
        let original = try members(source), roundTripped = try members(folder.file("m.nemo"))
        #expect(roundTripped == original)
        let index = try TarIndex(view: MappedFile(path: folder.file("m.nemo")).view)
        #expect(index.entries.first?.storedName == "./")
    }

    @Test("weights larger than the reader's buffers: byte-identical; damaged ciphertext is gzip damage; a wrong key leaves nothing")
    func largeWeights() throws {
        let folder = try ScratchFolder()
        var generator = SystemRandomNumberGenerator()
        let weights = (0..<(9 << 20 | 5)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let config = Array("target: tests.Model\n".utf8)
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        try writer.addDirectory(".")
        try writer.addFile("./model_config.yaml", contents: ByteView(copying: config))
        try writer.addFile("./model_weights.ckpt", contents: ByteView(copying: weights))
        try writer.finish()
        try Data(collected.bytes).write(to: URL(fileURLWithPath: folder.file("in.nemo")))
        #expect(try decant("encrypt", folder.file("in.nemo"), "--key", "tlt_encode", "-o", folder.file("m.tlt")).status == 0)

        let decrypted = try decant("decrypt", folder.file("m.tlt"), "--key", "tlt_encode", "-o", folder.file("out.nemo"))
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("out.nemo"))) == Data(collected.bytes))
        try FileManager.default.removeItem(atPath: folder.file("out.nemo"))

        let wrongKey = try decant("decrypt", folder.file("m.tlt"), "--key", "tao-encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(wrongKey, mentioning: "wrong load key: SHA-256 of decrypted model_weights.ckpt does not match the manifest",
                           folder: folder, inputs: ["in.nemo", "m.tlt"])

        // Mid-file lies in the stored deflate blocks of the ciphertext; only the gzip CRC-32 can tell this from a wrong key.
        var damaged = try Data(contentsOf: URL(fileURLWithPath: folder.file("m.tlt")))
        damaged[damaged.count / 2] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: folder.file("m.tlt")))
        let run = try decant("decrypt", folder.file("m.tlt"), "--key", "tlt_encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: "corrupt gzip stream", folder: folder, inputs: ["in.nemo", "m.tlt"])
        #expect(run.stderr.contains("incorrect data check"))
    }

    @Test("--list describes without writing; with a key it verifies")
    func list() throws {
        let tlt = fixtures.appendingPathComponent("eff/eff3_nvidia-eff-0.6.7_tlt_encode.tlt").path
        let plain = try decant("decrypt", "--list", tlt)
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("model_weights.ckpt"))
        #expect(plain.stdout.contains("encrypted (codec xvbrfdujhw)  not verified (no key)"))
        let verified = try decant("decrypt", "--list", tlt, "--key", "tlt_encode")
        #expect(verified.stdout.contains("encrypted (codec vzcipsmwcv)  sha256 verified"))
    }

    @Test("a wrong key: one error line, exit 1, no output, no temporary file")
    func wrongKey() throws {
        let folder = try ScratchFolder()
        let tlt = fixtures.appendingPathComponent("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt").path
        let run = try decant("decrypt", tlt, "--key", "tao-encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: "wrong load key: SHA-256 of decrypted model_weights.ckpt does not match the manifest",
                           folder: folder, inputs: [])
        let listed = try decant("decrypt", "--list", tlt, "--key", "tao-encode")
        #expect(listed.status == 1 && listed.stderr.contains("wrong load key"))
    }

    @Test("EFF v1/v2 (no checksums): a wrong key is refused by the weights' leading bytes, the right one still decrypts",
          arguments: ["eff1_crafted_tlt_encode.tlt", "eff2_crafted_tlt_encode.tlt"])
    func legacyWrongKey(file: String) throws {
        let folder = try ScratchFolder()
        let tlt = fixtures.appendingPathComponent("eff/" + file).path
        let run = try decant("decrypt", tlt, "--key", "tao-encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: "wrong load key: decrypted model_weights.ckpt starts with", folder: folder, inputs: [])
        #expect(run.stderr.contains("random noise"))
        let listed = try decant("decrypt", "--list", tlt, "--key", "tao-encode")
        #expect(listed.status == 1 && listed.stderr.hasPrefix("error: wrong load key") && listed.stdout.isEmpty)

        let right = try decant("decrypt", tlt, "--key", "tlt_encode", "-o", folder.file("out.nemo"))
        #expect(right.status == 0, "\(right.stderr)")
        #expect(folder.contents == ["out.nemo"])
        let index = try TarIndex(view: MappedFile(path: folder.file("out.nemo")).view)
        let weights = try #require(index.entry("model_weights.ckpt"))
        // The fixtures' stand-in weights are the bytes 0, 1, … 255, 0, … (formats/eff.md).
        #expect(index.data(of: weights).array == (0..<5120).map { UInt8($0 % 256) })
        let verified = try decant("decrypt", "--list", tlt, "--key", "tlt_encode")
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("no checksum; leading bytes checked"))
    }

    @Test("damaged inputs fail cleanly", arguments: [
        ("truncated gzip", "truncated gzip stream"),
        ("corrupt gzip", "corrupt gzip stream"),
        ("short blob", "encrypted blob too short"),
        ("unknown codec", "unknown codec name 'notacodecx'"),
        ("bad tar checksum", "corrupt tar header"),
        ("truncated tar", "truncated tar archive"),
    ])
    func damaged(kind: String, message: String) throws {
        let folder = try ScratchFolder()
        var bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt")))
        switch kind {
        case "truncated gzip": bytes.removeLast(bytes.count / 3)
        case "corrupt gzip": bytes[bytes.count - 6] ^= 0xff
        case "short blob": bytes = [1, 2, 3, 4, 5]
        default:
            // Work on the inner tar: inflate, damage, store as plain tar.
            var tar = try GunzipSource(upstream: ViewSource(ByteView(copying: bytes))).readAll()
            switch kind {
            case "unknown codec":
                // The codec name appears once, in manifest.yaml; same length, so the tar stays well formed.
                let name = Array("wogsoimicu".utf8)
                let at = try #require((0...(tar.count - name.count)).first { Array(tar[$0..<($0 + name.count)]) == name })
                tar.replaceSubrange(at..<(at + name.count), with: Array("notacodecx".utf8))
            case "bad tar checksum": tar[10] ^= 0x20
            default: tar = Array(tar[..<3000]) // inside the weights member
            }
            bytes = tar
        }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.file("in.tlt")))
        let run = try decant("decrypt", folder.file("in.tlt"), "--key", "tlt_encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: message, folder: folder, inputs: ["in.tlt"])
    }

    @Test("path traversal members are refused", arguments: ["../x", "/etc/x"])
    func traversal(bad: String) throws {
        let folder = try ScratchFolder()
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        try writer.addFile(bad, contents: ByteView(copying: Array("evil".utf8)))
        try writer.addFile("./model_config.yaml", contents: ByteView(copying: Array("a: 1\n".utf8)))
        try writer.finish()
        try Data(collected.bytes).write(to: URL(fileURLWithPath: folder.file("evil.nemo")))
        let run = try decant("encrypt", folder.file("evil.nemo"), "--key", "tlt_encode", "-o", folder.file("evil.tlt"))
        expectCleanFailure(run, mentioning: "unsafe member path '\(bad)'", folder: folder, inputs: ["evil.nemo"])
    }

    @Test("a manifest naming a missing member")
    func missingMember() throws {
        let folder = try ScratchFolder()
        let source = try MappedFile(path: fixtures.appendingPathComponent("eff/eff1_crafted_tlt_encode.tlt").path)
        let tar = try GunzipSource(upstream: ViewSource(source.view)).readAll()
        let index = try TarIndex(view: ByteView(copying: tar))
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        for entry in index.entries where entry.path != "encrypted_model_weights.ckpt" {
            try writer.addFile(entry.storedName, contents: index.data(of: entry))
        }
        try writer.finish()
        try Data(collected.bytes).write(to: URL(fileURLWithPath: folder.file("in.tlt")))
        let run = try decant("decrypt", folder.file("in.tlt"), "--key", "tlt_encode", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: "has no member encrypted_model_weights.ckpt", folder: folder, inputs: ["in.tlt"])
    }

    @Test("an output path that cannot be written")
    func unwritableOutput() throws {
        let folder = try ScratchFolder()
        let tlt = fixtures.appendingPathComponent("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt").path
        let run = try decant("decrypt", tlt, "--key", "tlt_encode", "-o", folder.file("missing-dir/out.nemo"))
        expectCleanFailure(run, mentioning: "cannot create", folder: folder, inputs: [])
    }

    @Test("a key containing NUL cannot reach the command line, and an empty key is refused before any work")
    func emptyKey() throws {
        let folder = try ScratchFolder()
        let tlt = fixtures.appendingPathComponent("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt").path
        let run = try decant("decrypt", tlt, "--key", "", "-o", folder.file("out.nemo"))
        expectCleanFailure(run, mentioning: "invalid load key: it is empty", folder: folder, inputs: [])
    }
}
