import Bytes
import Foundation
import Testing
@testable import QA

/// EM/F1 against numbers from `Tools/squad_v2_official_eval.py` (the official v2.0 script's logic).
@Suite struct SquadMetricTests {
    struct Expected: Decodable {
        struct PerQuestion: Decodable { let exact: Int; let f1: Double }
        let exact, f1: Double
        let total: Int
        let HasAns_exact, HasAns_f1: Double
        let HasAns_total: Int
        let NoAns_exact, NoAns_f1: Double
        let NoAns_total: Int
        let per_question: [String: PerQuestion]
    }

    static func evaluateFixture() throws -> (SquadMetric.Evaluation, Expected) {
        let dataset = try SquadDataset(path: Fixtures.path("qa/squad_eval_dataset.json"))
        let predictionsFile = try MappedFile(path: Fixtures.path("qa/squad_eval_predictions.json"))
        let predictions = try readSquadPredictions(bytes: predictionsFile.view, source: "predictions")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(
            contentsOf: Fixtures.root.appendingPathComponent("qa/squad_eval_expected.json")))
        return (try SquadMetric.evaluate(dataset, predictions: predictions), expected)
    }

    @Test func totalsMatchTheOfficialScriptToTheLastBit() throws {
        let (evaluation, expected) = try Self.evaluateFixture()
        #expect(evaluation.overall == .init(exact: expected.exact, f1: expected.f1, total: expected.total))
        #expect(evaluation.hasAnswer == .init(exact: expected.HasAns_exact, f1: expected.HasAns_f1, total: expected.HasAns_total))
        #expect(evaluation.noAnswer == .init(exact: expected.NoAns_exact, f1: expected.NoAns_f1, total: expected.NoAns_total))
    }

    @Test func everyQuestionMatchesTheOfficialScript() throws {
        let (evaluation, expected) = try Self.evaluateFixture()
        #expect(evaluation.perQuestion.count == expected.per_question.count)
        for entry in evaluation.perQuestion {
            let want = try #require(expected.per_question[entry.id])
            #expect(entry.exact == want.exact, "\(entry.id)")
            #expect(entry.f1 == want.f1, "\(entry.id)")
        }
    }

    @Test func normalizationFollowsPython() {
        #expect(SquadMetric.normalize("The  Eiffel\u{00A0}Tower!") == "eiffel tower")
        #expect(SquadMetric.normalize("ΟΔΟΣ").unicodeScalars.elementsEqual("οδος".unicodeScalars))
        #expect(SquadMetric.normalize("anthem a_b the_c") == "anthem ab thec")
        #expect(SquadMetric.normalize("theatre an-the a.the") == "theatre anthe athe")
        #expect(SquadMetric.normalize("the\u{301} x").unicodeScalars.elementsEqual("\u{301} x".unicodeScalars))
    }

    @Test func missingPredictionIsAnError() throws {
        let dataset = try SquadDataset(path: Fixtures.path("qa/squad_eval_dataset.json"))
        #expect(throws: QAError.missingPrediction(id: "articles_dropped")) {
            try SquadMetric.evaluate(dataset, predictions: [:])
        }
    }

    @Test func duplicateQuestionIDsAreRejected() {
        let json = #"{"data":[{"paragraphs":[{"context":"c","qas":[{"id":"q","question":"?","answers":[]},{"id":"q","question":"?","answers":[]}]}]}]}"#
        #expect(throws: QAError.duplicateQuestionID(id: "q")) {
            try SquadDataset(bytes: ByteView(copying: Array(json.utf8)), source: "dup.json")
        }
    }

    @Test func malformedFilesNameWhatIsWrong() {
        let missing = #"{"data":[{"paragraphs":[{"qas":[]}]}]}"#
        #expect(throws: QAError.malformedSquadJSON(source: "f", reason: "missing key \"context\" at .data[0].paragraphs[0]")) {
            try SquadDataset(bytes: ByteView(copying: Array(missing.utf8)), source: "f")
        }
        #expect(throws: QAError.malformedSquadJSON(source: "f", reason: "not valid JSON")) {
            try SquadDataset(bytes: ByteView(copying: Array("{\"data\": [".utf8)), source: "f")
        }
        #expect(throws: QAError.invalidUTF8(source: "f", byteOffset: 9)) {
            try SquadDataset(bytes: ByteView(copying: Array("{\"data\":\"".utf8) + [0xFF, 0x22, 0x7D]), source: "f")
        }
    }
}
