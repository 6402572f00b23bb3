/// The SQuAD pre- and post-processing knobs of a NeMo QA model: `dataset:` in its model_config.yaml, `qa` in a
/// `.decant` file's metadata, the `--max-seq-length`… options.
///
/// This is the one definition of each setting's default and of the values it may take: the converter that writes
/// a `.decant`, the readers of `.nemo`/`.tlt` and `.decant` files and the command-line options all go through it,
/// so a model answers the same whichever file it comes from. The defaults are NeMo's: those of
/// `examples/nlp/question_answering/conf/question_answering_squad_config.yaml` (NeMo 1.0), which a QA model's
/// saved config repeats unless its training run changed them.
public struct SquadSettings: Sendable, Equatable {
    /// Tokens per model input, `[CLS]` question `[SEP]` context `[SEP]` padding included.
    public var maxSeqLength = 384
    /// How far consecutive context windows start apart, in tokens.
    public var docStride = 128
    /// Question tokens kept; the rest is cut off.
    public var maxQueryLength = 64
    /// Longest answer span, in tokens.
    public var maxAnswerLength = 30
    /// How many top start and top end positions per window are paired into candidates.
    public var nBestSize = 20
    /// Answer "" when null score − best span score exceeds this.
    public var nullScoreDiffThreshold = 0.0
    /// Whether the tokenizer lowercases and strips accents; the final-text projection follows the same choice
    /// (see `lowercasing`: one fact, decided with the tokenizer).
    public var doLowerCase = true
    /// SQuAD 2.0: questions may have no answer. NeMo's example config says false; SQuAD 2.0 models state true.
    public var version2WithNegative = false

    public init() {}

    /// The settings as NeMo's config and the `.decant` metadata spell them.
    public enum Key: String, CaseIterable, Sendable {
        case maxSeqLength = "max_seq_length"
        case docStride = "doc_stride"
        case maxQueryLength = "max_query_length"
        case maxAnswerLength = "max_answer_length"
        case nBestSize = "n_best_size"
        case nullScoreDiffThreshold = "null_score_diff_threshold"
        case doLowerCase = "do_lower_case"
        case version2WithNegative = "version_2_with_negative"
    }

    /// The token counts. No BERT position table comes near this bound; it keeps every product of two settings
    /// (windows × candidates, n_best_size²) far inside `Int`.
    public static let largestCount = 1 << 20
    static let countKeys: [Key] = [.maxSeqLength, .docStride, .maxQueryLength, .maxAnswerLength, .nBestSize]

    public func count(_ key: Key) -> Int? {
        switch key {
        case .maxSeqLength: return maxSeqLength
        case .docStride: return docStride
        case .maxQueryLength: return maxQueryLength
        case .maxAnswerLength: return maxAnswerLength
        case .nBestSize: return nBestSize
        case .nullScoreDiffThreshold, .doLowerCase, .version2WithNegative: return nil
        }
    }

    /// Refuses values with which NeMo's code would loop forever, index out of range or answer nothing: each
    /// count an integer from 1 to `largestCount`, the threshold finite, and doc_stride below max_seq_length
    /// (a stride of a whole input or more leaves the windows nothing to overlap). `naming` says where each value
    /// came from (e.g. `model_config.yaml dataset.doc_stride`, `--doc-stride`), for the error.
    ///
    /// The doc_stride/max_seq_length relation is checked only when one of the two is in `relating`: settings
    /// stated together must agree, but a stored max_seq_length cut to a model's position table leaves the stored
    /// stride as it was (the window then advances by its own length, as NeMo's does when the stride is longer).
    public func validate(relating: Set<Key> = Set(Key.allCases),
                         naming: (Key) -> String = { $0.rawValue }) throws(QAError) {
        for key in Self.countKeys {
            let value = count(key)!
            guard value >= 1, value <= Self.largestCount else {
                throw .invalidSetting(setting: naming(key), value: String(value),
                                      requirement: "an integer from 1 to \(Self.largestCount)")
            }
        }
        guard nullScoreDiffThreshold.isFinite else {
            throw .invalidSetting(setting: naming(.nullScoreDiffThreshold), value: "\(nullScoreDiffThreshold)",
                                  requirement: "a finite number")
        }
        if relating.contains(.docStride) || relating.contains(.maxSeqLength), docStride >= maxSeqLength {
            let (strideAt, lengthAt) = (naming(.docStride), naming(.maxSeqLength))
            let sameSource = strideAt.dropLast(Key.docStride.rawValue.count) == lengthAt.dropLast(Key.maxSeqLength.rawValue.count)
            throw .invalidSetting(setting: strideAt, value: String(docStride),
                                  requirement: "a stride below max_seq_length \(maxSeqLength)" + (sameSource ? "" : " (\(lengthAt))"))
        }
    }

    /// Whether text is lowercased: `do_lower_case` when the config states it, else what the tokenizer name says
    /// (`…-uncased`, `…-cased`, as NeMo picks the Hugging Face tokenizer by name), else the default; with the
    /// rule that decided. The tokenizer and the final-text projection both follow this one answer.
    public static func lowercasing(stated: Bool?, statedAt: String, tokenizerName: String?) -> (Bool, rule: String) {
        if let stated { return (stated, statedAt) }
        if let name = tokenizerName?.lowercased() {
            if name.contains("uncased") { return (true, "tokenizer name \(name)") }
            if name.contains("cased") { return (false, "tokenizer name \(name)") }
        }
        return (SquadSettings().doLowerCase, "NeMo default")
    }

    /// The settings a NeMo config states, as written (`dataset:` scalars by key), with the defaults for the rest.
    ///
    /// Every value must be of its key's kind (`max_seq_length: 1e20` is no integer, `null_score_diff_threshold:
    /// .nan` no finite number) and in range; the error names `source.key` and the value. `tokenizerName` decides
    /// lowercasing when `do_lower_case` is not stated. `defaulted` lists the keys that took their default.
    public static func resolve(stated: [String: String], source: String,
                               tokenizerName: String?) throws(QAError) -> Resolved {
        var settings = SquadSettings()
        var defaulted: [Key] = []
        func text(_ key: Key) -> String? {
            guard let found = stated[key.rawValue] else {
                defaulted.append(key)
                return nil
            }
            return found
        }
        func refuse(_ key: Key, _ value: String, _ requirement: String) -> QAError {
            .invalidSetting(setting: "\(source).\(key.rawValue)", value: value, requirement: requirement)
        }
        func integer(_ key: Key, _ slot: inout Int) throws(QAError) {
            guard let found = text(key) else { return }
            guard let value = Int(found) else { throw refuse(key, found, "an integer from 1 to \(largestCount)") }
            slot = value
        }
        func flag(_ key: Key) throws(QAError) -> Bool? {
            guard let found = text(key) else { return nil }
            switch found.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw refuse(key, found, "true or false")
            }
        }
        try integer(.maxSeqLength, &settings.maxSeqLength)
        try integer(.docStride, &settings.docStride)
        try integer(.maxQueryLength, &settings.maxQueryLength)
        try integer(.maxAnswerLength, &settings.maxAnswerLength)
        try integer(.nBestSize, &settings.nBestSize)
        if let found = text(.nullScoreDiffThreshold) {
            guard let value = Double(found), value.isFinite else { throw refuse(.nullScoreDiffThreshold, found, "a finite number") }
            settings.nullScoreDiffThreshold = value
        }
        let (lower, rule) = lowercasing(stated: try flag(.doLowerCase), statedAt: "\(source).do_lower_case",
                                        tokenizerName: tokenizerName)
        settings.doLowerCase = lower
        if let negative = try flag(.version2WithNegative) { settings.version2WithNegative = negative }
        try settings.validate { key in "\(source).\(key.rawValue)" + (defaulted.contains(key) ? " (default)" : "") }
        return Resolved(settings: settings, defaulted: defaulted, lowercasingRule: rule)
    }

    /// What `resolve` found: the settings, the keys that took their default, and why text is (not) lowercased.
    public struct Resolved: Sendable, Equatable {
        public var settings: SquadSettings
        public var defaulted: [Key]
        public var lowercasingRule: String

        /// Nothing stated: every default (lowercasing included).
        public static let defaults = Resolved(settings: SquadSettings(), defaulted: Key.allCases, lowercasingRule: "NeMo default")
    }
}
