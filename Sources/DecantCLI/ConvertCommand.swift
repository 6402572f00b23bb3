/// `decant convert`: a `.tlt` / `.nemo` / torch / canonical safetensors checkpoint → `.decant`, safetensors or a
/// Hugging Face directory, with a per-tensor error table and a one-screen summary.
import ArgumentParser
import Bytes
import Conversion
import Megatron
import Quantization

extension StorageType: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Megatron-BERT QA checkpoint to .decant (default), safetensors or a Hugging Face directory.",
        discussion: """
            native: matrix weights in --dtype, biases, LayerNorms, embeddings (unless --quantize-embeddings) and the \
            QA head f32. safetensors/hf: every tensor in --dtype (f32, f16 or bf16). Output appears only when complete.
            """
    )

    @Argument(help: "The .tlt, .nemo, torch checkpoint, or safetensors with Hugging Face names.")
    var input: String

    @Option(name: .long, help: "The TAO load key for encrypted files (e.g. tlt_encode).")
    var key: String?

    @Option(name: .shortAndLong, help: "The output file (native, safetensors) or directory (hf): a new one, or an empty directory.")
    var output: String

    @Flag(help: "hf: write into a directory that is not empty, replacing only the export's own files (\(HuggingFaceExport.files.joined(separator: ", "))).")
    var force = false

    @Option(help: "Storage type: \(StorageType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dtype: StorageType = .f32

    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .native

    @Flag(help: "Quantize the embedding tables too (native only).")
    var quantizeEmbeddings = false

    @Flag(help: "Print the summary and the per-tensor errors as one JSON object.")
    var json = false

    @OptionGroup var sourceOptions: SourceOptionsGroup

    func run() throws {
        try reportingErrors {
            let options = ConversionOptions(format: format, storage: dtype, quantizeEmbeddings: quantizeEmbeddings, key: key,
                                            heads: sourceOptions.heads, qkvLayout: sourceOptions.qkvLayout,
                                            source: sourceOptions.source, force: force)
            try Converter.validate(options)
            let progress = ProgressBar.forStandardError()
            let report = try Converter.convert(input: input, output: output, options: options) { step in
                progress?.update(step)
            }
            progress?.finish()
            if json {
                print(report.json())
                return
            }
            print(report.summary())
            print("")
            print(report.errorTable())
            for warning in report.warnings { printWarningLine(warning) }
        }
    }
}
