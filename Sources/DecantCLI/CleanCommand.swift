import ArgumentParser
import Bytes

/// `decant clean DIR`: removes the temporaries of Decant processes that were killed mid-write.
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove the .decant-tmp-<pid>-… temporaries that killed decant processes left in a folder.",
        discussion: "Outputs appear by rename only when complete, so a killed write leaves a temporary, never a partial "
            + "file. Only temporaries whose process is no longer running are removed; the name of each one removed is printed. "
            + "A temporary folder holding anything but files decant wrote is kept, with a warning."
    )

    @Argument(help: "The folder to clean (a destination decant wrote to).")
    var folder: String

    func run() throws {
        try reportingErrors {
            let result = try StaleTemporaries.remove(in: folder)
            for name in result.removed { print("removed \(folder)/\(name)".escapedForDisplay) }
            for kept in result.kept { printWarningLine("kept \(folder)/\(kept.name): \(kept.reason)") }
        }
    }
}
