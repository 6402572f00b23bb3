import Tensors

/// Where a model's weights come from: a native file, a safetensors file or a source checkpoint.
///
/// Names are the canonical Hugging Face `MegatronBertForQuestionAnswering` names (`bert.embeddings.…`,
/// `bert.encoder.layer.{i}.…`, `qa_outputs.…`) and matrices use torch's `[out, in]` layout.
///
/// A source hands out `TensorView`s rather than arrays so the engine can run on the source's own memory:
/// a contiguous, aligned f32 view (a memory-mapped safetensors or native file) is used in place, never copied.
/// Views of f64, f16 or bf16 are widened to f32 once, at load, into memory the model owns. Quantized block
/// storage will arrive as a further requirement with a default, so existing sources keep compiling.
public protocol WeightSource {
    /// The tensor stored under `canonicalName`, or nil when the source has no such tensor.
    func tensor(_ canonicalName: String) throws -> TensorView?
}

extension Dictionary: WeightSource where Key == String, Value == TensorView {
    public func tensor(_ canonicalName: String) throws -> TensorView? { self[canonicalName] }
}
