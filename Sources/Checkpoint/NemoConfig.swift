/// The parts of a NeMo `model_config.yaml` Decant uses: tokenizer, language model, artifact references and the
/// SQuAD settings the QA pipeline needs.
public struct NemoConfig: Sendable, Equatable {
    /// The whole document, for anything not lifted into a field.
    public let root: ConfigValue
    /// `target`, e.g. `nemo.collections.nlp.models.question_answering.qa_model.QAModel`.
    public let target: String?
    /// `nemo_version` (NeMo ≥ 1.7 writes it).
    public let nemoVersion: String?
    /// `tokenizer.tokenizer_name`.
    public let tokenizerName: String?
    /// `language_model.pretrained_model_name`, e.g. `megatron-bert-345m-uncased`.
    public let languageModelName: String?
    /// `language_model.config`: the architecture when NeMo stored it inline (null in many archives).
    public let languageModelConfig: ConfigValue?
    /// `dataset:`, where a NeMo QA config keeps its SQuAD settings: each entry's text as written (a list or
    /// mapping as `[…]`/`{…}`, a null left out). `QA.SquadSettings` says what the keys mean and may hold.
    public let dataset: [String: String]

    /// The config keys that may name archive artifacts.
    public static let vocabKey = "tokenizer.vocab_file"
    public static let encoderConfigKey = "language_model.config_file"

    public init(root: ConfigValue) {
        self.root = root
        target = root["target"]?.string
        nemoVersion = root["nemo_version"]?.string
        tokenizerName = root["tokenizer.tokenizer_name"]?.string
        languageModelName = root["language_model.pretrained_model_name"]?.string
        languageModelConfig = root["language_model.config"].flatMap { $0 == .null ? nil : $0 }
        if case let .map(entries)? = root["dataset"] {
            dataset = entries.compactMapValues { value in
                switch value {
                case .null: return nil
                case let .scalar(text): return text
                case .list: return "[…]"
                case .map: return "{…}"
                }
            }
        } else {
            dataset = [:]
        }
    }

    /// A config value that names a file: `nemo:<member>`, a bare basename, or a path; nil when null or absent.
    public func reference(_ key: String) -> String? {
        guard let text = root[key]?.string, !text.isEmpty else { return nil }
        return text
    }
}
