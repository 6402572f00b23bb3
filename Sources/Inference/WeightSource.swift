import Bytes
import Quantization
import Tensors

/// Where a model's weights come from: a native file, a safetensors file or a source checkpoint.
///
/// Names are the canonical Hugging Face `MegatronBertForQuestionAnswering` names (`bert.embeddings.…`,
/// `bert.encoder.layer.{i}.…`, `qa_outputs.…`) and matrices use torch's `[out, in]` layout.
///
/// A source hands out `TensorView`s rather than arrays so the engine can run on the source's own memory:
/// contiguous f32 (aligned), f16 and bf16 views and q8/q4 blocks (a memory-mapped safetensors or native file) are
/// used in place, in their storage type, never copied. Only f64 or strided views are widened to f32 at load.
public protocol WeightSource {
    /// The tensor stored under `canonicalName` as a dtype view, or nil when the source has none.
    func tensor(_ canonicalName: String) throws -> TensorView?

    /// The tensor in block-quantized storage; asked only when `tensor` returns nil. Defaults to nil.
    func quantizedTensor(_ canonicalName: String) throws -> QuantizedTensor?
}

extension WeightSource {
    public func quantizedTensor(_ canonicalName: String) throws -> QuantizedTensor? { nil }
}

/// A tensor's encoded bytes in a `StorageType` (q8/q4 blocks along the last dimension, or plain floats).
public struct QuantizedTensor: @unchecked Sendable {
    public let name: String
    public let storage: StorageType
    public let shape: [Int]
    public let bytes: ByteView

    public init(name: String, storage: StorageType, shape: [Int], bytes: ByteView) {
        self.name = name
        self.storage = storage
        self.shape = shape
        self.bytes = bytes
    }
}

extension Dictionary: WeightSource where Key == String, Value == TensorView {
    public func tensor(_ canonicalName: String) throws -> TensorView? { self[canonicalName] }
}
