/// Answers and SQuAD scores equal a Python run of the same model and NeMo's postprocessing
/// (`Tools/reference_inference.py` on the reference HF export, committed in golden/tiny_v0_hf_squad_answers.json).
import Foundation
import QA
import Testing
@testable import Verification

struct PythonAnswers: Decodable {
    struct Answer: Decodable {
        let text: String
        let is_no_answer: Bool
        let null_score: Double
        let score_difference: Double
        let nbest: [Candidate]
    }
    struct Candidate: Decodable {
        let text: String
        let start_logit: Double
        let end_logit: Double
        let start_offset: Int?
        let end_offset: Int?
    }
    let answers: [String: Answer]
    let predictions: [String: String]
    let evaluation: [String: Double]

    static func load() throws -> PythonAnswers {
        try JSONDecoder().decode(PythonAnswers.self, from: Data(contentsOf: fixtures.appendingPathComponent("golden/tiny_v0_hf_squad_answers.json")))
    }
}

@Suite struct AnswerTests {
    static let squad = fixture("squad/tiny_squad.json")

    @Test("every question's answer, offsets and scores match the Python pipeline, from the source and from f32/f16 .decant",
          arguments: [nil, "f32", "f16"])
    func answersMatchPython(storage: String?) throws {
        let scratch = try Scratch()
        var path = Tiny.v0.path
        if let storage {
            path = scratch.file("m.decant")
            try writeNative(.v0, storage: .init(rawValue: storage)!, to: path)
        }
        let model = try QAModel.open(path: path)
        let processor = try model.processor()
        let expected = try PythonAnswers.load()
        let dataset = try SquadDataset(path: Self.squad)
        let tolerance = storage == "f16" ? 2e-2 : 1e-4
        for question in dataset.questions {
            let want = try #require(expected.answers[question.id])
            let got = try processor.answer(question: question.question, context: question.context, scorer: model)
            #expect(got.text == want.text, "\(question.id)")
            #expect(got.isNoAnswer == want.is_no_answer, "\(question.id)")
            #expect(abs((got.nullScore ?? .nan) - want.null_score) < tolerance, "\(question.id)")
            #expect(abs((got.scoreDifference ?? .nan) - want.score_difference) < tolerance, "\(question.id)")
            let best = got.nBest.first { $0.kind == .span }
            let wantBest = want.nbest.first { $0.start_offset != nil }
            #expect(best?.text == wantBest?.text, "\(question.id)")
            #expect(best?.startOffset == wantBest?.start_offset && best?.endOffset == wantBest?.end_offset, "\(question.id)")
        }
    }

    @Test("eval: predictions and EM/F1 (overall, HasAns, NoAns) equal the official script's on the Python predictions")
    func evalMatchesPython() throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        let dataset = try SquadDataset(path: Self.squad)
        var progress: [Int] = []
        let result = try SquadEvaluation.run(model: model, dataset: dataset, processor: model.processor()) { done, _ in progress.append(done) }
        let expected = try PythonAnswers.load()
        #expect(result.predictions == expected.predictions)
        #expect(progress == Array(1...dataset.questions.count))
        let e = result.evaluation
        #expect(e.overall.exact == expected.evaluation["exact"] && e.overall.f1 == expected.evaluation["f1"])
        #expect(e.hasAnswer?.exact == expected.evaluation["HasAns_exact"] && e.hasAnswer?.f1 == expected.evaluation["HasAns_f1"])
        #expect(e.noAnswer?.exact == expected.evaluation["NoAns_exact"] && e.noAnswer?.f1 == expected.evaluation["NoAns_f1"])
        #expect(e.overall.total == 9 && e.overall.f1 > 0)
    }
}
