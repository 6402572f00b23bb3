import Bytes
import Foundation
import Megatron
import Quantization
import JSON

/// What a conversion did: source, architecture, output, and the error each non-f32 tensor picked up, as a
/// one-screen summary, a worst-first error table, or JSON.
public struct ConversionReport: Sendable {
    public let input: String
    public let output: String
    public let options: ConversionOptions
    public let sourceLayers: [String]
    public let sourceBytes: Int
    /// Native output only (provenance).
    public let sourceSHA256: String?
    public let model: ModelDescription
    public let dropped: [String]
    /// In output order.
    public let tensors: [ConvertedTensor]
    public let outputBytes: Int
    public let seconds: Double

    /// Errors of the tensors not stored as f32, worst first.
    public var errors: QuantizationReport {
        QuantizationReport(tensors.filter { $0.storage != .f32 }.map(\.measurement))
    }

    /// Finite values that became ±inf (f16 has a range of ±65504).
    public var overflowCount: Int { tensors.reduce(0) { $0 + $1.measurement.overflowCount } }

    /// Tensors kept f32 because the requested block type could not hold them.
    public var fallbacks: [ConvertedTensor] { tensors.filter { $0.reason.hasPrefix("kept f32") } }

    public var warnings: [String] {
        var warnings: [String] = []
        for tensor in tensors where tensor.measurement.overflowCount > 0 {
            warnings.append("\(tensor.name): \(tensor.measurement.overflowCount) values overflowed to ±inf in \(tensor.storage.rawValue)")
        }
        for tensor in fallbacks { warnings.append("\(tensor.name): \(tensor.reason)") }
        if model.tokenizer == nil { warnings.append("the source has no tokenizer vocabulary; none was written") }
        return warnings
    }

    /// The table and one summary line: how many tensors were quantized and the worst of them (escaped for display).
    public func errorTable(limit: Int? = 20) -> String {
        let report = errors
        guard let worst = report.measurements.first else {
            return "accuracy: no loss (all \(tensors.count) tensors stored as f32, bit-exact)"
        }
        let stored = Dictionary(grouping: report.measurements, by: \.storage).map { "\($0.value.count) \($0.key.rawValue)" }
            .sorted().joined(separator: ", ")
        let summary = "accuracy: \(report.measurements.count) of \(tensors.count) tensors converted (\(stored)); worst relative RMS "
            + "\(formatted(worst.relativeRMS)) (\(worst.name.escapedForDisplay)), largest |error| "
            + "\(formatted(report.measurements.map(\.maxAbsError).max() ?? 0)), \(overflowCount) overflows"
        return report.table(limit: limit) + "\n" + summary
    }

    /// The one-screen summary, escaped for display.
    public func summary() -> String {
        let m = model
        let layout = m.qkvLayout.map { "QKV \($0.rawValue)" } ?? "QKV already split"
        let quantized = tensors.filter { $0.storage != .f32 }.count
        let dtype = options.format == .native
            ? "\(options.storage.rawValue): \(quantized) of \(tensors.count) tensors, the rest f32"
            : "\(options.storage.rawValue) for all \(tensors.count) tensors"
        var lines = [
            "source:       \(input) (\(megabytes(sourceBytes)))",
            "layers:       \(sourceLayers.joined(separator: " → "))",
            "architecture: \(m.family), \(m.layers) layers, hidden \(m.hidden), \(m.heads) heads, ffn \(m.ffn), vocab \(m.vocab) (of \(m.vocabPadded) rows), \(m.positions) positions",
            "numerics:     \(m.naming) naming, \(layout), GELU \(m.activationName), LayerNorm eps \(m.layerNormEps)",
            "output:       \(output) (\(options.format.rawValue), \(megabytes(outputBytes)))",
            "dtype:        \(dtype)",
            "time:         \(formattedSeconds(seconds)) (\(megabytes(Int(Double(sourceBytes) / max(seconds, 1e-9))))/s of source)",
        ]
        if !dropped.isEmpty { lines.append("dropped:      \(dropped.joined(separator: ", "))") }
        if let sourceSHA256 { lines.append("source sha256: \(sourceSHA256)") }
        // Layers and dropped tensors carry names from the source file.
        return lines.map(\.escapedForDisplay).joined(separator: "\n")
    }

    public func json() -> String {
        let m = model
        func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
        let tensorList: [JSONValue] = tensors.map { t in
            .object(["name": .string(t.name), "shape": .array(t.shape.map { .integer($0) }),
                     "storage": .string(t.storage.rawValue), "reason": .string(t.reason),
                     "relative_rms": number(t.measurement.relativeRMS), "max_abs_error": number(t.measurement.maxAbsError),
                     "overflow_count": .integer(t.measurement.overflowCount)])
        }
        let errorList: [JSONValue] = errors.measurements.map { e in
            .object(["name": .string(e.name), "storage": .string(e.storage.rawValue),
                     "relative_rms": number(e.relativeRMS), "max_abs_error": number(e.maxAbsError),
                     "overflow_count": .integer(e.overflowCount)])
        }
        let document: JSONValue = [
            "input": .string(input), "output": .string(output), "format": .string(options.format.rawValue),
            "dtype": .string(options.storage.rawValue), "quantize_embeddings": .bool(options.quantizeEmbeddings),
            "source_layers": .array(sourceLayers.map { .string($0) }), "source_bytes": .integer(sourceBytes),
            "source_sha256": sourceSHA256.map { .string($0) } ?? .null,
            "architecture": [
                "family": .string(m.family), "layers": .integer(m.layers), "hidden": .integer(m.hidden),
                "heads": .integer(m.heads), "ffn": .integer(m.ffn), "vocab": .integer(m.vocab),
                "vocab_padded": .integer(m.vocabPadded), "positions": .integer(m.positions),
                "token_types": .integer(m.tokenTypes), "layer_norm_eps": .double(m.layerNormEps),
                "activation": .string(m.activationName), "naming": .string(m.naming),
                "qkv_layout": m.qkvLayout.map { .string($0.rawValue) } ?? .null,
            ],
            "dropped": .array(dropped.map { .string($0) }),
            "output_bytes": .integer(outputBytes), "seconds": number(seconds),
            "tensors": .array(tensorList), "errors": .array(errorList),
            "overflow_count": .integer(overflowCount), "warnings": .array(warnings.map { .string($0) }),
        ]
        return try! document.serialized()  // every double is checked finite above
    }
}

private func formatted(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    return value == 0 ? "0" : String(format: "%.2e", value)
}

private func formattedSeconds(_ seconds: Double) -> String {
    seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
}

func megabytes(_ bytes: Int) -> String {
    if bytes < 1 << 20 { return "\(bytes) bytes" }
    let tenths = (bytes * 10 + (1 << 19)) >> 20
    return "\(tenths / 10).\(tenths % 10) MiB"
}
