/// The three row orders Megatron has used for its fused query/key/value projection, as index formulas.

/// Which of the three projections a canonical tensor is.
public enum QKVPart: Int, Codable, Sendable, CaseIterable {
    case query = 0, key = 1, value = 2

    /// The Hugging Face module name: `attention.self.<name>`.
    public var name: String {
        switch self {
        case .query: return "query"
        case .key: return "key"
        case .value: return "value"
        }
    }
}

/// The row order of a fused QKV weight `[3h, h]` or bias `[3h]` (n heads of d = h/n rows each).
public enum QKVLayout: String, Codable, Sendable, CaseIterable {
    /// `[3][n][d]`: Megatron checkpoint_version 0 (NeMo 1.0–1.4, `megatron_legacy: true`).
    case v0
    /// `[n][d][3]`: checkpoint_version 1.
    case v1
    /// `[n][3][d]`: checkpoint_version 2 and 3, NeMo ≥ 1.10.
    case v2

    /// The fused row holding canonical row `head·d + e` of `part` is `base + head·headStride + e·elementStride`.
    ///
    /// Every layout is affine in (head, e); this table is the single source of truth for splitting weights and
    /// biases alike, and for the K-bias heuristic.
    public struct RowFormula: Equatable, Sendable {
        public let base: Int
        public let headStride: Int
        public let elementStride: Int
    }

    public func rowFormula(part: QKVPart, heads: Int, headDim: Int) -> RowFormula {
        let j = part.rawValue
        let hidden = heads * headDim
        switch self {
        case .v0: return RowFormula(base: j * hidden, headStride: headDim, elementStride: 1)
        case .v1: return RowFormula(base: j, headStride: 3 * headDim, elementStride: 3)
        case .v2: return RowFormula(base: j * headDim, headStride: 3 * headDim, elementStride: 1)
        }
    }

    /// The fused row of (part, head, e).
    public func fusedRow(part: QKVPart, head: Int, element: Int, heads: Int, headDim: Int) -> Int {
        let f = rowFormula(part: part, heads: heads, headDim: headDim)
        return f.base + head * f.headStride + element * f.elementStride
    }

    /// The layout Megatron's `checkpoint_version` implies, or nil for a version it never wrote.
    public init?(checkpointVersion: Double) {
        switch checkpointVersion {
        case 0: self = .v0
        case 1: self = .v1
        case 2, 3: self = .v2
        default: return nil
        }
    }
}

extension QKVLayout.RowFormula {
    /// Whether rows (head, e) follow one another at a single stride, so a part is a plain strided row view
    /// (v0: contiguous block, v1: every third row); v2 interleaves heads and needs a gather.
    public func isSingleStride(headDim: Int) -> Bool { headStride == headDim * elementStride }
}
