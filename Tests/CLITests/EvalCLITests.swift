/// `decant eval` end to end: predictions and EM/F1 equal the Python pipeline scored by the official v2.0 logic.
import Foundation
import Testing

@Suite("decant eval")
struct EvalCLITests {
    static func python() throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("golden/tiny_v0_hf_squad_answers.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    @Test("scores (overall, HasAns, NoAns) and the predictions file match Python's")
    func scoresMatchPython() throws {
        let folder = try ScratchFolder()
        let run = try decant("eval", fixtures.appendingPathComponent(tinyNemos["v0"]!).path,
                             "--squad", fixtures.appendingPathComponent("squad/tiny_squad.json").path,
                             "--predictions-out", folder.file("predictions.json"), "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderrWithoutNotes.isEmpty, "no progress bar when stderr is not a terminal")
        // The tiny model has 32 positions; its config's 384 is cut, and the run says so.
        #expect(run.stderr.contains("max_seq_length 384 is longer than the model's 32 positions: cut to 32"))
        let expected = try Self.python()
        let scores = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let want = expected["evaluation"] as! [String: Any]
        for key in ["exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1"] {
            #expect(scores[key] as? Double == want[key] as? Double, "\(key)")
        }
        for key in ["total", "HasAns_total", "NoAns_total"] { #expect(scores[key] as? Int == want[key] as? Int, "\(key)") }
        let predictions = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("predictions.json"))))
        #expect(predictions as? [String: String] == expected["predictions"] as? [String: String])
    }

    @Test("the text output; a missing SQuAD file is a one-line error and writes nothing")
    func textAndErrors() throws {
        let folder = try ScratchFolder()
        let nemo = fixtures.appendingPathComponent(tinyNemos["v0"]!).path
        let text = try decant("eval", nemo, "--squad", fixtures.appendingPathComponent("squad/tiny_squad.json").path)
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("exact: 11.11111111111111  f1: 22.22222222222222  total: 9\nHasAns exact: "), "\(text.stdout)")
        expectCleanFailure(try decant("eval", nemo, "--squad", folder.file("missing.json"), "--predictions-out", folder.file("p.json")),
                           mentioning: "missing.json", folder: folder, inputs: [])
    }
}
