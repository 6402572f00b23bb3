import Bytes
import Containers

/// Opens a NeMo archive (`.nemo`: plain tar since NeMo 1.7, tar.gz before) and resolves what Decant needs from
/// it: the weights member, `model_config.yaml`, and the vocab / encoder-config / checkpoint-version artifacts.

/// Where large members go, and the limits on what one archive may cost in memory and time.
public struct NemoOptions: Sendable, Equatable {
    /// For spooled weights; nil means `$TMPDIR` or `/tmp`.
    public var spoolDirectory: String?
    /// Yaml, vocab and json members above this are refused rather than read into memory.
    public var memberLimit: Int
    /// All members of one streamed archive (tar.gz, EFF) held in memory at once: `model_config.yaml`, the artifacts,
    /// and members kept until the config says whether it names them. Twice `memberLimit`, so the largest member
    /// still fits beside the small ones; a real archive holds a few hundred KB.
    public var bufferLimit: Int
    /// Each gzip pass over the archive.
    public var inflation: InflationLimit
    /// The vocabulary artifact.
    public var vocabulary: VocabularyLimits

    public init(spoolDirectory: String? = nil, memberLimit: Int = 64 << 20, bufferLimit: Int = 128 << 20,
                inflation: InflationLimit = InflationLimit(), vocabulary: VocabularyLimits = VocabularyLimits()) {
        self.spoolDirectory = spoolDirectory
        self.memberLimit = memberLimit
        self.bufferLimit = bufferLimit
        self.inflation = inflation
        self.vocabulary = vocabulary
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
        let gunzip = try GunzipSource(upstream: FileSource(path: path), limit: options.inflation)
        let members = try NemoMembers(tarStream: gunzip, options: options)
        return try NemoArchive(members: members, container: "tar.gz", options: options)
    }

    /// Opens a `.nemo` held in `bytes` (a mapped file, a decrypted payload): plain tar is indexed in place, gzip is
    /// streamed once.
    public static func open(_ bytes: ByteView, options: NemoOptions = NemoOptions()) throws -> NemoArchive {
        if bytes.matches([0x1f, 0x8b]) {
            let gunzip = try GunzipSource(upstream: ViewSource(bytes), limit: options.inflation)
            let members = try NemoMembers(tarStream: gunzip, options: options)
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
        weights = try members.bytes(of: weightsMember, options: options)

        func text(_ path: String) throws -> String {
            try NemoArchive.text(try members.bytes(of: path, options: options), member: path, limit: options.memberLimit)
        }

        guard let configMember = try members.member(named: Self.configName) else {
            throw NemoError.missingMember(Self.configName)
        }
        let root = try members.parsedConfigs[configMember] ?? ConfigValue.parse(try text(configMember), member: configMember)
        guard case .map = root else { throw NemoError.badConfig(member: configMember, reason: "found no top-level mapping") }
        let config = NemoConfig(root: root)
        self.config = config

        func artifact(_ key: String, suffixes: [String]) throws(NemoError) -> String? {
            let reference = config.reference(key) ?? references[key]
            if let reference {
                // `nemo:<member>` (NeMo ≥ 1.0), a bare member name, or an absolute path from the training machine.
                if let path = try members.member(named: Self.memberName(reference: reference)) { return path }
            }
            if let path = try members.member(endingWith: suffixes) { return path }
            if let reference { throw .missingArtifact(key: key, reference: reference) }
            return nil
        }

        let vocabMember = try artifact(NemoConfig.vocabKey, suffixes: Self.vocabSuffixes)
        self.vocabMember = vocabMember
        vocab = try vocabMember.map { path in
            // Checked on the bytes, before a String and a line array of up to 64 MiB are made of them.
            if let violation = options.vocabulary.violation(in: try members.bytes(of: path, options: options).buffer) {
                throw NemoError.vocabularyTooLarge(member: path, violation: violation)
            }
            // "\r\n" is one Character in Swift, so both line endings are named.
            var lines = try text(path).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
                .map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
        let encoderConfigMember = try artifact(NemoConfig.encoderConfigKey, suffixes: Self.encoderConfigSuffixes)
        self.encoderConfigMember = encoderConfigMember
        encoderConfig = try encoderConfigMember.map { path in try ConfigValue.parse(try text(path), member: path) }
        let checkpointVersionMember = try members.member(endingWith: [Self.checkpointVersionSuffix])
        self.checkpointVersionMember = checkpointVersionMember
        checkpointVersion = try checkpointVersionMember.map { path in
            guard let version = try ConfigValue.parse(try text(path), member: path)["checkpoint_version"]?.double else {
                throw NemoError.badCheckpointVersion(member: path)
            }
            return version
        }
    }

    static let configName = "model_config.yaml"
    /// The config keys that may name artifacts, and the basename endings that find them when the config does not.
    static let artifactKeys = [NemoConfig.vocabKey, NemoConfig.encoderConfigKey]
    static let vocabSuffixes = ["tokenizer.vocab_file", "vocab.txt"]
    static let encoderConfigSuffixes = ["_encoder_config.json"]
    static let checkpointVersionSuffix = "megatron_checkpoint_version.json"
    /// Every ending by which a member is an artifact `NemoArchive` may read.
    static var artifactSuffixes: [String] { vocabSuffixes + encoderConfigSuffixes + [checkpointVersionSuffix] }

    /// The member a config reference names: `nemo:<member>`, else the basename of a bare name or a path.
    static func memberName(reference: String) -> String {
        reference.hasPrefix("nemo:") ? String(reference.dropFirst(5)) : basename(reference)
    }

    /// A text member (yaml, vocab, json) as a String.
    static func text(_ bytes: ByteView, member: String, limit: Int) throws(NemoError) -> String {
        guard bytes.count <= limit else { throw .memberTooLarge(member: member, size: bytes.count, limit: limit) }
        guard let text = String(validating: bytes.buffer, as: UTF8.self) else { throw .notUTF8(member: member) }
        return text
    }

    /// `mp_rank_03/model_weights.ckpt` → 3; nil for a single-rank archive's root weights.
    static func modelParallelRank(_ path: String) -> Int? {
        let parts = path.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2].hasPrefix("mp_rank_") else { return nil }
        return Int(parts[parts.count - 2].dropFirst("mp_rank_".count).prefix { $0 != "_" })
    }
}
