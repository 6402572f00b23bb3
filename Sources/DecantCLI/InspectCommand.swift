/// `decant inspect`: what a checkpoint file holds — layers, metadata, architecture, tensors — as text or JSON.
import ArgumentParser
import Foundation
import Inspection
import JSON

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: the layers it passed through, its metadata, the detected architecture and its tensors.",
        discussion: """
            Reads .tlt, .nemo, torch (.ckpt, .pt, .pth, .bin), .safetensors and .decant files, by content. Without \
            --stats no tensor data is read (except the fused-QKV biases when only they can tell the QKV layout). \
            A pickle naming a callable outside the allowlist is refused; --allow-opaque shows it as data, still \
            calling nothing. --json writes the document described in formats/inspect-json.md.
            """
    )

    @Argument(help: "The checkpoint file.")
    var file: String

    @Option(name: .long, help: "The TAO load key for encrypted files (e.g. tlt_encode).")
    var key: String?

    @Flag(help: "Write JSON (formats/inspect-json.md) instead of text.")
    var json = false

    @Flag(help: "Compute min, max, mean, std and NaN/Inf counts of every tensor (reads all tensor data).")
    var stats = false

    @Option(name: .long, help: "Show one tensor in detail: statistics and its first values.")
    var tensor: String?

    @OptionGroup var sourceOptions: SourceOptionsGroup

    func run() throws {
        try reportingErrors {
            let report = try CheckpointReport.inspect(
                path: file, options: InspectionOptions(key: key, stats: stats, tensor: tensor, allowOpaque: sourceOptions.allowOpaque,
                                                       overrides: sourceOptions.overrides))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                // Only `firstValues` can hold them (statistics cover finite values).
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(JSONValue.escapingDisplayControls(inSerialized: String(decoding: try encoder.encode(report), as: UTF8.self)))
            } else {
                print(report.text, terminator: "")
            }
        }
    }
}
