import Bytes
import Containers

/// Opens a NeMo archive (`.nemo`: plain tar since NeMo 1.7, tar.gz before) and resolves what Decant needs from
/// it: the weights member, `model_config.yaml`, and the vocab / encoder-config / checkpoint-version artifacts.

/// Where large members go and how large a member may be before it is not read into memory.
public struct NemoOptions: Sendable, Equatable {
    /// For spooled weights; nil means `$TMPDIR` or `/tmp`.
    public var spoolDirectory: String?
    /// Yaml, vocab and json members above this are refused rather than read into memory.
    public var memberLimit: Int

    public init(spoolDirectory: String? = nil, memberLimit: Int = 64 << 20) {
        self.spoolDirectory = spoolDirectory
        self.memberLimit = memberLimit
    }
}

/// A NeMo archive with its artifacts located and parsed; `weights` is the torch checkpoint's bytes.
public struct NemoArchive: Sendable {
    /// "tar" (zero-copy) or "tar.gz" (streamed, weights spooled).
    public let container: String
    /// Every member file, normalised (`./` removed), in archive order.
    public let members: [String]
    public let weightsMember: String
    /// `model_weights.ckpt`: a slice of the archive's own mapping for plain tar, else a mapped spool file.
    public let weights: ByteView
    public let config: NemoConfig
    public let vocabMember: String?
    /// One token per line, in id order.
    public let vocab: [String]?
    public let encoderConfigMember: String?
    public let encoderConfig: ConfigValue?
    public let checkpointVersionMember: String?
    public let checkpointVersion: Double?

    /// Opens a `.nemo` file: plain tar is mapped and indexed in place; gzip is read through `read(2)` rather than
    /// the mapping, so the compressed input does not stay resident while the weights are spooled.
    public static func open(path: String, options: NemoOptions = NemoOptions()) throws -> NemoArchive {
        let file = try MappedFile(path: path)
        guard file.view.matches([0x1f, 0x8b]) else { return try open(file.view, options: options) }
        let members = try NemoMembers(tarStream: try GunzipSource(upstream: FileSource(path: path)), options: options)
        return try NemoArchive(members: members, container: "tar.gz", options: options)
    }

    /// Opens a `.nemo` held in `bytes` (a mapped file, a decrypted payload): plain tar is indexed in place, gzip is
    /// streamed once.
    public static func open(_ bytes: ByteView, options: NemoOptions = NemoOptions()) throws -> NemoArchive {
        if bytes.matches([0x1f, 0x8b]) {
            let members = try NemoMembers(tarStream: try GunzipSource(upstream: ViewSource(bytes)), options: options)
            return try NemoArchive(members: members, container: "tar.gz", options: options)
        }
        return try NemoArchive(members: try NemoMembers(tar: bytes), container: "tar", options: options)
    }

    /// Builds the archive from already-collected members; `references` maps config keys to member names for
    /// archives that record them outside the yaml (an EFF manifest's `conf_path`).
    init(members: NemoMembers, container: String, options: NemoOptions,
         references: [String: String] = [:]) throws {
        self.container = container
        self.members = members.paths

        let ranks = Set(members.paths.filter(NemoMembers.isWeights).compactMap(Self.modelParallelRank))
        guard ranks.count <= 1 else { throw NemoError.modelParallel(ranks: ranks.count) }
        guard let weightsMember = try members.member(named: NemoMembers.weightsName) else {
            throw NemoError.missingMember(NemoMembers.weightsName)
        }
        self.weightsMember = weightsMember
        weights = try members.bytes(of: weightsMember, limit: options.memberLimit)

        func text(_ path: String) throws -> String {
            let bytes = try members.bytes(of: path, limit: options.memberLimit)
            guard bytes.count <= options.memberLimit else {
                throw NemoError.memberTooLarge(member: path, size: bytes.count, limit: options.memberLimit)
            }
            guard let text = String(validating: bytes.buffer, as: UTF8.self) else { throw NemoError.notUTF8(member: path) }
            return text
        }

        guard let configMember = try members.member(named: "model_config.yaml") else {
            throw NemoError.missingMember("model_config.yaml")
        }
        let root = try ConfigValue.parse(try text(configMember), member: configMember)
        guard case .map = root else { throw NemoError.badConfig(member: configMember, reason: "found no top-level mapping") }
        let config = NemoConfig(root: root)
        self.config = config

        func artifact(_ key: String, suffixes: [String]) throws(NemoError) -> String? {
            let reference = config.reference(key) ?? references[key]
            if let reference {
                // `nemo:<member>` (NeMo ≥ 1.0), a bare member name, or an absolute path from the training machine.
                let name = reference.hasPrefix("nemo:") ? String(reference.dropFirst(5)) : basename(reference)
                if let path = try members.member(named: name) { return path }
            }
            if let path = try members.member(endingWith: suffixes) { return path }
            if let reference { throw .missingArtifact(key: key, reference: reference) }
            return nil
        }

        let vocabMember = try artifact(NemoConfig.vocabKey, suffixes: ["tokenizer.vocab_file", "vocab.txt"])
        self.vocabMember = vocabMember
        vocab = try vocabMember.map { path in
            // "\r\n" is one Character in Swift, so both line endings are named.
            var lines = try text(path).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
                .map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
        let encoderConfigMember = try artifact(NemoConfig.encoderConfigKey, suffixes: ["_encoder_config.json"])
        self.encoderConfigMember = encoderConfigMember
        encoderConfig = try encoderConfigMember.map { path in try ConfigValue.parse(try text(path), member: path) }
        let checkpointVersionMember = try members.member(endingWith: ["megatron_checkpoint_version.json"])
        self.checkpointVersionMember = checkpointVersionMember
        checkpointVersion = try checkpointVersionMember.map { path in
            guard let version = try ConfigValue.parse(try text(path), member: path)["checkpoint_version"]?.double else {
                throw NemoError.badCheckpointVersion(member: path)
            }
            return version
        }
    }

    /// `mp_rank_03/model_weights.ckpt` → 3; nil for a single-rank archive's root weights.
    static func modelParallelRank(_ path: String) -> Int? {
        let parts = path.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2].hasPrefix("mp_rank_") else { return nil }
        return Int(parts[parts.count - 2].dropFirst("mp_rank_".count).prefix { $0 != "_" })
    }
}
