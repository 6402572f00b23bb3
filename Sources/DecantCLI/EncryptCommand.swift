/// `decant encrypt`: a `.nemo` → a TAO EFF v3 `.tlt` (only the weights encrypted), or any file → a raw blob.
import ArgumentParser
import Bytes
import Codec
import Containers

struct EncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a .nemo into a TAO EFF v3 .tlt (model_weights.ckpt encrypted), or any file into a raw blob."
    )

    @Argument(help: "The .nemo (tar or tar.gz), or any file with --raw.")
    var input: String

    @Option(name: .long, help: "The load key (passphrase).")
    var key: String

    @Option(name: .shortAndLong, help: "Where to write the .tlt (written atomically).")
    var output: String

    @Flag(help: "Write the whole input as one blob with the default salt (TF1 .tlt / .ckzip style).")
    var raw = false

    func run() throws {
        try reportingErrors {
            let loadKey = try LoadKey(key)
            let file = try AtomicOutputFile(destination: output, inputs: [input])
            let report = raw
                ? try TAOConversion.encryptRaw(path: input, key: loadKey, to: file)
                : try TAOConversion.encryptNemo(path: input, key: loadKey, to: file)
            try file.commit()
            printReport(report)
            print("wrote \(output) (\(file.bytesWritten) bytes)".escapedForDisplay)
        }
    }
}
