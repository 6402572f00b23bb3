import Bytes
import Inference
import JSON
import Megatron
import QA

/// Reads the megatron-bert-qa metadata of a .decant file (formats/native.md): the engine configuration, the
/// tokenizer vocabulary and the SQuAD settings, each checked for type and range.
struct NativeQAMetadata {
    let config: BertConfig
    /// Nil when the source carried no vocabulary (a bare torch checkpoint): golden logits still work, text does not.
    let vocabulary: Vocabulary?
    let settings: SquadSettings
    /// Where the settings came from, for messages: `<path> qa`.
    var settingsOrigin: String { path + " qa" }
    let path: String

    static let family = "megatron-bert-qa"

    init(_ metadata: [String: JSONValue], path: String) throws {
        self.path = path
        let fields = Fields(path: path)
        guard let family = metadata["family"] else {
            throw VerificationError.notAQAModel(path: path, found: "no \"family\" key (metadata keys: \(metadata.keys.sorted().joined(separator: ", ")))")
        }
        guard family.stringValue == Self.family else {
            throw VerificationError.notAQAModel(path: path, found: "family \(family.stringValue.map { "\"\($0)\"" } ?? family.kindDescription)")
        }
        let model = try fields.object(metadata, "model")
        let activation: GELUVariant
        switch try fields.string(model, "activation", in: "model") {
        case "erf": activation = .erf
        case "megatron-erf": activation = .megatronErf
        case "tanh": activation = .tanh
        case let other:
            throw VerificationError.invalidMetadata(path: path, key: "model.activation", expected: "erf, megatron-erf or tanh",
                                                    found: "\"\(other)\"")
        }
        let layerNormEps = try fields.double(model, "layer_norm_eps", in: "model")
        guard MegatronArchitecture.layerNormEpsRange.contains(layerNormEps) else {
            throw VerificationError.invalidMetadata(path: path, key: "model.layer_norm_eps",
                                                    expected: MegatronArchitecture.layerNormEpsRequirement,
                                                    found: "\(layerNormEps)")
        }
        config = BertConfig(
            layers: try fields.int(model, "layers", in: "model"), hidden: try fields.int(model, "hidden", in: "model"),
            heads: try fields.int(model, "heads", in: "model"), ffn: try fields.int(model, "ffn", in: "model"),
            vocab: try fields.int(model, "vocab", in: "model"), positions: try fields.int(model, "positions", in: "model"),
            tokenTypes: try fields.int(model, "token_types", in: "model"),
            layerNormEps: Float(layerNormEps), activation: activation)
        try config.validate()

        let tokenizer = try metadata["tokenizer"].map { _ in try fields.object(metadata, "tokenizer") }
        if let tokenizer {
            guard let tokens = tokenizer["vocab"]?.arrayValue else {
                throw VerificationError.invalidMetadata(path: path, key: "tokenizer.vocab", expected: "an array of strings",
                                                        found: tokenizer["vocab"]?.kindDescription ?? "nothing")
            }
            var lines: [String] = []
            lines.reserveCapacity(tokens.count)
            for (index, token) in tokens.enumerated() {
                guard let text = token.stringValue, !text.contains(where: \.isNewline) else {
                    throw VerificationError.invalidMetadata(path: path, key: "tokenizer.vocab[\(index)]",
                                                            expected: "a string without line breaks", found: token.kindDescription)
                }
                lines.append(text)
            }
            vocabulary = try Vocabulary(bytes: ByteView(copying: Array(lines.joined(separator: "\n").utf8)),
                                        source: path + " tokenizer.vocab")
        } else {
            vocabulary = nil
        }

        // Absent keys take the defaults, as a converter that leaves them out means; every value is then checked
        // against the same ranges as a model_config.yaml or a command-line option.
        let qa = try fields.object(metadata, "qa")
        var settings = SquadSettings()
        settings.maxSeqLength = try fields.int(qa, "max_seq_length", in: "qa", default: settings.maxSeqLength)
        settings.docStride = try fields.int(qa, "doc_stride", in: "qa", default: settings.docStride)
        settings.maxQueryLength = try fields.int(qa, "max_query_length", in: "qa", default: settings.maxQueryLength)
        settings.maxAnswerLength = try fields.int(qa, "max_answer_length", in: "qa", default: settings.maxAnswerLength)
        settings.nBestSize = try fields.int(qa, "n_best_size", in: "qa", default: settings.nBestSize)
        settings.nullScoreDiffThreshold = try fields.double(qa, "null_score_diff_threshold", in: "qa",
                                                            default: settings.nullScoreDiffThreshold)
        settings.version2WithNegative = try fields.bool(qa, "version_2_with_negative", in: "qa",
                                                        default: settings.version2WithNegative)
        // Lowercasing is the tokenizer's; a `qa.do_lower_case` (written by converters before 0.2) may only repeat it.
        let lowercasing = try tokenizer.map { try fields.bool($0, "do_lower_case", in: "tokenizer", default: settings.doLowerCase) }
        let qaLowercasing = try qa["do_lower_case"].map { _ in
            try fields.bool(qa, "do_lower_case", in: "qa", default: settings.doLowerCase)
        }
        if let lowercasing, let qaLowercasing, lowercasing != qaLowercasing {
            throw VerificationError.invalidMetadata(path: path, key: "qa.do_lower_case",
                                                    expected: "tokenizer.do_lower_case's value (\(lowercasing)): the tokenizer and the answer text lowercase alike",
                                                    found: "\(qaLowercasing)")
        }
        settings.doLowerCase = lowercasing ?? qaLowercasing ?? settings.doLowerCase
        try settings.validate { "\(path) qa.\($0.rawValue)" }
        self.settings = settings
    }

    /// Typed access to metadata members with one-line errors naming the key.
    private struct Fields {
        let path: String

        func object(_ parent: [String: JSONValue], _ key: String) throws -> [String: JSONValue] {
            guard let value = parent[key]?.objectValue else {
                throw VerificationError.invalidMetadata(path: path, key: key, expected: "an object",
                                                        found: parent[key]?.kindDescription ?? "nothing")
            }
            return value
        }

        func string(_ parent: [String: JSONValue], _ key: String, in scope: String) throws -> String {
            guard let value = parent[key]?.stringValue else {
                throw VerificationError.invalidMetadata(path: path, key: scope + "." + key, expected: "a string",
                                                        found: parent[key]?.kindDescription ?? "nothing")
            }
            return value
        }

        /// A present value converted by `read` (nil: not `expected`), or the fallback when absent or null.
        func value<T>(_ parent: [String: JSONValue], _ key: String, in scope: String, default fallback: T?,
                      expected: String, missing: String, _ read: (JSONValue) -> T?) throws -> T {
            guard let value = parent[key], value != .null else {
                guard let fallback else {
                    throw VerificationError.invalidMetadata(path: path, key: scope + "." + key, expected: missing, found: "nothing")
                }
                return fallback
            }
            guard let converted = read(value) else {
                // A number or flag is named with its value (`1e+20`); other kinds by kind only.
                var found = value.kindDescription
                switch value {
                case .integer, .double, .bool: found += " " + ((try? value.serialized()) ?? "")
                default: break
                }
                throw VerificationError.invalidMetadata(path: path, key: scope + "." + key, expected: expected, found: found)
            }
            return converted
        }

        func int(_ parent: [String: JSONValue], _ key: String, in scope: String, default fallback: Int? = nil) throws -> Int {
            try value(parent, key, in: scope, default: fallback, expected: "an integer", missing: "an integer") { $0.intValue }
        }

        func double(_ parent: [String: JSONValue], _ key: String, in scope: String, default fallback: Double? = nil) throws -> Double {
            try value(parent, key, in: scope, default: fallback, expected: "a finite number", missing: "a number") { json in
                json.doubleValue.flatMap { $0.isFinite ? $0 : nil }
            }
        }

        func bool(_ parent: [String: JSONValue], _ key: String, in scope: String, default fallback: Bool) throws -> Bool {
            try value(parent, key, in: scope, default: fallback, expected: "a boolean", missing: "a boolean") { $0.boolValue }
        }
    }
}
