/// The parts of a NeMo `model_config.yaml` Decant uses: tokenizer, language model, artifact references and the
/// SQuAD settings the QA pipeline needs.
public struct NemoConfig: Sendable, Equatable {
    /// SQuAD windowing and answer-decoding settings (`dataset:` in a NeMo QA config).
    public struct QASettings: Sendable, Equatable {
        public var maxSeqLength: Int?
        public var docStride: Int?
        public var maxQueryLength: Int?
        public var maxAnswerLength: Int?
        public var nBestSize: Int?
        public var nullScoreDiffThreshold: Double?
        public var doLowerCase: Bool?
        public var versionTwoWithNegative: Bool?

        public init(maxSeqLength: Int? = nil, docStride: Int? = nil, maxQueryLength: Int? = nil,
                    maxAnswerLength: Int? = nil, nBestSize: Int? = nil, nullScoreDiffThreshold: Double? = nil,
                    doLowerCase: Bool? = nil, versionTwoWithNegative: Bool? = nil) {
            self.maxSeqLength = maxSeqLength
            self.docStride = docStride
            self.maxQueryLength = maxQueryLength
            self.maxAnswerLength = maxAnswerLength
            self.nBestSize = nBestSize
            self.nullScoreDiffThreshold = nullScoreDiffThreshold
            self.doLowerCase = doLowerCase
            self.versionTwoWithNegative = versionTwoWithNegative
        }
    }

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
    public let qa: QASettings

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
        let dataset = root["dataset"]
        qa = QASettings(
            maxSeqLength: dataset?["max_seq_length"]?.int, docStride: dataset?["doc_stride"]?.int,
            maxQueryLength: dataset?["max_query_length"]?.int, maxAnswerLength: dataset?["max_answer_length"]?.int,
            nBestSize: dataset?["n_best_size"]?.int, nullScoreDiffThreshold: dataset?["null_score_diff_threshold"]?.double,
            doLowerCase: dataset?["do_lower_case"]?.bool,
            versionTwoWithNegative: dataset?["version_2_with_negative"]?.bool)
    }

    /// A config value that names a file: `nemo:<member>`, a bare basename, or a path; nil when null or absent.
    public func reference(_ key: String) -> String? {
        guard let text = root[key]?.string, !text.isEmpty else { return nil }
        return text
    }
}
