import Checkpoint
import Containers
import NativeFormat
import Pickle
import JSON

/// Lifts the metadata each layer carries into the report's plain, Codable sections.
extension EFFMetadata {
    init(_ manifest: EFFManifest) {
        formatVersion = manifest.formatVersion
        metadata = Dictionary(manifest.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        artifacts = manifest.artifacts.map { Artifact(name: $0.name, codec: $0.salt?.label, sha256: $0.sha256) }
    }
}

extension NemoMetadata {
    init(_ archive: NemoArchive) {
        let config = archive.config
        var qa: [String: String] = [:]
        if case let .map(dataset)? = config.root["dataset"] {
            for key in ["max_seq_length", "doc_stride", "max_query_length", "max_answer_length", "n_best_size",
                        "null_score_diff_threshold", "do_lower_case", "version_2_with_negative"] {
                if let value = dataset[key]?.string { qa[key] = value }
            }
        }
        self.init(
            container: archive.container, members: archive.members, target: config.target,
            nemoVersion: config.nemoVersion, languageModel: config.languageModelName, tokenizer: config.tokenizerName,
            vocabMember: archive.vocabMember, vocabSize: archive.vocab?.count,
            encoderConfigMember: archive.encoderConfigMember, encoderConfig: archive.encoderConfig?.scalars,
            languageModelConfig: config.languageModelConfig?.scalars, checkpointVersion: archive.checkpointVersion, qa: qa)
    }
}

extension TorchMetadata {
    init(_ checkpoint: TorchCheckpoint) {
        switch checkpoint.format {
        case let .zip(prefix): (format, zipPrefix) = ("zip", prefix)
        case .legacy: (format, zipPrefix) = ("legacy", nil)
        case .tar: (format, zipPrefix) = ("tar", nil)
        }
        pickleProtocol = checkpoint.pickleProtocol
        weightsLocation = checkpoint.weightsLocation
        megatronCheckpointVersion = checkpoint.megatronCheckpointVersion
        var args: [String: String] = [:]
        for (key, value) in checkpoint.megatronArgs {
            switch value {
            case let .int(number): args[key] = String(number)
            case let .float(number): args[key] = String(number)
            case let .bool(flag): args[key] = String(flag)
            case let .string(text): args[key] = text
            case .none: args[key] = "None"
            default: continue
            }
        }
        megatronArgs = args.isEmpty ? nil : args
    }
}

extension NativeMetadata {
    init(_ file: NativeFile) {
        version = Int(file.version)
        alignment = file.alignment
        dataBytes = file.dataBytes
        var entries: [String: String] = [:]
        func flatten(_ value: JSONValue, _ key: String) {
            switch value {
            case let .object(members):
                for (name, member) in members { flatten(member, key.isEmpty ? name : key + "." + name) }
            case let .array(items): entries[key] = "[\(items.count) items]"
            case let .string(text): entries[key] = text.count > 200 ? "\"\(text.prefix(60))…\" (\(text.count) characters)" : text
            case let .integer(number): entries[key] = String(number)
            case let .double(number): entries[key] = String(number)
            case let .bool(flag): entries[key] = String(flag)
            case .null: entries[key] = "null"
            }
        }
        flatten(.object(file.metadata), "")
        self.entries = entries
    }
}
