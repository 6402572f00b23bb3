/// What the messages say: an empty file, too deep JSON wherever JSON is read, options suggested only where they exist,
/// `--allow-opaque` on every command that reads pickles (still calling nothing), the real cause when golden answers
/// are not compared, and no Swift type names.
import Bytes
import Containers
import Foundation
import Testing

/// The options detection and pickle errors suggest; every command that can raise those errors must take them.
let suggestedOptions = ["--heads", "--qkv-layout", "--allow-opaque"]
let tinyV2 = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path
let maliciousMarker = "/tmp/decant_malicious_pickle_ran"

/// The v2 fixture's weights alone: a torch checkpoint with no config, so neither heads nor the QKV layout is known.
func bareWeights(in folder: ScratchFolder) throws -> String {
    let index = try TarIndex(view: try MappedFile(path: tinyV2).view)
    let entry = try #require(index.entries.first { $0.path.hasSuffix("model_weights.ckpt") })
    let path = folder.file("weights.ckpt")
    try Data(index.data(of: entry).buffer).write(to: URL(fileURLWithPath: path))
    return path
}

/// `[[[…]]]` nested one level past the limit every JSON reader has.
let tooDeepJSON = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)

@Suite("messages")
struct MessagesCLITests {
    @Test("an empty file is called empty, by every command that reads one",
          arguments: [["inspect"], ["convert", "-o", "out.decant"], ["ask", "-q", "q", "-c", "c"], ["eval", "--squad", fixtures.appendingPathComponent("squad/tiny_squad.json").path],
                      ["decrypt", "--list"], ["decrypt", "--key", "k", "-o", "out.nemo"]])
    func emptyFile(command: [String]) throws {
        let folder = try ScratchFolder()
        let empty = folder.file("empty.bin")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let arguments = [command[0], empty] + command.dropFirst().map { $0.hasSuffix(".decant") || $0.hasSuffix(".nemo") ? folder.file($0) : $0 }
        let run = try decant(arguments: arguments)
        expectCleanFailure(run, mentioning: "error: \(empty): the file is empty", folder: folder, inputs: ["empty.bin"])
        #expect(!run.stderr.contains("found bytes"))
    }

    @Test("an empty weights member is called empty")
    func emptyWeightsMember() throws {
        let folder = try ScratchFolder()
        let sink = CollectingSink()
        let tar = TarWriter(sink: sink)
        try tar.addFile("model_config.yaml", contents: ByteView(copying: Array("a: 1\n".utf8)))
        try tar.addFile("model_weights.ckpt", contents: .empty)
        try tar.finish()
        FileManager.default.createFile(atPath: folder.file("empty_weights.nemo"), contents: Data(sink.bytes))
        let run = try decant("inspect", folder.file("empty_weights.nemo"))
        expectCleanFailure(run, mentioning: "expected model_weights.ckpt to be a torch checkpoint (zip, legacy or tar), found an empty member",
                           folder: folder, inputs: ["empty_weights.nemo"])
    }

    @Test("too deep JSON says so, with the limit: safetensors header, golden file, SQuAD file, config.json")
    func deepJSON() throws {
        let folder = try ScratchFolder()
        let header = Array(("{\"a\":" + tooDeepJSON + "}").utf8)
        var safetensors = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        safetensors += [UInt8](repeating: 0, count: 8)
        FileManager.default.createFile(atPath: folder.file("deep.safetensors"), contents: Data(safetensors))
        let inspect = try decant("inspect", folder.file("deep.safetensors"))
        #expect(inspect.stderr.contains("safetensors: header is nested too deeply: JSON nested deeper than 64 levels at byte"),
                "\(inspect.stderr)")

        let native = try convertTiny("v2", "f32", into: folder)
        FileManager.default.createFile(atPath: folder.file("deep.json"), contents: Data(("{\"cases\": " + tooDeepJSON + "}").utf8))
        let golden = try decant("verify", native, "--golden", folder.file("deep.json"))
        #expect(golden.status == 1 && golden.stderr.contains("but the file is nested too deeply (JSON nested deeper than 64 levels"),
                "\(golden.stderr)")
        let squad = try decant("eval", native, "--squad", folder.file("deep.json"))
        #expect(squad.status == 1 && squad.stderr.contains("not a SQuAD file: nested too deeply (JSON nested deeper than 64 levels"),
                "\(squad.stderr)")

        let hf = folder.file("hf")
        try FileManager.default.createDirectory(atPath: hf, withIntermediateDirectories: true)
        let reference = fixtures.appendingPathComponent("nemo/hf_export_reference")
        try FileManager.default.copyItem(atPath: reference.appendingPathComponent("model.safetensors").path, toPath: hf + "/model.safetensors")
        FileManager.default.createFile(atPath: hf + "/config.json", contents: Data(("{\"a\": " + tooDeepJSON + "}").utf8))
        let config = try decant("convert", hf + "/model.safetensors", "-o", folder.file("hf.decant"))
        #expect(config.status == 1 && config.stderr.contains("config.json: expected a Hugging Face config.json, but the file is nested too deeply"),
                "\(config.stderr)")
        for run in [inspect, golden, squad, config] { #expect(!run.stderr.contains("not valid JSON")) }
    }

    @Test("every command that detects an architecture or reads pickles takes the options its errors suggest",
          arguments: ["inspect", "convert", "verify", "ask", "eval"])
    func suggestedOptionsExist(command: String) throws {
        let help = try decant(command, "--help")
        for option in suggestedOptions { #expect(help.stdout.contains(option), "\(command) --help lacks \(option)") }
    }

    @Test("inspect --tensor of a checkpoint without a config suggests --heads, then --qkv-layout, and takes both")
    func inspectTakesWhatItSuggests() throws {
        let folder = try ScratchFolder()
        let weights = try bareWeights(in: folder)
        let tensor = "bert_model.model.language_model.encoder.final_layernorm.bias"
        let bare = try decant("inspect", weights, "--tensor", tensor)
        #expect(bare.status == 0 && bare.stdout.contains("hidden size 64 from the checkpoint or its config: pass --heads"), "\(bare.stdout)")
        let heads = try decant("inspect", weights, "--tensor", tensor, "--heads", "4")
        #expect(heads.status == 0 && heads.stdout.contains("pass --qkv-layout"), "\(heads.stdout)\(heads.stderr)")
        let both = try decant("inspect", weights, "--tensor", tensor, "--heads", "4", "--qkv-layout", "v2")
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.contains("4 heads") && both.stdout.contains("heads: --heads") && both.stdout.contains("(given (--qkv-layout))"),
                "\(both.stdout)")
    }

    @Test("verify suggests --heads for a reference without a config, and takes it")
    func verifyTakesWhatItSuggests() throws {
        let folder = try ScratchFolder()
        let weights = try bareWeights(in: folder)
        let native = try convertTiny("v2", "f32", into: folder)
        let bare = try decant("verify", native, "--reference", weights)
        #expect(bare.status == 1 && bare.stderr.contains("pass --heads"), "\(bare.stderr)")
        // Without its config the checkpoint also loses onnx_safe, so its GELU differs by a few 1e-4.
        let given = try decant("verify", native, "--reference", weights, "--heads", "4", "--qkv-layout", "v2",
                               "--max-abs-error", "0.01", "--max-relative-error", "0.01")
        #expect(given.status == 0 && given.stdout.contains("PASS"), "\(given.stdout)\(given.stderr)")
    }

    @Test("--allow-opaque reads a pickle that would run a command as inert data on every command; it never runs")
    func allowOpaqueEverywhere() throws {
        try? FileManager.default.removeItem(atPath: maliciousMarker)
        let folder = try ScratchFolder()
        let model = fixtures.appendingPathComponent("hostile/opaque_callback.nemo").path
        let squad = fixtures.appendingPathComponent("squad/tiny_squad.json").path
        let native = folder.file("o.decant")
        let commands: [[String]] = [["inspect", model], ["convert", model, "-o", native], ["ask", model, "-q", "what is blue", "-c", "the sky is blue"],
                                    ["eval", model, "--squad", squad]]
        for command in commands {
            let refused = try decant(arguments: command)
            #expect(refused.status == 1 && refused.stderrLines.count == 1, "\(command[0]): \(refused.stderr)")
            #expect(refused.stderr.contains("posix.system") && refused.stderr.contains("--allow-opaque reads it as inert data"))
            let read = try decant(arguments: command + ["--allow-opaque"])
            #expect(read.status == 0, "\(command[0]) --allow-opaque: \(read.stderr)")
        }
        let verify = try decant("verify", native, "--reference", model, "--allow-opaque")
        #expect(verify.status == 0 && verify.stdout.contains("PASS"), "\(verify.stdout)\(verify.stderr)")
        #expect(!FileManager.default.fileExists(atPath: maliciousMarker), "the pickle's command ran")
    }

    @Test("verify --golden with unpadded windows says they are not padded, not that question and context are missing")
    func unpaddedGolden() throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v0", "f32", into: folder)
        var golden = try fixtureJSON("golden/tiny_v0_hf_squad_golden.json")
        let cases = try #require(golden["cases"] as? [[String: Any]])
        golden["cases"] = cases.map { item in
            var item = item
            let length = (item["attention_mask"] as? [Int] ?? []).reduce(0, +)
            for field in ["input_ids", "token_type_ids", "attention_mask", "start_logits", "end_logits"] {
                item[field] = Array((item[field] as? [Any] ?? []).prefix(length))
            }
            return item
        }
        try JSONSerialization.data(withJSONObject: golden).write(to: URL(fileURLWithPath: folder.file("unpadded.json")))
        let run = try decant("verify", native, "--golden", folder.file("unpadded.json"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("answers: not compared (9 questions whose golden windows differ from the candidate's; the first: "
            + "case 0: the golden file's 20 positions are not padded to the candidate's window of 32 (max_seq_length))"), "\(run.stdout)")
        #expect(!run.stdout.contains("no question and context"))
        let json = try decant("verify", native, "--golden", folder.file("unpadded.json"), "--json")
        let report = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((report["answers_not_compared"] as? String)?.contains("not padded") == true)
    }

    @Test("a SQuAD file of the wrong shape is described in JSON kinds, not Swift types")
    func noSwiftTypeNames() throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v2", "f32", into: folder)
        for (text, expected) in [(#"{"data": {}}"#, "expected an array at .data"),
                                 (#"{"data": [{"paragraphs": [{"context": 5, "qas": []}]}]}"#, "expected a string at .data[0].paragraphs[0].context")] {
            FileManager.default.createFile(atPath: folder.file("s.json"), contents: Data(text.utf8))
            let run = try decant("eval", native, "--squad", folder.file("s.json"))
            #expect(run.status == 1 && run.stderr.contains(expected), "\(run.stderr)")
            for swift in ["Array<", "Dictionary<", "Optional(", "Swift."] { #expect(!run.stderr.contains(swift)) }
        }
    }
}
