/// NeMo's SQuAD pipeline without the model: question + context → windowed features, logits → answer.
///
/// Encoding follows NeMo 1.0's `convert_examples_to_features` (the classic BERT `run_squad` procedure) and
/// decoding its `get_predictions`; see `SpanDecoder` for the second half.
public struct SquadProcessor: Sendable {
    public let tokenizer: BertTokenizer
    public let settings: SquadSettings

    /// Fails on settings NeMo could not run with.
    public init(vocabulary: Vocabulary, settings: SquadSettings = SquadSettings()) throws(QAError) {
        try settings.validate(relating: [])
        self.settings = settings
        tokenizer = BertTokenizer(vocabulary: vocabulary, doLowerCase: settings.doLowerCase)
    }

    /// Tokenizes the question (cut to `maxQueryLength`) and each context word, then cuts the context tokens
    /// into windows of `maxSeqLength − question − 3` tokens, `docStride` apart.
    public func makeExample(question: String, context: String) throws(QAError) -> QAExample {
        let questionIDs = Array(tokenizer.tokenize(question).prefix(settings.maxQueryLength))
        guard !questionIDs.isEmpty else { throw .emptyQuestion }

        let words = ContextWords(context)
        var contextIDs: [Int32] = []
        var contextTokenToWord: [Int] = []
        for index in 0..<words.count {
            let pieces = tokenizer.tokenize(Array(words.word(index)))
            contextIDs.append(contentsOf: pieces)
            contextTokenToWord.append(contentsOf: repeatElement(index, count: pieces.count))
        }
        guard !contextIDs.isEmpty else { throw .emptyContext }

        let maxContextTokens = settings.maxSeqLength - questionIDs.count - 3
        guard maxContextTokens > 0 else {
            throw .noRoomForContext(maxSeqLength: settings.maxSeqLength, questionTokens: questionIDs.count)
        }
        let windows = DocumentWindows(tokenCount: contextIDs.count, maxTokens: maxContextTokens,
                                      stride: settings.docStride)
        let maxContextWindows = windows.maxContextWindows(tokenCount: contextIDs.count)
        let features = (0..<windows.count).map { window in
            makeFeature(window: window, of: windows, maxContextWindows: maxContextWindows, questionIDs: questionIDs,
                        contextIDs: contextIDs, contextTokenToWord: contextTokenToWord)
        }
        return QAExample(question: question, words: words, questionIDs: questionIDs, contextIDs: contextIDs,
                         contextTokenToWord: contextTokenToWord, features: features)
    }

    private func makeFeature(window: Int, of windows: DocumentWindows, maxContextWindows: [Int32], questionIDs: [Int32],
                             contextIDs: [Int32], contextTokenToWord: [Int]) -> QAFeature {
        let vocabulary = tokenizer.vocabulary
        let start = windows.starts[window]
        let span = start..<(start + windows.lengths[window])
        var ids = [vocabulary.clsID] + questionIDs + [vocabulary.sepID]
        let contextOffset = ids.count
        ids += contextIDs[span]
        ids.append(vocabulary.sepID)
        let tokenCount = ids.count
        let padding = settings.maxSeqLength - tokenCount
        let types = [Int32](repeating: 0, count: contextOffset) + [Int32](repeating: 1, count: tokenCount - contextOffset)
        return QAFeature(
            windowIndex: window,
            windowStart: start,
            inputIDs: ids + [Int32](repeating: vocabulary.padID, count: padding),
            attentionMask: [Int32](repeating: 1, count: tokenCount) + [Int32](repeating: 0, count: padding),
            tokenTypeIDs: types + [Int32](repeating: 0, count: padding),
            tokenCount: tokenCount,
            contextOffset: contextOffset,
            tokenToWord: Array(contextTokenToWord[span]),
            isMaxContext: span.map { maxContextWindows[$0] == window })
    }
}
