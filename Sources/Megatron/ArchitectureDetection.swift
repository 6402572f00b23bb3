import Tensors

/// Reads a Megatron-BERT checkpoint's architecture off its tensor names and shapes, filling what shapes cannot
/// tell (heads, GELU form, QKV layout) from hints, the naming generation's defaults, or the K-bias heuristic.
extension MegatronArchitecture {
    /// Detects the architecture of loaded tensors; the K-bias heuristic reads the fused QKV biases if needed.
    public static func detect(tensors: [TensorView], hints: MegatronHints = MegatronHints()) throws(MegatronError)
        -> MegatronArchitecture {
        var byName: [String: TensorView] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        return try detect(signatures: tensors.map(TensorSignature.init), hints: hints) { name in
            try? byName[name]?.toFloat32()
        }
    }

    /// Detects the architecture from names and shapes; `values` supplies a tensor's elements as f32 and is only
    /// called when the QKV layout must be guessed from the K biases.
    public static func detect(signatures: [TensorSignature], hints: MegatronHints = MegatronHints(),
                              values: (String) -> [Float]?) throws(MegatronError) -> MegatronArchitecture {
        var shapes: [String: [Int]] = [:]
        for signature in signatures { shapes[signature.name] = signature.shape }

        func shape(_ name: String) throws(MegatronError) -> [Int] {
            guard let found = shapes[name] else { throw .missingTensor(name: name) }
            return found
        }
        func matrix(_ name: String, cols: Int?) throws(MegatronError) -> Int {
            let found = try shape(name)
            guard found.count == 2, cols == nil || found[1] == cols else {
                throw .unexpectedShape(name: name, expected: [found.first ?? 0, cols ?? found.last ?? 0], found: found)
            }
            return found[0]
        }

        // Naming: everything before `embedding.word_embeddings.weight` is the language-model prefix.
        let embeddingSuffix = "embedding.word_embeddings.weight"
        let embeddings = signatures.map(\.name).filter { $0 == embeddingSuffix || $0.hasSuffix("." + embeddingSuffix) }
        guard !embeddings.isEmpty else { throw .noWordEmbeddings }
        guard embeddings.count == 1 else { throw .severalWordEmbeddings(names: embeddings.sorted()) }
        let prefix = String(embeddings[0].dropLast(embeddingSuffix.count))
        guard let generation = NamingGeneration.matching(prefix: prefix) else { throw .unknownNaming(prefix: prefix) }
        let spelling = generation.spellings.first { candidate in
            shapes.keys.contains { $0.hasPrefix(prefix + candidate.stack + ".layers.") }
        } ?? generation.spellings[0]
        let names = Spelling(languageModelPrefix: prefix, stack: spelling.stack, attention: spelling.attention)

        // Sizes from shapes.
        let wordEmbeddings = try shape(embeddings[0])
        guard wordEmbeddings.count == 2 else {
            throw .unexpectedShape(name: embeddings[0], expected: [wordEmbeddings.first ?? 0, 0], found: wordEmbeddings)
        }
        let (vocabPadded, hidden) = (wordEmbeddings[0], wordEmbeddings[1])
        let positions = try matrix(names.source("{lm}embedding.position_embeddings.weight"), cols: hidden)
        let tokenTypeName = names.source("{lm}embedding.tokentype_embeddings.weight")
        let tokenTypes = shapes[tokenTypeName] == nil ? 0 : try matrix(tokenTypeName, cols: hidden)
        let layers = try layerCount(names: shapes.keys, stackPrefix: prefix + spelling.stack + ".layers.")
        // A config that disagrees explains more than a missing tensor does, so check before looking further.
        func check(_ declared: Sourced<Int>?, _ actual: Int, _ key: String) throws(MegatronError) {
            if let declared, declared.value != actual {
                throw .configConflict(key: key, configured: declared.value, fromTensors: actual, source: declared.source)
            }
        }
        try check(hints.layers, layers, "num_layers")
        try check(hints.hidden, hidden, "hidden_size")
        try check(hints.positions, positions, "max_position_embeddings")
        let ffn = try matrix(names.source("{lm}{stack}.layers.{i}.mlp.dense_h_to_4h.weight", layer: 0), cols: hidden)
        try check(hints.ffn, ffn, "ffn_hidden_size")

        // Heads: never visible in shapes.
        let heads: Int
        let headsRule: String
        if let given = hints.heads {
            (heads, headsRule) = (given.value, given.source)
        } else if hidden == 1024 {
            (heads, headsRule) = (16, "default for hidden 1024 (Megatron-BERT 345M: 16 heads of 64)")
        } else {
            throw .headsUnknown(hidden: hidden)
        }
        guard heads > 0, hidden % heads == 0 else { throw .headsDoNotDivideHidden(heads: heads, hidden: hidden) }

        let vocab: Int
        let vocabRule: String
        if let given = hints.vocab {
            guard given.value > 0, given.value <= vocabPadded else {
                throw .vocabExceedsEmbedding(vocab: given.value, embeddingRows: vocabPadded, source: given.source)
            }
            (vocab, vocabRule) = (given.value, given.source)
        } else {
            (vocab, vocabRule) = (vocabPadded, "no tokenizer vocabulary given: all \(vocabPadded) embedding rows kept")
        }

        let family = generation.naming == .megatron && shapes["classifier.mlp.layer0.weight"] == nil
            ? MegatronArchitecture.encoderFamily : MegatronArchitecture.qaFamily
        let (activation, activationRule) = decideActivation(naming: generation.naming, hints: hints)
        let layerNormEps = hints.layerNormEps ?? Sourced(defaultLayerNormEps, source: "Megatron default layernorm_epsilon")
        try checkLayerNormEps(layerNormEps.value, setting: layerNormEps.source)

        var architecture = MegatronArchitecture(
            family: family, layers: layers, hidden: hidden, heads: heads, headsRule: headsRule, ffn: ffn,
            vocab: vocab, vocabRule: vocabRule, vocabPadded: vocabPadded, positions: positions, tokenTypes: tokenTypes,
            naming: generation.naming, languageModelPrefix: prefix, stack: spelling.stack,
            attention: spelling.attention, qkvLayout: .v0, qkvLayoutRule: "",
            activation: activation, activationRule: activationRule,
            layerNormEps: layerNormEps.value, layerNormEpsRule: layerNormEps.source)
        (architecture.qkvLayout, architecture.qkvLayoutRule) = try decideQKVLayout(architecture, hints: hints,
                                                                                   values: values)
        return architecture
    }

    /// 1 + the largest layer index, after checking that indices 0..<L are all present.
    static func layerCount(names: some Sequence<String>, stackPrefix: String) throws(MegatronError) -> Int {
        var indices = Set<Int>()
        for name in names where name.hasPrefix(stackPrefix) {
            let rest = name.dropFirst(stackPrefix.count)
            if let index = Int(rest.prefix { $0 != "." }) { indices.insert(index) }
        }
        guard let last = indices.max() else { throw .noLayers(stackPrefix: stackPrefix) }
        let missing = (0...last).filter { !indices.contains($0) }
        guard missing.isEmpty else { throw .layerGap(missing: missing, layers: last + 1) }
        return last + 1
    }

    /// Settings the archive states explicitly come first, in Megatron's own precedence: bias-GELU fusion
    /// (tanh), else openai_gelu (tanh), else onnx_safe (erf with 1.41421). Only when the archive states none
    /// of them do the naming generation's framework defaults decide, in the same precedence.
    ///
    /// Why explicit-before-default: a NeMo ≥ 1.10 archive whose encoder config says `onnx_safe: true` and
    /// never mentions fusion was built from a config that asked for Megatron's erf GELU; the framework's
    /// fusion default is a guess about the training run, the file's own setting is evidence.
    static func decideActivation(naming: MegatronNaming, hints: MegatronHints) -> (MegatronActivation, String) {
        if let given = hints.activation { return (given.value, "given (\(given.source))") }
        if let fusion = hints.biasGeluFusion, fusion.value { return (.geluTanh, "bias_gelu_fusion true (\(fusion.source))") }
        if let openai = hints.openaiGelu, openai.value { return (.geluTanh, "openai_gelu true (\(openai.source))") }
        if let onnxSafe = hints.onnxSafe, onnxSafe.value { return (.geluMegatronErf, "onnx_safe true (\(onnxSafe.source))") }
        let defaults: (fusion: Sourced<Bool>, onnxSafe: Sourced<Bool>)
        switch naming {
        case .nemo1_0:
            // NeMo 1.0–1.4 build megatron-lm 2.2.0 with parser defaults plus onnx_safe=True.
            defaults = (Sourced(false, source: "NeMo 1.0–1.4 default"), Sourced(true, source: "NeMo 1.0–1.4 default"))
        case .nemo1_10:
            defaults = (Sourced(true, source: "NeMo ≥ 1.10 default"), Sourced(false, source: "NeMo ≥ 1.10 default"))
        case .megatron:
            defaults = (Sourced(true, source: "Megatron-LM default"), Sourced(false, source: "Megatron-LM default"))
        }
        let fusion = hints.biasGeluFusion ?? defaults.fusion
        if fusion.value { return (.geluTanh, "bias_gelu_fusion true (\(fusion.source))") }
        let onnxSafe = hints.onnxSafe ?? defaults.onnxSafe
        if onnxSafe.value { return (.geluMegatronErf, "onnx_safe true (\(onnxSafe.source))") }
        return (.geluErf, "bias_gelu_fusion (\(fusion.source)), openai_gelu and onnx_safe (\(onnxSafe.source)) false")
    }

    /// Metadata first (an explicit choice, checkpoint_version, megatron_legacy), then the naming, then the K biases.
    static func decideQKVLayout(_ a: MegatronArchitecture, hints: MegatronHints,
                                values: (String) -> [Float]?) throws(MegatronError) -> (QKVLayout, String) {
        if let given = hints.qkvLayout { return (given.value, "given (\(given.source))") }
        if let version = hints.checkpointVersion {
            guard let layout = QKVLayout(checkpointVersion: version.value) else {
                throw .unsupportedCheckpointVersion(version.value, source: version.source)
            }
            return (layout, "checkpoint_version \(version.value) (\(version.source))")
        }
        // megatron_legacy only exists in NeMo ≥ 1.10's vendored Megatron.
        if a.naming == .nemo1_10, let legacy = hints.megatronLegacy {
            return (legacy.value ? .v0 : .v2, "megatron_legacy \(legacy.value) (\(legacy.source))")
        }
        if a.naming == .nemo1_0 {
            return (.v0, "naming nemo1.0: megatron-lm 2.2.0 keeps the base checkpoint's version-0 rows")
        }
        return try kBiasHeuristic(a, values: values)
    }

    /// The K bias gets no gradient under softmax attention, so in a trained checkpoint the layout whose K slice
    /// has the smallest norm is the real one. Requires a clear winner (4× below the runner-up).
    static func kBiasHeuristic(_ a: MegatronArchitecture, values: (String) -> [Float]?) throws(MegatronError)
        -> (QKVLayout, String) {
        let names = Spelling(a)
        var squares: [QKVLayout: Double] = [:]
        for layer in 0..<a.layers {
            let name = names.source("{lm}{stack}.layers.{i}.{attn}.query_key_value.bias", layer: layer)
            guard let bias = values(name) else { throw .missingTensor(name: name) }
            guard bias.count == 3 * a.hidden else { throw .fusedQKVRows(name: name, rows: bias.count, hidden: a.hidden) }
            for layout in QKVLayout.allCases {
                let f = layout.rowFormula(part: .key, heads: a.heads, headDim: a.headDim)
                var sum = 0.0
                for head in 0..<a.heads {
                    for e in 0..<a.headDim {
                        let x = Double(bias[f.base + head * f.headStride + e * f.elementStride])
                        sum += x * x
                    }
                }
                squares[layout, default: 0] += sum
            }
        }
        let norms = squares.mapValues { $0.squareRoot() }
        let ranked = norms.sorted { $0.value < $1.value }
        let (best, runnerUp) = (ranked[0], ranked[1])
        guard runnerUp.value > 0, best.value * 4 <= runnerUp.value else {
            throw .qkvLayoutUndecided(kBiasNorms: Dictionary(uniqueKeysWithValues: norms.map { ($0.key.rawValue, $0.value) }))
        }
        let listed = ranked.map { "\($0.key.rawValue) \(formatNorm($0.value))" }.joined(separator: ", ")
        return (best.key, "K-bias heuristic: smallest K-slice norm (\(listed))")
    }

    private static func formatNorm(_ x: Double) -> String {
        x == 0 ? "0" : String(Float(x))
    }
}
