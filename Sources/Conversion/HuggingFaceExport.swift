import Bytes
import Quantization
import JSON
import Safetensors

/// Writes a Hugging Face `MegatronBertForQuestionAnswering` directory: `config.json`, `model.safetensors`, and,
/// when the source has a vocabulary, `vocab.txt` and `tokenizer_config.json` (see `OutputDirectory` for when an
/// existing folder is written into, and what is replaced there).
public enum HuggingFaceExport {
    /// Every file an export writes, and so the only ones `--force` replaces (or removes, when the new export has
    /// no vocabulary) in an existing folder.
    public static let files = [configFile, weightsFile, tokenizerConfigFile, vocabularyFile]
    static let configFile = "config.json", weightsFile = "model.safetensors"
    static let tokenizerConfigFile = "tokenizer_config.json", vocabularyFile = "vocab.txt"

    /// Opens the destination folder, refusing it before any work is done when it is not the export's to write.
    static func directory(_ destination: String, replacing: Bool, inputs: [String]) throws(IOError) -> OutputDirectory {
        try OutputDirectory(destination: destination, exportFiles: files, replacing: replacing, inputs: inputs)
    }

    static func write(_ plan: ConversionPlan, to directory: OutputDirectory, storage: StorageType,
                      observer: ConversionObserver?) throws -> [ConvertedTensor] {
        let m = plan.model
        try writeFile(directory.path(of: configFile), text: try config(m, storage: storage).serializedPretty())
        if let tokenizer = m.tokenizer {
            try writeFile(directory.path(of: vocabularyFile), text: tokenizer.vocab.map { $0 + "\n" }.joined())
            let tokenizerConfig: JSONValue = ["tokenizer_class": "BertTokenizer",
                                              "do_lower_case": .bool(tokenizer.doLowerCase),
                                              "model_max_length": .integer(m.positions)]
            try writeFile(directory.path(of: tokenizerConfigFile), text: try tokenizerConfig.serializedPretty())
        }
        let results = try SafetensorsExport.write(plan, to: directory.path(of: weightsFile), storage: storage,
                                                  observer: observer)
        try directory.commit()
        return results
    }

    /// The config `from_pretrained` needs; `layer_norm_eps` explicitly, since Hugging Face's default (1e-12) is wrong
    /// for Megatron models.
    static func config(_ m: ModelDescription, storage: StorageType) -> JSONValue {
        let dtype: String
        switch storage {
        case .f16: dtype = "float16"
        case .bf16: dtype = "bfloat16"
        default: dtype = "float32"
        }
        return [
            "architectures": ["MegatronBertForQuestionAnswering"], "model_type": "megatron-bert",
            "vocab_size": .integer(m.vocab), "hidden_size": .integer(m.hidden),
            "num_hidden_layers": .integer(m.layers), "num_attention_heads": .integer(m.heads),
            "intermediate_size": .integer(m.ffn), "hidden_act": .string(m.activation.huggingFaceName),
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": .integer(m.positions), "type_vocab_size": .integer(m.tokenTypes),
            "initializer_range": 0.02, "layer_norm_eps": .double(m.layerNormEps), "pad_token_id": 0,
            "dtype": .string(dtype),
        ]
    }

    private static func writeFile(_ path: String, text: String) throws {
        let file = try AtomicOutputFile(destination: path)
        try file.write(Array(text.utf8))
        try file.commit()
    }
}

extension JSONValue {
    /// Sorted keys, two-space indentation, one member per line: how config files are usually read by people.
    func serializedPretty(indent: String = "") throws -> String {
        let inner = indent + "  "
        switch self {
        case let .object(members) where !members.isEmpty:
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let lines = try keys.map { inner + JSONValue.quoted($0) + ": " + (try members[$0]!.serializedPretty(indent: inner)) }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}" + (indent.isEmpty ? "\n" : "")
        default:
            return try serialized()
        }
    }
}
