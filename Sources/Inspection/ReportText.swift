import Bytes
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The human-readable form of a `CheckpointReport`: a few summary lines, then one row per tensor.
///
/// Names and metadata come from the file, so every line is escaped for the terminal (table cells before the
/// columns are measured); the report itself keeps them exact for the JSON form.
extension CheckpointReport {
    public var text: String {
        var lines = ["file: \(file) (\(byteSize(fileBytes)))", "layers: " + layers.joined(separator: " → ")]
        lines += metadataLines
        if let model {
            lines.append("model: \(model.family), \(model.layers) layers, hidden \(model.hidden), \(model.heads) heads, "
                + "FFN \(model.ffn), vocab \(model.vocab) (\(model.vocabPadded) rows), \(model.positions) positions, "
                + "\(model.tokenTypes) token types")
            lines.append("  naming \(model.naming); QKV layout \(model.qkvLayout ?? "separate") (\(model.qkvLayoutRule))")
            lines.append("  heads: \(model.headsRule); vocab: \(model.vocabRule)")
            lines.append("  activation \(model.activation) (\(model.activationRule)); LayerNorm eps \(model.layerNormEps)")
        } else if let modelError {
            lines.append("model: \(modelError)")
        }
        let dtypes = totals.dtypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("tensors: \(totals.tensors) (\(dtypes)), \(grouped(totals.parameters)) parameters, \(byteSize(totals.bytes))")
        if let stats {
            lines.append("  all values: " + statisticsText(stats))
        }
        lines = lines.map(\.escapedForDisplay) + tensorTable
        for tensor in tensors {
            if let values = tensor.firstValues {
                let more = tensor.elements > values.count ? ", …" : ""
                lines.append(("first values of \(tensor.name): [" + values.map(number).joined(separator: ", ") + more + "]")
                    .escapedForDisplay)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private var metadataLines: [String] {
        var lines: [String] = []
        if let eff = metadata.eff {
            let artifacts = eff.artifacts.map { "\($0.name) (\($0.codec.map { "encrypted, codec \($0)" } ?? "clear"))" }
            lines.append("EFF manifest: format v\(eff.formatVersion); " + artifacts.joined(separator: ", "))
            if !eff.metadata.isEmpty { lines.append("  metadata: " + pairs(eff.metadata)) }
        }
        if let nemo = metadata.nemo {
            var parts = ["\(nemo.members.count) members"]
            if let target = nemo.target { parts.append("target \(target)") }
            if let version = nemo.nemoVersion { parts.append("NeMo \(version)") }
            lines.append("NeMo archive: " + parts.joined(separator: ", "))
            if let vocabSize = nemo.vocabSize {
                lines.append("  tokenizer: \(nemo.tokenizer ?? "unnamed"), \(vocabSize) tokens in \(nemo.vocabMember ?? "?")")
            }
            if let languageModel = nemo.languageModel { lines.append("  language model: \(languageModel)") }
            if let encoder = nemo.encoderConfig { lines.append("  \(nemo.encoderConfigMember ?? "encoder config"): " + pairs(encoder)) }
            if let inline = nemo.languageModelConfig { lines.append("  language_model.config: " + pairs(inline)) }
            if let version = nemo.checkpointVersion { lines.append("  Megatron checkpoint_version \(number(version))") }
            if !nemo.qa.isEmpty { lines.append("  QA: " + pairs(nemo.qa)) }
        }
        if let torch = metadata.torch {
            var line = "torch: \(torch.format) checkpoint, pickle protocol \(torch.pickleProtocol), weights in the \(torch.weightsLocation)"
            if let version = torch.megatronCheckpointVersion { line += ", Megatron checkpoint_version \(number(version))" }
            lines.append(line)
            if let args = torch.megatronArgs { lines.append("  Megatron args: " + pairs(args)) }
        }
        if let safetensors = metadata.safetensors, !safetensors.isEmpty {
            lines.append("safetensors metadata: " + pairs(safetensors))
        }
        if let native = metadata.native {
            lines.append(".decant: version \(native.version), alignment \(native.alignment), \(byteSize(native.dataBytes)) of tensor data")
            if !native.entries.isEmpty { lines.append("  metadata: " + pairs(native.entries)) }
        }
        return lines
    }

    private var tensorTable: [String] {
        let withStats = tensors.contains { $0.stats != nil }
        var header = ["name", "dtype", "shape", "bytes"]
        if withStats { header += ["min", "max", "mean", "std", "nan", "inf"] }
        var rows = [header]
        for tensor in tensors {
            var row = [tensor.name.escapedForDisplay, tensor.dtype.escapedForDisplay, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
                       String(tensor.bytes)]
            if let s = tensor.stats {
                row += [s.min, s.max, s.mean, s.std].map { $0.map(number) ?? "-" }
                row += [String(s.nan), String(s.positiveInfinity + s.negativeInfinity)]
            }
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0 }
        // Text columns left-aligned, numbers right-aligned.
        return rows.map { row in
            row.enumerated().map { column, cell in
                let fill = String(repeating: " ", count: widths[column] - cell.count)
                return column < 3 ? cell + fill : fill + cell
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
    }
}

private func statisticsText(_ s: TensorStatistics) -> String {
    var parts = ["\(grouped(s.finite)) finite"]
    if s.nonFinite > 0 { parts.append("\(s.nan) NaN, \(s.positiveInfinity) +inf, \(s.negativeInfinity) -inf") }
    if let min = s.min, let max = s.max, let mean = s.mean, let std = s.std {
        parts.append("min \(number(min)), max \(number(max)), mean \(number(mean)), std \(number(std))")
    }
    return parts.joined(separator: "; ")
}

private func pairs(_ entries: [String: String]) -> String {
    entries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
}

/// Six significant digits (`%g`), like numpy's default print.
func number(_ value: Double) -> String { printf("%.6g", value) }

private func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return out
}

private func byteSize(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) bytes" : printf("%.2f", value) + " " + units[unit]
}

private func printf(_ format: String, _ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
