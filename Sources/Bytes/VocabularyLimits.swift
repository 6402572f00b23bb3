/// The ceilings on a WordPiece vocabulary (`vocab.txt`: one token per line), whoever reads it: the NeMo reader
/// (Checkpoint), which carries the vocabulary into conversions, and the tokenizer (QA), which builds a trie of it
/// from vocab files and `.decant` metadata. They live here, the one module both see, so both apply the same numbers.
///
/// Real BERT vocabularies hold about 30,000 tokens of under 100 bytes (`bert-base-uncased`: 231 KB;
/// multilingual BERT: 119,547 tokens, 872 KB). The tokenizer keeps every scalar of every token in its trie, several
/// tens of bytes each, so a 60 MB token cost 2.9 GB; these bounds keep the worst vocabulary near 300 MB.
public struct VocabularyLimits: Sendable, Equatable {
    /// Bytes of one token (a WordPiece word longer than 100 scalars is `[UNK]` anyway).
    public var tokenBytes: Int
    /// Bytes of the whole vocabulary, line ends included.
    public var totalBytes: Int
    /// Tokens (lines).
    public var tokens: Int

    public init(tokenBytes: Int = 1_024, totalBytes: Int = 8 << 20, tokens: Int = 1 << 20) {
        self.tokenBytes = tokenBytes
        self.totalBytes = totalBytes
        self.tokens = tokens
    }

    /// The first ceiling `vocabulary` breaks.
    public enum Violation: Sendable, Equatable, CustomStringConvertible {
        case totalBytes(found: Int, limit: Int)
        /// `line` counts from 1.
        case tokenBytes(line: Int, found: Int, limit: Int)
        case tokens(limit: Int)

        public var description: String {
            switch self {
            case let .totalBytes(found, limit):
                return "holds \(found) bytes, more than the \(limit)-byte limit for a vocabulary (VocabularyLimits.totalBytes)"
            case let .tokenBytes(line, found, limit):
                return "token on line \(line) holds \(found) bytes, more than the \(limit)-byte limit for one token "
                    + "(VocabularyLimits.tokenBytes)"
            case let .tokens(limit):
                return "holds more than \(limit) tokens, the limit for a vocabulary (VocabularyLimits.tokens)"
            }
        }
    }

    /// Checks `vocabulary` (UTF-8 or not) before anything is built from it. Tokens are counted with universal line
    /// ends (`\n`, `\r\n`, `\r`, as `transformers.load_vocab` reads them) and measured up to a `\n` only, so both
    /// limits hold however a reader splits a lone `\r`.
    public func violation(in vocabulary: UnsafeRawBufferPointer) -> Violation? {
        guard vocabulary.count <= totalBytes else { return .totalBytes(found: vocabulary.count, limit: totalBytes) }
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var lines = 0
        var index = 0
        while index < vocabulary.count {
            let byte = vocabulary[index]
            if byte == newline || byte == carriageReturn {
                lines += 1
                guard lines <= tokens else { return .tokens(limit: tokens) }
                if byte == carriageReturn, index + 1 < vocabulary.count, vocabulary[index + 1] == newline { index += 1 }
            }
            index += 1
        }
        if let last = vocabulary.last, last != newline, last != carriageReturn, lines + 1 > tokens { return .tokens(limit: tokens) }
        var line = 1
        var lineStart = 0
        for end in 0...vocabulary.count where end == vocabulary.count || vocabulary[end] == newline {
            let length = end - lineStart - (end > lineStart && vocabulary[end - 1] == carriageReturn ? 1 : 0)
            guard length <= tokenBytes else { return .tokenBytes(line: line, found: length, limit: tokenBytes) }
            line += 1
            lineStart = end + 1
        }
        return nil
    }
}
