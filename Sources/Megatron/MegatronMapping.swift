import Tensors

/// Plans the source → canonical (Hugging Face) tensor mapping from the name table, checking every name and shape.

/// How a canonical tensor is made from its source.
public enum CanonicalTransform: Codable, Sendable, Equatable {
    case identity
    /// One of query/key/value cut out of a fused QKV weight or bias.
    case qkvSplit(part: QKVPart, layout: QKVLayout, heads: Int)
    /// The first `n` rows (the word embeddings without Megatron's vocab padding).
    case truncateRows(Int)
}

/// One canonical tensor and how to make it.
public struct CanonicalTensorPlan: Codable, Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let dtype: DType
    public let sourceNames: [String]
    public let transform: CanonicalTransform

    public init(name: String, shape: [Int], dtype: DType, sourceNames: [String], transform: CanonicalTransform) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.sourceNames = sourceNames
        self.transform = transform
    }
}

/// The full mapping of a checkpoint: what is produced and what is deliberately left out.
public struct MegatronMappingPlan: Codable, Sendable, Equatable {
    /// In export order: embeddings, layers 0…L−1, final LayerNorm, QA head.
    public let tensors: [CanonicalTensorPlan]
    /// Source tensors with no place in a QA model (pooler, LM head, binary head).
    public let dropped: [String]
}

public enum MegatronMapping {
    /// Maps every source tensor to its canonical tensor(s), or throws naming what cannot be placed or is missing.
    public static func plan(tensors: [TensorSignature], architecture a: MegatronArchitecture) throws(MegatronError)
        -> MegatronMappingPlan {
        let spelling = Spelling(a)
        var expected: [String: (rule: NameRule, layer: Int?)] = [:]
        var order: [String] = []
        for rule in megatronBertQARules {
            switch rule.presence {
            case .required: break
            case .whenTokenTypes: if a.tokenTypes == 0 { continue }
            case .whenQAHead: if !a.hasQAHead { continue }
            }
            for layer in rule.isPerLayer ? Array(0..<a.layers).map(Optional.some) : [nil] {
                let name = spelling.source(rule.source, layer: layer)
                expected[name] = (rule, layer)
                order.append(name)
            }
        }

        var found: [String: TensorSignature] = [:]
        var dropped: [String] = []
        var unplaceable: [String] = []
        for tensor in tensors {
            if expected[tensor.name] != nil {
                found[tensor.name] = tensor
            } else if tensor.name.split(separator: ".").contains(where: { droppedModules.contains(String($0)) }) {
                dropped.append(tensor.name)
            } else {
                unplaceable.append(tensor.name)
            }
        }
        guard unplaceable.isEmpty else { throw .unplaceable(names: unplaceable) }
        // Layers are ordered by index, but the table lists per-layer rules together: sort into export order.
        let exportOrder = order.sorted { lhs, rhs in exportRank(expected[lhs]!) < exportRank(expected[rhs]!) }

        var plans: [CanonicalTensorPlan] = []
        for name in exportOrder {
            guard let tensor = found[name] else { throw .missingTensor(name: name) }
            let (rule, layer) = expected[name]!
            let want = rule.shape.map { $0.resolve(a) }
            if rule.kind == .fusedQKV, tensor.shape.count == want.count, tensor.shape.first != want.first {
                throw .fusedQKVRows(name: name, rows: tensor.shape[0], hidden: a.hidden)
            }
            guard tensor.shape == want else { throw .unexpectedShape(name: name, expected: want, found: tensor.shape) }
            switch rule.kind {
            case .copy:
                plans.append(CanonicalTensorPlan(name: canonical(rule.canonical, layer: layer), shape: want,
                                                 dtype: tensor.dtype, sourceNames: [name], transform: .identity))
            case .vocabRows:
                let transform: CanonicalTransform = a.vocab == want[0] ? .identity : .truncateRows(a.vocab)
                plans.append(CanonicalTensorPlan(name: canonical(rule.canonical, layer: layer),
                                                 shape: [a.vocab] + want.dropFirst(), dtype: tensor.dtype,
                                                 sourceNames: [name], transform: transform))
            case .fusedQKV:
                for part in QKVPart.allCases {
                    plans.append(CanonicalTensorPlan(
                        name: canonical(rule.canonical, layer: layer, part: part), shape: [a.hidden] + want.dropFirst(),
                        dtype: tensor.dtype, sourceNames: [name],
                        transform: .qkvSplit(part: part, layout: a.qkvLayout, heads: a.heads)))
                }
            }
        }
        return MegatronMappingPlan(tensors: plans, dropped: dropped)
    }

    /// Globals before the layers, layers in index order, then the final LayerNorm and the head (table order).
    private static func exportRank(_ entry: (rule: NameRule, layer: Int?)) -> (Int, Int, Int) {
        let row = megatronBertQARules.firstIndex { $0.source == entry.rule.source }!
        let firstLayerRow = megatronBertQARules.firstIndex { $0.isPerLayer }!
        if let layer = entry.layer { return (1, layer, row) }
        return (row < firstLayerRow ? 0 : 2, 0, row)
    }
}
