import Bytes
import Codec
import Containers

/// Reads the artifacts of an EFF archive (a TAO `.tlt`) into NeMo members: the decrypted weights are spooled to
/// an unlinked temporary file while their SHA-256 is checked, the small artifacts are read into memory.
extension NemoArchive {
    /// Opens the NeMo content of an EFF archive; `key` is required when any artifact is encrypted.
    public static func open(eff: EFFArchive, key: String?, options: NemoOptions = NemoOptions()) throws -> NemoArchive {
        try open(eff: eff, key: key, options: options) { _, source, _ in
            let spool = try SpoolFile(directory: options.spoolDirectory)
            try source.pump(into: spool)
            // Nobody sees the mapping before readArtifacts has verified every SHA-256.
            return try spool.map()
        }
    }

    /// The artifacts read so far, as NeMo members.
    struct CollectedArtifacts {
        var streamed: StreamedMembers
        /// Which config key an artifact stands for when the yaml itself does not say (`conf_path`).
        let references: [String: String]

        var paths: [String] { streamed.members.paths }

        func archive(eff: EFFArchive, options: NemoOptions) throws -> NemoArchive {
            try NemoArchive(members: streamed.members, container: "EFF", options: options, references: references)
        }
    }

    /// Reads every artifact: the ones NeMo archives are read for into memory, the weights through `weights`, which
    /// gets the artifacts read before them (the weights included, by name) and returns the weights' bytes. The rest
    /// only pass through the SHA-256 check.
    static func open(eff: EFFArchive, key: String?, options: NemoOptions,
                     weights: (EFFEntry, ByteSource, CollectedArtifacts) throws -> ByteView) throws -> NemoArchive {
        let loadKey = try key.map { passphrase throws(CodecError) in try LoadKey(passphrase) }
        var references: [String: String] = [:]
        for entry in eff.entries {
            if let key = entry.artifact.fields.first(where: { $0.key == "conf_path" })?.value {
                references[key] = entry.artifact.name
            }
        }
        var collected = CollectedArtifacts(streamed: StreamedMembers(options: options, references: references),
                                           references: references)
        try eff.readArtifacts(key: loadKey) { entry, source in
            let name = entry.artifact.name
            collected.streamed.list(name)
            if basename(name) == NemoMembers.weightsName, !collected.streamed.holdsWeights {
                collected.streamed.keep(name, spooled: try weights(entry, source, collected))
            } else {
                try collected.streamed.read(name, size: entry.plaintextSize, from: source)
            }
        }
        return try collected.archive(eff: eff, options: options)
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
