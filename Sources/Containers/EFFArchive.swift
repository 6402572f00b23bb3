/// Reading EFF archives (`.tlt`, `.riva`) with bounded memory: index first, then stream the artifacts.
import Bytes
import Codec

/// An artifact of an opened archive: what the manifest says plus what the tar holds.
public struct EFFEntry: Sendable, Equatable {
    public let artifact: EFFArtifact
    /// Bytes of the tar member (the blob, for encrypted artifacts).
    public let storedSize: Int
    /// Bytes of the file itself: `storedSize - 16` when encrypted.
    public let plaintextSize: Int
}

/// An EFF archive on disk, gzip-compressed (what NVIDIA writes) or plain tar.
///
/// `manifest.yaml` comes last and the weights member can be 1.3 GB, so `open` indexes the archive in a
/// first pass that keeps only member names and sizes (a plain tar is memory-mapped and indexed for free;
/// a gzip one is inflated once, skipping the data and its CRC), and `readArtifacts` streams every artifact
/// in a second pass, inflating and decrypting on a worker thread a few chunks ahead of the consumer, which
/// checks the SHA-256s (`ArtifactPipeline`). Memory stays at a few MiB of buffers
/// whatever the archive size; formats/eff.md explains why this beats spooling or guessing the salt.
public final class EFFArchive {
    public enum Compression: String, Sendable { case gzip, none }

    public let path: String
    public let compression: Compression
    public let manifest: EFFManifest
    /// Artifacts in archive order.
    public let entries: [EFFEntry]
    private let mapped: TarIndex?
    /// Bounds each pass over a gzip archive (the index and every `readArtifacts`).
    public let inflation: InflationLimit

    /// Indexes the archive at `path`; throws `EFFError.missingManifest` for a tar that is not EFF.
    public init(path: String, inflation: InflationLimit = InflationLimit()) throws {
        self.path = path
        self.inflation = inflation
        let file = try MappedFile(path: path)
        let members: [TarEntry]
        let manifestBytes: [UInt8]?
        if file.view.matches([0x1f, 0x8b]) {
            compression = .gzip
            mapped = nil
            // Only names, sizes and the manifest matter here: the CRC-32 is left to the streaming pass.
            let gunzip = try GunzipSource(upstream: FileSource(path: path), verifiesChecksum: false, limit: inflation)
            let reader = TarStreamReader(source: gunzip)
            var listed: [TarEntry] = []
            var manifest: [UInt8]?
            while let entry = try reader.next() {
                listed.append(entry)
                if entry.path == "manifest.yaml" { manifest = try reader.data.readAll(limit: EFFManifest.sizeLimit) }
            }
            // The tar ends before the gzip trailer; reading on finds a deflate stream cut short.
            try gunzip.pump(into: DiscardingSink())
            members = listed
            manifestBytes = manifest
        } else {
            compression = .none
            let index = try TarIndex(view: file.view)
            mapped = index
            members = index.entries
            manifestBytes = try index.entry("manifest.yaml").map { entry in
                guard entry.size <= EFFManifest.sizeLimit else { throw LimitError(what: "manifest.yaml", limit: EFFManifest.sizeLimit) }
                return index.data(of: entry).array
            }
        }
        guard let manifestBytes else { throw EFFError.missingManifest }
        manifest = try EFFManifest(yaml: String(decoding: manifestBytes, as: UTF8.self))
        entries = try Self.match(manifest: manifest, members: members)
    }

    /// Pairs manifest artifacts with tar members; every file member must be described, and vice versa.
    private static func match(manifest: EFFManifest, members: [TarEntry]) throws -> [EFFEntry] {
        var byMember: [String: EFFArtifact] = [:]
        for artifact in manifest.artifacts { byMember[TarPath.normalise(artifact.member)] = artifact }
        var entries: [EFFEntry] = []
        for member in members where member.isFile && member.path != "manifest.yaml" {
            guard let artifact = byMember.removeValue(forKey: member.path) else {
                try TarPath.checkSafe(member.path)
                throw EFFError.unlistedMember(path: member.path)
            }
            if artifact.isEncrypted, member.size < 16 { throw CodecError.blobTooShort(length: member.size) }
            entries.append(EFFEntry(artifact: artifact, storedSize: member.size,
                                    plaintextSize: artifact.isEncrypted ? member.size - 16 : member.size))
        }
        if let missing = manifest.artifacts.first(where: { byMember[TarPath.normalise($0.member)] != nil }) {
            throw EFFError.missingMember(artifact: missing.name, member: missing.member)
        }
        return entries
    }

    /// Streams each artifact's plaintext to `body`, in archive order.
    ///
    /// Encrypted artifacts are decrypted with `key` (required if any is encrypted). After `body` returns,
    /// whatever it left unread is drained and the plaintext's SHA-256 compared with the manifest; a
    /// mismatch throws `EFFError.wrongLoadKey` — after `body` has seen the bytes, so writers must
    /// treat their output as provisional until this returns (AtomicOutputFile does). Weights without a
    /// checksum (EFF v1/v2) must start with a torch checkpoint's magic or at least not be noise; otherwise
    /// `wrongLoadKey` is thrown before `body` sees any of them.
    ///
    /// Reading, inflating and decrypting run on a worker thread, a few MiB ahead of `body`, which runs on the
    /// calling thread (as does the hashing); errors from the worker surface from `body`'s reads or from here.
    public func readArtifacts(key: LoadKey?, _ body: (EFFEntry, ByteSource) throws -> Void) throws {
        let pipeline = ArtifactPipeline()
        pipeline.start { [self] in try produceArtifacts(key: key, into: pipeline) }
        defer { pipeline.stop() }
        // Damaged ciphertext looks like a wrong key too; the gzip CRC-32 at the end tells the two apart, so the
        // rest of the archive is read before a wrong key is reported.
        func refuseAfterDraining(_ error: EFFError) throws -> Never {
            while try pipeline.nextArtifact(hashing: { _ in false }) != nil { _ = try pipeline.finishArtifact() }
            throw error
        }
        while let entry = try pipeline.nextArtifact(hashing: { $0.artifact.sha256 != nil }) {
            if entry.artifact.plaintextCheck == .leadingBytes, entry.plaintextSize > 0 {
                let prefix = try pipeline.peek(upTo: max(PlaintextMagic.prefixLength, PlaintextMagic.noiseSampleLength))
                if PlaintextMagic.torchCheckpoint(prefix) == nil,
                   PlaintextMagic.isNoise(Array(prefix.prefix(PlaintextMagic.noiseSampleLength))) {
                    _ = try pipeline.finishArtifact()
                    try refuseAfterDraining(.wrongLoadKey(artifact: entry.artifact.name,
                                                          evidence: .noise(firstBytes: PlaintextMagic.describe(prefix))))
                }
            }
            try body(entry, pipeline.source)
            let digest = try pipeline.finishArtifact()
            if let expected = entry.artifact.sha256, let digest, hexString(digest) != expected {
                try refuseAfterDraining(.wrongLoadKey(artifact: entry.artifact.name))
            }
        }
    }

    /// The worker half of `readArtifacts`: every artifact's plaintext, in archive order, into `pipeline`.
    private func produceArtifacts(key: LoadKey?, into pipeline: ArtifactPipeline) throws {
        var keys: [String: DerivedKey] = [:]
        func derivedKey(_ salt: CodecSalt, for artifact: String) throws -> DerivedKey {
            guard let key else { throw EFFError.keyRequired(artifact: artifact) }
            if let cached = keys[salt.label] { return cached }
            let derived = try DerivedKey(key: key, salt: salt)
            keys[salt.label] = derived
            return derived
        }
        func send(_ entry: EFFEntry, _ stored: ByteSource) throws {
            let plaintext: ByteSource = try entry.artifact.salt.map {
                BlobDecryptingSource(key: try derivedKey($0, for: entry.artifact.name), upstream: stored)
            } ?? stored
            try pipeline.send(entry, plaintext)
        }
        let byMember = Dictionary(entries.map { (TarPath.normalise($0.artifact.member), $0) }, uniquingKeysWith: { a, _ in a })
        if let mapped {
            for member in mapped.entries {
                guard let entry = byMember[member.path] else { continue }
                try send(entry, ViewSource(mapped.data(of: member)))
            }
        } else {
            let gunzip = try GunzipSource(upstream: FileSource(path: path), limit: inflation)
            let reader = TarStreamReader(source: gunzip)
            while let member = try reader.next() {
                guard let entry = byMember[member.path] else { continue }
                try send(entry, reader.data)
            }
            // The tar ends before the gzip trailer; reading on checks the CRC-32 of everything above.
            try gunzip.pump(into: DiscardingSink())
        }
    }
}
