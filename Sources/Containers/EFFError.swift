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
    /// The SHA-256 of a decrypted member differs from the manifest: the key is wrong (or the file damaged).
    case wrongLoadKey(artifact: String)
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
        case let .wrongLoadKey(artifact):
            return "wrong load key: SHA-256 of decrypted \(artifact) does not match the manifest"
        case let .keyRequired(artifact):
            return "\(artifact) is encrypted: a load key (--key) is required"
        case let .badNemoConfig(reason):
            return "model_config.yaml of the .nemo to encrypt: expected YAML, \(reason)"
        case let .notANemoToEncrypt(path, found):
            return "\(path): expected a .nemo holding model_weights.ckpt to encrypt, found \(found)"
        }
    }
}
