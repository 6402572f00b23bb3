/// What `decant inspect` reports about a checkpoint file: the value behind both the text output and the JSON
/// document specified in formats/inspect-json.md (field names there are the property names here).

/// A checkpoint described from the outside in: its layers, the metadata that travelled with it, the model it
/// holds and its tensors.
public struct CheckpointReport: Codable, Sendable, Equatable {
    /// Names this document's layout; bumped only on incompatible changes.
    public var schema = CheckpointReport.schemaName
    public var file: String
    public var fileBytes: Int
    /// Outermost first, e.g. `["EFF v3 (…)", "tar.gz", "torch zip (prefix model_weights/)", "pickle protocol 2, …"]`.
    public var layers: [String]
    public var metadata: InspectionMetadata
    /// The detected architecture; nil when detection failed, with the reason in `modelError`.
    public var model: ModelSummary?
    /// e.g. "no known architecture: expected a Megatron language model with a tensor named …".
    public var modelError: String?
    /// Every tensor in file order, or only the one asked for with `--tensor`.
    public var tensors: [TensorEntry]
    public var totals: TensorTotals
    /// Over every listed tensor; only when statistics were asked for.
    public var stats: TensorStatistics?

    public static let schemaName = "decant-inspect/1"
}

/// One tensor: what the container says about it, plus its statistics when asked for.
public struct TensorEntry: Codable, Sendable, Equatable {
    public var name: String
    /// A `DType` raw value (`f32`, `bf16`, `i64`, …) or, in .decant files, a storage type (`q8`, `q4`).
    public var dtype: String
    public var shape: [Int]
    /// Bytes the tensor occupies in the file (blocks and scales included for q8/q4).
    public var bytes: Int
    public var stats: TensorStatistics?
    /// The first elements in row-major order, as doubles (only for the `--tensor` detail).
    public var firstValues: [Double]?

    public var elements: Int { shape.reduce(1, *) }
}

/// Moments over the finite elements; NaN and ±inf are counted apart and left out of everything else.
public struct TensorStatistics: Codable, Sendable, Equatable {
    /// All elements, finite or not.
    public var elements: Int
    public var finite: Int
    public var nan: Int
    public var positiveInfinity: Int
    public var negativeInfinity: Int
    /// nil when no element is finite.
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Population standard deviation (divisor n, like numpy's default; torch's `std()` divides by n − 1).
    public var std: Double?

    public init(elements: Int, finite: Int, nan: Int, positiveInfinity: Int, negativeInfinity: Int, min: Double?,
                max: Double?, mean: Double?, std: Double?) {
        self.elements = elements
        self.finite = finite
        self.nan = nan
        self.positiveInfinity = positiveInfinity
        self.negativeInfinity = negativeInfinity
        self.min = min
        self.max = max
        self.mean = mean
        self.std = std
    }

    public var nonFinite: Int { nan + positiveInfinity + negativeInfinity }
}

/// Counts over the listed tensors.
public struct TensorTotals: Codable, Sendable, Equatable {
    public var tensors: Int
    /// Σ elements.
    public var parameters: Int
    /// Σ bytes as stored.
    public var bytes: Int
    /// Tensors per dtype.
    public var dtypes: [String: Int]
}

/// The architecture `decant convert` would use, and the rule behind each value that shapes cannot tell.
public struct ModelSummary: Codable, Sendable, Equatable {
    /// "megatron-bert-qa" (span head) or "megatron-bert" (bare encoder).
    public var family: String
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var headsRule: String
    public var ffn: Int
    /// Tokenizer vocabulary (the rows an export keeps).
    public var vocab: Int
    public var vocabRule: String
    /// Word-embedding rows as stored.
    public var vocabPadded: Int
    public var positions: Int
    public var tokenTypes: Int
    /// "nemo1.0", "nemo1.10", "megatron", or "huggingface" (canonical names, e.g. a .decant file).
    public var naming: String
    /// The fused-QKV row order ("v0", "v1", "v2"); nil when query, key and value are separate tensors.
    public var qkvLayout: String?
    public var qkvLayoutRule: String
    /// "gelu", "gelu_megatron_erf" or "gelu_tanh".
    public var activation: String
    public var activationRule: String
    public var layerNormEps: Double
}

/// The metadata that travelled with the tensors, one section per layer that carries any.
public struct InspectionMetadata: Codable, Sendable, Equatable {
    public var eff: EFFMetadata?
    public var nemo: NemoMetadata?
    public var torch: TorchMetadata?
    /// The safetensors header's `__metadata__`.
    public var safetensors: [String: String]?
    public var native: NativeMetadata?

    public init() {}
}

/// The EFF manifest of a TAO `.tlt`.
public struct EFFMetadata: Codable, Sendable, Equatable {
    public struct Artifact: Codable, Sendable, Equatable {
        public var name: String
        /// The codec's salt label when encrypted, nil when stored in clear.
        public var codec: String?
        public var sha256: String?
    }

    public var formatVersion: Int
    public var metadata: [String: String]
    public var artifacts: [Artifact]
}

/// A NeMo archive's configuration highlights and artifacts.
public struct NemoMetadata: Codable, Sendable, Equatable {
    /// "tar", "tar.gz" or "EFF".
    public var container: String
    public var members: [String]
    public var target: String?
    public var nemoVersion: String?
    public var languageModel: String?
    public var tokenizer: String?
    public var vocabMember: String?
    public var vocabSize: Int?
    public var encoderConfigMember: String?
    /// The encoder config's scalar entries (nested values left out).
    public var encoderConfig: [String: String]?
    /// The yaml's inline `language_model.config` scalars.
    public var languageModelConfig: [String: String]?
    public var checkpointVersion: Double?
    /// The SQuAD settings the yaml states (`dataset:`), by their yaml names.
    public var qa: [String: String]
}

/// The PyTorch checkpoint holding the weights.
public struct TorchMetadata: Codable, Sendable, Equatable {
    /// "zip", "legacy" or "tar".
    public var format: String
    /// The zip's record prefix, e.g. "model_weights/".
    public var zipPrefix: String?
    public var pickleProtocol: Int
    public var weightsLocation: String
    public var megatronCheckpointVersion: Double?
    /// Megatron's `args` scalars.
    public var megatronArgs: [String: String]?
}

/// A .decant file's header.
public struct NativeMetadata: Codable, Sendable, Equatable {
    public var version: Int
    public var alignment: Int
    public var dataBytes: Int
    /// The JSON metadata flattened to dotted keys; arrays and long strings are summarised, not copied.
    public var entries: [String: String]
}
