/// A model answers the same whichever file it comes from: a `.nemo` read as the f32 reference and the `.decant`
/// `decant convert` makes of it share every SQuAD setting, defaults included, and lowercase alike.
import Bytes
import Containers
import Conversion
import Foundation
import JSON
import NativeFormat
import QA
import Testing
@testable import Verification

@Suite struct SettingsAgreementTests {
    /// `tiny` with its model_config.yaml passed through `edit`, written to `folder`.
    static func variant(_ tiny: Tiny, _ name: String, in folder: Scratch, edit: (String) -> String) throws -> String {
        let original = try MappedFile(path: tiny.path).view
        let index = try TarIndex(view: original)
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        for entry in index.entries where entry.isFile {
            var data = index.data(of: entry)
            if entry.path.hasSuffix("model_config.yaml") {
                let text = String(decoding: data.buffer, as: UTF8.self)
                let edited = edit(text)
                #expect(edited != text, "the edit changed nothing")
                data = ByteView(copying: Array(edited.utf8))
            }
            try writer.addFile(entry.storedName, contents: data)
        }
        try writer.finish()
        let path = folder.file(name)
        try Data(collected.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func withoutLine(_ line: String) -> (String) -> String {
        { text in text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0 != line }.joined(separator: "\n") }
    }

    /// The `.nemo` at `path` and the f32 `.decant` converted from it.
    static func pair(_ path: String, in folder: Scratch) throws -> (nemo: QAModel, native: QAModel) {
        let native = folder.file(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".decant")
        _ = try Converter.convert(input: path, output: native, options: ConversionOptions(storage: .f32))
        return (try QAModel.open(path: path), try QAModel.open(path: native))
    }

    /// Every built-in verification case through both: answer, score, offsets, null score and n-best.
    static func expectSameAnswers(_ nemo: QAModel, _ native: QAModel, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(nemo.storedSettings == native.storedSettings, sourceLocation: sourceLocation)
        let a = try nemo.processor(), b = try native.processor()
        for input in VerificationInput.builtIn {
            let fromNemo = try a.answer(question: input.question, context: input.context, scorer: nemo)
            let fromNative = try b.answer(question: input.question, context: input.context, scorer: native)
            #expect(fromNemo == fromNative, "\(input.id)", sourceLocation: sourceLocation)
        }
    }

    @Test("a .nemo and its f32 .decant answer identically on the built-in verification cases", arguments: Tiny.allCases)
    func fixtureAndItsConversionAgree(tiny: Tiny) throws {
        let folder = try Scratch()
        let (nemo, native) = try Self.pair(tiny.path, in: folder)
        try Self.expectSameAnswers(nemo, native)
    }

    /// Before, the reference took `version_2_with_negative` true and the converter false: "no answer" from one,
    /// an answer from the other. NeMo's default (its example config) is false, and both now take it.
    @Test("a config without version_2_with_negative: the .nemo and its .decant take the same default")
    func omittedVersion2() throws {
        let folder = try Scratch()
        let path = try Self.variant(.v2, "no_v2_flag.nemo", in: folder, edit: Self.withoutLine("  version_2_with_negative: true"))
        let (nemo, native) = try Self.pair(path, in: folder)
        #expect(nemo.storedSettings.version2WithNegative == SquadSettings().version2WithNegative)
        #expect(!SquadSettings().version2WithNegative)
        let metadata = try NativeFile(path: folder.file("no_v2_flag.decant")).metadata
        #expect(metadata["qa"]?.objectValue?["defaulted"] == .array(["version_2_with_negative"]))
        try Self.expectSameAnswers(nemo, native)
    }

    /// Before, a `-cased` tokenizer was recorded with `tokenizer.do_lower_case` false but `qa.do_lower_case` true,
    /// and the reference lowercased: three answers to one question. Lowercasing is now one fact, the tokenizer's.
    @Test("a cased tokenizer without dataset.do_lower_case: both files keep case, stored once")
    func casedTokenizer() throws {
        let folder = try Scratch()
        let path = try Self.variant(.v2, "cased.nemo", in: folder) { text in
            Self.withoutLine("  do_lower_case: true")(text)
                .replacingOccurrences(of: "tokenizer_name: megatron-bert-345m-uncased", with: "tokenizer_name: megatron-bert-345m-cased")
        }
        let (nemo, native) = try Self.pair(path, in: folder)
        #expect(!nemo.storedSettings.doLowerCase)
        #expect(!native.storedSettings.doLowerCase)
        let metadata = try NativeFile(path: folder.file("cased.decant")).metadata
        #expect(metadata["tokenizer"]?.objectValue?["do_lower_case"] == .bool(false))
        #expect(metadata["tokenizer"]?.objectValue?["do_lower_case_rule"] == .string("tokenizer name megatron-bert-345m-cased"))
        #expect(metadata["qa"]?.objectValue?["do_lower_case"] == nil)
        try Self.expectSameAnswers(nemo, native)
        // Keeping case is visible: the uncased original reads "THE SKY" as words, the cased model as [UNK]s.
        let question = "WHAT IS BLUE?", context = "THE SKY IS BLUE ON A CLEAR DAY."
        let cased = try nemo.processor().makeExample(question: question, context: context)
        let uncased = try QAModel.open(path: Tiny.v2.path).processor().makeExample(question: question, context: context)
        #expect(cased.questionIDs != uncased.questionIDs)
    }

    /// A `.decant` (from a converter before this one) whose `qa.do_lower_case` contradicts its tokenizer's.
    @Test("a .decant whose qa.do_lower_case contradicts tokenizer.do_lower_case is refused")
    func contradictoryLowercasing() throws {
        let folder = try Scratch()
        let path = folder.file("contradiction.decant")
        try writeNative(.v0, storage: .f32, to: path) { metadata in
            guard case var .object(tokenizer)? = metadata["tokenizer"] else { return }
            tokenizer["do_lower_case"] = false
            metadata["tokenizer"] = .object(tokenizer)
        }
        #expect(throws: VerificationError.invalidMetadata(
            path: path, key: "qa.do_lower_case",
            expected: "tokenizer.do_lower_case's value (false): the tokenizer and the answer text lowercase alike", found: "true")) {
            try QAModel.open(path: path)
        }
    }
}
