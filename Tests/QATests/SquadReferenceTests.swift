import Foundation
import Testing
@testable import QA

/// Features and predictions against `Tools/gen_qa_expected.py`, a port of NeMo 1.0's SQuAD code.
@Suite struct SquadReferenceTests {
    // JSONDecoder, not JSONSerialization: the latter misreads some doubles by an ulp.
    struct Case: Decodable {
        struct Settings: Decodable {
            let max_seq_length, doc_stride, max_query_length, max_answer_length, n_best_size: Int
            let null_score_diff_threshold: Double
            let do_lower_case, version_2_with_negative: Bool
        }
        struct Feature: Decodable {
            let window_start, context_offset: Int
            let input_ids, input_mask, segment_ids: [Int32]
            let token_to_orig: [Int]
            let is_max_context: [Bool]
        }
        struct Candidate: Decodable {
            let text, kind: String
            let start_logit, end_logit, probability: Double
            let start_offset, end_offset: Int?
        }
        struct Prediction: Decodable {
            let text: String
            let is_no_answer: Bool
            let null_score, score_difference: Double?
            let nbest: [Candidate]
        }
        let name, question, context: String
        let settings: Settings
        let char_to_word_offset: [Int]
        let question_ids, context_ids: [Int32]
        let context_token_to_word: [Int]
        let features: [Feature]
        let start_logits, end_logits: [[Float]]
        let prediction: Prediction
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        let data = try! Data(contentsOf: Fixtures.root.appendingPathComponent("qa/squad_expected.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static var caseNames: [String] { cases.map(\.name) }

    static func settings(_ json: Case.Settings) -> SquadSettings {
        var s = SquadSettings()
        s.maxSeqLength = json.max_seq_length
        s.docStride = json.doc_stride
        s.maxQueryLength = json.max_query_length
        s.maxAnswerLength = json.max_answer_length
        s.nBestSize = json.n_best_size
        s.nullScoreDiffThreshold = json.null_score_diff_threshold
        s.doLowerCase = json.do_lower_case
        s.version2WithNegative = json.version_2_with_negative
        return s
    }

    func load(_ name: String) throws -> (json: Case, processor: SquadProcessor, example: QAExample) {
        let json = Self.cases.first { $0.name == name }!
        let processor = try SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: Self.settings(json.settings))
        return (json, processor, try processor.makeExample(question: json.question, context: json.context))
    }

    static func logits(_ json: Case) -> [SpanLogits] {
        zip(json.start_logits, json.end_logits).map { SpanLogits(start: $0, end: $1) }
    }

    @Test(arguments: caseNames)
    func featuresMatchNeMo(_ name: String) throws {
        let (json, _, example) = try load(name)
        #expect(example.words.charToWordOffset == json.char_to_word_offset)
        #expect(example.questionIDs == json.question_ids)
        #expect(example.contextIDs == json.context_ids)
        #expect(example.contextTokenToWord == json.context_token_to_word)
        try #require(example.features.count == json.features.count)
        for (feature, want) in zip(example.features, json.features) {
            #expect(feature.windowStart == want.window_start)
            #expect(feature.inputIDs == want.input_ids)
            #expect(feature.attentionMask == want.input_mask)
            #expect(feature.tokenTypeIDs == want.segment_ids)
            #expect(feature.tokenToWord == want.token_to_orig)
            #expect(feature.isMaxContext == want.is_max_context)
            #expect(feature.contextOffset == want.context_offset)
        }
    }

    @Test(arguments: caseNames)
    func predictionsMatchNeMo(_ name: String) throws {
        let (json, processor, example) = try load(name)
        let prediction = try processor.predict(example, logits: Self.logits(json))
        let want = json.prediction
        #expect(prediction.text.unicodeScalars.elementsEqual(want.text.unicodeScalars))
        #expect(prediction.isNoAnswer == want.is_no_answer)
        #expect(prediction.nullScore == want.null_score)
        #expect(prediction.scoreDifference == want.score_difference)
        try #require(prediction.nBest.count == want.nbest.count)
        for (got, entry) in zip(prediction.nBest, want.nbest) {
            #expect(got.text.unicodeScalars.elementsEqual(entry.text.unicodeScalars))
            #expect("\(got.kind)" == entry.kind)
            #expect(got.startLogit == entry.start_logit)
            #expect(got.endLogit == entry.end_logit)
            #expect(abs(got.probability - entry.probability) < 1e-12)
            #expect(got.startOffset == entry.start_offset)
            #expect(got.endOffset == entry.end_offset)
        }
    }

    /// The offsets point at the answer in the original context: the slice, with NeMo's word separators
    /// collapsed to single spaces, is the answer text.
    @Test(arguments: caseNames)
    func offsetsSliceTheAnswerOutOfTheContext(_ name: String) throws {
        let (json, processor, example) = try load(name)
        for candidate in try processor.predict(example, logits: Self.logits(json)).nBest where candidate.kind == .span {
            let slice = example.words.scalars[candidate.startOffset!..<candidate.endOffset!]
            var collapsed: [Unicode.Scalar] = []
            for c in slice {
                if ContextWords.isWordSeparator(c) {
                    if collapsed.last != " " { collapsed.append(" ") }
                } else {
                    collapsed.append(c)
                }
            }
            #expect(collapsed.elementsEqual(candidate.text.unicodeScalars))
        }
    }
}
