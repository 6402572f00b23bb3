/// Golden files that do not fit the model, .decant files without QA metadata, and bad text: specific errors.
import Bytes
import Foundation
import Inference
import QA
import JSON
import Testing
@testable import Verification

@Suite struct BadInputTests {
    static let config = BertConfig(layers: 2, hidden: 64, heads: 4, ffn: 256, vocab: 120, positions: 32, tokenTypes: 2)

    static func validCase(length: Int = 4) -> [String: JSONValue] {
        let ids: [Int] = [101] + Array(repeating: 105, count: length - 2) + [102]
        return ["input_ids": .array(ids.map(JSONValue.integer)), "token_type_ids": .array(Array(repeating: 0, count: length)),
                "attention_mask": .array(Array(repeating: 1, count: length)),
                "start_logits": .array(Array(repeating: 0.5, count: length)),
                "end_logits": .array(Array(repeating: -0.5, count: length))]
    }

    static func changed(_ key: String, _ value: JSONValue) -> [String: JSONValue] {
        var item = validCase()
        item[key] = value
        return item
    }

    @Test("golden cases that do not fit the model name the case, the field and the limit", arguments: [
        (changed("token_type_ids", [0, 0, 0]), VerificationError.goldenLengthMismatch(caseIndex: 0, field: "token_type_ids", expected: 4, found: 3)),
        (changed("end_logits", [0.0]), .goldenLengthMismatch(caseIndex: 0, field: "end_logits", expected: 4, found: 1)),
        (validCase(length: 33), .goldenSequenceTooLong(caseIndex: 0, length: 33, positions: 32)),
        (changed("input_ids", [101, 120, 5, 102]), .goldenTokenIdOutOfRange(caseIndex: 0, position: 1, id: 120, vocab: 120)),
        (changed("input_ids", [101, -1, 5, 102]), .goldenTokenIdOutOfRange(caseIndex: 0, position: 1, id: -1, vocab: 120)),
        (changed("token_type_ids", [0, 0, 2, 0]), .goldenTokenTypeOutOfRange(caseIndex: 0, position: 2, tokenType: 2, tokenTypes: 2)),
        (changed("attention_mask", [1, 1, 1, 7]), .goldenInvalidMask(caseIndex: 0, position: 3, value: 7)),
        (changed("attention_mask", [0, 0, 0, 0]), .goldenNoUnmaskedPosition(caseIndex: 0)),
    ] as [([String: JSONValue], VerificationError)])
    func goldenShapeMismatch(item: [String: JSONValue], expected: VerificationError) throws {
        let golden = try GoldenFile(bytes: goldenBytes([item, Self.validCase()]), path: "g.json")
        #expect(throws: expected) { try golden.validate(against: Self.config) }
    }

    @Test("malformed golden files fail while parsing")
    func malformedGolden() throws {
        #expect(throws: VerificationError.goldenNoCases(path: "g.json")) { try GoldenFile(bytes: goldenBytes([]), path: "g.json") }
        #expect(throws: VerificationError.goldenMissingField(path: "g.json", caseIndex: 0, field: "start_logits")) {
            var item = Self.validCase()
            item["start_logits"] = nil
            return try GoldenFile(bytes: goldenBytes([item]), path: "g.json")
        }
        #expect(throws: VerificationError.goldenMissingField(path: "g.json", caseIndex: 0, field: "input_ids")) {
            try GoldenFile(bytes: goldenBytes([Self.changed("input_ids", [101, 1.5, 3, 102])]), path: "g.json")
        }
        #expect {
            try GoldenFile(bytes: ByteView(copying: Array("{\"cases\": [".utf8)), path: "g.json")
        } throws: { error in
            guard case let .goldenNotJSON(path, reason)? = error as? VerificationError else { return false }
            return path == "g.json" && reason.hasPrefix("but the file is not valid JSON")
        }
        #expect {
            try GoldenFile(bytes: ByteView(copying: Array(("{\"cases\": " + String(repeating: "[", count: 100)).utf8)), path: "g.json")
        } throws: { error in
            guard case let .goldenNotJSON(_, reason)? = error as? VerificationError else { return false }
            return reason.hasPrefix("but the file is nested too deeply (JSON nested deeper than 64 levels at byte ")
        }
        #expect(throws: VerificationError.goldenNotJSON(path: "g.json", reason: "found \"cases\" as an object")) {
            try GoldenFile(bytes: ByteView(copying: Array("{\"cases\": {}}".utf8)), path: "g.json")
        }
    }

    @Test("a golden case longer than the model's positions is refused before inference")
    func goldenTooLongForTheModel() throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        let golden = try GoldenFile(bytes: goldenBytes([Self.validCase(length: 40)]), path: "g.json")
        #expect(throws: VerificationError.goldenSequenceTooLong(caseIndex: 0, length: 40, positions: 32)) {
            try Verifier.compare(candidate: model, golden: golden, processor: nil, tolerance: .defaults(for: .f32))
        }
    }

    @Test("a .decant file without megatron-bert-qa metadata is not a QA model")
    func nativeWithoutQAMetadata() throws {
        let scratch = try Scratch()
        let path = scratch.file("plain.decant")
        try writeNative(.v0, storage: .f32, to: path) { metadata in metadata = ["note": "written without a schema"] }
        #expect(throws: VerificationError.notAQAModel(path: path, found: "no \"family\" key (metadata keys: note)")) {
            try QAModel.open(path: path)
        }
        try writeNative(.v0, storage: .f32, to: path) { metadata in metadata["family"] = "megatron-bert" }
        #expect(throws: VerificationError.notAQAModel(path: path, found: "family \"megatron-bert\"")) { try QAModel.open(path: path) }
    }

    @Test("a .decant file without a tokenizer still verifies against golden logits, but cannot read text")
    func nativeWithoutTokenizer() throws {
        let scratch = try Scratch()
        let path = scratch.file("no-tokenizer.decant")
        try writeNative(.v0, storage: .f32, to: path) { metadata in metadata["tokenizer"] = nil }
        let model = try QAModel.open(path: path)
        #expect(throws: VerificationError.noVocabulary(path: path)) { try model.processor() }
        let report = try Verifier.compare(candidate: model, golden: GoldenFile(path: fixture("golden/tiny_hf_golden.json")),
                                          processor: nil, tolerance: .defaults(for: .f32))
        #expect(report.passed && report.answers == nil)
    }

    @Test("broken metadata fields name the key, what was expected and what was found", arguments: [
        ("model", "layers", JSONValue.string("two"), "model.layers", "an integer", "a string"),
        ("model", "activation", "relu", "model.activation", "erf, megatron-erf or tanh", "\"relu\""),
        ("model", "hidden", nil, "model.hidden", "an integer", "nothing"),
        ("qa", "doc_stride", 1.5, "qa.doc_stride", "an integer", "a non-integer number 1.5"),
        ("tokenizer", "vocab", "[PAD]", "tokenizer.vocab", "an array of strings", "a string"),
    ] as [(String, String, JSONValue?, String, String, String)])
    func brokenMetadata(section: String, key: String, value: JSONValue?, fullKey: String, expected: String, found: String) throws {
        let scratch = try Scratch()
        let path = scratch.file("m.decant")
        try writeNative(.v0, storage: .f32, to: path) { metadata in
            var object = metadata[section]!.objectValue!
            object[key] = value
            metadata[section] = .object(object)
        }
        #expect(throws: VerificationError.invalidMetadata(path: path, key: fullKey, expected: expected, found: found)) {
            try QAModel.open(path: path)
        }
    }

    @Test("text the tokenizer cannot use is a QA error, a context longer than the model answers normally")
    func badText() throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        let processor = try model.processor()
        #expect(throws: QAError.emptyQuestion) { try processor.answer(question: "  \t", context: "the sky is blue", scorer: model) }
        #expect(throws: QAError.emptyContext) { try processor.answer(question: "what is blue?", context: "", scorer: model) }
        #expect(throws: QAError.emptyContext) {
            try processor.answer(question: "what is blue?", context: "\u{0}\u{1}\u{7f}", scorer: model)
        }
        let controls = try processor.answer(question: "what\u{7} is\u{0} blue?", context: "the\u{1b} sky\u{0} is blue", scorer: model)
        #expect(controls.nBest.count > 0)
        // 400 words on a 32-position model: many windows, each run and decoded.
        let long = String(repeating: "the sky is blue on a clear day. ", count: 50)
        let example = try processor.makeExample(question: "what is blue?", context: long)
        #expect(example.features.count > 10)
        let answer = try processor.answer(question: "what is blue?", context: long, scorer: model)
        if let start = answer.startOffset, let end = answer.endOffset { #expect(0 <= start && start < end && end <= long.unicodeScalars.count) }
    }

    @Test("settings: a stored max_seq_length beyond the positions is cut to them, an explicit one is refused")
    func maxSeqLengthAgainstPositions() throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        #expect(model.storedSettings.maxSeqLength == 384)
        #expect(try model.processor().settings.maxSeqLength == 32)
        #expect(try model.settings().notes == ["\(Tiny.v0.path) model_config.yaml dataset.max_seq_length 384 is longer than the model's 32 positions: cut to 32"])
        #expect(try model.processor(overrides: SquadSettingsOverrides(maxSeqLength: 24, docStride: 16)).settings.maxSeqLength == 24)
        // An explicit window must leave the stored stride room to mean something.
        #expect(throws: QAError.invalidSetting(setting: "\(Tiny.v0.path) model_config.yaml dataset.doc_stride", value: "128",
                                               requirement: "a stride below max_seq_length 24 (--max-seq-length)")) {
            try model.processor(overrides: SquadSettingsOverrides(maxSeqLength: 24))
        }
        #expect(throws: VerificationError.sequenceLongerThanPositions(setting: 64, positions: 32)) {
            try model.processor(overrides: SquadSettingsOverrides(maxSeqLength: 64))
        }
        #expect(throws: QAError.invalidSetting(setting: "--doc-stride", value: "0", requirement: "an integer from 1 to 1048576")) {
            try model.processor(overrides: SquadSettingsOverrides(docStride: 0))
        }
    }
}
