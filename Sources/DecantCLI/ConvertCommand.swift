/// `decant convert`: a `.tlt` / `.nemo` / torch / canonical safetensors checkpoint → `.decant`, safetensors or a
/// Hugging Face directory, with a per-tensor error table and a one-screen summary.
import ArgumentParser
import Conversion
import Megatron
import Quantization
#if canImport(Glibc)
import Glibc
#endif

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

    @Option(name: .shortAndLong, help: "The output file (native, safetensors) or directory (hf).")
    var output: String

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
                                            source: sourceOptions.source)
            try Converter.validate(options)
            let progress = ProgressBar.forStandardError()
            InterruptFlag.install()
            defer { InterruptFlag.uninstall() }
            let report = try Converter.convert(input: input, output: output, options: options) { step in
                if let signal = InterruptFlag.received { throw ConversionError.cancelled(reason: "signal \(signal)") }
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

/// Turns SIGINT/SIGTERM into a flag the conversion checks after each tensor, so an interrupted conversion unwinds
/// normally and removes its temporary output instead of dying with it half-written. A second signal (say, a
/// second Ctrl-C while a large source is still being decrypted) takes the default action at once.
enum InterruptFlag {
    nonisolated(unsafe) private static var signalNumber: sig_atomic_t = 0

    static var received: Int32? { signalNumber == 0 ? nil : Int32(signalNumber) }

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { number in
                guard InterruptFlag.signalNumber == 0 else {
                    signal(number, SIG_DFL)
                    raise(number)
                    return
                }
                InterruptFlag.signalNumber = sig_atomic_t(number)
            }
        }
    }

    static func uninstall() {
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
    }
}
