/// Which tensors get the requested storage type and which stay f32.
///
/// Only 2-D matrix-multiply weights are worth quantizing: they are > 99 % of a BERT's bytes. Everything else
/// stays f32 because it is tiny and sensitive:
///   - biases and LayerNorm weights/biases (1-D; a LayerNorm gain error scales a whole hidden vector);
///   - embeddings, unless `quantizeEmbeddings` (lookups, not products; 9 % of Megatron-BERT 345M, whose word
///     embedding also feeds every position, so the default keeps them exact);
///   - matrices with fewer than `minimumRows` output rows, i.e. heads such as the `[2, hidden]` QA head: they save
///     almost nothing (2 × 1024 values) and their error lands directly on the start/end logits with nothing after
///     them to average it out;
///   - block types on a matrix whose last dimension is not a multiple of 32 (cannot be blocked).
public struct QuantizationPolicy: Sendable, Equatable {
    public var target: StorageType
    public var quantizeEmbeddings: Bool
    public var minimumRows: Int

    public init(target: StorageType, quantizeEmbeddings: Bool = false, minimumRows: Int = 32) {
        self.target = target
        self.quantizeEmbeddings = quantizeEmbeddings
        self.minimumRows = minimumRows
    }

    /// The storage chosen for one tensor, and why.
    public struct Decision: Sendable, Equatable {
        public let storage: StorageType
        public let reason: String
    }

    public func decision(name: String, shape: [Int]) -> Decision {
        let lowered = name.lowercased()
        if target == .f32 { return Decision(storage: .f32, reason: "f32 requested") }
        if shape.count != 2 { return Decision(storage: .f32, reason: "not a matrix (rank \(shape.count))") }
        if lowered.hasSuffix("bias") { return Decision(storage: .f32, reason: "bias") }
        if isNormalization(lowered) { return Decision(storage: .f32, reason: "normalization parameter") }
        if lowered.contains("embedding"), !quantizeEmbeddings { return Decision(storage: .f32, reason: "embedding (not requested)") }
        if shape[0] < minimumRows { return Decision(storage: .f32, reason: "head with \(shape[0]) rows (< \(minimumRows))") }
        if !target.canStore(shape: shape) {
            return Decision(storage: .f32, reason: "last dimension \(shape[1]) is not a multiple of \(target.blockElements)")
        }
        return Decision(storage: target, reason: "matrix weight")
    }

    public func storage(name: String, shape: [Int]) -> StorageType { decision(name: name, shape: shape).storage }

    private func isNormalization(_ name: String) -> Bool {
        let components = name.split(separator: ".")
        return components.contains { $0 == "ln" || $0.hasPrefix("ln_") || $0.contains("layernorm") || $0.contains("layer_norm") || $0.hasSuffix("norm") }
    }
}
