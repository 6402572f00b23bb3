import QA

/// Answers every question of a SQuAD file with a model and scores the answers as the official v2.0 script does.
public struct SquadEvaluation: Sendable {
    /// Question id → answer text, "" for no answer: the predictions file the official script reads.
    public let predictions: [String: String]
    public let evaluation: SquadMetric.Evaluation

    public static func run(model: QAModel, dataset: SquadDataset, processor: SquadProcessor,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> SquadEvaluation {
        guard !dataset.questions.isEmpty else { throw VerificationError.noInputs(source: "SQuAD file") }
        var predictions: [String: String] = [:]
        for (index, question) in dataset.questions.enumerated() {
            let prediction = try processor.answer(question: question.question, context: question.context, scorer: model)
            predictions[question.id] = prediction.isNoAnswer ? "" : prediction.text
            progress(index + 1, dataset.questions.count)
        }
        return SquadEvaluation(predictions: predictions, evaluation: try SquadMetric.evaluate(dataset, predictions: predictions))
    }
}
