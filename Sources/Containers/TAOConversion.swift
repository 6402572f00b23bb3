/// The decrypt / encrypt jobs behind `decant decrypt` and `decant encrypt`: TAO file ⇄ plain NeMo archive.
import Bytes
import Codec
import Yams

/// What a TAO file turned out to be, member by member, for printing.
public struct TAOReport: Sendable {
    public struct Member: Sendable {
        public let name: String
        public let size: Int
        /// Codec label ("default" or a codec name) when encrypted.
        public let codec: String?
        /// For encrypted members: "sha256 verified", "not verified (no key)", "no checksum; leading bytes
        /// checked" (EFF v1/v2 weights), "no checksum" (other EFF v1/v2 artifacts, `.etlt`), or the plaintext
        /// format a raw blob's magic showed. Empty for clear members.
        public let check: String
    }
    /// e.g. "EFF v3 (gzip tar)", "raw blob", "etlt (input 'input_1')", "NeMo archive (plain tar)".
    public let container: String
    public let members: [Member]
    public let metadata: [(key: String, value: String)]
}

public enum TAOConversion {
    /// Describes `path` without writing anything; with a key, decrypts in memory-bounded passes and
    /// verifies every SHA-256 (EFF) or plaintext magic (raw blobs).
    public static func inspect(path: String, key: LoadKey?) throws -> TAOReport {
        try run(path: path, key: key, output: nil)
    }

    /// Decrypts `path` into `sink`: EFF → NeMo tar (`./` then `./<artifact>`), raw blob / `.etlt` → the plaintext.
    /// `gzip` compresses the NeMo tar for NeMo ≤ 1.6 readers (clear small members at level 6, big ones stored).
    public static func decrypt(path: String, key: LoadKey, to sink: ByteSink, gzip: Bool = false) throws -> TAOReport {
        try run(path: path, key: key, output: (sink, gzip))
    }

    private static func run(path: String, key: LoadKey?, output: (sink: ByteSink, gzip: Bool)?) throws -> TAOReport {
        let file = try MappedFile(path: path)
        guard file.count > 0 else { throw IOError.emptyFile(path: path) }
        switch TAOFileKind.identify(file.view) {
        case .gzipTar, .tar:
            let archive: EFFArchive
            do { archive = try EFFArchive(path: path) } catch EFFError.missingManifest where output == nil {
                return try plainNemoReport(path: path)
            }
            return try decryptArchive(archive, key: key, output: output)
        case let .etlt(inputName, blobOffset):
            return try decryptBlob(file: file, offset: blobOffset, container: "etlt (input '\(inputName)')", checkMagic: false, key: key, sink: output?.sink)
        case .rawBlob:
            return try decryptBlob(file: file, offset: 0, container: "raw blob", checkMagic: true, key: key, sink: output?.sink)
        }
    }

    private static func decryptArchive(_ archive: EFFArchive, key: LoadKey?, output: (sink: ByteSink, gzip: Bool)?) throws -> TAOReport {
        let container = "EFF v\(archive.manifest.formatVersion) (\(archive.compression == .gzip ? "gzip tar" : "plain tar"))"
        var checks: [String: String] = [:]
        if let key {
            let gzip = try output.flatMap { $0.gzip ? try GzipSink(downstream: $0.sink) : nil }
            let tar = output.map { TarWriter(sink: gzip ?? $0.sink) }
            try tar?.addDirectory(".")
            try archive.readArtifacts(key: key) { entry, source in
                if let tar {
                    try gzip?.setLevel(entry.plaintextSize >= 1 << 20 ? GzipSink.storedLevel : GzipSink.defaultLevel)
                    try tar.addFile("./" + entry.artifact.name, size: entry.plaintextSize, from: source)
                }
            }
            try tar?.finish()
            try gzip?.finish()
            for entry in archive.entries where entry.artifact.isEncrypted {
                switch entry.artifact.plaintextCheck {
                case .sha256: checks[entry.artifact.name] = "sha256 verified"
                case .leadingBytes: checks[entry.artifact.name] = "no checksum; leading bytes checked"
                case .none: checks[entry.artifact.name] = "no checksum"
                }
            }
        }
        let members = archive.entries.map { entry in
            TAOReport.Member(name: entry.artifact.name, size: entry.plaintextSize, codec: entry.artifact.salt?.label,
                             check: entry.artifact.isEncrypted ? checks[entry.artifact.name] ?? "not verified (no key)" : "")
        }
        return TAOReport(container: container, members: members, metadata: archive.manifest.metadata)
    }

    private static func decryptBlob(file: MappedFile, offset: Int, container: String, checkMagic: Bool,
                                    key: LoadKey?, sink: ByteSink?) throws -> TAOReport {
        let view = try file.view.slice(offset: offset, length: file.count - offset, context: "blob")
        guard view.count >= 16 else { throw CodecError.blobTooShort(length: view.count) }
        var check = "not verified (no key)"
        if let key {
            let blob = try EncryptedBlob(view, key: DerivedKey(key: key, salt: .default))
            check = checkMagic ? try PlaintextMagic.check(blob) : "no checksum"
            if let sink {
                let decrypting = BlobDecryptingSink(key: blob.key, downstream: sink)
                try stream(file, from: offset, into: decrypting)
                try decrypting.finish()
            }
        }
        return TAOReport(container: container, members: [.init(name: "payload", size: view.count - 16, codec: "default", check: check)], metadata: [])
    }

    private static func plainNemoReport(path: String) throws -> TAOReport {
        let members = try nemoMembers(path: path) { _, _ in }
        return TAOReport(container: "NeMo archive, nothing encrypted",
                         members: members.map { .init(name: $0.path, size: $0.size, codec: nil, check: "") }, metadata: [])
    }

    /// Visits the file members of a `.nemo` (tar or tar.gz) in order, refusing unsafe names.
    @discardableResult
    static func nemoMembers(path: String, _ body: (TarEntry, ByteSource) throws -> Void) throws -> [TarEntry] {
        let file = try MappedFile(path: path)
        var visited: [TarEntry] = []
        func visit(_ entry: TarEntry, _ data: @autoclosure () -> ByteSource) throws {
            guard entry.isFile else { return }
            try TarPath.checkSafe(entry.path)
            visited.append(entry)
            try body(entry, data())
        }
        if file.view.matches([0x1f, 0x8b]) {
            let gunzip = try GunzipSource(upstream: FileSource(path: path))
            let reader = TarStreamReader(source: gunzip)
            while let entry = try reader.next() { try visit(entry, reader.data) }
            // The tar ends before the gzip trailer; reading on checks the CRC-32.
            try gunzip.pump(into: DiscardingSink())
        } else {
            let index = try TarIndex(view: file.view)
            for entry in index.entries { try visit(entry, ViewSource(index.data(of: entry))) }
        }
        return visited
    }

    /// Encrypts a `.nemo` into an EFF v3 archive the way TAO does: only `model_weights.ckpt` is encrypted;
    /// the config and the tokenizer/encoder artifacts stay in clear, with TAO's manifest fields.
    /// Anything else (an EFF `.tlt`, a tar without weights, a blob) is refused, since its EFF would encrypt nothing.
    public static func encryptNemo(path: String, key: LoadKey, to sink: ByteSink) throws -> TAOReport {
        switch TAOFileKind.identify(try MappedFile(path: path).view) {
        case .gzipTar, .tar: break
        case let .etlt(inputName, _):
            throw EFFError.notANemoToEncrypt(path: path, found: "an encrypted .etlt (input '\(inputName)')")
        case .rawBlob:
            throw EFFError.notANemoToEncrypt(path: path, found: "no tar or gzip magic (an encrypted blob, or not an archive)")
        }
        let writer = try EFFWriter(sink: sink, key: key)
        var config: [UInt8]?
        let members = try nemoMembers(path: path) { entry, source in
            if entry.path == "manifest.yaml" {
                throw EFFError.notANemoToEncrypt(path: path, found: "an EFF archive (it has manifest.yaml), which is encrypted already")
            }
            var fields: [(key: String, value: String)] = [("artifact_type", "File"), ("content_callback", "PickleContentCallback")]
            switch entry.path {
            case "model_config.yaml":
                let text = try source.readAll(limit: EFFManifest.sizeLimit)
                config = text
                try writer.addArtifact(entry.path, size: text.count, from: ViewSource(ByteView(copying: text)), encrypt: false,
                                       fields: fields + [("description", "File containing model configuration")])
                return
            case EFFArtifact.weightsName:
                fields.append(("description", "File containing model weights"))
            default:
                fields += [("description", ""), ("nemo_artifact", "true"), ("path_type", "TAR_PATH")]
            }
            try writer.addArtifact(entry.path, size: entry.size, from: source, encrypt: entry.path == EFFArtifact.weightsName, fields: fields)
        }
        let configNode = try config.flatMap { bytes -> Node? in
            let text = String(decoding: bytes, as: UTF8.self)
            if let refusal = YAMLPreflight.refusal(text) { throw EFFError.badNemoConfig(reason: refusal) }
            do { return try Yams.compose(yaml: text) } catch {
                throw EFFError.badNemoConfig(reason: "the parser says: \(String(describing: error).split(separator: "\n").first ?? "")")
            }
        }
        guard members.contains(where: { $0.path == "model_weights.ckpt" }) else {
            let names = members.map(\.path)
            let shown = names.isEmpty ? "no files" : "only " + names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", …" : "")
            throw EFFError.notANemoToEncrypt(path: path, found: "a tar archive without model_weights.ckpt (\(shown))")
        }
        var extra: [String: [(key: String, value: String)]] = [:]
        for member in members where member.path != "model_config.yaml" && member.path != EFFArtifact.weightsName {
            if let confPath = configNode.flatMap({ keyPath(in: $0, referencing: member.path) }) { extra[member.path] = [("conf_path", confPath)] }
        }
        try writer.finish(metadata: [
            ("encryption", "true"), ("has_nemo_config", config == nil ? "false" : "true"),
            ("has_pytorch_checkpoint", members.contains { $0.path == EFFArtifact.weightsName } ? "true" : "false"),
            ("nemo_archive_version", "2"), ("obj_cls", configNode?.mapping?["target"]?.string ?? "nemo.core.ModelPT"),
            ("origin", "NeMo"), ("runtime", "PyTorch"),
        ], extraFields: extra)
        let sizes = Dictionary(members.map { ($0.path, $0.size) }, uniquingKeysWith: { a, _ in a })
        return TAOReport(container: "EFF v3 (gzip tar)", members: writer.writtenArtifacts.map { artifact in
            .init(name: artifact.name, size: sizes[artifact.name] ?? 0, codec: artifact.salt?.label,
                  check: artifact.sha256.map { "sha256 " + $0 } ?? "")
        }, metadata: [])
    }

    /// The dotted config key whose value is `nemo:<artifact>` (NeMo's artifact reference), if any.
    private static func keyPath(in node: Node, referencing artifact: String, prefix: String = "") -> String? {
        if let mapping = node.mapping {
            for (key, value) in mapping {
                guard let key = key.string else { continue }
                if let found = keyPath(in: value, referencing: artifact, prefix: prefix.isEmpty ? key : prefix + "." + key) { return found }
            }
        } else if let text = node.string, text == "nemo:" + artifact {
            return prefix
        }
        return nil
    }

    /// Encrypts any file as one raw blob with the default salt (TF1 `.tlt`, `.ckzip` style).
    public static func encryptRaw(path: String, key: LoadKey, to sink: ByteSink) throws -> TAOReport {
        let file = try MappedFile(path: path)
        let encrypting = try BlobEncryptingSink(key: DerivedKey(key: key, salt: .default), downstream: sink)
        try stream(file, from: 0, into: encrypting)
        return TAOReport(container: "raw blob", members: [.init(name: "payload", size: file.count, codec: "default", check: "")], metadata: [])
    }

    /// Writes a mapped file from `offset` on in 8 MiB slices, dropping each from the resident set once written
    /// (the slice and the cipher's output buffer are what stays resident, far under the 100 MB budget).
    private static func stream(_ file: MappedFile, from offset: Int, into sink: ByteSink) throws {
        file.adviseSequential()
        let step = 8 << 20
        var position = offset
        while position < file.count {
            let length = min(step, file.count - position)
            try sink.write(try file.view.slice(offset: position, length: length))
            file.release(offset: position, length: length)
            position += length
        }
    }
}
