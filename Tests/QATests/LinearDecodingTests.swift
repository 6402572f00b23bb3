import Foundation
import Testing
@testable import QA

/// SplitMix64: a seeded generator, so every failing input can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Contexts aimed at the corners of `get_final_text` and of the windows: punctuation runs, Chinese without
/// spaces, decomposed accents, characters whose tokenization changes length (Hangul grows under NFD, controls
/// vanish, so one can pay for the other), final sigma, special tokens written or glued in the text, every kind
/// of whitespace, words past WordPiece's 100 scalars and past the projector's scan limit.
enum HostileContexts {
    static let fragments: [String] = [
        "the", "Sky", "BLUE", "is", "what", "color", "of", "it", "a", "day", "clear", "red", "running", "Normans",
        "!", "?", ".", ",", "(", ")", "'", "-", "_", "$", "`", "#", "##", "[SEP]", "[UNK]", "[S\u{1}EP]", "[cls]",
        "é", "e\u{301}", "cafe\u{301}", "\u{301}", "İ", "Σ", "ΑΣ", "ς", "ß", "ǅ", "Å", "\u{212B}", "ﬁ",
        "한", "한국", "天空", "中文", "，", "。", "\u{0F73}", "\u{0958}", "😀",
        "\u{1}", "\u{0}", "\u{200B}", "\u{FFFD}", "\u{7F}", "\u{A0}", "\u{3000}", "\u{2028}", "\u{85}",
    ]
    static let separators = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u{202F}", " \u{202F} "]

    static func word(using generator: inout SeededGenerator) -> String {
        // Mostly short words, sometimes one long enough to pass WordPiece's limit and the scan limit.
        let count = Int.random(in: 0..<10, using: &generator) == 0 ? Int.random(in: 20...160, using: &generator)
                                                                    : Int.random(in: 1...3, using: &generator)
        return (0..<count).map { _ in fragments.randomElement(using: &generator)! }.joined()
    }

    static func context(words: ClosedRange<Int>, using generator: inout SeededGenerator) -> String {
        let count = Int.random(in: words, using: &generator)
        var text = Int.random(in: 0..<4, using: &generator) == 0 ? separators.randomElement(using: &generator)! : ""
        for index in 0..<count {
            if index > 0 { text += separators.randomElement(using: &generator)! }
            text += word(using: &generator)
        }
        return text
    }

    /// Fixed worst cases, each a single long word or a run of tiny ones.
    static let fixed: [String] = [
        String(repeating: "!", count: 700),
        String(repeating: "!?", count: 300),
        String(repeating: "天空在晴朗的日子里是蓝色的，因为大气把阳光散射。", count: 20),
        String(repeating: "cafe\u{301}!", count: 80),
        String(repeating: "한!", count: 60) + String(repeating: "!", count: 40) + String(repeating: "\u{1}", count: 120),
        String(repeating: "e\u{301}\u{1}한", count: 100),
        String(repeating: "ΑΣ'ΣΑ!", count: 60),
        String(repeating: "sky\u{3000}blue\u{A0}day\u{2028}", count: 40),
        String(repeating: "abcdefghij", count: 30) + " " + String(repeating: "the!", count: 90),
        String(repeating: "[S\u{1}EP]x[SEP]y", count: 40),
        (0..<150).map { $0 % 3 == 0 ? "the" : "\u{200B}" }.joined(separator: " "),
        String(repeating: "! ", count: 400),
        String(repeating: "the sky is blue ", count: 60) + String(repeating: "!", count: 500),
    ]
}

/// The linear decoding against the quadratic code it replaced (QuadraticDecodingOracle.swift): same windows,
/// same answers, same n-best lists, same offsets, on random and hostile contexts.
@Suite struct LinearDecodingTests {
    @Test func maxContextWindowsMatchTheWindowByWindowScan() {
        var generator = SeededGenerator(state: 1)
        for _ in 0..<800 {
            let tokenCount = Int.random(in: 1...200, using: &generator)
            let maxTokens = Int.random(in: 1...50, using: &generator)
            let stride = Int.random(in: 1...60, using: &generator)
            let windows = DocumentWindows(tokenCount: tokenCount, maxTokens: maxTokens, stride: stride)
            let oracle = QuadraticDocumentWindows(starts: windows.starts, lengths: windows.lengths)
            let best = windows.maxContextWindows(tokenCount: tokenCount).map { Int($0) }
            #expect(best == (0..<tokenCount).map(oracle.bestWindow),
                    "tokens \(tokenCount), window \(maxTokens), stride \(stride)")
        }
    }

    @Test func substringIndexFindsTheFirstOccurrence() {
        var generator = SeededGenerator(state: 2)
        let alphabets: [[Unicode.Scalar]] = [["a"], ["a", "b"], ["a", "b", " "], ["!", " ", "\u{10FFFF}", "\u{0}", "z"]]
        for _ in 0..<1500 {
            let alphabet = alphabets.randomElement(using: &generator)!
            let text = (0..<Int.random(in: 0...120, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let index = SubstringIndex(text)
            for _ in 0..<6 {
                var pattern: [Unicode.Scalar]
                if !text.isEmpty, Bool.random(using: &generator) {
                    let start = Int.random(in: 0..<text.count, using: &generator)
                    pattern = Array(text[start..<Int.random(in: start...text.count, using: &generator)])
                } else {
                    pattern = (0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
                }
                #expect(index.firstOccurrence(of: pattern) == QuadraticFinalText.firstIndex(of: pattern, in: text),
                        "\(text) / \(pattern)")
            }
        }
    }

    @Test func projectorMatchesGetFinalTextForAnyPrediction() {
        var generator = SeededGenerator(state: 3)
        for round in 0..<500 {
            let context = round < HostileContexts.fixed.count
                ? HostileContexts.fixed[round] : HostileContexts.context(words: 1...12, using: &generator)
            let words = ContextWords(context)
            guard words.count > 0 else { continue }
            let doLowerCase = Int.random(in: 0..<4, using: &generator) != 0
            let joined = JoinedWords(words)
            var projectors = [0, 1, 5, FinalTextProjector.defaultScanLimit, Int.max].map {
                FinalTextProjector(joined: joined, doLowerCase: doLowerCase, scanLimit: $0)
            }
            for _ in 0..<8 {
                let firstWord = Int.random(in: 0..<words.count, using: &generator)
                let lastWord = min(words.count - 1, firstWord + Int.random(in: 0...3, using: &generator))
                let original = Array((firstWord...lastWord).map { Array(words.word($0)) }.joined(separator: [" "]))
                let predicted = Self.prediction(for: original, doLowerCase: doLowerCase, using: &generator)

                let range = QuadraticFinalText.project(predicted, onto: original, doLowerCase: doLowerCase)
                let expectedOffsets = Self.contextOffsets(of: range, in: words, firstWord: firstWord)
                for index in projectors.indices {
                    let projection = projectors[index].project(predicted, firstWord: firstWord, lastWord: lastWord)
                    #expect(joined.scalars(projection.text) == Array(original[range]) && projection.offsets == expectedOffsets,
                            "context \(context.debugDescription), words \(firstWord)...\(lastWord), prediction \(String(String.UnicodeScalarView(predicted)).debugDescription), scan limit \(projectors[index].scanLimit)")
                }
            }
        }
    }

    @Test(arguments: [false, true]) func decodingMatchesTheQuadraticDecoder(tinyVocabulary: Bool) throws {
        var generator = SeededGenerator(state: tinyVocabulary ? 5 : 4)
        let vocabulary = tinyVocabulary ? Fixtures.tinyVocabulary : Fixtures.bertVocabulary
        let questions = ["what is the color of the sky?", "who?", "what is it"]
        for round in 0..<(tinyVocabulary ? 150 : 250) {
            let context = round < HostileContexts.fixed.count
                ? HostileContexts.fixed[round] : HostileContexts.context(words: 1...40, using: &generator)
            var settings = SquadSettings()
            settings.maxSeqLength = Int.random(in: 10...40, using: &generator)
            settings.docStride = Int.random(in: 1...24, using: &generator)
            settings.maxQueryLength = Int.random(in: 1...8, using: &generator)
            settings.maxAnswerLength = Int.random(in: 1...12, using: &generator)
            settings.nBestSize = [1, 2, 3, 5, 8, 20].randomElement(using: &generator)!
            settings.nullScoreDiffThreshold = [-3.0, 0, 2.5].randomElement(using: &generator)!
            settings.doLowerCase = Int.random(in: 0..<4, using: &generator) != 0
            settings.version2WithNegative = Bool.random(using: &generator)
            let processor = try SquadProcessor(vocabulary: vocabulary, settings: settings)
            let example: QAExample
            do {
                example = try processor.makeExample(question: questions.randomElement(using: &generator)!, context: context)
            } catch {
                continue  // an empty context, or no room for one: nothing to decode
            }
            let logits = Self.logits(for: example.features, using: &generator)
            let expected = processor.quadraticPredict(example, logits: logits)
            for scanLimit in [0, FinalTextProjector.defaultScanLimit] {
                let prediction = try processor.predict(example, logits: logits, finalTextScanLimit: scanLimit)
                #expect(prediction == expected, "round \(round), scan limit \(scanLimit), context \(context.debugDescription)")
            }
        }
    }

    @Test func committedReferenceCasesStillDecodeTheSameWithTheIndexForced() throws {
        for testCase in SquadReferenceTests.cases {
            let processor = try SquadProcessor(vocabulary: Fixtures.bertVocabulary,
                                               settings: SquadReferenceTests.settings(testCase.settings))
            let example = try processor.makeExample(question: testCase.question, context: testCase.context)
            let logits = zip(testCase.start_logits, testCase.end_logits).map { SpanLogits(start: $0, end: $1) }
            #expect(try processor.predict(example, logits: logits, finalTextScanLimit: 0)
                    == processor.predict(example, logits: logits), "\(testCase.name)")
        }
    }

    /// What the decoder could hand `get_final_text`, and what it could not: a slice of the tokenized original
    /// (possibly cut inside a token or at a space), text from elsewhere, `[UNK]`, or nothing.
    static func prediction(for original: [Unicode.Scalar], doLowerCase: Bool,
                           using generator: inout SeededGenerator) -> [Unicode.Scalar] {
        let tokenized = Array(BasicTokenizer(doLowerCase: doLowerCase, neverSplit: []).tokenize(original)
            .joined(separator: [" "]))
        switch Int.random(in: 0..<10, using: &generator) {
        case 0:
            return []
        case 1:
            return Array(HostileContexts.word(using: &generator).unicodeScalars)
        case 2 where !tokenized.isEmpty:
            var slice = Array(tokenized.prefix(Int.random(in: 1...min(12, tokenized.count), using: &generator)))
            slice.insert(contentsOf: "[UNK]".unicodeScalars, at: Int.random(in: 0...slice.count, using: &generator))
            return slice
        default:
            guard !tokenized.isEmpty else { return Array("the".unicodeScalars) }
            let start = Int.random(in: 0..<tokenized.count, using: &generator)
            let end = min(tokenized.count, start + Int.random(in: 1...24, using: &generator))
            return Array(tokenized[start..<end])
        }
    }

    /// The context offsets the quadratic decoder derived from a range of the original.
    static func contextOffsets(of range: Range<Int>, in words: ContextWords, firstWord: Int) -> Range<Int> {
        func contextOffset(_ position: Int) -> Int {
            var word = firstWord
            var wordStart = 0
            while wordStart + words.wordRanges[word].count < position {
                wordStart += words.wordRanges[word].count + 1
                word += 1
            }
            return words.wordRanges[word].lowerBound + position - wordStart
        }
        guard !range.isEmpty else { return contextOffset(range.lowerBound)..<contextOffset(range.lowerBound) }
        return contextOffset(range.lowerBound)..<(contextOffset(range.upperBound - 1) + 1)
    }

    /// Logits with many ties (small integers), continuous ones, or a null answer that wins.
    static func logits(for features: [QAFeature], using generator: inout SeededGenerator) -> [SpanLogits] {
        let mode = Int.random(in: 0..<3, using: &generator)
        return features.map { feature in
            func row() -> [Float] {
                feature.inputIDs.indices.map { _ in
                    mode == 1 ? Float.random(in: -4...4, using: &generator) : Float(Int.random(in: -3...3, using: &generator))
                }
            }
            var logits = SpanLogits(start: row(), end: row())
            if mode == 2 {
                logits.start[0] = 9
                logits.end[0] = 9
            }
            return logits
        }
    }
}
