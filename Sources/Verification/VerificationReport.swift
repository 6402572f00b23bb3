import Bytes
import Foundation
import Quantization
import JSON

/// The outcome of one verification: statistics per output, the answers, the limits, and the verdict.
public struct VerificationReport: Sendable {
    public let candidate: String
    public let reference: String
    public let storage: StorageType
    public let tolerance: Tolerance
    public let start: LogitComparison
    public let end: LogitComparison
    /// Nil when the reference cannot be decoded into answers (golden logits without question and context).
    public let answers: AnswerAgreement?
    /// Why answers were not compared, or not for every question (golden windows the candidate does not make).
    public var answersNotCompared: String? = nil

    /// Every broken limit, one phrase each; empty when the candidate passes.
    public var violations: [String] {
        var found = tolerance.violations(start, output: "start logits") + tolerance.violations(end, output: "end logits")
        if let answers, answers.rate < tolerance.minAnswerAgreement {
            found.append("answer agreement \(format(answers.rate)) < \(format(tolerance.minAnswerAgreement))")
        }
        return found
    }

    public var passed: Bool { violations.isEmpty }

    /// The human-readable report: a table per output, the answers, then PASS or FAIL with the reasons; escaped for
    /// display, since paths, layers, ids and answers come from input files.
    public var text: String {
        var lines = ["candidate: \(candidate)", "reference: \(reference)",
                     "tolerance: \(storage.rawValue) defaults" + (tolerance == .defaults(for: storage) ? "" : " overridden"),
                     "compared:  \(start.sequences) windows, \(start.positions) unmasked positions", ""]
        let header = "output".padding(toLength: 14, withPad: " ", startingAt: 0)
            + "max abs err  rel L2 err   cosine        argmax agree"
        lines.append(header)
        for (name, stats) in [("start logits", start), ("end logits", end)] {
            let row = [format(stats.maxAbsError), format(stats.relativeL2Error), cosine(stats.cosineSimilarity),
                       "\(stats.argmaxMatches)/\(stats.sequences)"]
            lines.append(name.padding(toLength: 14, withPad: " ", startingAt: 0)
                + row.map { $0.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined())
        }
        lines.append("limits        ≤ \(format(tolerance.maxAbsError))".padding(toLength: 27, withPad: " ", startingAt: 0)
            + "≤ \(format(tolerance.maxRelativeL2Error))".padding(toLength: 13, withPad: " ", startingAt: 0)
            + "≥ \(cosine(tolerance.minCosineSimilarity))".padding(toLength: 14, withPad: " ", startingAt: 0)
            + "≥ \(format(tolerance.minArgmaxAgreement))")
        lines.append("")
        if let answers {
            lines.append("answers: \(answers.matches)/\(answers.total) agree (limit ≥ \(format(tolerance.minAnswerAgreement)))")
            for item in answers.disagreements.prefix(10) {
                lines.append("  \(item.id): candidate \"\(item.candidate)\" vs reference \"\(item.reference)\"")
            }
            if let answersNotCompared { lines.append("  not compared: \(answersNotCompared)") }
        } else {
            lines.append("answers: not compared (\(answersNotCompared ?? "the reference has no question and context to decode"))")
        }
        lines.append(passed ? "PASS" : "FAIL: " + violations.joined(separator: "; "))
        return lines.map(\.escapedForDisplay).joined(separator: "\n")
    }

    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .string(format(value)) }
        func output(_ stats: LogitComparison) -> JSONValue {
            .object(["max_abs_error": number(stats.maxAbsError), "relative_l2_error": number(stats.relativeL2Error),
                     "cosine_similarity": number(stats.cosineSimilarity), "argmax_agreement": number(stats.argmaxAgreement),
                     "argmax_matches": .integer(stats.argmaxMatches), "windows": .integer(stats.sequences),
                     "positions": .integer(stats.positions), "non_finite": .integer(stats.nonFinite)])
        }
        var object: [String: JSONValue] = [
            "candidate": .string(candidate), "reference": .string(reference), "storage": .string(storage.rawValue),
            "tolerance": .object(["max_abs_error": number(tolerance.maxAbsError),
                                  "max_relative_l2_error": number(tolerance.maxRelativeL2Error),
                                  "min_cosine_similarity": number(tolerance.minCosineSimilarity),
                                  "min_argmax_agreement": number(tolerance.minArgmaxAgreement),
                                  "min_answer_agreement": number(tolerance.minAnswerAgreement)]),
            "start_logits": output(start), "end_logits": output(end),
            "passed": .bool(passed), "violations": .array(violations.map(JSONValue.string)),
        ]
        if let answersNotCompared { object["answers_not_compared"] = .string(answersNotCompared) }
        if let answers {
            object["answers"] = .object([
                "total": .integer(answers.total), "matches": .integer(answers.matches), "agreement": number(answers.rate),
                "disagreements": .array(answers.disagreements.map {
                    .object(["id": .string($0.id), "candidate": .string($0.candidate), "reference": .string($0.reference)])
                }),
            ])
        }
        return .object(object)
    }
}
