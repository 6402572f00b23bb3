import JSON
import QA

/// The JSON metadata a Megatron-BERT QA `.decant` file carries (schema: formats/native.md, "Metadata schema:
/// megatron-bert-qa").
enum NativeMetadata {
    /// Written where the source's SHA-256 goes until the digest is ready; same length, so the header can be
    /// patched in place (see `ProvenancePatch`).
    static let pendingDigest = String(repeating: "0", count: 64)

    static func make(_ plan: ConversionPlan, options: ConversionOptions, sourceName: String, sourceSHA256: String,
                     fallbacks: [String: String]) -> [String: JSONValue] {
        let m = plan.model
        var rules: [String: JSONValue] = [:]
        for (key, rule) in m.rules { rules[key] = .string(rule) }
        var metadata: [String: JSONValue] = [
            "family": .string(m.family),
            "model": .object([
                "layers": .integer(m.layers), "hidden": .integer(m.hidden), "heads": .integer(m.heads),
                "ffn": .integer(m.ffn), "vocab": .integer(m.vocab), "vocab_padded": .integer(m.vocabPadded),
                "positions": .integer(m.positions), "token_types": .integer(m.tokenTypes),
                "layer_norm_eps": .double(m.layerNormEps), "activation": .string(m.activationName),
                "qkv_layout": m.qkvLayout.map { .string($0.rawValue) } ?? .null, "naming": .string(m.naming),
                "rules": .object(rules),
            ]),
            "qa": qaObject(m.qa),
            "provenance": .object([
                "source_name": .string(sourceName), "source_sha256": .string(sourceSHA256),
                "source_layers": .array(plan.source.layers.map { .string($0) }),
                "dropped_tensors": .array(plan.dropped.map { .string($0) }),
                "converter": .string(ConversionOptions.converterVersion),
                "options": .object(["dtype": .string(options.storage.rawValue),
                                    "quantize_embeddings": .bool(options.quantizeEmbeddings)]),
                "storage_fallbacks": .object(fallbacks.mapValues { .string($0) }),
            ]),
        ]
        if let tokenizer = m.tokenizer {
            metadata["tokenizer"] = .object([
                "type": "wordpiece", "vocab": .array(tokenizer.vocab.map { .string($0) }),
                "do_lower_case": .bool(tokenizer.doLowerCase), "do_lower_case_rule": .string(tokenizer.doLowerCaseRule),
                "special_token_ids": .object(tokenizer.specialTokenIDs.mapValues { .integer($0) }),
            ])
        }
        return metadata
    }

    /// The SQuAD settings under the keys NeMo's config uses. Lowercasing is recorded once, as the tokenizer's
    /// `do_lower_case`: the final-text projection follows the tokenizer, so a second copy could only disagree.
    static func qaObject(_ qa: SquadSettings.Resolved) -> JSONValue {
        var object: [String: JSONValue] = ["defaulted": .array(qa.defaulted.filter { $0 != .doLowerCase }.map { .string($0.rawValue) })]
        for key in SquadSettings.Key.allCases {
            switch key {
            case .nullScoreDiffThreshold: object[key.rawValue] = .double(qa.settings.nullScoreDiffThreshold)
            case .version2WithNegative: object[key.rawValue] = .bool(qa.settings.version2WithNegative)
            case .doLowerCase: continue
            default: object[key.rawValue] = .integer(qa.settings.count(key)!)
            }
        }
        return .object(object)
    }
}
