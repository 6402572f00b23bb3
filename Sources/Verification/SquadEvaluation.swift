import QA

/// Answers every question of a SQuAD file with a model and scores the answers as the official v2.0 script does.
public struct SquadEvaluation: Sendable {
    /// Question id → answer text, "" for no answer: the predictions file the official script reads.
    public let predictions: [String: String]
    public let evaluation: SquadMetric.Evaluation

    public static func run(model: some SpanScorer, dataset: SquadDataset, processor: SquadProcessor,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> SquadEvaluation {
        guard !dataset.questions.isEmpty else { throw VerificationError.noInputs(source: "SQuAD file") }
        var predictions: [String: String] = [:]
        var pending: [(id: String, example: QAExample)] = []
        var done = 0
        // Windows of consecutive questions share forward passes, so short contexts still fill the products.
        func flush() throws {
            let logits = try model.logits(for: pending.flatMap(\.example.features))
            var offset = 0
            for (id, example) in pending {
                let count = example.features.count
                let prediction = try processor.predict(example, logits: Array(logits[offset..<(offset + count)]))
                predictions[id] = prediction.isNoAnswer ? "" : prediction.text
                offset += count
                done += 1
                progress(done, dataset.questions.count)
            }
            pending.removeAll()
        }
        var pendingTokens = 0
        for question in dataset.questions {
            let example = try processor.makeExample(question: question.question, context: question.context)
            pending.append((question.id, example))
            pendingTokens += example.features.reduce(0) { $0 + $1.tokenCount }
            if pendingTokens >= QAModel.tokensPerBatch {
                try flush()
                pendingTokens = 0
            }
        }
        try flush()
        return SquadEvaluation(predictions: predictions, evaluation: try SquadMetric.evaluate(dataset, predictions: predictions))
    }
}
