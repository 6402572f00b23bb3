/// Windows run at their real length, and `eval` puts the windows of several questions into one forward pass.
import Foundation
import QA
import Testing
@testable import Verification

@Suite struct RealLengthTests {
    /// Rows come back `tokenCount` long, and each real position's logits are the padded window's.
    @Test func windowsRunWithoutTheirPadding() throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        let processor = try model.processor()
        let dataset = try SquadDataset(path: AnswerTests.squad)
        let example = try processor.makeExample(question: dataset.questions[0].question, context: dataset.questions[0].context)
        let features = example.features
        #expect(features.contains { $0.tokenCount < $0.inputIDs.count })
        let real = try model.logits(for: features)
        let padded = try model.engine.logits(inputIds: features.map(\.inputIDs), tokenTypeIds: features.map(\.tokenTypeIDs),
                                             attentionMask: features.map(\.attentionMask))
        for (feature, (short, full)) in zip(features, zip(real, padded)) {
            #expect(short.start.count == feature.tokenCount && short.end.count == feature.tokenCount)
            for position in 0..<feature.tokenCount {
                #expect(abs(short.start[position] - full.start[position]) < 1e-5)
                #expect(abs(short.end[position] - full.end[position]) < 1e-5)
            }
        }
    }

    @Test func batchesHoldAtMostTheTokenBudget() {
        let full = QAModel.tokensPerBatch / 8
        #expect(QAModel.batches(lengths: []) == [])
        #expect(QAModel.batches(lengths: Array(repeating: full, count: 9)) == [0..<8, 8..<9])
        #expect(QAModel.batches(lengths: [QAModel.tokensPerBatch + 1, 5, 7]) == [0..<1, 1..<3])
        #expect(QAModel.batches(lengths: [30, 30, 30]) == [0..<3])
    }

    /// The tiny SQuAD file's 9 questions (25 short windows) take one forward pass, with the answers of one pass
    /// per question.
    @Test func evalBatchesWindowsAcrossQuestions() throws {
        final class Counting: SpanScorer {
            let model: QAModel
            var calls = 0
            init(_ model: QAModel) { self.model = model }
            func logits(for features: [QAFeature]) throws -> [SpanLogits] {
                calls += 1
                return try model.logits(for: features)
            }
        }
        let model = try QAModel.open(path: Tiny.v0.path)
        let dataset = try SquadDataset(path: AnswerTests.squad)
        let counting = Counting(model)
        let batched = try SquadEvaluation.run(model: counting, dataset: dataset, processor: model.processor())
        #expect(counting.calls == 1)
        let processor = try model.processor()
        for question in dataset.questions {
            let alone = try processor.answer(question: question.question, context: question.context, scorer: model)
            #expect(batched.predictions[question.id] == (alone.isNoAnswer ? "" : alone.text))
        }
    }
}
