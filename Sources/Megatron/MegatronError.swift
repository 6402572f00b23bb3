import Bytes

/// Everything that can stop Megatron-BERT architecture detection or name mapping, one case per broken invariant.
public enum MegatronError: DecantError, Equatable {
    /// No tensor name ends in `embedding.word_embeddings.weight`, so this is not a Megatron language model.
    case noWordEmbeddings
    case severalWordEmbeddings(names: [String])
    /// The prefix in front of `embedding.word_embeddings.weight` belongs to no known naming generation.
    case unknownNaming(prefix: String)
    case missingTensor(name: String)
    case unexpectedShape(name: String, expected: [Int], found: [Int])
    /// The fused QKV projection must have 3 × hidden output rows.
    case fusedQKVRows(name: String, rows: Int, hidden: Int)
    case noLayers(stackPrefix: String)
    case layerGap(missing: [Int], layers: Int)
    case headsUnknown(hidden: Int)
    case headsDoNotDivideHidden(heads: Int, hidden: Int)
    case vocabExceedsEmbedding(vocab: Int, embeddingRows: Int, source: String)
    /// A configuration value contradicts what the tensor shapes say.
    case configConflict(key: String, configured: Int, fromTensors: Int, source: String)
    case unsupportedCheckpointVersion(Double, source: String)
    /// A configuration value that is not of its key's kind, or outside the range where it means anything;
    /// `setting` names the file and key, e.g. "model_config.yaml language_model.config layernorm_epsilon".
    case invalidSetting(setting: String, value: String, expected: String)
    /// The K-bias heuristic could not separate the candidate layouts (e.g. untrained or all-zero biases).
    case qkvLayoutUndecided(kBiasNorms: [String: Double])
    case unplaceable(names: [String])
    /// `materialize` was handed a tensor that is not the one the plan was made for.
    case sourceMismatch(canonical: String, expectedShape: [Int], found: String, foundShape: [Int])

    public var description: String {
        switch self {
        case .noWordEmbeddings:
            return "expected a Megatron language model with a tensor named …embedding.word_embeddings.weight, found none"
        case let .severalWordEmbeddings(names):
            return "expected one word-embedding tensor, found \(names.count): \(names.joined(separator: ", "))"
        case let .unknownNaming(prefix):
            return "expected a NeMo 1.0, NeMo ≥ 1.10 or Megatron language-model prefix, found '\(prefix)'"
        case let .missingTensor(name):
            return "expected tensor \(name), which the checkpoint does not contain"
        case let .unexpectedShape(name, expected, found):
            return "tensor \(name): expected shape \(expected), found \(found)"
        case let .fusedQKVRows(name, rows, hidden):
            return "tensor \(name): expected 3 × hidden = \(3 * hidden) fused QKV rows, found \(rows)"
        case let .noLayers(stackPrefix):
            return "expected transformer layers named \(stackPrefix){i}.*, found none"
        case let .layerGap(missing, layers):
            return "expected layers 0..<\(layers) without gaps, layers \(missing.map(String.init).joined(separator: ", ")) are missing"
        case let .headsUnknown(hidden):
            return "cannot tell the number of attention heads for hidden size \(hidden) from the checkpoint or its config: pass \(ArchitectureOverrides.headsOption)"
        case let .headsDoNotDivideHidden(heads, hidden):
            return "expected the number of attention heads to divide hidden size \(hidden), found \(heads) heads"
        case let .vocabExceedsEmbedding(vocab, rows, source):
            return "tokenizer vocab of \(vocab) tokens (\(source)) is larger than the \(rows) word-embedding rows"
        case let .configConflict(key, configured, fromTensors, source):
            return "\(key): \(source) says \(configured) but the tensors say \(fromTensors)"
        case let .unsupportedCheckpointVersion(version, source):
            return "expected Megatron checkpoint_version 0, 1, 2 or 3, found \(version) (\(source))"
        case let .invalidSetting(setting, value, expected):
            return "\(setting): expected \(expected), found \(value)"
        case let .qkvLayoutUndecided(norms):
            let listed = norms.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "cannot decide the fused-QKV layout: no metadata and the K-bias norms do not single one out (\(listed)); pass \(ArchitectureOverrides.qkvLayoutOption)"
        case let .unplaceable(names):
            return "expected only Megatron-BERT QA tensors, found \(names.count) that map to nothing: \(names.joined(separator: ", "))"
        case let .sourceMismatch(canonical, expectedShape, found, foundShape):
            return "\(canonical) needs a source of shape \(expectedShape), was given \(found) of shape \(foundShape)"
        }
    }
}
