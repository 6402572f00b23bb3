/// `decant verify` end to end: converted files of every storage type pass, wrong or mismatched references fail.
import Foundation
import Testing

let tinyNemos = ["v0": "nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo", "v2": "nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo"]

/// Converts a fixture .nemo with `decant convert` into `folder`, returning the output path.
func convertTiny(_ layout: String, _ dtype: String, into folder: ScratchFolder) throws -> String {
    let output = folder.file("\(layout)_\(dtype).decant")
    let run = try decant("convert", fixtures.appendingPathComponent(tinyNemos[layout]!).path, "-o", output, "--dtype", dtype)
    #expect(run.status == 0, "convert: \(run.stderr)")
    return output
}

@Suite("decant verify")
struct VerifyCLITests {
    @Test("every storage type converted from both fixtures passes against its source",
          arguments: ["v0", "v2"], ["f32", "f16", "bf16", "q8", "q4"])
    func everyStorageTypePasses(layout: String, dtype: String) throws {
        let folder = try ScratchFolder()
        let native = try convertTiny(layout, dtype, into: folder)
        let run = try decant("verify", native, "--reference", fixtures.appendingPathComponent(tinyNemos[layout]!).path, "--json")
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(report?["passed"] as? Bool == true)
        #expect(report?["storage"] as? String == dtype)
        #expect(run.stderrWithoutNotes.isEmpty)
    }

    @Test("the text report shows both outputs and PASS; golden logits from transformers pass too")
    func textReportAndGolden() throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v0", "f32", into: folder)
        let run = try decant("verify", native, "--reference", fixtures.appendingPathComponent(tinyNemos["v0"]!).path)
        #expect(run.status == 0)
        for text in ["start logits", "end logits", "answers: 8/8 agree", "PASS"] { #expect(run.stdout.contains(text), "\(run.stdout)") }
        for golden in ["golden/tiny_hf_golden.json", "golden/tiny_v0_hf_squad_golden.json"] {
            let checked = try decant("verify", native, "--golden", fixtures.appendingPathComponent(golden).path)
            #expect(checked.status == 0, "\(checked.stdout)")
        }
        let squad = try decant("verify", native, "--reference", fixtures.appendingPathComponent(tinyNemos["v0"]!).path,
                               "--inputs", fixtures.appendingPathComponent("squad/tiny_squad.json").path)
        #expect(squad.status == 0 && squad.stdout.contains("answers: 9/9 agree"))
    }

    @Test("a conversion compared with the wrong checkpoint fails with exit 1 and one error line")
    func wrongReferenceFails() throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v2", "f32", into: folder)
        let run = try decant("verify", native, "--reference", fixtures.appendingPathComponent(tinyNemos["v0"]!).path)
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL: start logits max abs error"))
        #expect(run.stderrWithoutNotes.split(separator: "\n").count == 1
                && run.stderrWithoutNotes.hasPrefix("error: verification failed: "))
    }

    @Test("a golden file that does not fit the model is a one-line error naming the case")
    func mismatchedGolden() throws {
        let folder = try ScratchFolder()
        let native = try convertTiny("v0", "f32", into: folder)
        let ids = [101] + Array(repeating: 105, count: 38) + [102]
        let golden: [String: Any] = ["cases": [["input_ids": ids, "token_type_ids": Array(repeating: 0, count: 40),
                                                "attention_mask": Array(repeating: 1, count: 40),
                                                "start_logits": Array(repeating: 0.0, count: 40),
                                                "end_logits": Array(repeating: 0.0, count: 40)]]]
        try JSONSerialization.data(withJSONObject: golden).write(to: URL(fileURLWithPath: folder.file("long.json")))
        let run = try decant("verify", native, "--golden", folder.file("long.json"))
        expectCleanFailure(run, mentioning: "golden case 0: expected at most 32 tokens (the model's positions), found 40",
                           folder: folder, inputs: ["long.json", "v0_f32.decant"])
        let flags = try decant("verify", native)
        #expect(flags.status != 0 && flags.stderr.contains("exactly one of --reference and --golden"))
    }
}
