import Bytes
import Checkpoint
import Foundation
import Megatron
import JSON
import QA
import Tensors

/// A source whose tensors already have the Hugging Face `MegatronBertForQuestionAnswering` names (a safetensors
/// file, typically `model.safetensors` of an HF export): the plan is the identity, and what shapes cannot tell
/// comes from `config.json`, `vocab.txt` and `tokenizer_config.json` beside the file.
struct CanonicalSource {
    let model: ModelDescription
    let plan: [CanonicalTensorPlan]

    static func holdsCanonicalNames(_ tensors: [TensorView]) -> Bool {
        tensors.contains { $0.name == "bert.embeddings.word_embeddings.weight" }
    }

    init(_ source: ModelSource, heads givenHeads: Int?) throws {
        var shapes: [String: TensorView] = [:]
        for tensor in source.tensors { shapes[tensor.name] = tensor }
        func shape(_ name: String) throws(ConversionError) -> [Int] {
            guard let tensor = shapes[name] else { throw .missingCanonical(name: name) }
            return tensor.shape
        }
        let embedding = try shape("bert.embeddings.word_embeddings.weight")
        guard embedding.count == 2 else {
            throw ConversionError.canonicalShape(name: "bert.embeddings.word_embeddings.weight", expected: [0, 0], found: embedding)
        }
        let (vocab, hidden) = (embedding[0], embedding[1])
        let positions = try shape("bert.embeddings.position_embeddings.weight").first ?? 0
        let tokenTypes = shapes["bert.embeddings.token_type_embeddings.weight"]?.shape.first ?? 0
        let ffn = try shape("bert.encoder.layer.0.intermediate.dense.weight").first ?? 0
        var layers = 0
        while shapes["bert.encoder.layer.\(layers).attention.ln.weight"] != nil { layers += 1 }
        let hasHead = shapes["qa_outputs.weight"] != nil

        let directory = splitPath(source.path).directory
        let config = try CanonicalSource.readJSON(directory + "/config.json")
        let heads: Int
        var rules: [String: String] = [:]
        if let givenHeads {
            (heads, rules["heads"]) = (givenHeads, ArchitectureOverrides.headsOption)
        } else if let given = config?["num_attention_heads"]?.intValue {
            (heads, rules["heads"]) = (given, "config.json num_attention_heads")
        } else if hidden == 1024 {
            (heads, rules["heads"]) = (16, "default for hidden 1024 (Megatron-BERT 345M: 16 heads of 64)")
        } else {
            throw ConversionError.canonicalHeadsUnknown(hidden: hidden)
        }
        guard heads > 0, hidden % heads == 0 else { throw MegatronError.headsDoNotDivideHidden(heads: heads, hidden: hidden) }
        let activation: MegatronActivation
        switch config?["hidden_act"]?.stringValue {
        case "gelu_pytorch_tanh"?, "gelu_new"?: (activation, rules["activation"]) = (.geluTanh, "config.json hidden_act")
        case "gelu"?: (activation, rules["activation"]) = (.geluErf, "config.json hidden_act")
        case nil: (activation, rules["activation"]) = (.geluErf, "Hugging Face default hidden_act gelu")
        case let other?:
            throw ConversionError.canonicalConfig(path: directory + "/config.json", reason: "found hidden_act \(other)")
        }
        let layerNormEps: Double
        if let stated = config?["layer_norm_eps"] {
            guard let given = stated.doubleValue else {
                throw ConversionError.canonicalConfig(path: directory + "/config.json",
                                                      reason: "found layer_norm_eps \(stated.kindDescription)")
            }
            try MegatronArchitecture.checkLayerNormEps(given, setting: directory + "/config.json layer_norm_eps")
            (layerNormEps, rules["layer_norm_eps"]) = (given, "config.json layer_norm_eps")
        } else {
            (layerNormEps, rules["layer_norm_eps"]) = (MegatronArchitecture.defaultLayerNormEps, "Megatron default layernorm_epsilon")
        }
        rules["vocab"] = "word-embedding rows of the canonical source"

        var tokenizer: TokenizerDescription?
        // No SQuAD settings travel with a Hugging Face export: NeMo's defaults, lowercasing as its tokenizer says.
        var qa = SquadSettings.Resolved.defaults
        if let file = try MappedFile.ifPresent(path: directory + "/vocab.txt"),
           let text = String(validating: file.view.buffer, as: UTF8.self) {
            var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
            if lines.last == "" { lines.removeLast() }
            let tokenizerConfig = try CanonicalSource.readJSON(directory + "/tokenizer_config.json")
            let lower = tokenizerConfig?["do_lower_case"]?.boolValue
            tokenizer = TokenizerDescription(vocab: lines, doLowerCase: lower ?? true,
                                             doLowerCaseRule: lower == nil ? "BertTokenizer default" : "tokenizer_config.json do_lower_case")
            qa.settings.doLowerCase = tokenizer!.doLowerCase
            qa.lowercasingRule = tokenizer!.doLowerCaseRule
        }
        model = ModelDescription(
            family: hasHead ? MegatronArchitecture.qaFamily : MegatronArchitecture.encoderFamily, layers: layers,
            hidden: hidden, heads: heads, ffn: ffn, vocab: vocab, vocabPadded: vocab, positions: positions,
            tokenTypes: tokenTypes, layerNormEps: layerNormEps, activation: activation, naming: "huggingface",
            qkvLayout: nil, rules: rules, tokenizer: tokenizer, qa: qa)

        var expected: [(String, [Int])] = [("bert.embeddings.word_embeddings.weight", [vocab, hidden]),
                                          ("bert.embeddings.position_embeddings.weight", [positions, hidden])]
        if tokenTypes > 0 { expected.append(("bert.embeddings.token_type_embeddings.weight", [tokenTypes, hidden])) }
        for i in 0..<layers {
            let p = "bert.encoder.layer.\(i)."
            expected += [(p + "attention.ln.weight", [hidden]), (p + "attention.ln.bias", [hidden])]
            expected += ["query", "key", "value"].map { (p + "attention.self.\($0).weight", [hidden, hidden]) }
            expected += ["query", "key", "value"].map { (p + "attention.self.\($0).bias", [hidden]) }
            expected += [(p + "attention.output.dense.weight", [hidden, hidden]), (p + "attention.output.dense.bias", [hidden]),
                         (p + "ln.weight", [hidden]), (p + "ln.bias", [hidden]),
                         (p + "intermediate.dense.weight", [ffn, hidden]), (p + "intermediate.dense.bias", [ffn]),
                         (p + "output.dense.weight", [hidden, ffn]), (p + "output.dense.bias", [hidden])]
        }
        expected += [("bert.encoder.ln.weight", [hidden]), ("bert.encoder.ln.bias", [hidden])]
        if hasHead { expected += [("qa_outputs.weight", [2, hidden]), ("qa_outputs.bias", [2])] }

        let known = Set(expected.map(\.0))
        let unplaceable = source.tensors.map(\.name).filter { !known.contains($0) }
        guard unplaceable.isEmpty else { throw ConversionError.unplaceableCanonical(names: unplaceable) }
        plan = try expected.map { name, want throws(ConversionError) in
            let found = try shape(name)
            guard found == want else { throw .canonicalShape(name: name, expected: want, found: found) }
            return CanonicalTensorPlan(name: name, shape: want, dtype: shapes[name]!.dtype, sourceNames: [name],
                                       transform: .identity)
        }
    }

    /// A JSON object file, or nil when there is no such file (anything else there must be a readable regular file).
    private static func readJSON(_ path: String) throws -> JSONValue? {
        guard let file = try MappedFile.ifPresent(path: path) else { return nil }
        let value: JSONValue
        do { value = try JSONParser.parse(file.view.buffer) } catch {
            throw ConversionError.canonicalConfig(path: path, reason: "but the file is \(error.verdict) (\(error))")
        }
        guard case .object = value else {
            throw ConversionError.canonicalConfig(path: path, reason: "found \(value.kindDescription)")
        }
        return value
    }
}
