import Bytes
import Megatron
import Quantization

/// Why a conversion stopped, one case per broken expectation (source-format problems keep their own errors).
public enum ConversionError: DecantError, Equatable {
    /// Safetensors and Hugging Face files hold float tensors only; block types exist only in `.decant`.
    case storageNotSupported(format: OutputFormat, storage: StorageType)
    /// `--quantize-embeddings` has no meaning when every tensor gets the same dtype.
    case quantizeEmbeddingsNeedsNative(format: OutputFormat)
    /// No supported architecture explains the tensor names; `names` are the ones that could not be placed.
    case unknownArchitecture(reason: String, names: [String])
    /// Canonical (Hugging Face–named) sources: a name the QA model does not have.
    case unplaceableCanonical(names: [String])
    case missingCanonical(name: String)
    case canonicalShape(name: String, expected: [Int], found: [Int])
    /// Canonical sources carry no heads; they come from a `config.json` next to the file or the 345M default.
    case canonicalHeadsUnknown(hidden: Int)
    case canonicalConfig(path: String, reason: String)
    /// The caller (a progress observer) asked the conversion to stop; nothing was left behind. (Signals end the CLI at
    /// once instead, through its handlers.)
    case cancelled(reason: String)
    /// A decision taken from tensor values at planning time (for a `.tlt`, from bytes still being decrypted and not
    /// yet verified) came out differently on the complete, verified source; the conversion is discarded.
    case decisionChanged(decision: String, first: String, complete: String)

    public var description: String {
        switch self {
        case let .storageNotSupported(format, storage):
            return "--format \(format.rawValue) stores f32, f16 or bf16 tensors, not \(storage.rawValue) (Hugging Face and safetensors loaders cannot read block-quantized data); use --format native"
        case let .quantizeEmbeddingsNeedsNative(format):
            return "--quantize-embeddings applies to --format native only, found --format \(format.rawValue)"
        case let .unknownArchitecture(reason, names):
            let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
            return "expected a Megatron-BERT (QA) checkpoint, could not place its \(names.count) tensors (\(shown)): \(reason)"
        case let .unplaceableCanonical(names):
            return "expected only MegatronBertForQuestionAnswering tensor names, found \(names.count) that map to nothing: \(names.joined(separator: ", "))"
        case let .missingCanonical(name):
            return "expected tensor \(name), which the safetensors file does not contain"
        case let .canonicalShape(name, expected, found):
            return "tensor \(name): expected shape \(expected), found \(found)"
        case let .canonicalHeadsUnknown(hidden):
            return "cannot tell the number of attention heads for hidden size \(hidden): pass \(ArchitectureOverrides.headsOption) or put a config.json with num_attention_heads next to the safetensors file"
        case let .canonicalConfig(path, reason):
            return "\(path): expected a Hugging Face config.json, \(reason)"
        case let .cancelled(reason):
            return "conversion cancelled (\(reason)); no output was written"
        case let .decisionChanged(decision, first, complete):
            return "\(decision): decided \(first) while the source was read, but the complete, verified source gives \(complete); no output was written"
        }
    }
}

extension ConversionError {
    /// The tensor names say this is no Megatron-BERT (nor a canonical Hugging Face export of one).
    static func unknownArchitecture(_ names: [String], _ reason: MegatronError) -> ConversionError {
        .unknownArchitecture(reason: reason.description, names: names)
    }
}
