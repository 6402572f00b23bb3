/// `decant verify CANDIDATE (--reference REF | --golden FILE)`: does a converted model compute what its source does?
import ArgumentParser
import Inference
import QA
import Verification

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare a model's logits and answers with a reference: a source checkpoint in f32, or golden logits.",
        discussion: """
            Runs the same inputs (built-in question/context pairs, or a SQuAD file with --inputs) through both and \
            reports, for start and end logits at unmasked positions, the max abs error, relative L2 error, cosine \
            similarity and argmax agreement, plus answer agreement. Limits default per storage type \
            (formats/verify.md). Exit status 0 inside the limits, 1 outside or on error.
            """
    )

    @Argument(help: "The model to check: a .decant file (any storage type) or a source checkpoint.")
    var candidate: String

    @Option(name: .long, help: "The reference: a source checkpoint (.nemo, .tlt, torch), run in f32.")
    var reference: String?

    @Option(name: .long, help: "The load key of an encrypted TAO reference or candidate.")
    var key: String?

    @Option(name: .long, help: "Golden logits JSON ({\"cases\": [...]}, Tools/reference_inference.py).")
    var golden: String?

    @Option(name: .long, help: "A SQuAD-format JSON whose questions replace the built-in inputs (with --reference).")
    var inputs: String?

    @Option(name: .customLong("max-abs-error"), help: "Override the limit on the max abs logit error.")
    var maxAbsError: Double?

    @Option(name: .customLong("max-relative-error"), help: "Override the limit on the relative L2 error.")
    var maxRelativeError: Double?

    @Option(name: .customLong("min-cosine"), help: "Override the minimum cosine similarity.")
    var minCosine: Double?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var settings: SquadSettingsOptions

    @OptionGroup var sourceOptions: SourceOptionsGroup

    func validate() throws {
        guard (reference == nil) != (golden == nil) else { throw ValidationError("give exactly one of --reference and --golden") }
        if inputs != nil, golden != nil { throw ValidationError("--inputs needs --reference (golden files carry their own inputs)") }
    }

    func run() throws {
        BLASRuntime.relaunchWithFasterKernelsIfUnset()
        var passed = false
        try reportingErrors {
            let model = try QAModel.open(path: candidate, key: key, overrides: sourceOptions.overrides, source: sourceOptions.source)
            var tolerance = Tolerance.defaults(for: model.storage)
            if let maxAbsError { tolerance.maxAbsError = maxAbsError }
            if let maxRelativeError { tolerance.maxRelativeL2Error = maxRelativeError }
            if let minCosine { tolerance.minCosineSimilarity = minCosine }
            try tolerance.validate { limit in
                switch limit {
                case .maxAbsError: return "--max-abs-error"
                case .maxRelativeL2Error: return "--max-relative-error"
                case .minCosineSimilarity: return "--min-cosine"
                default: return limit.rawValue
                }
            }
            let chosen = try settings.chosen(for: model)
            let report: VerificationReport
            if let golden {
                let file = try GoldenFile(path: golden)
                // Golden logits need no tokenizer: answers are compared only when the model has one.
                report = try Verifier.compare(candidate: model, golden: file,
                                              processor: try? model.processor(chosen), tolerance: tolerance)
            } else {
                let referenceModel = try QAModel.open(path: reference!, key: key, overrides: sourceOptions.overrides,
                                                      source: sourceOptions.source)
                let questions = try inputs.map { VerificationInput.from(try SquadDataset(path: $0)) } ?? VerificationInput.builtIn
                guard !questions.isEmpty else { throw VerificationError.noInputs(source: inputs ?? "built-in inputs") }
                report = try Verifier.compare(candidate: model, reference: referenceModel, inputs: questions,
                                              processor: try model.processor(chosen), tolerance: tolerance)
            }
            print(json ? try report.json.serialized() : report.text)
            passed = report.passed
            if !passed { printErrorLine("verification failed: " + report.violations.joined(separator: "; ")) }
        }
        if !passed { throw ExitCode(1) }
    }
}
