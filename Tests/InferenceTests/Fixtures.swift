import Bytes
import Foundation
import Inference
import Safetensors
import Tensors

/// Locations and loaders for the tiny Megatron-BERT fixtures shared by the inference tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let hfExport = root.appendingPathComponent("nemo/hf_export_reference")

    /// The reference export's tensors under their canonical names, as zero-copy views of the mapped file.
    static func hfWeights() throws -> [String: TensorView] {
        let file = try SafetensorsFile(path: hfExport.appendingPathComponent("model.safetensors").path)
        return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0) })
    }

    static func hfConfig(activation: GELUVariant? = nil) throws -> BertConfig {
        var config = try BertConfig(huggingFaceConfigJSON: Data(contentsOf: hfExport.appendingPathComponent("config.json")))
        if let activation { config.activation = activation }
        return config
    }

    static func model(activation: GELUVariant? = nil) throws -> BertQAModel {
        try BertQAModel(config: hfConfig(activation: activation), weights: hfWeights())
    }

    struct Case: Decodable {
        let batch: Int?
        let input_ids: [Int32]
        let token_type_ids: [Int32]
        let attention_mask: [Int32]
        let start_logits: [Float]
        let end_logits: [Float]
    }

    /// The Megatron-style expected logits of the first .nemo fixture (GELU with x/1.41421).
    static func megatronCase() throws -> Case {
        let data = try Data(contentsOf: root.appendingPathComponent("nemo/expected_outputs.json"))
        return try JSONDecoder().decode([String: Case].self, from: data)["qa_megatron_tiny_nemo1.0style_v0layout.nemo"]!
    }

    /// transformers' logits for several batches (Tools/gen_inference_golden.py).
    static func goldenCases() throws -> [Case] {
        struct Document: Decodable { let cases: [Case] }
        let data = try Data(contentsOf: root.appendingPathComponent("golden/tiny_hf_golden.json"))
        return try JSONDecoder().decode(Document.self, from: data).cases
    }

    /// A tensor built from floats, owned by its own storage.
    static func tensor(_ name: String, _ values: [Float], shape: [Int], dtype: DType = .f32) throws -> TensorView {
        switch dtype {
        case .f32:
            let bytes = values.withUnsafeBytes { ByteView(copying: $0) }
            return try TensorView(name: name, dtype: .f32, shape: shape, storage: bytes)
        case .f16:
            let halves = values.map { Float16($0).bitPattern }
            let bytes = halves.withUnsafeBytes { ByteView(copying: $0) }
            return try TensorView(name: name, dtype: .f16, shape: shape, storage: bytes)
        default:
            let bytes = values.map { Int32($0) }.withUnsafeBytes { ByteView(copying: $0) }
            return try TensorView(name: name, dtype: .i32, shape: shape, storage: bytes)
        }
    }
}

/// Largest |a − b| over the positions where `mask` is 1.
func maxUnmaskedDifference(_ a: [Float], _ b: [Float], mask: [Int32]) -> Float {
    zip(zip(a, b), mask).filter { $0.1 == 1 }.map { abs($0.0.0 - $0.0.1) }.max() ?? 0
}
