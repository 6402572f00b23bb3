import Bytes
import Checkpoint
import Inference
import NativeFormat
import QA
import Quantization

/// A question-answering model ready to run: the engine, its tokenizer and its SQuAD settings, opened from a
/// .decant file (any storage type) or from a source checkpoint in f32 (the built-in reference).
///
/// Text goes tokenizer → SQuAD windows → engine → span decoding; `QAModel` is the `SpanScorer` that plugs the
/// engine into the QA module.
public final class QAModel: SpanScorer {
    public enum Origin: Sendable, Equatable {
        /// A .decant file; how many tensors it stores in each storage type.
        case native(tensorsByStorage: [StorageType: Int])
        /// A source checkpoint mapped to canonical names in memory; the layers it was opened through.
        case source(layers: [String])
    }

    public let path: String
    public let origin: Origin
    public let engine: BertQAModel
    public var config: BertConfig { engine.config }
    /// The settings the file carries (NeMo defaults where it carries none), before overrides.
    public let storedSettings: SquadSettings
    private let vocabulary: Vocabulary?

    /// Tokens per forward pass (8 full windows): enough rows to fill the products, few enough to keep the
    /// activations (≈ 40 KB per token at hidden 1024) small.
    static let tokensPerBatch = 8 * 384

    /// Opens a .decant file, or any source checkpoint `ModelSource` reads (`key`: the TAO load key).
    public static func open(path: String, key: String? = nil) throws -> QAModel {
        let file = try MappedFile(path: path)
        if file.view.matches(NativeLayout.magic) {
            return try QAModel(native: try NativeFile(view: file.view), path: path)
        }
        return try QAModel(source: try ModelSource.open(path: path, key: key), path: path)
    }

    private init(native: NativeFile, path: String) throws {
        let metadata = try NativeQAMetadata(native.metadata, path: path)
        engine = try BertQAModel(config: metadata.config, weights: NativeWeightSource(file: native))
        var counts: [StorageType: Int] = [:]
        for tensor in native.tensors { counts[tensor.storage, default: 0] += 1 }
        self.path = path
        origin = .native(tensorsByStorage: counts)
        vocabulary = metadata.vocabulary
        storedSettings = metadata.settings
    }

    private init(source: ModelSource, path: String) throws {
        let weights = try SourceWeightSource(source: source)
        engine = try BertQAModel(config: try weights.config, weights: weights)
        self.path = path
        origin = .source(layers: source.layers)
        vocabulary = try source.vocab.map { tokens throws(QAError) in
            try Vocabulary(bytes: ByteView(copying: Array(tokens.joined(separator: "\n").utf8)), source: path + " vocab")
        }
        var settings = SquadSettings()
        if let qa = source.config?.qa {
            settings.maxSeqLength = qa.maxSeqLength ?? settings.maxSeqLength
            settings.docStride = qa.docStride ?? settings.docStride
            settings.maxQueryLength = qa.maxQueryLength ?? settings.maxQueryLength
            settings.maxAnswerLength = qa.maxAnswerLength ?? settings.maxAnswerLength
            settings.nBestSize = qa.nBestSize ?? settings.nBestSize
            settings.nullScoreDiffThreshold = qa.nullScoreDiffThreshold ?? settings.nullScoreDiffThreshold
            settings.doLowerCase = qa.doLowerCase ?? settings.doLowerCase
            settings.version2WithNegative = qa.versionTwoWithNegative ?? settings.version2WithNegative
        }
        storedSettings = settings
    }

    /// The storage type whose tolerances apply: the least precise one any tensor uses (f32 for a source).
    public var storage: StorageType {
        guard case let .native(counts) = origin else { return .f32 }
        return counts.keys.max { $0.precisionRank < $1.precisionRank } ?? .f32
    }

    /// The tokenizer and windowing for this model: stored settings, then `overrides`. A stored max_seq_length
    /// longer than the position table is cut to it (a model cannot see further); an explicit one is an error.
    public func processor(overrides: SquadSettingsOverrides = SquadSettingsOverrides()) throws -> SquadProcessor {
        guard let vocabulary else { throw VerificationError.noVocabulary(path: path) }
        guard vocabulary.count <= config.vocab else {
            throw VerificationError.vocabularySizeMismatch(tokenizer: vocabulary.count, model: config.vocab)
        }
        var settings = storedSettings
        settings.maxSeqLength = min(settings.maxSeqLength, config.positions)
        try overrides.apply(to: &settings)
        guard settings.maxSeqLength <= config.positions else {
            throw VerificationError.sequenceLongerThanPositions(setting: settings.maxSeqLength, positions: config.positions)
        }
        return try SquadProcessor(vocabulary: vocabulary, settings: settings)
    }

    /// Each window runs at its real length, without its padding: the engine stacks sequences of any lengths into
    /// one batch and masks nothing but padding, so dropping it changes no logit at a real position beyond float
    /// rounding and saves its whole cost. Rows come back `tokenCount` long (the decoder ranks real positions only).
    public func logits(for features: [QAFeature]) throws -> [SpanLogits] {
        let windows = features.map { feature in
            (ids: Array(feature.inputIDs[..<feature.tokenCount]), types: Array(feature.tokenTypeIDs[..<feature.tokenCount]))
        }
        var out: [SpanLogits] = []
        out.reserveCapacity(features.count)
        for batch in Self.batches(lengths: windows.map(\.ids.count)) {
            let rows = try engine.logits(inputIds: batch.map { windows[$0].ids }, tokenTypeIds: batch.map { windows[$0].types },
                                         attentionMask: batch.map { [Int32](repeating: 1, count: windows[$0].ids.count) })
            out += rows.map { SpanLogits(start: $0.start, end: $0.end) }
        }
        return out
    }

    /// Consecutive index ranges of at most `tokensPerBatch` tokens (a longer window runs alone).
    static func batches(lengths: [Int]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0, tokens = 0
        for (index, length) in lengths.enumerated() {
            if index > start, tokens + length > tokensPerBatch {
                ranges.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += length
        }
        if start < lengths.count { ranges.append(start..<lengths.count) }
        return ranges
    }

    /// A one-line description for reports, e.g. "native (q8: 96, f32: 103 tensors)".
    public var summary: String {
        switch origin {
        case let .native(counts):
            let parts = counts.sorted { $0.key.precisionRank > $1.key.precisionRank }.map { "\($0.key.rawValue): \($0.value)" }
            return "native (\(parts.joined(separator: ", ")) tensors)"
        case let .source(layers):
            return "source, f32 reference (\(layers.joined(separator: " > ")))"
        }
    }
}

/// SQuAD settings given on the command line, each replacing the stored value when present.
public struct SquadSettingsOverrides: Sendable, Equatable {
    public var maxSeqLength: Int?
    public var docStride: Int?
    public var maxQueryLength: Int?
    public var maxAnswerLength: Int?
    public var nBestSize: Int?
    public var nullScoreDiffThreshold: Double?

    public init(maxSeqLength: Int? = nil, docStride: Int? = nil, maxQueryLength: Int? = nil, maxAnswerLength: Int? = nil,
                nBestSize: Int? = nil, nullScoreDiffThreshold: Double? = nil) {
        self.maxSeqLength = maxSeqLength
        self.docStride = docStride
        self.maxQueryLength = maxQueryLength
        self.maxAnswerLength = maxAnswerLength
        self.nBestSize = nBestSize
        self.nullScoreDiffThreshold = nullScoreDiffThreshold
    }

    func apply(to settings: inout SquadSettings) throws(QAError) {
        if let maxSeqLength { settings.maxSeqLength = maxSeqLength }
        if let docStride { settings.docStride = docStride }
        if let maxQueryLength { settings.maxQueryLength = maxQueryLength }
        if let maxAnswerLength { settings.maxAnswerLength = maxAnswerLength }
        if let nBestSize { settings.nBestSize = nBestSize }
        if let nullScoreDiffThreshold { settings.nullScoreDiffThreshold = nullScoreDiffThreshold }
        try settings.validate()
    }
}

extension StorageType {
    /// Higher is less precise: the order in which default tolerances loosen.
    var precisionRank: Int {
        switch self {
        case .f32: return 0
        case .f16: return 1
        case .bf16: return 2
        case .q8: return 3
        case .q4: return 4
        }
    }
}
