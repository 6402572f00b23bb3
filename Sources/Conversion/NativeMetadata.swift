import JSON

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
            "qa": .object([
                "max_seq_length": .integer(m.qa.maxSeqLength), "doc_stride": .integer(m.qa.docStride),
                "max_query_length": .integer(m.qa.maxQueryLength), "max_answer_length": .integer(m.qa.maxAnswerLength),
                "n_best_size": .integer(m.qa.nBestSize), "null_score_diff_threshold": .double(m.qa.nullScoreDiffThreshold),
                "do_lower_case": .bool(m.qa.doLowerCase), "version_2_with_negative": .bool(m.qa.versionTwoWithNegative),
                "defaulted": .array(m.qa.defaulted.map { .string($0) }),
            ]),
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
}
