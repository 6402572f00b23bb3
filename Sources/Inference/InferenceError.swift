import Bytes
import Tensors

/// Why a model could not be built or run.
public enum InferenceError: DecantError, Equatable {
    case invalidConfig(String)
    case missingTensor(name: String)
    /// `expected` uses -1 for "at least the configured size" (padded vocabularies).
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case unsupportedDType(name: String, dtype: DType)
    /// A weight source failed to produce a tensor (its own error, flattened to keep this enum `Equatable`).
    case sourceFailed(name: String, reason: String)
    case batchSizeMismatch(inputIds: Int, tokenTypeIds: Int, attentionMask: Int)
    case sequenceLengthMismatch(sequence: Int, inputIds: Int, tokenTypeIds: Int, attentionMask: Int)
    case emptySequence(sequence: Int)
    case sequenceTooLong(sequence: Int, length: Int, maxPositions: Int)
    case tokenIdOutOfRange(sequence: Int, position: Int, id: Int32, vocab: Int)
    case tokenTypeOutOfRange(sequence: Int, position: Int, tokenType: Int32, tokenTypes: Int)
    case invalidMaskValue(sequence: Int, position: Int, value: Int32)

    public var description: String {
        switch self {
        case let .invalidConfig(reason): return "invalid BERT config: \(reason)"
        case let .missingTensor(name): return "weights lack tensor \(name)"
        case let .shapeMismatch(name, expected, found):
            let wanted = expected.map { $0 < 0 ? "≥configured" : String($0) }.joined(separator: ", ")
            return "tensor \(name): expected shape [\(wanted)], found \(found)"
        case let .unsupportedDType(name, dtype):
            return "tensor \(name): expected a floating-point dtype, found \(dtype.rawValue)"
        case let .sourceFailed(name, reason): return "cannot read tensor \(name): \(reason)"
        case let .batchSizeMismatch(ids, types, mask):
            return "batch sizes differ: \(ids) input_ids, \(types) token_type_ids, \(mask) attention_mask sequences"
        case let .sequenceLengthMismatch(sequence, ids, types, mask):
            return "sequence \(sequence): lengths differ: \(ids) input_ids, \(types) token_type_ids, \(mask) attention_mask"
        case let .emptySequence(sequence): return "sequence \(sequence): expected at least one token, found none"
        case let .sequenceTooLong(sequence, length, maxPositions):
            return "sequence \(sequence): expected at most \(maxPositions) tokens, found \(length)"
        case let .tokenIdOutOfRange(sequence, position, id, vocab):
            return "sequence \(sequence) position \(position): token id must be in 0..<\(vocab), found \(id)"
        case let .tokenTypeOutOfRange(sequence, position, tokenType, tokenTypes):
            return "sequence \(sequence) position \(position): token type must be in 0..<\(tokenTypes), found \(tokenType)"
        case let .invalidMaskValue(sequence, position, value):
            return "sequence \(sequence) position \(position): attention mask must be 0 or 1, found \(value)"
        }
    }
}
