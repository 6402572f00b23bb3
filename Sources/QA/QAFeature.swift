/// One model input: `[CLS] question [SEP] context window [SEP]` padded, and how its positions map to words.
///
/// This is the inference half of NeMo's `InputFeatures`. `token_to_orig_map` and `token_is_max_context`, which
/// NeMo keeps as dictionaries keyed by sequence position, are arrays over the window's context tokens here:
/// sequence position `contextOffset + i` is context token `windowStart + i`.
public struct QAFeature: Sendable, Equatable {
    /// Which window of the context this is (`doc_span_index`).
    public let windowIndex: Int
    /// The index of the window's first token among all the context's tokens (`doc_span.start`).
    public let windowStart: Int
    /// Token ids, padded with the `[PAD]` id to `maxSeqLength`.
    public let inputIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public let attentionMask: [Int32]
    /// 0 for `[CLS]` question `[SEP]` and padding, 1 for the context and its closing `[SEP]`.
    public let tokenTypeIDs: [Int32]
    /// Real (unpadded) tokens.
    public let tokenCount: Int
    /// The sequence position of the first context token: question length + 2.
    public let contextOffset: Int
    /// For each context token in the window, the index of the whitespace word it came from.
    public let tokenToWord: [Int]
    /// For each context token in the window, whether this window gives it the most context on both sides.
    public let isMaxContext: [Bool]

    /// The word a sequence position belongs to, or nil outside the window's context tokens.
    public func wordIndex(atPosition position: Int) -> Int? {
        let i = position - contextOffset
        return i >= 0 && i < tokenToWord.count ? tokenToWord[i] : nil
    }

    /// Whether a sequence position is a context token that this window is the best one for.
    public func isMaxContext(atPosition position: Int) -> Bool {
        let i = position - contextOffset
        return i >= 0 && i < isMaxContext.count && isMaxContext[i]
    }
}

/// A question and context turned into model inputs, plus what decoding needs to map logits back to text.
public struct QAExample: Sendable {
    public let question: String
    public let words: ContextWords
    /// The question's tokens after truncation to `maxQueryLength`.
    public let questionIDs: [Int32]
    /// Every context token (`all_doc_tokens`) and its word (`tok_to_orig_index`).
    public let contextIDs: [Int32]
    public let contextTokenToWord: [Int]
    public let features: [QAFeature]
}

/// The sliding windows over a context's tokens (`doc_spans`).
struct DocumentWindows {
    let starts: [Int]
    let lengths: [Int]

    /// Windows of `maxTokens` advancing by `min(length, stride)` until one reaches the end, as NeMo does.
    init(tokenCount: Int, maxTokens: Int, stride: Int) {
        var starts: [Int] = []
        var lengths: [Int] = []
        var start = 0
        while start < tokenCount {
            let length = min(tokenCount - start, maxTokens)
            starts.append(start)
            lengths.append(length)
            if start + length == tokenCount { break }
            start += min(length, stride)
        }
        self.starts = starts
        self.lengths = lengths
    }

    var count: Int { starts.count }

    /// For every context token, the window that sees it with the largest min(left, right) context, the earliest
    /// on ties (`_check_is_max_context`; the 0.01 × length term prefers longer windows).
    ///
    /// One pass over the windows in order, keeping a running best per token, so the cost is the total window
    /// length (what the features hold anyway) instead of tokens × windows.
    func maxContextWindows(tokenCount: Int) -> [Int32] {
        var best = [Int32](repeating: -1, count: tokenCount)
        var bestScore = [Double](repeating: 0, count: tokenCount)
        for window in 0..<count {
            let start = starts[window]
            let end = start + lengths[window] - 1
            for position in start...end {
                let score = Double(min(position - start, end - position)) + 0.01 * Double(lengths[window])
                if best[position] < 0 || score > bestScore[position] {
                    best[position] = Int32(window)
                    bestScore[position] = score
                }
            }
        }
        return best
    }
}
