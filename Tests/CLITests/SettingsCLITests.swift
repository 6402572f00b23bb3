/// Settings end to end: the same model answers alike from a `.nemo` and from its `.decant`, and every number a
/// config file or an option gives is checked where it enters, with the key (or option) and the value named.
import Bytes
import Containers
import Foundation
import Testing

@Suite("settings")
struct SettingsCLITests {
    /// The v2 fixture with its model_config.yaml passed through `edit`.
    static func tinyVariant(_ name: String, in folder: ScratchFolder, edit: (String) -> String) throws -> String {
        let index = try TarIndex(view: try MappedFile(path: fixtures.appendingPathComponent(tinyNemos["v2"]!).path).view)
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

    static func replacing(_ line: String, with replacement: String) -> (String) -> String {
        { $0.replacingOccurrences(of: line + "\n", with: replacement.isEmpty ? "" : replacement + "\n") }
    }

    @Test("ask: a .nemo whose config omits version_2_with_negative and its f32 .decant print the same JSON")
    func askAgreesAcrossFiles() throws {
        let folder = try ScratchFolder()
        let nemo = try Self.tinyVariant("no_flag.nemo", in: folder, edit: Self.replacing("  version_2_with_negative: true", with: ""))
        let native = folder.file("no_flag.decant")
        #expect(try decant("convert", nemo, "-o", native).status == 0)
        for (question, context) in [("what is the color of the sky?", "the sky is blue on a clear day."),
                                    ("who is there?", "nobody knows what is there, said the sky."),
                                    ("what is clear?", "The sky is BLUE on a clear day, and clear days are blue.")] {
            let a = try decant("ask", nemo, "-q", question, "-c", context, "--top-k", "20", "--json")
            let b = try decant("ask", native, "-q", question, "-c", context, "--top-k", "20", "--json")
            #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
            #expect(a.stdout == b.stdout, "\(question)")
            #expect(a.stdout.contains("\"null_score\":null"), "no SQuAD 2.0 null score by default: \(a.stdout)")
        }
    }

    @Test("ask refuses option values that mean nothing, naming the option and the value",
          arguments: [(["--doc-stride", "0"], "--doc-stride: expected an integer from 1 to 1048576, found 0"),
                      (["--n-best-size", "0"], "--n-best-size: expected an integer from 1 to 1048576, found 0"),
                      (["--max-answer-length=-3"], "--max-answer-length: expected an integer from 1 to 1048576, found -3"),
                      (["--max-query-length", "2000000"], "--max-query-length: expected an integer from 1 to 1048576, found 2000000"),
                      (["--null-score-diff-threshold", "nan"], "--null-score-diff-threshold: expected a finite number, found nan"),
                      (["--null-score-diff-threshold", "inf"], "--null-score-diff-threshold: expected a finite number, found inf"),
                      (["--max-seq-length", "24", "--doc-stride", "24"],
                       "--doc-stride: expected a stride below max_seq_length 24, found 24")])
    func askRefusesBadOptions(options: [String], message: String) throws {
        let folder = try ScratchFolder()
        let nemo = fixtures.appendingPathComponent(tinyNemos["v2"]!).path
        let run = try decant(arguments: ["ask", nemo, "-q", "what is blue?", "-c", "the sky is blue."] + options)
        expectCleanFailure(run, mentioning: message, folder: folder, inputs: [])
    }

    /// ArgumentParser itself refuses a count that is no integer: 1e20 never becomes a default.
    @Test("ask --max-seq-length 1e20 is refused, naming the option")
    func nonIntegralCountIsRefused() throws {
        let nemo = fixtures.appendingPathComponent(tinyNemos["v2"]!).path
        let run = try decant("ask", nemo, "-q", "what is blue?", "-c", "the sky is blue.", "--max-seq-length", "1e20")
        #expect(run.status != 0)
        #expect(run.stderr.contains("--max-seq-length") && run.stderr.contains("1e20"), "\(run.stderr)")
    }

    /// Before, a NaN limit compared false and passed a model whatever its logits.
    @Test("verify refuses limits that mean nothing", arguments: [
        (["--max-abs-error", "nan"], "--max-abs-error: expected a finite number ≥ 0, found nan"),
        (["--max-abs-error=-1"], "--max-abs-error: expected a finite number ≥ 0, found -1.0"),
        (["--max-relative-error", "inf"], "--max-relative-error: expected a finite number ≥ 0, found inf"),
        (["--min-cosine", "nan"], "--min-cosine: expected a number from -1 to 1, found nan"),
        (["--min-cosine", "1.5"], "--min-cosine: expected a number from -1 to 1, found 1.5"),
    ])
    func verifyRefusesBadLimits(options: [String], message: String) throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v2", "q4", into: folder)
        let run = try decant(arguments: ["verify", native, "--reference", fixtures.appendingPathComponent(tinyNemos["v0"]!).path]
                             + options)
        expectCleanFailure(run, mentioning: message, folder: folder, inputs: ["v2_q4.decant"])
    }

    /// Before, a NaN threshold failed late with "JSON cannot represent the number nan", naming nothing, and an
    /// epsilon of 1e-300 converted "with no loss" into a file no later `ask` could run.
    @Test("convert refuses config numbers that mean nothing, naming the key; nothing is written", arguments: [
        ("  null_score_diff_threshold: 0.0", "  null_score_diff_threshold: nan",
         "model_config.yaml dataset.null_score_diff_threshold: expected a finite number, found nan"),
        ("  max_seq_length: 384", "  max_seq_length: 1e20",
         "model_config.yaml dataset.max_seq_length: expected an integer from 1 to 1048576, found 1e20"),
        ("  doc_stride: 128", "  doc_stride: 384",
         "model_config.yaml dataset.doc_stride: expected a stride below max_seq_length 384, found 384"),
        ("    megatron_legacy: false", "    megatron_legacy: false\n    layernorm_epsilon: 1.0e-300",
         "model_config.yaml language_model.config layernorm_epsilon: expected a finite number from 1e-12 to 0.1, found 1e-300"),
        ("    megatron_legacy: false", "    megatron_legacy: false\n    layernorm_epsilon: -1",
         "model_config.yaml language_model.config layernorm_epsilon: expected a finite number from 1e-12 to 0.1, found -1.0"),
        ("    hidden_size: 64", "    hidden_size: .nan",
         "model_config.yaml language_model.config hidden_size: expected an integer, found .nan"),
    ])
    func convertRefusesBadConfigNumbers(line: String, replacement: String, message: String) throws {
        let folder = try ScratchFolder()
        let nemo = try Self.tinyVariant("hostile.nemo", in: folder, edit: Self.replacing(line, with: replacement))
        expectCleanFailure(try decant("convert", nemo, "-o", folder.file("out.decant")), mentioning: message,
                           folder: folder, inputs: ["hostile.nemo"])
        // The same file is refused as a reference for ask, with the same words.
        expectCleanFailure(try decant("ask", nemo, "-q", "what is blue?", "-c", "the sky is blue."), mentioning: message,
                           folder: folder, inputs: ["hostile.nemo"])
    }
}
