/// Accumulates how far a candidate's logits are from a reference's, over unmasked positions only.
///
/// Sums run in `Double` over every compared position of every sequence, so the statistics describe one long
/// vector per output (start or end) rather than an average of per-sequence numbers.
public struct LogitComparison: Sendable, Equatable {
    public private(set) var positions = 0
    public private(set) var maxAbsError = 0.0
    public private(set) var sequences = 0
    /// Sequences whose highest-scoring unmasked position is the same in both.
    public private(set) var argmaxMatches = 0
    private var squaredError = 0.0
    private var referenceSquared = 0.0
    private var candidateSquared = 0.0
    private var dot = 0.0
    /// A NaN or infinity on either side: no tolerance can accept it.
    public private(set) var nonFinite = 0

    public init() {}

    /// Adds one sequence; `mask` selects the positions that count (1 = real token).
    public mutating func add(candidate: [Float], reference: [Float], mask: [Int32]) {
        var bestCandidate = (index: -1, value: -Float.infinity)
        var bestReference = (index: -1, value: -Float.infinity)
        for i in mask.indices where mask[i] == 1 {
            let c = candidate[i], r = reference[i]
            guard c.isFinite, r.isFinite else {
                nonFinite += 1
                continue
            }
            let (cd, rd) = (Double(c), Double(r))
            let difference = cd - rd
            maxAbsError = max(maxAbsError, abs(difference))
            squaredError += difference * difference
            referenceSquared += rd * rd
            candidateSquared += cd * cd
            dot += cd * rd
            positions += 1
            if c > bestCandidate.value { bestCandidate = (i, c) }
            if r > bestReference.value { bestReference = (i, r) }
        }
        sequences += 1
        if bestCandidate.index == bestReference.index, bestCandidate.index >= 0 { argmaxMatches += 1 }
    }

    /// ‖candidate − reference‖₂ / ‖reference‖₂.
    public var relativeL2Error: Double {
        referenceSquared > 0 ? (squaredError / referenceSquared).squareRoot() : (squaredError > 0 ? .infinity : 0)
    }

    /// cos∠(candidate, reference); 1 when both are zero vectors.
    public var cosineSimilarity: Double {
        let norms = (candidateSquared * referenceSquared).squareRoot()
        return norms > 0 ? dot / norms : (candidateSquared == referenceSquared ? 1 : 0)
    }

    public var argmaxAgreement: Double { sequences > 0 ? Double(argmaxMatches) / Double(sequences) : 1 }
}
