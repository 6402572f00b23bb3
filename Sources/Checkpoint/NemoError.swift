import Bytes

/// What can be wrong with a NeMo archive (`.nemo`, or the clear members of an EFF `.tlt`).
public enum NemoError: DecantError, Equatable {
    /// A required member is absent, e.g. `model_config.yaml` or `model_weights.ckpt`.
    case missingMember(String)
    /// `mp_rank_XX/model_weights.ckpt` for more than one tensor-parallel rank.
    case modelParallel(ranks: Int)
    /// `model_config.yaml` (or a JSON artifact) is not valid YAML/JSON, or not a mapping at the top.
    case badConfig(member: String, reason: String)
    /// A config key points at an artifact the archive does not hold (by `nemo:` name, basename or suffix).
    case missingArtifact(key: String, reference: String)
    /// A `*_megatron_checkpoint_version.json` without a numeric `checkpoint_version`.
    case badCheckpointVersion(member: String)
    /// A small member (yaml, vocab, json) larger than the in-memory limit.
    case memberTooLarge(member: String, size: Int, limit: Int)
    /// A streamed member `NemoArchive` reads that did not fit in the memory one archive may hold (`bufferLimit`).
    case memberBudgetExceeded(member: String, size: Int, buffered: Int, limit: Int)
    /// The vocabulary artifact is past one of `VocabularyLimits`.
    case vocabularyTooLarge(member: String, violation: VocabularyLimits.Violation)
    /// A text member that is not UTF-8.
    case notUTF8(member: String)
    /// Several members fit where one is looked up by name (`a/model_weights.ckpt` and `b/model_weights.ckpt`):
    /// which one counts would be arbitrary.
    case ambiguousMember(name: String, candidates: [String])

    public var description: String {
        switch self {
        case let .missingMember(name):
            return "expected a NeMo archive member \(name), the archive has none"
        case let .modelParallel(ranks):
            return "model-parallel archive with \(ranks) ranks is not supported yet: expected a single model_weights.ckpt"
        case let .badConfig(member, reason):
            return "\(member): expected a YAML/JSON mapping, \(reason)"
        case let .missingArtifact(key, reference):
            return "\(key) refers to '\(reference)', which is not in the archive (no member with that name or suffix)"
        case let .badCheckpointVersion(member):
            return "\(member): expected {\"checkpoint_version\": <number>}"
        case let .memberTooLarge(member, size, limit):
            return "\(member) holds \(size) bytes, more than the \(limit)-byte limit for in-memory members (NemoOptions.memberLimit)"
        case let .memberBudgetExceeded(member, size, buffered, limit):
            return "\(member) holds \(size) bytes, which with the \(buffered) bytes of members already in memory is more than "
                + "the \(limit)-byte limit for the members of one archive (NemoOptions.bufferLimit)"
        case let .vocabularyTooLarge(member, violation):
            return "\(member): vocabulary \(violation)"
        case let .notUTF8(member):
            return "\(member): expected UTF-8 text"
        case let .ambiguousMember(name, candidates):
            return "expected one NeMo archive member \(name), found \(candidates.count): \(candidates.prefix(5).joined(separator: ", "))"
        }
    }
}
