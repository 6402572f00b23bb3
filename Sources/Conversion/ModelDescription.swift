import Checkpoint
import Megatron
import QA

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
    /// The SQuAD settings (`dataset:` of model_config.yaml, checked, with NeMo's defaults for what it leaves out);
    /// their lowercasing is the tokenizer's `doLowerCase`, decided once.
    public var qa: SquadSettings.Resolved

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
