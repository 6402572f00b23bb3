/// Names and metadata that a terminal would act on (escape sequences, a newline forging a row, bidi overrides): every
/// text output and error line shows them escaped, JSON outputs keep them exact. Fixtures from
/// Tools/make_hostile_fixtures.py.
import Bytes
import Foundation
import Testing

/// The strings Tools/make_hostile_fixtures.py puts into names and metadata.
enum Hostile {
    static let title = "\u{1B}]0;pwned\u{07}"
    static let clear = "\u{1B}[2J"
    static let forgedRow = "\nforged.row  f32  [1]  4"
    static let bidi = "\u{202E}gnp.exe"
    static let c1AndSeparator = "\u{9B}2J\u{2028}"
    static let tensors = [
        "bert_model.model.language_model.pooler.dense" + title + ".weight",
        "bert_model.model.language_model.pooler." + clear + forgedRow,
        "bert_model.model.language_model.pooler.权重é" + bidi + c1AndSeparator,
    ]
    /// The same names as the text outputs must show them.
    static let shownTensors = [
        #"bert_model.model.language_model.pooler.dense\e]0;pwned\x07.weight"#,
        #"bert_model.model.language_model.pooler.\e[2J\nforged.row  f32  [1]  4"#,
        #"bert_model.model.language_model.pooler.权重é\u{202e}gnp.exe\x9b2J\u{2028}"#,
    ]
    static let nemo = fixtures.appendingPathComponent("hostile/hostile_names.nemo").path
    static let tlt = fixtures.appendingPathComponent("hostile/hostile_names.tlt").path
}

/// The characters of `output` a terminal would act on; a line's own end (`\n`) is the output's, so it is allowed.
func rawControls(_ output: String) -> [String] {
    output.unicodeScalars.filter { $0 != "\n" && DisplayText.needsEscape($0) }.map { String(format: "U+%04X", $0.value) }
}

@Suite("untrusted strings in outputs")
struct HostileTextCLITests {
    @Test("inspect: tensor names, NeMo config values, member names and JSON keys are escaped; no row is forged")
    func inspectText() throws {
        for file in [Hostile.nemo, Hostile.tlt] {
            let run = try decant("inspect", file)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(rawControls(run.stdout).isEmpty, "raw: \(rawControls(run.stdout))")
            for name in Hostile.shownTensors { #expect(run.stdout.contains(name), "\(run.stdout)") }
            #expect(run.stdout.contains(#"target nemo.collections.nlp.models.QAModel\e]0;pwned\x07\u{202e}gnp.exe\x9b2J\u{2028}"#))
            #expect(run.stdout.contains(#"tokenizer: bert\e[2J\nforged.row  f32  [1]  4, 16 tokens in vocab\e[2J\u{202e}gnp.exe.txt"#))
            #expect(run.stdout.contains(#"note\e]0;pwned\x07=\e[2J\nforged.row"#))
            #expect(run.stdout.contains("language model: megatron\\e]0;pwned\\x07权重é"))
            #expect(!run.stdout.split(separator: "\n").contains { $0.hasPrefix("forged.row") })
            // The table still lines up: every row's dtype column starts where the header's does.
            let lines = run.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first { $0.hasPrefix("name ") })
            let column = try #require(header.range(of: "dtype")).lowerBound.utf16Offset(in: header)
            for name in Hostile.shownTensors where !name.contains("权") {
                let row = try #require(lines.first { $0.hasPrefix(name) })
                #expect(Array(row.utf16)[column...].starts(with: Array("f32".utf16)), "\(row)")
            }
        }
        let eff = try decant("inspect", Hostile.tlt)
        #expect(eff.stdout.contains(#"title\e]0;pwned\x07=\e[2J\nforged.row  f32  [1]  4"#))
        #expect(eff.stdout.contains(#"c1\x9b2J\u{2028}=中文 é"#))
        #expect(eff.stdout.contains(#"notes\e[2J\nforged.row  f32  [1]  4\u{202e}gnp.exe.txt (clear)"#))
    }

    @Test("inspect --json: the exact names and metadata, with \\u escapes for what a terminal acts on")
    func inspectJSONIsExact() throws {
        let run = try decant("inspect", Hostile.tlt, "--json")
        #expect(run.status == 0)
        #expect(rawControls(run.stdout).isEmpty, "raw: \(rawControls(run.stdout))")
        #expect(run.stdout.contains(#"\u009b2J\u2028"#) && run.stdout.contains(#"\u202egnp.exe"#))
        let report = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let names = tensorRows(report).compactMap { $0["name"] as? String }
        #expect(Array(names.suffix(3)) == Hostile.tensors)
        let metadata = (report["metadata"] as? [String: Any])?["eff"] as? [String: Any]
        let entries = try #require(metadata?["metadata"] as? [String: String])
        #expect(entries["title" + Hostile.title] == Hostile.clear + Hostile.forgedRow)
        #expect(entries["c1" + Hostile.c1AndSeparator] == "中文 é")
        let nemo = (report["metadata"] as? [String: Any])?["nemo"] as? [String: Any]
        #expect(nemo?["target"] as? String == "nemo.collections.nlp.models.QAModel" + Hostile.title + Hostile.bidi + Hostile.c1AndSeparator)
        #expect((nemo?["members"] as? [String])?.contains("notes" + Hostile.clear + Hostile.forgedRow + Hostile.bidi + ".txt") == true)
    }

    @Test("decrypt --list: manifest metadata and member names escaped, one row per member")
    func decryptList() throws {
        let run = try decant("decrypt", "--list", Hostile.tlt)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(rawControls(run.stdout).isEmpty, "raw: \(rawControls(run.stdout))")
        #expect(run.stdout.contains(#"obj_cls=nemo.collections.nlp.models.QAModel\e]0;pwned\x07"#))
        #expect(run.stdout.contains(#"title\e]0;pwned\x07=\e[2J\nforged.row  f32  [1]  4 bidi=\u{202e}gnp.exe c1\x9b2J\u{2028}=中文 é"#))
        #expect(run.stdout.contains(#"  notes\e[2J\nforged.row  f32  [1]  4\u{202e}gnp.exe.txt "#))
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 2 + 5, "\(run.stdout)")
        #expect(lines.filter { $0.hasSuffix(" clear") }.count == 5)
    }

    @Test("convert: the summary's dropped names are escaped; --json keeps them exact")
    func convert() throws {
        let folder = try ScratchFolder()
        let run = try decant("convert", Hostile.nemo, "-o", folder.file("h.decant"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(rawControls(run.stdout).isEmpty, "raw: \(rawControls(run.stdout))")
        #expect(run.stdout.contains("dropped:      " + Hostile.shownTensors.joined(separator: ", ")), "\(run.stdout)")
        let json = try decant("convert", Hostile.tlt, "-o", folder.file("t.decant"), "--json")
        #expect(json.status == 0, "\(json.stderr)")
        #expect(rawControls(json.stdout).isEmpty, "raw: \(rawControls(json.stdout))")
        let report = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["dropped"] as? [String] == Hostile.tensors)
    }

    @Test("an error line quoting a name is one line, escaped")
    func errorLine() throws {
        let name = "nope" + Hostile.clear + Hostile.forgedRow + Hostile.bidi
        let run = try decant("inspect", Hostile.nemo, "--tensor", name)
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(rawControls(run.stderr).isEmpty)
        #expect(run.stderr.contains(#"expected a tensor named nope\e[2J\nforged.row  f32  [1]  4\u{202e}gnp.exe"#), "\(run.stderr)")
    }

    @Test("the adversarial corpus files with hostile names: text escaped, JSON exact",
          arguments: ["torch/hostile_tensor_names.pt", "safetensors/hostile_names.safetensors"])
    func corpusFiles(file: String) throws {
        let path = fixtures.appendingPathComponent("adversarial/" + file).path
        let text = try decant("inspect", path)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(rawControls(text.stdout).isEmpty, "raw: \(rawControls(text.stdout))")
        #expect(text.stdout.contains(#"del\x7f\ttab\rcr\\backslash"#) && text.stdout.contains("权重é"), "\(text.stdout)")
        let report = try inspectJSON(path)
        #expect(tensorRows(report).compactMap { $0["name"] as? String }.contains("del\u{7F}\ttab\rcr\\backslash"))
    }
}
