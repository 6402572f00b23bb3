/// `decant decrypt`: a TAO `.tlt` / `.etlt` / `.ckzip` → its plain contents (a `.nemo` for EFF archives).
import ArgumentParser
import Bytes
import Codec
import Containers

struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt a TAO file: an EFF .tlt becomes a plain .nemo; a raw blob or .etlt its plaintext.",
        discussion: "The key is TAO's published load key (e.g. tlt_encode). With --list nothing is written; with --list and --key every SHA-256 is verified."
    )

    @Argument(help: "The .tlt, .etlt or .ckzip file.")
    var input: String

    @Option(name: .long, help: "The load key (passphrase).")
    var key: String?

    @Option(name: .shortAndLong, help: "Where to write the decrypted file (written atomically).")
    var output: String?

    @Flag(help: "Only describe the file (and verify it when --key is given).")
    var list = false

    @Flag(help: "gzip the .nemo for NeMo 1.6 and older (default: plain tar, which NeMo 1.7+ and decant read zero-copy).")
    var gzip = false

    func validate() throws {
        if !list {
            guard key != nil else { throw ValidationError("--key is required to decrypt (or use --list)") }
            guard output != nil else { throw ValidationError("-o/--output is required to decrypt (or use --list)") }
        }
    }

    func run() throws {
        try reportingErrors {
            let loadKey = try key.map { try LoadKey($0) }
            guard !list, let loadKey, let output else {
                printReport(try TAOConversion.inspect(path: input, key: loadKey))
                return
            }
            let file = try AtomicOutputFile(destination: output, inputs: [input])
            let report = try TAOConversion.decrypt(path: input, key: loadKey, to: file, gzip: gzip)
            try file.commit()
            printReport(report)
            print("wrote \(output) (\(file.bytesWritten) bytes)".escapedForDisplay)
        }
    }
}

/// Prints what a TAO file holds, one member per line (names and metadata are the file's, so escaped).
func printReport(_ report: TAOReport) {
    print("container: \(report.container)".escapedForDisplay)
    if !report.metadata.isEmpty {
        print(("metadata: " + report.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")).escapedForDisplay)
    }
    let names = report.members.map(\.name.escapedForDisplay)
    let width = names.map(\.count).max() ?? 0
    for (member, name) in zip(report.members, names) {
        let size = String(member.size).leftPadded(to: 12)
        let codec = member.codec.map { "encrypted (codec \($0))" } ?? "clear"
        let details = "\(size) B  \(codec)" + (member.check.isEmpty ? "" : "  \(member.check)")
        print("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + " " + details.escapedForDisplay)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
