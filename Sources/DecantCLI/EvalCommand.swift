/// `decant eval MODEL --squad FILE`: SQuAD 2.0 exact match and F1, as the official script computes them.
import ArgumentParser
import Bytes
import Foundation
import Inference
import QA
import JSON
import Verification
#if canImport(Glibc)
import Glibc
#endif

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Answer every question of a SQuAD file and score EM/F1 (overall, HasAns, NoAns) like the official v2.0 script.",
        discussion: "--predictions-out writes {question id: answer} JSON (\"\" for no answer), the file the official script reads."
    )

    @Argument(help: "A .decant file, or a source checkpoint (.nemo, .tlt with --key, torch).")
    var model: String

    @Option(name: .long, help: "The load key of an encrypted TAO checkpoint.")
    var key: String?

    @Option(name: .long, help: "The SQuAD-format JSON file (v1.1 or v2.0).")
    var squad: String

    @Option(name: .customLong("predictions-out"), help: "Write the predictions JSON here (atomically).")
    var predictionsOut: String?

    @Flag(help: "Print the scores as JSON.")
    var json = false

    @OptionGroup var settings: SquadSettingsOptions

    @OptionGroup var sourceOptions: SourceOptionsGroup

    func run() throws {
        BLASRuntime.relaunchWithFasterKernelsIfUnset()
        try reportingErrors {
            let dataset = try SquadDataset(path: squad)
            let qa = try QAModel.open(path: model, key: key, overrides: sourceOptions.overrides, source: sourceOptions.source)
            let processor = try qa.processor(try settings.chosen(for: qa))
            let bar = isatty(2) == 1 ? ProgressLine(label: "answering") : nil
            let result = try SquadEvaluation.run(model: qa, dataset: dataset, processor: processor) { done, total in
                bar?.update(done, of: total)
            }
            bar?.finish()
            if let predictionsOut {
                let text = try JSONValue.object(result.predictions.mapValues(JSONValue.string)).serialized() + "\n"
                let file = try AtomicOutputFile(destination: predictionsOut, inputs: [model, squad])
                try file.write(Array(text.utf8))
                try file.commit()
            }
            let e = result.evaluation
            if json {
                var object: [String: JSONValue] = ["exact": .double(e.overall.exact), "f1": .double(e.overall.f1),
                                                   "total": .integer(e.overall.total)]
                for (prefix, score) in [("HasAns", e.hasAnswer), ("NoAns", e.noAnswer)] {
                    guard let score else { continue }
                    object[prefix + "_exact"] = .double(score.exact)
                    object[prefix + "_f1"] = .double(score.f1)
                    object[prefix + "_total"] = .integer(score.total)
                }
                print(try JSONValue.object(object).serialized())
            } else {
                print("exact: \(e.overall.exact)  f1: \(e.overall.f1)  total: \(e.overall.total)")
                if let has = e.hasAnswer { print("HasAns exact: \(has.exact)  f1: \(has.f1)  total: \(has.total)") }
                if let no = e.noAnswer { print("NoAns exact: \(no.exact)  f1: \(no.f1)  total: \(no.total)") }
                if let predictionsOut { print("wrote \(predictionsOut)".escapedForDisplay) }
            }
        }
    }
}

/// A one-line progress bar redrawn in place on stderr (only used when stderr is a terminal).
final class ProgressLine {
    private let label: String
    private var lastDrawn = -1

    init(label: String) { self.label = label }

    func update(_ done: Int, of total: Int) {
        let width = 30
        let filled = total > 0 ? done * width / total : width
        guard filled != lastDrawn || done == total else { return }
        lastDrawn = filled
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
