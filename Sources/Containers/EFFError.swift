/// What can be wrong with an EFF archive, its manifest, or the key used to open it.
import Bytes

public enum EFFError: DecantError, Equatable {
    /// A tar without `manifest.yaml` is not an EFF archive (it may be a plain `.nemo`).
    case missingManifest
    /// The manifest is not YAML, or lacks a required key, or a field has the wrong type.
    case badManifest(reason: String)
    case unsupportedFormatVersion(Int)
    /// The manifest names an artifact whose member is not in the archive.
    case missingMember(artifact: String, member: String)
    /// The archive holds a member the manifest does not describe.
    case unlistedMember(path: String)
    /// A decrypted member is not what it must be: the key is wrong (or the file damaged). EFF v3 shows it by the
    /// manifest's SHA-256; v1/v2 have no checksum, so the weights' leading bytes have to tell.
    case wrongLoadKey(artifact: String, evidence: WrongKeyEvidence = .checksum)
    /// Two manifest entries name one artifact or one tar member once `./` and repeated slashes are dropped, so
    /// which bytes an artifact stands for (and whether they are encrypted) would depend on the reader.
    case duplicateArtifact(first: String, second: String, shared: String)
    /// An encrypted artifact was read without a key.
    case keyRequired(artifact: String)
    /// Encrypting a `.nemo`: its `model_config.yaml`, which the manifest records facts from, is not usable YAML.
    case badNemoConfig(reason: String)
    /// Encrypting: the input is not a `.nemo` with a `model_weights.ckpt`, so the EFF written would encrypt nothing.
    case notANemoToEncrypt(path: String, found: String)

    public var description: String {
        switch self {
        case .missingManifest:
            return "not an EFF archive: expected a manifest.yaml member, the tar has none"
        case let .badManifest(reason):
            return "invalid EFF manifest.yaml: \(reason)"
        case let .unsupportedFormatVersion(version):
            return "unsupported EFF format_version \(version): expected 1, 2 or 3"
        case let .missingMember(artifact, member):
            return "EFF manifest lists \(artifact), but the archive has no member \(member)"
        case let .unlistedMember(path):
            return "EFF archive member \(path) is not described by manifest.yaml"
        case let .wrongLoadKey(artifact, .checksum):
            return "wrong load key: SHA-256 of decrypted \(artifact) does not match the manifest"
        case let .wrongLoadKey(artifact, .noise(firstBytes)):
            return "wrong load key: decrypted \(artifact) starts with \(firstBytes), no torch checkpoint magic, and its first bytes are random noise (this EFF version has no checksum to compare)"
        case let .duplicateArtifact(first, second, shared):
            return "EFF manifest lists both '\(first)' and '\(second)', which name the same \(shared): expected each artifact once"
        case let .keyRequired(artifact):
            return "\(artifact) is encrypted: a load key (--key) is required"
        case let .badNemoConfig(reason):
            return "model_config.yaml of the .nemo to encrypt: expected YAML, \(reason)"
        case let .notANemoToEncrypt(path, found):
            return "\(path): expected a .nemo holding model_weights.ckpt to encrypt, found \(found)"
        }
    }
}

/// What showed that a load key is wrong.
public enum WrongKeyEvidence: Sendable, Equatable {
    /// The plaintext's SHA-256 differs from the manifest's (EFF v3).
    case checksum
    /// The weights start with no torch checkpoint magic and with bytes deflate cannot shrink, as a wrong key's
    /// always are (EFF v1/v2, which carry no checksum).
    case noise(firstBytes: String)
}
