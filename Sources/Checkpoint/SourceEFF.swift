import Bytes
import Codec
import Containers

/// Reads the artifacts of an EFF archive (a TAO `.tlt`) into NeMo members: the decrypted weights are spooled to
/// an unlinked temporary file while their SHA-256 is checked, the small clear artifacts are read into memory.
extension NemoArchive {
    /// Opens the NeMo content of an EFF archive; `key` is required when any artifact is encrypted.
    public static func open(eff: EFFArchive, key: String?, options: NemoOptions = NemoOptions()) throws -> NemoArchive {
        let loadKey = try key.map { passphrase throws(CodecError) in try LoadKey(passphrase) }
        var paths: [String] = []
        var data: [String: ByteView] = [:]
        var spools: [String: SpoolFile] = [:]
        // Which config key an artifact stands for when the yaml itself does not say (`conf_path`).
        var references: [String: String] = [:]
        try eff.readArtifacts(key: loadKey) { entry, source in
            let name = entry.artifact.name
            paths.append(name)
            if let key = entry.artifact.fields.first(where: { $0.key == "conf_path" })?.value { references[key] = name }
            if basename(name) == NemoMembers.weightsName {
                let spool = try SpoolFile(directory: options.spoolDirectory)
                try source.pump(into: spool)
                spools[name] = spool
            } else if entry.plaintextSize <= options.memberLimit {
                data[name] = ByteView(copying: try source.readAll(limit: options.memberLimit))
            }
        }
        // Mapped only now: readArtifacts has verified every SHA-256 by the time it returns.
        for (name, spool) in spools { data[name] = try spool.map() }
        var members = NemoMembers(paths: paths, data: data)
        for entry in eff.entries where data[entry.artifact.name] == nil {
            members.oversized[entry.artifact.name] = entry.plaintextSize
        }
        return try NemoArchive(members: members, container: "EFF", options: options, references: references)
    }
}

extension EFFArchive {
    /// One line for `inspect`, e.g. "EFF v3 (manifest: 3 artifacts, model_weights.ckpt encrypted with codec wogsoimicu)".
    var layerDescription: String {
        let encrypted = manifest.artifacts.filter(\.isEncrypted).map { "\($0.name) encrypted with codec \($0.salt!.label)" }
        let detail = ["manifest: \(manifest.artifacts.count) artifacts"] + (encrypted.isEmpty ? ["nothing encrypted"] : encrypted)
        return "EFF v\(manifest.formatVersion) (\(detail.joined(separator: ", ")))"
    }
}
