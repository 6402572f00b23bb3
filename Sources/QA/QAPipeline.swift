// The glue between text and a model: tokenize → windows → scorer → decode, for one question at a time.

/// Anything that turns model inputs into start/end logits (the inference engine, or a fake in tests).
///
/// Returns one `SpanLogits` per feature, in order, each row covering at least the feature's real tokens
/// (`tokenCount`) and at most its padded length.
public protocol SpanScorer {
    func logits(for features: [QAFeature]) throws -> [SpanLogits]
}

extension SquadProcessor {
    /// Answers `question` from `context`; errors from the scorer pass through unchanged.
    public func answer(question: String, context: String, scorer: some SpanScorer) throws -> QAPrediction {
        let example = try makeExample(question: question, context: context)
        return try predict(example, logits: try scorer.logits(for: example.features))
    }
}
