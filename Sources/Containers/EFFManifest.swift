/// The EFF `manifest.yaml`: parsing all three format versions into one model, and writing version 3.
import Codec
import Yams

/// One file of an EFF archive as the manifest describes it.
public struct EFFArtifact: Sendable, Equatable {
    /// The artifact name, e.g. `model_weights.ckpt` (a relative path, checked safe).
    public let name: String
    /// The tar member holding it: `artifacts/<name>` (v3), `<name>` or `encrypted_<name>` (v1/v2).
    public let member: String
    /// The salt of its codec, or `nil` when it is stored in clear.
    public let salt: CodecSalt?
    /// Hex SHA-256 of the plaintext (v3 always, older versions never).
    public let sha256: String?
    /// The remaining scalar fields (`description`, `conf_path`, …), in manifest order, for reports and rewriting.
    public let fields: [(key: String, value: String)]

    public var isEncrypted: Bool { salt != nil }

    /// NeMo's weights artifact: a torch checkpoint, so its leading bytes are known.
    public static let weightsName = "model_weights.ckpt"

    /// How a decrypted artifact proves the key right.
    public enum PlaintextCheck: Sendable, Equatable {
        /// Clear, or encrypted with nothing to compare against (an EFF v1/v2 vocabulary): a wrong key goes unseen.
        case none
        /// The manifest's SHA-256 of the plaintext (EFF v3).
        case sha256
        /// The leading bytes: the weights of an EFF v1/v2 archive, which has no checksums, must start with a torch
        /// checkpoint's magic or at least not be noise (`PlaintextMagic.isNoise`), which a wrong key always gives.
        case leadingBytes
    }

    public var plaintextCheck: PlaintextCheck {
        guard isEncrypted else { return .none }
        if sha256 != nil { return .sha256 }
        return name.split(separator: "/").last.map(String.init) == Self.weightsName ? .leadingBytes : .none
    }

    public static func == (a: EFFArtifact, b: EFFArtifact) -> Bool {
        a.name == b.name && a.member == b.member && a.salt == b.salt && a.sha256 == b.sha256
            && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.value) == b.fields.map(\.value)
    }
}

public struct EFFManifest: Sendable {
    public let formatVersion: Int
    /// In manifest order.
    public let artifacts: [EFFArtifact]
    /// Top-level `metadata` scalars, in manifest order (e.g. `obj_cls`, `origin`).
    public let metadata: [(key: String, value: String)]

    public init(formatVersion: Int, artifacts: [EFFArtifact], metadata: [(key: String, value: String)]) {
        self.formatVersion = formatVersion
        self.artifacts = artifacts
        self.metadata = metadata
    }

    /// The largest manifest read into memory; real ones are under a kilobyte.
    public static let sizeLimit = 16 << 20

    /// Parses `manifest.yaml` text (YAML or JSON).
    public init(yaml text: String) throws {
        if let refusal = YAMLPreflight.refusal(text) { throw EFFError.badManifest(reason: refusal) }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw EFFError.badManifest(reason: "not YAML (\(error))") }
        guard let top = root?.mapping else { throw EFFError.badManifest(reason: "expected a mapping at the top level") }
        guard let metadataNode = top["metadata"]?.mapping else { throw EFFError.badManifest(reason: "no 'metadata' mapping") }
        let metadata = Self.scalars(metadataNode)
        guard let versionText = metadata.first(where: { $0.key == "format_version" })?.value, let version = Int(versionText) else {
            throw EFFError.badManifest(reason: "metadata has no integer format_version")
        }
        let listKey = version >= 3 ? "artifacts" : "files"
        guard (1...3).contains(version) else { throw EFFError.unsupportedFormatVersion(version) }
        guard let list = top[listKey]?.mapping else { throw EFFError.badManifest(reason: "no '\(listKey)' mapping") }
        // v2 names one codec for the whole archive; v1 always uses the default salt.
        let archiveSalt: CodecSalt = version == 2
            ? try CodecSalt.named(metadata.first { $0.key == "encryption" }?.value ?? "")
            : .default
        var artifacts: [EFFArtifact] = []
        // Normalised artifact name, and tar member (normalised), → the spelling that claimed it first.
        var claimedNames: [String: String] = [:]
        var claimedMembers: [String: String] = [:]
        func claim(_ key: String, in claimed: inout [String: String], spelling: String, what: String) throws {
            if let first = claimed.updateValue(spelling, forKey: key) {
                throw EFFError.duplicateArtifact(first: first, second: spelling, shared: "\(what) \(key)")
            }
        }
        for (keyNode, valueNode) in list {
            guard let spelling = keyNode.string, let entry = valueNode.mapping else {
                throw EFFError.badManifest(reason: "artifact entries must map a name to a mapping")
            }
            // `./model_weights.ckpt` and `model_weights.ckpt` are one file to every extractor: one spelling counts.
            let name = TarPath.normalise(spelling)
            try TarPath.checkSafe(name)
            guard name != "." else { throw EFFError.badManifest(reason: "artifact '\(spelling)' names no file") }
            try claim(name, in: &claimedNames, spelling: spelling, what: "artifact")
            let fields = Self.scalars(entry)
            func field(_ key: String) -> String? { fields.first { $0.key == key }?.value }
            let salt: CodecSalt?
            let member: String
            if version >= 3 {
                guard let encryption = entry["encryption"] else { throw EFFError.badManifest(reason: "\(name) has no 'encryption' field") }
                salt = encryption.bool == false ? nil : try CodecSalt.named(encryption.string ?? "")
                member = "artifacts/" + name
            } else {
                guard let encrypted = entry["encrypted"]?.bool else { throw EFFError.badManifest(reason: "\(name) has no boolean 'encrypted' field") }
                salt = encrypted ? archiveSalt : nil
                member = encrypted ? "encrypted_" + name : name
            }
            // v1/v2 can map two names onto one member: encrypted `x` and clear `encrypted_x`.
            try claim(TarPath.normalise(member), in: &claimedMembers, spelling: spelling, what: "tar member")
            let sha256 = field("sha256")
            if let sha256, sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) {
                throw EFFError.badManifest(reason: "\(name) has a sha256 that is not 64 hex digits")
            }
            if version >= 3, salt != nil, sha256 == nil {
                throw EFFError.badManifest(reason: "encrypted \(name) has no sha256")
            }
            let reserved: Set = ["encryption", "encrypted", "sha256"]
            artifacts.append(EFFArtifact(name: name, member: member, salt: salt, sha256: sha256?.lowercased(),
                                         fields: fields.filter { !reserved.contains($0.key) }))
        }
        self.init(formatVersion: version, artifacts: artifacts, metadata: metadata)
    }

    private static func scalars(_ mapping: Node.Mapping) -> [(key: String, value: String)] {
        mapping.compactMap { key, value in
            guard let key = key.string, let scalar = value.scalar else { return nil }
            return (key, scalar.string)
        }
    }

    /// The manifest as TAO writes it for format version 3 (block YAML; NVIDIA's reader takes any YAML).
    public func yamlVersion3() throws -> String {
        func scalar(_ text: String) -> Node {
            // Keep TAO's types: booleans and integers unquoted, everything else a string.
            switch text {
            case "true", "false": return Node(text, Tag(.bool))
            // An empty description must stay a string: unquoted, YAML would read it as null.
            case "": return Node("", Tag(.str), .singleQuoted)
            default: return Int(text) != nil ? Node(text, Tag(.int)) : Node(text, Tag(.str))
            }
        }
        var artifactPairs: [(Node, Node)] = []
        for artifact in artifacts {
            var pairs = artifact.fields.map { (Node($0.key), scalar($0.value)) }
            pairs.append((Node("encryption"), artifact.salt.map { Node($0.name ?? "") } ?? Node("false", Tag(.bool))))
            if let sha256 = artifact.sha256 { pairs.append((Node("sha256"), Node(sha256))) }
            pairs.sort { $0.0.string! < $1.0.string! }
            artifactPairs.append((Node(artifact.name), Node(pairs)))
        }
        let root = Node([
            (Node("artifacts"), Node(artifactPairs)),
            (Node("metadata"), Node(metadata.map { (Node($0.key), scalar($0.value)) })),
        ])
        return try Yams.serialize(node: root)
    }
}
