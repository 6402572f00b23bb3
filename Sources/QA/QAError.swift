import Bytes

/// Everything that can be wrong with the text, vocabulary, settings or logits handed to the QA module.
public enum QAError: DecantError, Equatable {
    /// Bytes that are not UTF-8; `byteOffset` is where the first bad sequence starts.
    case invalidUTF8(source: String, byteOffset: Int)
    case emptyVocabulary(source: String)
    /// A vocabulary past one of `VocabularyLimits` (a token, the whole file, or the token count).
    case vocabularyTooLarge(source: String, violation: VocabularyLimits.Violation)
    case missingSpecialToken(token: String, source: String)
    /// The question tokenizes to nothing (empty, whitespace, or characters the tokenizer drops).
    case emptyQuestion
    /// The context tokenizes to nothing (empty, whitespace, or characters the tokenizer drops).
    case emptyContext
    /// A SQuAD setting outside the values it may take; `setting` says where it came from (file and key, or option).
    case invalidSetting(setting: String, value: String, requirement: String)
    /// `maxSeqLength` minus the question and the three special tokens leaves no token for the context.
    case noRoomForContext(maxSeqLength: Int, questionTokens: Int)
    /// The scorer returned a different number of logit rows than there are features.
    case featureCountMismatch(expected: Int, found: Int)
    /// A window's logit rows must cover its real tokens and at most its padded length, start and end alike.
    case logitCountMismatch(feature: Int, realTokens: Int, padded: Int, found: Int)
    case nonFiniteLogit(feature: Int, position: Int)
    case malformedSquadJSON(source: String, reason: String)
    case duplicateQuestionID(id: String)
    case missingPrediction(id: String)

    public var description: String {
        switch self {
        case let .invalidUTF8(source, offset):
            return "\(source): expected UTF-8 text, found an invalid byte sequence at byte offset \(offset)"
        case let .emptyVocabulary(source):
            return "\(source): expected a WordPiece vocabulary with one token per line, found no lines"
        case let .vocabularyTooLarge(source, violation):
            return "\(source): vocabulary \(violation)"
        case let .missingSpecialToken(token, source):
            return "\(source): the vocabulary has no \(token) token, which BERT inputs need"
        case .emptyQuestion:
            return "expected a question with at least one token, found none (empty, whitespace or control characters only)"
        case .emptyContext:
            return "expected a context with at least one token, found none (empty, whitespace or control characters only)"
        case let .invalidSetting(setting, value, requirement):
            return "\(setting): expected \(requirement), found \(value)"
        case let .noRoomForContext(maxSeqLength, questionTokens):
            return "maxSeqLength \(maxSeqLength) leaves no room for context after \(questionTokens) question tokens and 3 special tokens"
        case let .featureCountMismatch(expected, found):
            return "expected logits for \(expected) windows, the scorer returned \(found)"
        case let .logitCountMismatch(feature, realTokens, padded, found):
            return "window \(feature): expected \(realTokens) to \(padded) start and end logits (one per position run), found \(found)"
        case let .nonFiniteLogit(feature, position):
            return "window \(feature): logit at position \(position) is not a finite number"
        case let .malformedSquadJSON(source, reason):
            return "\(source): not a SQuAD file: \(reason)"
        case let .duplicateQuestionID(id):
            return "question id \(id) appears more than once in the dataset"
        case let .missingPrediction(id):
            return "no prediction for question id \(id)"
        }
    }
}
