import Checkpoint
import Megatron

/// What a conversion records about the model besides its tensors: geometry, numerics, tokenizer and QA settings,
/// each with the rule that decided it.
public struct ModelDescription: Sendable, Equatable {
    /// "megatron-bert-qa" (span head) or "megatron-bert" (bare encoder).
    public var family: String
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var ffn: Int
    /// Tokenizer vocabulary: the word-embedding rows kept.
    public var vocab: Int
    /// Word-embedding rows in the source (Megatron pads to a multiple of 128).
    public var vocabPadded: Int
    public var positions: Int
    public var tokenTypes: Int
    public var layerNormEps: Double
    public var activation: MegatronActivation
    /// "nemo1.0", "nemo1.10", "megatron", or "huggingface" for a source already in canonical names.
    public var naming: String
    /// The fused-QKV row order the source used; nil when the source had separate query/key/value tensors.
    public var qkvLayout: QKVLayout?
    /// Why each inferred value is what it is, keyed by the metadata field ("heads", "qkv_layout", …).
    public var rules: [String: String]
    public var tokenizer: TokenizerDescription?
    public var qa: QASettingsRecord

    /// The activation as the native metadata spells it.
    public var activationName: String {
        switch activation {
        case .geluErf: return "erf"
        case .geluMegatronErf: return "megatron-erf"
        case .geluTanh: return "tanh"
        }
    }
}

/// A WordPiece vocabulary and how to apply it.
public struct TokenizerDescription: Sendable, Equatable {
    /// One token per id.
    public var vocab: [String]
    public var doLowerCase: Bool
    public var doLowerCaseRule: String
    /// `pad`, `unk`, `cls`, `sep`, `mask` → id, for the BERT special tokens the vocabulary contains.
    public var specialTokenIDs: [String: Int]

    public init(vocab: [String], doLowerCase: Bool, doLowerCaseRule: String) {
        self.vocab = vocab
        self.doLowerCase = doLowerCase
        self.doLowerCaseRule = doLowerCaseRule
        var ids: [String: Int] = [:]
        let wanted = ["[PAD]": "pad", "[UNK]": "unk", "[CLS]": "cls", "[SEP]": "sep", "[MASK]": "mask"]
        for (id, token) in vocab.enumerated() {
            if let role = wanted[token], ids[role] == nil { ids[role] = id }
        }
        specialTokenIDs = ids
    }
}

/// The SQuAD settings of a NeMo QA model (`dataset:` in model_config.yaml), NeMo's defaults filling the gaps.
public struct QASettingsRecord: Sendable, Equatable {
    public var maxSeqLength: Int
    public var docStride: Int
    public var maxQueryLength: Int
    public var maxAnswerLength: Int
    public var nBestSize: Int
    public var nullScoreDiffThreshold: Double
    public var doLowerCase: Bool
    public var versionTwoWithNegative: Bool
    /// Snake-case names of the settings the source did not state, so a reader can tell a default from a choice.
    public var defaulted: [String]

    /// NeMo 1.0's `question_answering_squad_config.yaml` defaults (its example sets version_2_with_negative false).
    public init(_ given: NemoConfig.QASettings?) {
        var defaulted: [String] = []
        func value<T>(_ key: String, _ found: T?, _ fallback: T) -> T {
            if let found { return found }
            defaulted.append(key)
            return fallback
        }
        maxSeqLength = value("max_seq_length", given?.maxSeqLength, 384)
        docStride = value("doc_stride", given?.docStride, 128)
        maxQueryLength = value("max_query_length", given?.maxQueryLength, 64)
        maxAnswerLength = value("max_answer_length", given?.maxAnswerLength, 30)
        nBestSize = value("n_best_size", given?.nBestSize, 20)
        nullScoreDiffThreshold = value("null_score_diff_threshold", given?.nullScoreDiffThreshold, 0.0)
        doLowerCase = value("do_lower_case", given?.doLowerCase, true)
        versionTwoWithNegative = value("version_2_with_negative", given?.versionTwoWithNegative, false)
        self.defaulted = defaulted
    }
}
