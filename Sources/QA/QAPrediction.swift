// What decoding produces: logits in, an answer with its n-best list and context offsets out.

/// The two logit rows the model produces for one window, one value per position it ran (real tokens, and padding if
/// the window ran padded).
public struct SpanLogits: Sendable, Equatable {
    public var start: [Float]
    public var end: [Float]

    public init(start: [Float], end: [Float]) {
        self.start = start
        self.end = end
    }
}

/// One entry of the n-best list.
public struct QACandidate: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A span of the context.
        case span
        /// The no-answer option (SQuAD 2.0), text "".
        case noAnswer
        /// NeMo's stand-in when nothing valid was found: text "empty", logits 0 (kept so scores match NeMo's).
        case placeholder
    }

    public let kind: Kind
    public let text: String
    public let startLogit: Double
    public let endLogit: Double
    /// Softmax of start + end logit over the n-best list.
    public let probability: Double
    /// The span in the context, in Unicode scalars (start inclusive, end exclusive); nil unless `kind == .span`.
    public let startOffset: Int?
    public let endOffset: Int?

    public var score: Double { startLogit + endLogit }
}

/// The answer to one question.
///
/// `text` is NeMo's prediction text: the original characters of the span, but with the words joined by single
/// spaces (NeMo rebuilds it from whitespace-split words), so it can differ from `context[startOffset..<endOffset]`
/// when the span crosses a tab, newline or run of spaces. Offsets count Unicode scalars (Python `str` indices).
public struct QAPrediction: Sendable, Equatable {
    public let text: String
    /// True when SQuAD 2.0 decoding chose "no answer".
    public let isNoAnswer: Bool
    /// Start + end logit of the returned answer (the null score when `isNoAnswer`).
    public let score: Double
    public let startOffset: Int?
    public let endOffset: Int?
    public let nBest: [QACandidate]
    /// Lowest start[0] + end[0] over the windows; nil unless `version2WithNegative`.
    public let nullScore: Double?
    /// Null score − best span score, compared against `nullScoreDiffThreshold`; nil unless `version2WithNegative`.
    public let scoreDifference: Double?
}
