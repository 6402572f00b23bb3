/// `decant ask MODEL -q QUESTION (-c CONTEXT | --context-file F)`: one question answered from a context.
import ArgumentParser
import Foundation
import Bytes
import Inference
import QA
import JSON
import Verification

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from a context with a QA model (.decant file or source checkpoint).",
        discussion: "Prints the answer (or \"no answer\"), its score (start + end logit) and its character offsets in the context (Unicode scalars, end exclusive). SQuAD settings come from the model file unless overridden."
    )

    @Argument(help: "A .decant file, or a source checkpoint (.nemo, .tlt with --key, torch).")
    var model: String

    @Option(name: .long, help: "The load key of an encrypted TAO checkpoint.")
    var key: String?

    @Option(name: .shortAndLong, help: "The question.")
    var question: String

    @Option(name: .shortAndLong, help: "The context to answer from.")
    var context: String?

    @Option(name: .customLong("context-file"), help: "Read the context from this UTF-8 file.")
    var contextFile: String?

    @Option(name: .customLong("top-k"), help: "Also list the N best candidates.")
    var topK: Int?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var settings: SquadSettingsOptions

    @OptionGroup var sourceOptions: SourceOptionsGroup

    func validate() throws {
        guard (context == nil) != (contextFile == nil) else {
            throw ValidationError("give exactly one of -c/--context and --context-file")
        }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        BLASRuntime.relaunchWithFasterKernelsIfUnset()
        try reportingErrors {
            let text = try context ?? UTF8Text.string(contentsOf: contextFile!)
            let qa = try QAModel.open(path: model, key: key, overrides: sourceOptions.overrides, source: sourceOptions.source)
            let processor = try qa.processor(try settings.chosen(for: qa))
            let prediction = try processor.answer(question: question, context: text, scorer: qa)
            let best = Array(prediction.nBest.prefix(topK ?? 0))
            if json {
                print(try AnswerJSON.object(question: question, prediction: prediction, nBest: best).serialized())
                return
            }
            // Answers are text of the context, which may come from anywhere: every line is escaped for display.
            if prediction.isNoAnswer {
                let span = prediction.nBest.first { $0.kind == .span }
            // Answers are text of the context, which may come from anywhere: every line is escaped for display.
                print("no answer")
                print(("score: \(prediction.score) (null score)" + (span.map { "; best span \"\($0.text)\" scored \($0.score)" } ?? ""))
                    .escapedForDisplay)
            } else {
                print("answer: \(prediction.text)".escapedForDisplay)
                print("score: \(prediction.score)")
                if let start = prediction.startOffset, let end = prediction.endOffset { print("characters: \(start)..<\(end)") }
            }
            if !best.isEmpty {
                print("top \(best.count):")
                for (rank, candidate) in best.enumerated() {
                    var line = "  \(rank + 1). "
                    switch candidate.kind {
                    case .span: line += "\"\(candidate.text)\""
                    case .noAnswer: line += "(no answer)"
                    case .placeholder: line += "(none: \"\(candidate.text)\")"
                    }
                    line += "  score \(candidate.score)  p \(String(format: "%.4f", candidate.probability))"
                    if let start = candidate.startOffset, let end = candidate.endOffset { line += "  characters \(start)..<\(end)" }
                    print(line.escapedForDisplay)
                }
            }
        }
    }
}

/// The SQuAD settings flags shared by ask, verify and eval; each replaces the model file's value.
struct SquadSettingsOptions: ParsableArguments {
    @Option(name: .customLong("max-seq-length"), help: "Tokens per window (at most the model's positions).")
    var maxSeqLength: Int?
    @Option(name: .customLong("doc-stride"), help: "Tokens between window starts.")
    var docStride: Int?
    @Option(name: .customLong("max-query-length"), help: "Question tokens kept.")
    var maxQueryLength: Int?
    @Option(name: .customLong("max-answer-length"), help: "Longest answer, in tokens.")
    var maxAnswerLength: Int?
    @Option(name: .customLong("n-best-size"), help: "Start and end candidates per window.")
    var nBestSize: Int?
    @Option(name: .customLong("null-score-diff-threshold"), help: "Answer nothing when null − best span score exceeds this.")
    var nullScoreDiffThreshold: Double?

    var overrides: SquadSettingsOverrides {
        SquadSettingsOverrides(maxSeqLength: maxSeqLength, docStride: docStride, maxQueryLength: maxQueryLength,
                               maxAnswerLength: maxAnswerLength, nBestSize: nBestSize,
                               nullScoreDiffThreshold: nullScoreDiffThreshold)
    }

    /// The model's settings with these options applied (each checked, named by its option); what was adjusted
    /// on the way (a stored max_seq_length cut to the model's positions) goes to stderr as `note: …`.
    func chosen(for model: QAModel) throws -> SquadSettings {
        let (settings, notes) = try model.settings(overrides: overrides)
        for note in notes {
            var bytes = Array(("note: " + note + "\n").utf8)
            _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        }
        return settings
    }
}

/// The JSON `ask` prints: the answer and, with --top-k, the best candidates.
enum AnswerJSON {
    static func object(question: String, prediction: QAPrediction, nBest: [QACandidate]) -> JSONValue {
        func offset(_ value: Int?) -> JSONValue { value.map { .integer($0) } ?? .null }
        func number(_ value: Double?) -> JSONValue { value.map { $0.isFinite ? .double($0) : .null } ?? .null }
        var object: [String: JSONValue] = [
            "question": .string(question), "answer": prediction.isNoAnswer ? .null : .string(prediction.text),
            "no_answer": .bool(prediction.isNoAnswer), "score": number(prediction.score),
            "start": offset(prediction.startOffset), "end": offset(prediction.endOffset),
            "null_score": number(prediction.nullScore), "score_difference": number(prediction.scoreDifference),
        ]
        if !nBest.isEmpty {
            object["n_best"] = .array(nBest.map { candidate in
                let kind: String
                switch candidate.kind {
                case .span: kind = "span"
                case .noAnswer: kind = "no_answer"
                case .placeholder: kind = "placeholder"
                }
                return .object(["text": .string(candidate.text), "kind": .string(kind), "score": number(candidate.score),
                                "start_logit": number(candidate.startLogit), "end_logit": number(candidate.endLogit),
                                "probability": number(candidate.probability), "start": offset(candidate.startOffset),
                                "end": offset(candidate.endOffset)])
            })
        }
        return .object(object)
    }
}
