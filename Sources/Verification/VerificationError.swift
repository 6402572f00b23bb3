import Bytes

/// Why a model could not be opened for QA, or a verification could not run; one case per broken invariant.
public enum VerificationError: DecantError, Equatable {
    /// A .decant file whose metadata does not follow the megatron-bert-qa schema (formats/native.md).
    case notAQAModel(path: String, found: String)
    case invalidMetadata(path: String, key: String, expected: String, found: String)
    /// A model without the tokenizer vocabulary that text input needs.
    case noVocabulary(path: String)
    case sequenceLongerThanPositions(setting: Int, positions: Int)
    case vocabularySizeMismatch(tokenizer: Int, model: Int)
    case goldenNotJSON(path: String, reason: String)
    case goldenMissingField(path: String, caseIndex: Int, field: String)
    case goldenNoCases(path: String)
    case goldenLengthMismatch(caseIndex: Int, field: String, expected: Int, found: Int)
    case goldenSequenceTooLong(caseIndex: Int, length: Int, positions: Int)
    case goldenTokenIdOutOfRange(caseIndex: Int, position: Int, id: Int, vocab: Int)
    case goldenTokenTypeOutOfRange(caseIndex: Int, position: Int, tokenType: Int, tokenTypes: Int)
    case goldenInvalidMask(caseIndex: Int, position: Int, value: Int)
    case goldenNoUnmaskedPosition(caseIndex: Int)
    case noInputs(source: String)
    /// A verification limit that means nothing (NaN, infinite, negative, a cosine outside [-1, 1]).
    case invalidTolerance(limit: String, value: String, requirement: String)

    public var description: String {
        switch self {
        case let .notAQAModel(path, found):
            return "\(path): expected a .decant file with megatron-bert-qa metadata (formats/native.md), found \(found)"
        case let .invalidMetadata(path, key, expected, found):
            return "\(path): metadata \(key) must be \(expected), found \(found)"
        case let .noVocabulary(path):
            return "\(path): expected a tokenizer vocabulary (a NeMo vocab_file artifact, or tokenizer.vocab in .decant metadata), found none"
        case let .sequenceLongerThanPositions(setting, positions):
            return "max_seq_length \(setting) exceeds the model's \(positions) position embeddings"
        case let .vocabularySizeMismatch(tokenizer, model):
            return "the tokenizer has \(tokenizer) tokens but the model's word embedding has \(model) rows"
        case let .goldenNotJSON(path, reason):
            return "\(path): expected a golden JSON object {\"cases\": [...]}, \(reason)"
        case let .goldenMissingField(path, caseIndex, field):
            return "\(path): case \(caseIndex) lacks \(field) (an array of numbers)"
        case let .goldenNoCases(path):
            return "\(path): expected at least one case in \"cases\", found none"
        case let .goldenLengthMismatch(caseIndex, field, expected, found):
            return "golden case \(caseIndex): \(field) must have \(expected) values (one per input id), found \(found)"
        case let .goldenSequenceTooLong(caseIndex, length, positions):
            return "golden case \(caseIndex): expected at most \(positions) tokens (the model's positions), found \(length)"
        case let .goldenTokenIdOutOfRange(caseIndex, position, id, vocab):
            return "golden case \(caseIndex) position \(position): token id must be in 0..<\(vocab) (the model's vocabulary), found \(id)"
        case let .goldenTokenTypeOutOfRange(caseIndex, position, tokenType, tokenTypes):
            return "golden case \(caseIndex) position \(position): token type must be in 0..<\(tokenTypes), found \(tokenType)"
        case let .goldenInvalidMask(caseIndex, position, value):
            return "golden case \(caseIndex) position \(position): attention mask must be 0 or 1, found \(value)"
        case let .goldenNoUnmaskedPosition(caseIndex):
            return "golden case \(caseIndex): expected at least one position with attention mask 1, found none"
        case let .noInputs(source):
            return "\(source): expected at least one question, found none"
        case let .invalidTolerance(limit, value, requirement):
            return "\(limit): expected \(requirement), found \(value)"
        }
    }
}
