import ArgumentParser
import Bytes
import NativeFormat
import Quantization

/// `decant check FILE`: verifies a .decant file's header invariants and every tensor checksum.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a .decant file: every header invariant, then every tensor's XXH64 checksum.",
        discussion: "Prints one OK line, or one `error:` line naming the broken invariant and exits with status 1."
    )

    @Argument(help: "The .decant file to check.")
    var file: String

    func run() throws {
        try reportingErrors {
            let native = try NativeFile(path: file)
            try native.verifyChecksums()
            var counts: [StorageType: Int] = [:]
            for tensor in native.tensors { counts[tensor.storage, default: 0] += 1 }
            let storages = StorageType.allCases.compactMap { storage in counts[storage].map { "\($0) \(storage.rawValue)" } }
            let types = storages.isEmpty ? "" : " (" + storages.joined(separator: ", ") + ")"
            print(("OK \(file): .decant v\(native.version), \(native.tensors.count) tensors\(types), "
                + "\(megabytes(native.dataBytes)) of data, \(native.metadata.count) metadata keys; header and tensor checksums verified")
                .escapedForDisplay)
        }
    }
}

private func megabytes(_ bytes: Int) -> String {
    if bytes < 1 << 20 { return "\(bytes) bytes" }
    let tenths = (bytes * 10 + (1 << 19)) >> 20
    return "\(tenths / 10).\(tenths % 10) MiB"
}
