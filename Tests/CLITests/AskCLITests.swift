/// `decant ask` end to end: the same answers as the Python pipeline (transformers + NeMo postprocessing), and
/// clean errors on bad text.
import Foundation
import Testing

@Suite("decant ask")
struct AskCLITests {
    struct Question { let id: String; let question: String; let context: String }

    static func questions() throws -> [Question] {
        let squad = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("squad/tiny_squad.json"))) as! [String: Any]
        var out: [Question] = []
        for article in squad["data"] as! [[String: Any]] {
            for paragraph in article["paragraphs"] as! [[String: Any]] {
                for qa in paragraph["qas"] as! [[String: Any]] {
                    out.append(Question(id: qa["id"] as! String, question: qa["question"] as! String, context: paragraph["context"] as! String))
                }
            }
        }
        return out
    }

    /// `Tools/reference_inference.py --hf nemo/hf_export_reference --answers …`.
    static func pythonAnswers() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("golden/tiny_v0_hf_squad_answers.json"))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["answers"] as! [String: [String: Any]]
    }

    @Test("answers, no-answer decisions and character offsets equal Python's, from the .nemo and from its f32 .decant",
          arguments: ["source", "native"])
    func answersMatchPython(model kind: String) throws {
        let folder = try ScratchFolder()
        let model = kind == "source" ? fixtures.appendingPathComponent(tinyNemos["v0"]!).path : try convertTiny("v0", "f32", into: folder)
        let expected = try Self.pythonAnswers()
        for item in try Self.questions() {
            let run = try decant("ask", model, "-q", item.question, "-c", item.context, "--json")
            #expect(run.status == 0, "\(item.id): \(run.stderr)")
            let got = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
            let want = expected[item.id]!
            let noAnswer = want["is_no_answer"] as! Bool
            #expect(got["no_answer"] as? Bool == noAnswer, "\(item.id)")
            #expect((got["answer"] as? String ?? "") == want["text"] as! String, "\(item.id)")
            if !noAnswer {
                let span = (want["nbest"] as! [[String: Any]]).first { $0["text"] as? String == want["text"] as? String }!
                #expect(got["start"] as? Int == span["start_offset"] as? Int && got["end"] as? Int == span["end_offset"] as? Int, "\(item.id)")
                let score = (span["start_logit"] as! Double) + (span["end_logit"] as! Double)
                #expect(abs((got["score"] as! Double) - score) < 1e-4, "\(item.id)")
            }
        }
    }

    @Test("--top-k lists the best candidates; the text output names the answer and its characters")
    func topKAndText() throws {
        let nemo = fixtures.appendingPathComponent(tinyNemos["v0"]!).path
        let json = try decant("ask", nemo, "-q", "what is clear?", "-c", "the sky is blue on a clear day.", "--top-k", "3", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((object["n_best"] as? [Any])?.count == 3)
        let text = try decant("ask", nemo, "-q", "what is clear?", "-c", "the sky is blue on a clear day.", "--top-k", "2")
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("answer: is\nscore: "), "\(text.stdout)")
        #expect(text.stdout.contains("characters: 8..<10") && text.stdout.contains("top 2:\n  1. \"is\""))
    }

    @Test("bad text: empty question or context, invalid UTF-8, control characters, a context of many windows")
    func badText() throws {
        let folder = try ScratchFolder()
        let nemo = fixtures.appendingPathComponent(tinyNemos["v0"]!).path
        expectCleanFailure(try decant("ask", nemo, "-q", " ", "-c", "the sky is blue"),
                           mentioning: "expected a question with at least one token", folder: folder, inputs: [])
        expectCleanFailure(try decant("ask", nemo, "-q", "what is blue?", "-c", ""),
                           mentioning: "expected a context with at least one token", folder: folder, inputs: [])
        try Data([0x74, 0x68, 0x65, 0x20, 0xC3, 0x28, 0x20, 0x73, 0x6B, 0x79]).write(to: URL(fileURLWithPath: folder.file("bad.txt")))
        expectCleanFailure(try decant("ask", nemo, "-q", "what is blue?", "--context-file", folder.file("bad.txt")),
                           mentioning: "bad.txt: expected UTF-8 text, found an invalid byte sequence at byte offset 4",
                           folder: folder, inputs: ["bad.txt"])
        try Data("the\u{0} sky\u{7} is\u{1b}[31m blue\r\non a clear day.".utf8).write(to: URL(fileURLWithPath: folder.file("controls.txt")))
        let controls = try decant("ask", nemo, "-q", "what\u{7} is blue?", "--context-file", folder.file("controls.txt"))
        #expect(controls.status == 0, "\(controls.stderr)")
        let long = String(repeating: "the sky is blue on a clear day. it is red on a day of red sky. ", count: 40)
        let many = try decant("ask", nemo, "-q", "what is red?", "-c", long, "--json")
        #expect(many.status == 0, "\(many.stderr)")
        let both = try decant("ask", nemo, "-q", "x", "-c", "y", "--context-file", folder.file("controls.txt"))
        #expect(both.status != 0 && both.stderr.contains("exactly one of -c/--context and --context-file"))
    }
}
