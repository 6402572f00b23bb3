import Foundation
import Quantization

/// The limits a candidate's logits must stay within, per output (start and end), to pass verification.
///
/// The defaults per storage type come from measurements on the tiny fixtures and a full-size random model
/// (formats/verify.md has the numbers and the reasoning): each limit sits a few times above the worst value
/// measured, so honest conversions pass with margin and a damaged or mis-mapped tensor does not. q4's margins are
/// thin on purpose: wider ones would also accept a whole flipped matrix.
public struct Tolerance: Sendable, Equatable, Codable {
    public var maxAbsError: Double
    public var maxRelativeL2Error: Double
    public var minCosineSimilarity: Double
    /// Fraction of windows whose best start (end) position must agree.
    public var minArgmaxAgreement: Double
    /// Fraction of questions whose decoded answer must agree (text and no-answer decision).
    public var minAnswerAgreement: Double

    public init(maxAbsError: Double, maxRelativeL2Error: Double, minCosineSimilarity: Double,
                minArgmaxAgreement: Double, minAnswerAgreement: Double) {
        self.maxAbsError = maxAbsError
        self.maxRelativeL2Error = maxRelativeL2Error
        self.minCosineSimilarity = minCosineSimilarity
        self.minArgmaxAgreement = minArgmaxAgreement
        self.minAnswerAgreement = minAnswerAgreement
    }

    /// The limits, as the JSON report names them.
    public enum Limit: String, CaseIterable, Sendable {
        case maxAbsError = "max_abs_error"
        case maxRelativeL2Error = "max_relative_l2_error"
        case minCosineSimilarity = "min_cosine_similarity"
        case minArgmaxAgreement = "min_argmax_agreement"
        case minAnswerAgreement = "min_answer_agreement"
    }

    /// Refuses limits that would pass anything or nothing for no reason (a NaN compares false, so a NaN limit
    /// passes every model): errors finite and ≥ 0, cosine in [-1, 1], agreements in [0, 1]. `naming` says
    /// where each limit came from (a command-line option) for the error.
    public func validate(naming: (Limit) -> String = { $0.rawValue }) throws(VerificationError) {
        let checks: [(Limit, Double, ClosedRange<Double>, String)] = [
            (.maxAbsError, maxAbsError, 0...Double.greatestFiniteMagnitude, "a finite number ≥ 0"),
            (.maxRelativeL2Error, maxRelativeL2Error, 0...Double.greatestFiniteMagnitude, "a finite number ≥ 0"),
            (.minCosineSimilarity, minCosineSimilarity, -1...1, "a number from -1 to 1"),
            (.minArgmaxAgreement, minArgmaxAgreement, 0...1, "a fraction from 0 to 1"),
            (.minAnswerAgreement, minAnswerAgreement, 0...1, "a fraction from 0 to 1"),
        ]
        for (limit, value, range, requirement) in checks where !range.contains(value) {
            throw .invalidTolerance(limit: naming(limit), value: "\(value)", requirement: requirement)
        }
    }

    /// Measured worst cases and the margins over them are in formats/verify.md.
    public static func defaults(for storage: StorageType) -> Tolerance {
        switch storage {
        case .f32: return Tolerance(maxAbsError: 1e-4, maxRelativeL2Error: 1e-5, minCosineSimilarity: 0.999_999_9,
                                    minArgmaxAgreement: 1, minAnswerAgreement: 1)
        case .f16: return Tolerance(maxAbsError: 0.02, maxRelativeL2Error: 3e-3, minCosineSimilarity: 0.999_999,
                                    minArgmaxAgreement: 0.9, minAnswerAgreement: 0.75)
        case .bf16: return Tolerance(maxAbsError: 0.2, maxRelativeL2Error: 0.04, minCosineSimilarity: 0.9999,
                                     minArgmaxAgreement: 0.85, minAnswerAgreement: 0.75)
        // int8 activations flip 3 of 18 start argmaxes of the near-flat full-size random model (formats/verify.md).
        case .q8: return Tolerance(maxAbsError: 0.3, maxRelativeL2Error: 0.12, minCosineSimilarity: 0.999,
                                   minArgmaxAgreement: 0.75, minAnswerAgreement: 0.75)
        case .q4: return Tolerance(maxAbsError: 3, maxRelativeL2Error: 0.25, minCosineSimilarity: 0.98,
                                   minArgmaxAgreement: 0.6, minAnswerAgreement: 0.5)
        }
    }

    /// Why `comparison` fails these limits, one phrase per broken limit; empty when it passes.
    func violations(_ comparison: LogitComparison, output: String) -> [String] {
        var found: [String] = []
        if comparison.nonFinite > 0 { found.append("\(output): \(comparison.nonFinite) non-finite logits") }
        if comparison.maxAbsError > maxAbsError {
            found.append("\(output) max abs error \(format(comparison.maxAbsError)) > \(format(maxAbsError))")
        }
        if comparison.relativeL2Error > maxRelativeL2Error {
            found.append("\(output) relative L2 error \(format(comparison.relativeL2Error)) > \(format(maxRelativeL2Error))")
        }
        if comparison.cosineSimilarity < minCosineSimilarity {
            found.append("\(output) cosine similarity \(cosine(comparison.cosineSimilarity)) < \(cosine(minCosineSimilarity))")
        }
        if comparison.argmaxAgreement < minArgmaxAgreement {
            found.append("\(output) argmax agreement \(format(comparison.argmaxAgreement)) < \(format(minArgmaxAgreement))")
        }
        return found
    }
}

/// Compact numbers for reports: 4 significant digits.
func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    let magnitude = abs(value)
    if magnitude >= 1e-3, magnitude < 1e5 {
        var text = String(format: "%.4g", value)
        if text.contains("e") { text = String(format: "%.4f", value) }
        return text
    }
    return String(format: "%.3e", value)
}

/// Cosine similarities live just below 1: print enough digits to see how far below.
func cosine(_ value: Double) -> String { value.isFinite ? String(format: "%.8f", value) : format(value) }
