/// The two-thread artifact pipeline behind `EFFArchive.readArtifacts`: same bytes as a single-threaded read,
/// worker errors surfacing as the same typed errors, early exits that neither hang nor leak.
import Bytes
import Codec
@testable import Containers
import Foundation
import Synchronization
import Testing

/// Deterministic incompressible bytes (SplitMix64), so a failure reproduces.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        bytes[i] = UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
    return bytes
}

private func entry(_ name: String, size: Int) -> EFFEntry {
    EFFEntry(artifact: EFFArtifact(name: name, member: name, salt: nil, sha256: nil, fields: []), storedSize: size, plaintextSize: size)
}

/// Yields `bytes` in pieces of `step`, then throws `error` instead of ending (a stream that breaks mid-way).
private final class BreakingSource: ByteSource {
    private let bytes: [UInt8]
    private let step: Int
    private let error: (any Error)?
    private var offset = 0
    init(_ bytes: [UInt8], step: Int, then error: (any Error)? = nil) {
        self.bytes = bytes
        self.step = step
        self.error = error
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, step, bytes.count - offset)
        if n == 0, let error { throw error }
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}

@Suite("artifact pipeline")
struct ArtifactPipelineTests {
    @Test("every artifact arrives whole and in order, hashed, through reads, loans and skips",
          arguments: [(1, 1), (7, 2), (4096, 3)])
    func ordered(chunkSize: Int, chunkCount: Int) throws {
        let sizes = [0, 1, 6, 7, 8, 50, 1000, 10_000]
        let payloads = sizes.enumerated().map { pseudoRandomBytes($1, seed: UInt64($0)) }
        let pipeline = ArtifactPipeline(chunkSize: chunkSize, chunkCount: chunkCount)
        pipeline.start {
            for (i, payload) in payloads.enumerated() {
                try pipeline.send(entry("a\(i)", size: payload.count), BreakingSource(payload, step: 3 + i))
            }
        }
        defer { pipeline.stop() }
        var index = 0
        while let next = try pipeline.nextArtifact(hashing: { $0.artifact.name != "a3" }) {
            #expect(next.artifact.name == "a\(index)")
            let expected = payloads[index]
            var received: [UInt8] = []
            switch index % 3 {
            case 0: received = try pipeline.source.readAll()
            case 1:
                // Lend, then copy, then leave the rest for finishArtifact to skip.
                _ = try pipeline.lend(upTo: 5) { received += $0 }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 9, alignment: 1)
                defer { buffer.deallocate() }
                received += buffer[..<(try pipeline.read(into: buffer))]
            default: break
            }
            #expect(received == Array(expected.prefix(received.count)))
            if index % 3 == 0 { #expect(received.count == expected.count) }
            let digest = try pipeline.finishArtifact()
            #expect(digest == (index == 3 ? nil : try SHA256Hasher.digest(expected.withUnsafeBytes { $0 })))
            index += 1
        }
        #expect(index == payloads.count)
        #expect(try pipeline.nextArtifact(hashing: { _ in true }) == nil, "asking again after the end")
    }

    @Test("a worker error reaches the caller where the stream broke, as the same typed error, every time it asks")
    func workerError() throws {
        let broken = GzipError.corrupt(reason: "incorrect data check", compressedOffset: 42)
        let pipeline = ArtifactPipeline(chunkSize: 16, chunkCount: 2)
        let good = pseudoRandomBytes(100, seed: 1), cut = pseudoRandomBytes(40, seed: 2)
        pipeline.start {
            try pipeline.send(entry("good", size: good.count), BreakingSource(good, step: 7))
            try pipeline.send(entry("cut", size: 1000), BreakingSource(cut, step: 7, then: broken))
            Issue.record("the worker went on after its source failed")
        }
        defer { pipeline.stop() }
        #expect(try pipeline.nextArtifact(hashing: { _ in true })?.artifact.name == "good")
        #expect(try pipeline.source.readAll() == good)
        _ = try pipeline.finishArtifact()
        #expect(try pipeline.nextArtifact(hashing: { _ in true })?.artifact.name == "cut")
        // The bytes before the break are delivered, then the error.
        var received: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
        defer { buffer.deallocate() }
        #expect(throws: broken) {
            while true {
                let n = try pipeline.read(into: buffer)
                #expect(n > 0)
                received += buffer[..<n]
            }
        }
        #expect(received == cut)
        #expect(throws: broken) { try pipeline.finishArtifact() }
        #expect(throws: broken) { try pipeline.nextArtifact(hashing: { _ in true }) }
    }

    @Test("a caller that stops early releases a worker blocked on full buffers")
    func earlyStop() throws {
        let pipeline = ArtifactPipeline(chunkSize: 8, chunkCount: 1)
        final class Count: Sendable { let value = Mutex(0) }
        let sent = Count()
        pipeline.start {
            for i in 0..<1000 {
                try pipeline.send(entry("a\(i)", size: 64), BreakingSource(pseudoRandomBytes(64, seed: UInt64(i)), step: 64))
                sent.value.withLock { $0 += 1 }
            }
        }
        #expect(try pipeline.nextArtifact(hashing: { _ in false })?.artifact.name == "a0")
        _ = try pipeline.lend(upTo: 4) { #expect($0.count == 4) }
        pipeline.stop()
        // One 8-byte buffer: the worker cannot have got far before it was stopped.
        #expect(sent.value.withLock { $0 } < 2)
    }
}

/// An EFF archive whose encrypted weights span several pipeline chunks (4 MiB each).
private struct LargeArchive {
    static let weights = pseudoRandomBytes(9 << 20 | 3, seed: 7)
    static let config = Array("target: tests.Model\nvocab: nemo:vocab.txt\n".utf8)

    let gzipPath: String
    let plainPath: String

    init() throws {
        let stem = NSTemporaryDirectory() + "decant-eff-large-\(UInt32.random(in: 0...UInt32.max))"
        gzipPath = stem + ".tlt"
        plainPath = stem + "-plain.tlt"
        let file = try AtomicOutputFile(destination: gzipPath)
        let writer = try EFFWriter(sink: file, key: LoadKey("tlt_encode"))
        try writer.addArtifact("model_config.yaml", size: Self.config.count, from: ViewSource(ByteView(copying: Self.config)),
                               encrypt: false, fields: [])
        try writer.addArtifact("model_weights.ckpt", size: Self.weights.count, from: ViewSource(ByteView(copying: Self.weights)),
                               encrypt: true, fields: [])
        try writer.finish(metadata: [("origin", "tests")])
        try file.commit()
        // The same archive as a plain tar takes the mapped path.
        let tar = try GunzipSource(upstream: FileSource(path: gzipPath)).readAll()
        try Data(tar).write(to: URL(fileURLWithPath: plainPath))
    }

    func remove() {
        unlink(gzipPath)
        unlink(plainPath)
    }
}

@Suite("EFF reading across many chunks")
struct EFFPipelinedReadTests {
    @Test("gzip and plain-tar archives give the exact plaintext, whether the consumer reads all, part or none")
    func exactBytes() throws {
        let large = try LargeArchive()
        defer { large.remove() }
        for path in [large.gzipPath, large.plainPath] {
            let archive = try EFFArchive(path: path)
            #expect(try readAll(archive) == ["model_config.yaml": LargeArchive.config, "model_weights.ckpt": LargeArchive.weights])
            var prefixes: [String: [UInt8]] = [:]
            try archive.readArtifacts(key: LoadKey("tlt_encode")) { entry, source in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 5 << 20, alignment: 1)
                defer { buffer.deallocate() }
                prefixes[entry.artifact.name] = Array(buffer[..<(try source.read(into: buffer))])
            }
            #expect(prefixes["model_weights.ckpt"] == Array(LargeArchive.weights.prefix(prefixes["model_weights.ckpt"]?.count ?? -1)))
            try archive.readArtifacts(key: LoadKey("tlt_encode")) { _, _ in }
        }
    }

    @Test("a wrong key: the SHA-256 mismatch is reported once the worker has run ahead")
    func wrongKey() throws {
        let large = try LargeArchive()
        defer { large.remove() }
        for path in [large.gzipPath, large.plainPath] {
            #expect(throws: EFFError.wrongLoadKey(artifact: "model_weights.ckpt")) {
                try EFFArchive(path: path).readArtifacts(key: LoadKey("tao-encode")) { _, source in try source.pump(into: DiscardingSink()) }
            }
        }
    }

    @Test("an error thrown by the consumer comes back unchanged and stops the worker")
    func consumerError() throws {
        let large = try LargeArchive()
        defer { large.remove() }
        let stop = IOError.writeFailed(path: "out.nemo", reason: "No space left on device")
        var seen: [String] = []
        #expect(throws: stop) {
            try EFFArchive(path: large.gzipPath).readArtifacts(key: LoadKey("tlt_encode")) { entry, source in
                seen.append(entry.artifact.name)
                if entry.artifact.name == "model_weights.ckpt" {
                    var first = [UInt8](repeating: 0, count: 16)
                    _ = try first.withUnsafeMutableBytes { try source.read(into: $0) }
                    throw stop
                }
            }
        }
        #expect(seen == ["model_config.yaml", "model_weights.ckpt"])
    }

    @Test("damaged ciphertext in a gzip archive is reported as gzip damage (CRC-32), not as a wrong key")
    func damagedCiphertext() throws {
        let large = try LargeArchive()
        defer { large.remove() }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: large.gzipPath))
        // Mid-file is inside the stored deflate blocks of the ciphertext (5 header bytes per 64 KiB).
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: large.gzipPath))
        let archive = try EFFArchive(path: large.gzipPath)
        let error = try #require(throws: GzipError.self) { try readAll(archive) }
        guard case .corrupt(reason: "incorrect data check", _) = error else { Issue.record("\(error)"); return }
    }
}
