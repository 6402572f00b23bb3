import Checkpoint
import Megatron
import Quantization

/// What a conversion should produce: output layout, storage type and how the source is opened.

/// The output layout.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    /// One `.decant` file with metadata (formats/native.md).
    case native
    /// One safetensors file with the canonical tensors only.
    case safetensors
    /// A Hugging Face `MegatronBertForQuestionAnswering` directory: config, weights, tokenizer files.
    case hf
}

public struct ConversionOptions: Sendable, Equatable {
    public var format: OutputFormat
    /// For `native`, the storage of matrix weights (`QuantizationPolicy` keeps the rest f32); for `safetensors`
    /// and `hf`, the dtype of every tensor (f32, f16 or bf16).
    public var storage: StorageType
    /// Quantize the embedding tables too (native only; they stay f32 by default).
    public var quantizeEmbeddings: Bool
    /// The TAO load key for encrypted sources.
    public var key: String?
    /// Attention heads, for checkpoints that carry no config (shapes never show them); wins over any config.
    public var heads: Int?
    /// The fused-QKV row order, for checkpoints whose metadata does not say and whose K biases do not tell.
    public var qkvLayout: QKVLayout?
    public var source: SourceOptions
    /// `hf` only: write into a folder that is not empty, replacing the export's own files there
    /// (`HuggingFaceExport.files`) and nothing else.
    public var force: Bool

    public init(format: OutputFormat = .native, storage: StorageType = .f32, quantizeEmbeddings: Bool = false,
                key: String? = nil, heads: Int? = nil, qkvLayout: QKVLayout? = nil, source: SourceOptions = SourceOptions(),
                force: Bool = false) {
        self.format = format
        self.storage = storage
        self.quantizeEmbeddings = quantizeEmbeddings
        self.key = key
        self.heads = heads
        self.qkvLayout = qkvLayout
        self.source = source
        self.force = force
    }

    /// The converter's name and version, recorded in every native file's provenance.
    public static let converterVersion = "decant 0.1.0"
}
