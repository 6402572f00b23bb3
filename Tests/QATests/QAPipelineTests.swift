import Bytes
import Foundation
import Testing
@testable import QA

/// A stand-in for the model: high start logit on one context token id, high end logit on another.
struct PlantedScorer: SpanScorer {
    let startID: Int32
    let endID: Int32

    func logits(for features: [QAFeature]) throws -> [SpanLogits] {
        features.map { feature in
            var start = [Float](repeating: -5, count: feature.inputIDs.count)
            var end = start
            start[0] = 0
            end[0] = 0
            for position in feature.contextOffset..<(feature.tokenCount - 1) {
                if feature.inputIDs[position] == startID { start[position] = 10 }
                if feature.inputIDs[position] == endID { end[position] = 10 }
            }
            return SpanLogits(start: start, end: end)
        }
    }
}

struct FailingScorer: SpanScorer {
    struct Failure: Error, Equatable {}
    func logits(for features: [QAFeature]) throws -> [SpanLogits] { throw Failure() }
}

@Suite struct QAPipelineTests {
    /// A SQuAD 2.0 model, as NeMo's Megatron QA checkpoints state (NeMo's example config defaults to SQuAD 1.1).
    static let squad2: SquadSettings = {
        var settings = SquadSettings()
        settings.version2WithNegative = true
        return settings
    }()
    let processor = try! SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: squad2)

    func id(_ token: String) -> Int32 { Fixtures.bertVocabulary.id(of: Array(token.unicodeScalars))! }

    @Test func answersWithOffsetsInTheOriginalContext() throws {
        let context = "In 911,  the   Viking leader Rollo\tswore fealty to Charles III."
        let prediction = try processor.answer(question: "To whom?", context: context,
                                              scorer: PlantedScorer(startID: id("charles"), endID: id("charles")))
        #expect(prediction.text == "Charles")
        #expect(!prediction.isNoAnswer)
        let scalars = Array(context.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[prediction.startOffset!..<prediction.endOffset!])) == "Charles")
        #expect(prediction.score == 20)
        #expect(prediction.nullScore == 0)
    }

    @Test func offsetsCountUnicodeScalarsNotUTF16OrCharacters() throws {
        // 😀 is two UTF-16 units, "e\u{301}" is one Character but two scalars.
        let context = "😀 e\u{301}e\u{301} Charles led them."
        let prediction = try processor.answer(question: "Who?", context: context,
                                              scorer: PlantedScorer(startID: id("charles"), endID: id("charles")))
        #expect(prediction.startOffset == 7)
        #expect(prediction.endOffset == 14)
    }

    @Test func nullAboveEverySpanMeansNoAnswer() throws {
        let prediction = try processor.answer(question: "Who?", context: "Rollo led them.",
                                              scorer: PlantedScorer(startID: -1, endID: -1))
        #expect(prediction.isNoAnswer)
        #expect(prediction.text == "")
        #expect(prediction.startOffset == nil)
        #expect(prediction.nBest.contains { $0.kind == .noAnswer })
    }

    @Test func fiveThousandWordContextSpansManyWindowsAndFindsTheAnswer() throws {
        var words = (0..<5000).map { ["river", "stone", "harbor", "lantern", "meadow"][$0 % 5] }
        words[4321] = "Charles"
        let context = words.joined(separator: " ")
        let example = try processor.makeExample(question: "Who?", context: context)
        #expect(example.contextIDs.count == 5000)
        // 384 − 2 question tokens − 3 = 379 tokens per window, 128 apart; the first window that reaches the
        // end starts at 37 × 128 = 4736 (4608 + 379 < 5000).
        #expect(example.features.count == 38)
        #expect(example.features.last!.windowStart == 4736)
        #expect(example.features.last!.tokenCount == 2 + 3 + 5000 - 4736)
        // Every context token is "max context" in exactly one window.
        var owners = [Int](repeating: 0, count: example.contextIDs.count)
        for feature in example.features {
            for (i, isMax) in feature.isMaxContext.enumerated() where isMax { owners[feature.windowStart + i] += 1 }
        }
        #expect(owners.allSatisfy { $0 == 1 })

        let prediction = try processor.answer(question: "Who?", context: context,
                                              scorer: PlantedScorer(startID: id("charles"), endID: id("charles")))
        #expect(prediction.text == "Charles")
        #expect(prediction.startOffset == words[..<4321].reduce(0) { $0 + $1.count + 1 })
    }

    @Test func controlCharactersInTheContextAreDroppedByTheTokenizerButKeptInTheAnswer() throws {
        let context = "Cha\u{0}rles\u{7} led them."
        let prediction = try processor.answer(question: "Who?", context: context,
                                              scorer: PlantedScorer(startID: id("charles"), endID: id("charles")))
        // get_final_text cannot align "charles" with the 9-scalar word, so NeMo returns the whole word.
        #expect(prediction.text == "Cha\u{0}rles\u{7}")
        #expect(prediction.startOffset == 0)
        #expect(prediction.endOffset == 9)
    }

    @Test func questionLongerThanMaxQueryLengthIsCut() throws {
        var settings = SquadSettings()
        settings.maxQueryLength = 5
        let processor = try SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: settings)
        let example = try processor.makeExample(question: String(repeating: "why ", count: 100), context: "Because.")
        #expect(example.questionIDs.count == 5)
        #expect(example.features[0].contextOffset == 7)
    }

    @Test func emptyQuestionIsAnError() {
        for question in ["", "   \n\t", "\u{0}\u{200B}"] {
            #expect(throws: QAError.emptyQuestion) { try processor.makeExample(question: question, context: "Some text.") }
        }
    }

    @Test func emptyContextIsAnError() {
        for context in ["", "  \t\n ", "\u{200B} \u{0}"] {
            #expect(throws: QAError.emptyContext) { try processor.makeExample(question: "Who?", context: context) }
        }
    }

    @Test func settingsWithoutRoomForContextAreAnError() throws {
        var settings = SquadSettings()
        settings.maxSeqLength = 8
        let processor = try SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: settings)
        #expect(throws: QAError.noRoomForContext(maxSeqLength: 8, questionTokens: 5)) {
            try processor.makeExample(question: "who led the raiders?", context: "Rollo.")
        }
    }

    @Test func nonPositiveSettingsAreRejected() {
        var settings = SquadSettings()
        settings.docStride = 0
        #expect(throws: QAError.invalidSetting(setting: "doc_stride", value: "0", requirement: "an integer from 1 to 1048576")) {
            try SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: settings)
        }
        settings = SquadSettings()
        settings.nBestSize = -3
        #expect(throws: QAError.invalidSetting(setting: "n_best_size", value: "-3", requirement: "an integer from 1 to 1048576")) {
            try SquadProcessor(vocabulary: Fixtures.bertVocabulary, settings: settings)
        }
    }

    @Test func logitsOfTheWrongShapeAreRejected() throws {
        let example = try processor.makeExample(question: "Who?", context: "Rollo led them.")
        let good = SpanLogits(start: [Float](repeating: 0, count: 384), end: [Float](repeating: 0, count: 384))
        #expect(throws: QAError.featureCountMismatch(expected: 1, found: 2)) {
            try processor.predict(example, logits: [good, good])
        }
        let tokens = example.features[0].tokenCount
        #expect(throws: QAError.logitCountMismatch(feature: 0, realTokens: tokens, padded: 384, found: 10)) {
            try processor.predict(example, logits: [SpanLogits(start: good.start, end: [Float](repeating: 0, count: 10))])
        }
        let short = [Float](repeating: 0, count: tokens - 1)
        #expect(throws: QAError.logitCountMismatch(feature: 0, realTokens: tokens, padded: 384, found: tokens - 1)) {
            try processor.predict(example, logits: [SpanLogits(start: short, end: short)])
        }
        let long = [Float](repeating: 0, count: 385)
        #expect(throws: QAError.logitCountMismatch(feature: 0, realTokens: tokens, padded: 384, found: 385)) {
            try processor.predict(example, logits: [SpanLogits(start: long, end: long)])
        }
        // The real tokens alone decode.
        let real = [Float](repeating: 0, count: tokens)
        #expect(throws: Never.self) { try processor.predict(example, logits: [SpanLogits(start: real, end: real)]) }
        var bad = good
        bad.end[17] = .nan
        #expect(throws: QAError.nonFiniteLogit(feature: 0, position: 17)) { try processor.predict(example, logits: [bad]) }
    }

    @Test func scorerErrorsPassThrough() {
        #expect(throws: FailingScorer.Failure()) {
            try processor.answer(question: "Who?", context: "Rollo.", scorer: FailingScorer())
        }
    }

    @Test func invalidUTF8ContextFileNamesTheByteOffset() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("decant-qa-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0x52, 0x6F, 0x6C, 0x6C, 0x6F, 0x20, 0xC3, 0x28]).write(to: URL(fileURLWithPath: path))
        #expect(throws: QAError.invalidUTF8(source: path, byteOffset: 6)) { try UTF8Text.string(contentsOf: path) }
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [QAError] = [.emptyQuestion, .emptyContext, .invalidUTF8(source: "f", byteOffset: 3),
                                 .noRoomForContext(maxSeqLength: 8, questionTokens: 5),
                                 .logitCountMismatch(feature: 0, realTokens: 9, padded: 384, found: 10)]
        for error in errors { #expect(!error.description.contains("\n")) }
    }
}
