import Foundation

/// Start/end logits of every window → the answer, as NeMo 1.0's `SquadDataset.get_predictions` decides it.
///
/// Per window, the top `nBestSize` start and end positions are paired; a pair is a candidate when both ends
/// are context tokens of that window, end ≥ start, it is at most `maxAnswerLength` tokens long and its start
/// token has its maximum context in this window. Candidates are ranked by start + end logit (ties keep
/// window, then start, then end order, like Python's stable sort); the no-answer score is start[0] + end[0],
/// minimised over windows. Scores are added in Double, as Python adds the floats `tolist()` returns.
extension SquadProcessor {
    /// Decodes one example's windows. `logits[i]` belongs to `example.features[i]` and has one value per position
    /// it ran: at least its real tokens, at most its padded length. The n-best selection ranks every value given,
    /// so padded rows decode exactly as NeMo does (whose padding positions can take n-best slots), and real-length
    /// rows, as a model run without padding gives them, rank real positions only (as transformers' pipeline does).
    public func predict(_ example: QAExample, logits: [SpanLogits]) throws(QAError) -> QAPrediction {
        try predict(example, logits: logits, finalTextScanLimit: FinalTextProjector.defaultScanLimit)
    }

    /// `predict` with the `FinalTextProjector` scan limit chosen (tests force its suffix-index path with 0).
    func predict(_ example: QAExample, logits: [SpanLogits], finalTextScanLimit: Int) throws(QAError) -> QAPrediction {
        guard logits.count == example.features.count else {
            throw .featureCountMismatch(expected: example.features.count, found: logits.count)
        }
        for (index, row) in logits.enumerated() {
            let feature = example.features[index]
            let fits = { (count: Int) in count >= feature.tokenCount && count <= feature.inputIDs.count }
            guard fits(row.start.count), row.end.count == row.start.count else {
                throw .logitCountMismatch(feature: index, realTokens: feature.tokenCount, padded: feature.inputIDs.count,
                                          found: fits(row.start.count) ? row.end.count : row.start.count)
            }
            if let bad = row.start.firstIndex(where: { !$0.isFinite }) ?? row.end.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteLogit(feature: index, position: bad)
            }
        }
        return SpanDecoder(processor: self, example: example, logits: logits, finalTextScanLimit: finalTextScanLimit)
            .decode()
    }
}

private struct SpanDecoder {
    let processor: SquadProcessor
    let example: QAExample
    let logits: [SpanLogits]
    let finalTextScanLimit: Int
    var settings: SquadSettings { processor.settings }

    /// A candidate span; logits stay Float (what the model gave) and are widened to Double when added, as
    /// before, so scores are unchanged while millions of candidates of a long context take half the memory.
    private struct Preliminary {
        let feature: Int32
        let start: Int32
        let end: Int32
        let order: Int32
        let startLogit: Float
        let endLogit: Float

        var score: Double { Double(startLogit) + Double(endLogit) }
    }

    private struct Entry {
        let kind: QACandidate.Kind
        let text: [Unicode.Scalar]
        let startLogit: Double
        let endLogit: Double
        let offsets: Range<Int>?
    }

    func decode() -> QAPrediction {
        var preliminary: [Preliminary] = []
        // NeMo starts the minimum at 1e6 with null logits 0, which is what an example without windows reports.
        var nullScore = 1_000_000.0
        var nullFeature = 0
        var nullStartLogit: Float = 0
        var nullEndLogit: Float = 0
        for (index, feature) in example.features.enumerated() {
            let row = logits[index]
            if settings.version2WithNegative {
                let featureNull = Double(row.start[0]) + Double(row.end[0])
                if featureNull < nullScore {
                    nullScore = featureNull
                    nullFeature = index
                    nullStartLogit = row.start[0]
                    nullEndLogit = row.end[0]
                }
            }
            let bestEnds = Self.bestIndexes(row.end, settings.nBestSize)
            for start in Self.bestIndexes(row.start, settings.nBestSize) {
                for end in bestEnds {
                    guard start < feature.tokenCount, end < feature.tokenCount,
                          feature.wordIndex(atPosition: start) != nil, feature.wordIndex(atPosition: end) != nil,
                          feature.isMaxContext(atPosition: start),
                          end >= start, end - start + 1 <= settings.maxAnswerLength
                    else { continue }
                    preliminary.append(Preliminary(feature: Int32(index), start: Int32(start), end: Int32(end),
                                                   order: Int32(preliminary.count), startLogit: row.start[start],
                                                   endLogit: row.end[end]))
                }
            }
        }
        if settings.version2WithNegative {
            preliminary.append(Preliminary(feature: Int32(nullFeature), start: 0, end: 0, order: Int32(preliminary.count),
                                           startLogit: nullStartLogit, endLogit: nullEndLogit))
        }
        preliminary.sort { a, b in
            let scoreA = a.score
            let scoreB = b.score
            return scoreA != scoreB ? scoreA > scoreB : a.order < b.order
        }

        let joined = JoinedWords(example.words)
        var projector = FinalTextProjector(joined: joined, doLowerCase: settings.doLowerCase,
                                           scanLimit: finalTextScanLimit)
        var texts = AnswerTexts(joined: joined)
        var nBest: [Entry] = []
        var seen: Set<Int> = []
        for candidate in preliminary {
            if nBest.count >= settings.nBestSize { break }
            if candidate.start > 0 {
                let projection = finalText(candidate, projector: &projector)
                guard seen.insert(texts.id(of: projection.text)).inserted else { continue }
                nBest.append(Entry(kind: .span, text: joined.scalars(projection.text),
                                   startLogit: Double(candidate.startLogit), endLogit: Double(candidate.endLogit),
                                   offsets: projection.offsets))
            } else {
                seen.insert(AnswerTexts.emptyID)
                nBest.append(Entry(kind: .noAnswer, text: [], startLogit: Double(candidate.startLogit),
                                   endLogit: Double(candidate.endLogit), offsets: nil))
            }
        }
        let placeholder = Entry(kind: .placeholder, text: Array("empty".unicodeScalars), startLogit: 0, endLogit: 0,
                                offsets: nil)
        if settings.version2WithNegative {
            if !seen.contains(AnswerTexts.emptyID) {
                nBest.append(Entry(kind: .noAnswer, text: [], startLogit: Double(nullStartLogit),
                                   endLogit: Double(nullEndLogit), offsets: nil))
            }
            if nBest.count == 1 { nBest.insert(placeholder, at: 0) }
        }
        if nBest.isEmpty { nBest.append(placeholder) }

        let probabilities = Self.softmax(nBest.map { $0.startLogit + $0.endLogit })
        let candidates = zip(nBest, probabilities).map { entry, probability in
            QACandidate(kind: entry.kind, text: String(String.UnicodeScalarView(entry.text)),
                        startLogit: entry.startLogit, endLogit: entry.endLogit, probability: probability,
                        startOffset: entry.offsets?.lowerBound, endOffset: entry.offsets?.upperBound)
        }

        guard settings.version2WithNegative else {
            let best = candidates[0]
            return QAPrediction(text: best.text, isNoAnswer: false, score: best.score, startOffset: best.startOffset,
                                endOffset: best.endOffset, nBest: candidates, nullScore: nil, scoreDifference: nil)
        }
        // NeMo's list always holds a non-empty text here (the placeholder guarantees it); without one, Python
        // would crash on `None`, and "no answer" is the only sensible reading.
        guard let best = candidates.first(where: { !$0.text.isEmpty }) else {
            return QAPrediction(text: "", isNoAnswer: true, score: nullScore, startOffset: nil, endOffset: nil,
                                nBest: candidates, nullScore: nullScore, scoreDifference: nil)
        }
        let difference = nullScore - best.startLogit - best.endLogit
        if difference > settings.nullScoreDiffThreshold {
            return QAPrediction(text: "", isNoAnswer: true, score: nullScore, startOffset: nil, endOffset: nil,
                                nBest: candidates, nullScore: nullScore, scoreDifference: difference)
        }
        return QAPrediction(text: best.text, isNoAnswer: false, score: best.score, startOffset: best.startOffset,
                            endOffset: best.endOffset, nBest: candidates, nullScore: nullScore,
                            scoreDifference: difference)
    }

    /// The prediction's text (`get_final_text` on the de-tokenized pieces) and its scalar range in the context.
    private func finalText(_ candidate: Preliminary,
                           projector: inout FinalTextProjector) -> FinalTextProjector.Projection {
        let feature = example.features[Int(candidate.feature)]
        let vocabulary = processor.tokenizer.vocabulary
        let start = Int(candidate.start)
        let end = Int(candidate.end)
        let pieces = (start...end).map { Array(vocabulary.tokens[Int(feature.inputIDs[$0])].unicodeScalars) }
        var joined = Array(pieces.joined(separator: [" "]))
        joined = Self.removing(Array(" ##".unicodeScalars), from: joined)
        joined = Self.removing(Array("##".unicodeScalars), from: joined)
        let predicted = Array(CharacterClasses.splitOnPythonWhitespace(joined).joined(separator: [" "]))
        return projector.project(predicted, firstWord: feature.wordIndex(atPosition: start)!,
                                 lastWord: feature.wordIndex(atPosition: end)!)
    }

    /// Python's `str.replace(old, "")`: removes non-overlapping occurrences left to right.
    private static func removing(_ old: [Unicode.Scalar], from text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + old.count <= text.count, text[i..<(i + old.count)].elementsEqual(old) {
                i += old.count
            } else {
                result.append(text[i])
                i += 1
            }
        }
        return result
    }

    /// The positions of the `n` largest values, ties in index order (Python's stable `sorted(..., reverse=True)`).
    static func bestIndexes(_ values: [Float], _ n: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(n))
    }

    /// NeMo's `_compute_softmax`.
    static func softmax(_ scores: [Double]) -> [Double] {
        guard let maximum = scores.max() else { return [] }
        let exponentials = scores.map { exp($0 - maximum) }
        var total = 0.0
        for value in exponentials { total += value }
        return exponentials.map { $0 / total }
    }
}
