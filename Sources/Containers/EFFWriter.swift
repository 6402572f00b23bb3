/// Writing EFF version 3 archives: gzip around a tar of `artifacts/<name>` members, `manifest.yaml` last.
import Bytes
import Codec

/// Streams artifacts into an EFF v3 archive; each encrypted one gets a fresh random codec, and its
/// plaintext SHA-256 is computed on the way through so the manifest can be written at the end.
///
/// Encrypted members are stored (deflate level 0): ciphertext does not compress, and NVIDIA's gzip -9
/// spends over a minute finding that out on a 1.3 GB model. Clear members keep level 6.
public final class EFFWriter {
    private let gzip: GzipSink
    private let tar: TarWriter
    private let key: LoadKey
    private var artifacts: [EFFArtifact] = []

    public init(sink: ByteSink, key: LoadKey) throws {
        gzip = try GzipSink(downstream: sink, level: GzipSink.defaultLevel)
        tar = TarWriter(sink: gzip)
        self.key = key
    }

    /// The artifacts written so far, as the manifest will list them.
    public var writtenArtifacts: [EFFArtifact] { artifacts }

    /// Adds `size` bytes from `source` as artifact `name`, encrypted with a random codec when asked.
    public func addArtifact(_ name: String, size: Int, from source: ByteSource, encrypt: Bool,
                            fields: [(key: String, value: String)]) throws {
        try TarPath.checkSafe(TarPath.normalise(name))
        let member = "artifacts/" + name
        guard encrypt else {
            try tar.addFile(member, size: size, from: source)
            artifacts.append(EFFArtifact(name: name, member: member, salt: nil, sha256: nil, fields: fields))
            return
        }
        let codec = CodecSalt.allNames[Int(try secureRandomBytes(1)[0]) % CodecSalt.allNames.count]
        let salt = try CodecSalt.named(codec)
        let hashing = try HashingSource(source)
        try gzip.setLevel(GzipSink.storedLevel)
        try tar.addFile(member, size: size + 16, from: BlobEncryptingSource(key: DerivedKey(key: key, salt: salt), upstream: hashing))
        try gzip.setLevel(GzipSink.defaultLevel)
        artifacts.append(EFFArtifact(name: name, member: member, salt: salt, sha256: hexString(try hashing.hasher.finalize()), fields: fields))
    }

    /// Writes `manifest.yaml` with `metadata` (format_version 3 is added), ends the tar and the gzip stream.
    /// `extraFields` adds manifest fields learnt only after an artifact was written (e.g. `conf_path`).
    public func finish(metadata: [(key: String, value: String)], extraFields: [String: [(key: String, value: String)]] = [:]) throws {
        let listed = artifacts.map { artifact in
            EFFArtifact(name: artifact.name, member: artifact.member, salt: artifact.salt, sha256: artifact.sha256,
                        fields: artifact.fields + (extraFields[artifact.name] ?? []))
        }
        let manifest = EFFManifest(formatVersion: 3, artifacts: listed,
                                   metadata: (metadata.filter { $0.key != "format_version" } + [("format_version", "3")])
                                       .sorted { $0.key < $1.key })
        let text = Array(try manifest.yamlVersion3().utf8)
        try tar.addFile("manifest.yaml", contents: ByteView(copying: text))
        try tar.finish()
        try gzip.finish()
    }
}
