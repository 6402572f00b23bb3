import Inference
import QA
import Quantization

/// Runs a candidate model and a reference (another model, or golden logits) on the same inputs and compares them.
public enum Verifier {
    /// Both models see exactly the same windows (the candidate's tokenizer and settings); logits are compared
    /// at unmasked positions and each question's decoded answer is compared too.
    public static func compare(candidate: QAModel, reference: QAModel, inputs: [VerificationInput],
                               processor: SquadProcessor, tolerance: Tolerance,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationReport {
        var start = LogitComparison(), end = LogitComparison()
        var answers = AnswerAgreement()
        for (index, input) in inputs.enumerated() {
            let example = try processor.makeExample(question: input.question, context: input.context)
            let candidateLogits = try candidate.logits(for: example.features)
            let referenceLogits = try reference.logits(for: example.features)
            for (feature, (c, r)) in zip(example.features, zip(candidateLogits, referenceLogits)) {
                start.add(candidate: c.start, reference: r.start, mask: feature.attentionMask)
                end.add(candidate: c.end, reference: r.end, mask: feature.attentionMask)
            }
            answers.add(id: input.id, candidate: try processor.predict(example, logits: candidateLogits),
                        reference: try processor.predict(example, logits: referenceLogits))
            progress(index + 1, inputs.count)
        }
        return VerificationReport(candidate: candidate.summary, reference: reference.summary,
                                  storage: candidate.storage, tolerance: tolerance, start: start, end: end,
                                  answers: answers)
    }

    /// The candidate runs each golden case's exact inputs. Answers are compared for cases that carry their
    /// question and context, when the candidate's own preprocessing reproduces the case's windows exactly.
    public static func compare(candidate: QAModel, golden: GoldenFile, processor: SquadProcessor?,
                               tolerance: Tolerance) throws -> VerificationReport {
        try golden.validate(against: candidate.config)
        var start = LogitComparison(), end = LogitComparison()
        // Each case runs up to its last unmasked position: what follows is padding no unmasked position sees.
        let lengths = golden.cases.map { ($0.attentionMask.lastIndex(of: 1) ?? 0) + 1 }
        var candidateLogits: [SpanLogits] = []
        for batch in QAModel.batches(lengths: lengths) {
            let cases = batch.map { (golden.cases[$0], lengths[$0]) }
            let rows = try candidate.engine.logits(inputIds: cases.map { Array($0.inputIds[..<$1]) },
                                                   tokenTypeIds: cases.map { Array($0.tokenTypeIds[..<$1]) },
                                                   attentionMask: cases.map { Array($0.attentionMask[..<$1]) })
            candidateLogits += rows.map { SpanLogits(start: $0.start, end: $0.end) }
        }
        for (item, logits) in zip(golden.cases, candidateLogits) {
            start.add(candidate: logits.start, reference: item.startLogits, mask: item.attentionMask)
            end.add(candidate: logits.end, reference: item.endLogits, mask: item.attentionMask)
        }
        var answers: AnswerAgreement?
        var notCompared: String?
        if !golden.cases.contains(where: { $0.question != nil && $0.context != nil }) {
            notCompared = "the golden cases carry no question and context to decode"
        } else if let processor {
            (answers, notCompared) = try goldenAnswers(golden, candidateLogits: candidateLogits, processor: processor)
        } else {
            notCompared = "the candidate has no tokenizer and SQuAD settings to decode with"
        }
        return VerificationReport(candidate: candidate.summary, reference: "golden logits \(golden.path) (\(golden.cases.count) cases)",
                                  storage: candidate.storage, tolerance: tolerance, start: start, end: end,
                                  answers: answers, answersNotCompared: notCompared)
    }

    /// Groups consecutive cases with the same question and context into one example and decodes both sides, when
    /// the candidate's preprocessing makes exactly the golden windows; otherwise says how the first group differs.
    private static func goldenAnswers(_ golden: GoldenFile, candidateLogits: [SpanLogits],
                                      processor: SquadProcessor) throws -> (AnswerAgreement?, notCompared: String?) {
        var agreement = AnswerAgreement()
        var mismatches: [String] = []
        var index = 0
        while index < golden.cases.count {
            let first = golden.cases[index]
            guard let question = first.question, let context = first.context else { index += 1; continue }
            var next = index + 1
            while next < golden.cases.count, golden.cases[next].question == question, golden.cases[next].context == context {
                next += 1
            }
            defer { index = next }
            let example: QAExample
            do { example = try processor.makeExample(question: question, context: context) } catch {
                mismatches.append("case \(index): the candidate cannot make windows of its question and context (\(error))")
                continue
            }
            if let mismatch = windowMismatch(golden.cases[index..<next], firstCase: index, example.features, processor.settings) {
                mismatches.append(mismatch)
                continue
            }
            // Both sides decoded over the same positions: the reference cut to the length the candidate ran.
            let reference = zip(golden.cases[index..<next], candidateLogits[index..<next]).map { item, ran in
                SpanLogits(start: Array(item.startLogits.prefix(ran.start.count)), end: Array(item.endLogits.prefix(ran.end.count)))
            }
            agreement.add(id: "case \(index)", candidate: try processor.predict(example, logits: Array(candidateLogits[index..<next])),
                          reference: try processor.predict(example, logits: reference))
        }
        guard let firstMismatch = mismatches.first else { return (agreement, nil) }
        let count = mismatches.count == 1 ? "1 question whose golden windows differ" : "\(mismatches.count) questions whose golden windows differ"
        return (agreement.total > 0 ? agreement : nil,
                count + " from the candidate's" + (mismatches.count == 1 ? ": " : "; the first: ") + firstMismatch)
    }

    /// How the golden windows of one question differ from the windows the candidate's preprocessing makes of it,
    /// or nil when they are the same.
    static func windowMismatch(_ cases: ArraySlice<GoldenFile.Case>, firstCase: Int, _ features: [QAFeature],
                               _ settings: SquadSettings) -> String? {
        guard features.count == cases.count else {
            let range = cases.count == 1 ? "case \(firstCase)" : "cases \(firstCase)–\(firstCase + cases.count - 1)"
            return "\(range): the golden file has \(cases.count) windows for this question, the candidate's settings "
                + "(max_seq_length \(settings.maxSeqLength), doc_stride \(settings.docStride)) make \(features.count)"
        }
        for (offset, (item, feature)) in zip(cases, features).enumerated() {
            let golden = item.inputIds, own = feature.inputIDs
            guard golden != own else { continue }
            let index = firstCase + offset
            if golden.count != own.count {
                let ownUnpadded = (feature.attentionMask.lastIndex { $0 != 0 } ?? -1) + 1
                if golden.count < own.count, Array(own.prefix(golden.count)) == golden, golden.count >= ownUnpadded {
                    return "case \(index): the golden file's \(golden.count) positions are not padded to the candidate's "
                        + "window of \(own.count) (max_seq_length)"
                }
                return "case \(index): the golden window has \(golden.count) positions, the candidate's \(own.count) "
                    + "(max_seq_length \(settings.maxSeqLength))"
            }
            let position = golden.indices.first { golden[$0] != own[$0] }!
            return "case \(index): position \(position) holds token \(golden[position]) in the golden file and "
                + "\(own[position]) in the candidate's window (another tokenizer, or other max_query_length, doc_stride "
                + "or do_lower_case settings)"
        }
        return nil
    }
}

/// How many questions got the same answer from both sides (same text and same no-answer decision).
public struct AnswerAgreement: Sendable, Equatable {
    public struct Disagreement: Sendable, Equatable {
        public let id: String
        public let candidate: String
        public let reference: String
    }

    public private(set) var total = 0
    public private(set) var matches = 0
    public private(set) var disagreements: [Disagreement] = []

    public init() {}

    mutating func add(id: String, candidate: QAPrediction, reference: QAPrediction) {
        total += 1
        if candidate.text == reference.text, candidate.isNoAnswer == reference.isNoAnswer {
            matches += 1
        } else {
            disagreements.append(Disagreement(id: id, candidate: candidate.isNoAnswer ? "(no answer)" : candidate.text,
                                              reference: reference.isNoAnswer ? "(no answer)" : reference.text))
        }
    }

    public var rate: Double { total > 0 ? Double(matches) / Double(total) : 1 }
}
