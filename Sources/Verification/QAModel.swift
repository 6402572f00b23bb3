import Bytes
import Checkpoint
import Inference
import Megatron
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
    /// Where `storedSettings` come from, for messages, e.g. `model.nemo model_config.yaml dataset`, `model.decant qa`.
    public let settingsOrigin: String
    private let vocabulary: Vocabulary?

    /// Tokens per forward pass (8 full windows): enough rows to fill the products, few enough to keep the
    /// activations (≈ 40 KB per token at hidden 1024) small.
    static let tokensPerBatch = 8 * 384

    /// Opens a .decant file, or any source checkpoint `ModelSource` reads (`key`: the TAO load key), whose
    /// architecture is detected with `overrides` winning and whose pickles are read with `source`'s options.
    public static func open(path: String, key: String? = nil, overrides: ArchitectureOverrides = ArchitectureOverrides(),
                            source options: SourceOptions = SourceOptions()) throws -> QAModel {
        let file = try MappedFile(path: path)
        if file.view.matches(NativeLayout.magic) {
            return try QAModel(native: try NativeFile(view: file.view), path: path)
        }
        return try QAModel(source: try ModelSource.open(path: path, key: key, options: options), path: path,
                           overrides: overrides)
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
        settingsOrigin = metadata.settingsOrigin
    }

    private init(source: ModelSource, path: String, overrides: ArchitectureOverrides) throws {
        let weights = try SourceWeightSource(source: source, overrides: overrides)
        engine = try BertQAModel(config: try weights.config, weights: weights)
        self.path = path
        origin = .source(layers: source.layers)
        vocabulary = try source.vocab.map { tokens throws(QAError) in
            try Vocabulary(bytes: ByteView(copying: Array(tokens.joined(separator: "\n").utf8)), source: path + " vocab")
        }
        // The same reading of the same config as `decant convert` records in a .decant file.
        settingsOrigin = path + " model_config.yaml dataset"
        storedSettings = try SquadSettings.resolve(stated: source.config?.dataset ?? [:], source: settingsOrigin,
                                                   tokenizerName: source.config?.tokenizerName).settings
    }

    /// The storage type whose tolerances apply: the least precise one any tensor uses (f32 for a source).
    public var storage: StorageType {
        guard case let .native(counts) = origin else { return .f32 }
        return counts.keys.max { $0.precisionRank < $1.precisionRank } ?? .f32
    }

    /// The settings a run uses: the stored ones, then `overrides`. A stored max_seq_length longer than the
    /// position table is cut to it (a model cannot see further) and `notes` says so; an explicit one is an error.
    /// Overrides are checked like stored values, each named by its option.
    public func settings(overrides: SquadSettingsOverrides = SquadSettingsOverrides()) throws
        -> (settings: SquadSettings, notes: [String]) {
        if let explicit = overrides.maxSeqLength, explicit > config.positions {
            throw VerificationError.sequenceLongerThanPositions(setting: explicit, positions: config.positions)
        }
        var settings = storedSettings
        var notes: [String] = []
        var stored: (SquadSettings.Key) -> String = { "\(self.settingsOrigin).\($0.rawValue)" }
        if overrides.maxSeqLength == nil, settings.maxSeqLength > config.positions {
            let origin = stored(.maxSeqLength)
            notes.append("\(origin) \(settings.maxSeqLength) is longer than the model's \(config.positions) positions: cut to \(config.positions)")
            settings.maxSeqLength = config.positions
            stored = { [stored] key in key == .maxSeqLength ? "\(origin), cut to the model's positions" : stored(key) }
        }
        try overrides.apply(to: &settings, stored: stored)
        return (settings, notes)
    }

    /// The tokenizer and windowing for this model with `settings` (from `settings(overrides:)`).
    public func processor(_ settings: SquadSettings) throws -> SquadProcessor {
        guard let vocabulary else { throw VerificationError.noVocabulary(path: path) }
        guard vocabulary.count <= config.vocab else {
            throw VerificationError.vocabularySizeMismatch(tokenizer: vocabulary.count, model: config.vocab)
        }
        return try SquadProcessor(vocabulary: vocabulary, settings: settings)
    }

    /// The tokenizer and windowing for this model: stored settings, then `overrides` (see `settings(overrides:)`).
    public func processor(overrides: SquadSettingsOverrides = SquadSettingsOverrides()) throws -> SquadProcessor {
        try processor(try settings(overrides: overrides).settings)
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

    /// The option that sets `key`, e.g. `--doc-stride`.
    public static func option(_ key: SquadSettings.Key) -> String {
        "--" + String(key.rawValue.map { $0 == "_" ? "-" : $0 })
    }

    func given(_ key: SquadSettings.Key) -> Bool {
        switch key {
        case .maxSeqLength: return maxSeqLength != nil
        case .docStride: return docStride != nil
        case .maxQueryLength: return maxQueryLength != nil
        case .maxAnswerLength: return maxAnswerLength != nil
        case .nBestSize: return nBestSize != nil
        case .nullScoreDiffThreshold: return nullScoreDiffThreshold != nil
        case .doLowerCase, .version2WithNegative: return false
        }
    }

    /// Replaces the stored values and checks the result, naming each value by its option, or by `stored` (where
    /// the file keeps it) when it was not given; relations are checked where an option takes part in them.
    func apply(to settings: inout SquadSettings, stored: (SquadSettings.Key) -> String) throws(QAError) {
        if let maxSeqLength { settings.maxSeqLength = maxSeqLength }
        if let docStride { settings.docStride = docStride }
        if let maxQueryLength { settings.maxQueryLength = maxQueryLength }
        if let maxAnswerLength { settings.maxAnswerLength = maxAnswerLength }
        if let nBestSize { settings.nBestSize = nBestSize }
        if let nullScoreDiffThreshold { settings.nullScoreDiffThreshold = nullScoreDiffThreshold }
        let given = Set(SquadSettings.Key.allCases.filter(given))
        try settings.validate(relating: given) { given.contains($0) ? Self.option($0) : stored($0) }
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
