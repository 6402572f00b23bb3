/// Runs the built `decant` binary as a subprocess, in a scratch folder, for end-to-end tests.
import Bytes
import Foundation
import Testing

/// The `decant` executable next to this test bundle (`swift build --build-tests` builds both into the same
/// folder); `DECANT_BINARY` overrides it.
let decantBinary: String = {
    if let override = ProcessInfo.processInfo.environment["DECANT_BINARY"] { return override }
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    for folder in [bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
        let candidate = folder.appendingPathComponent("decant").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return bundle.appendingPathComponent("decant").path
}()

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

struct DecantRun {
    let status: Int32
    let stdout: String
    let stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
    /// stderr without the `note: …` lines that say how a stored setting was adjusted (a tiny model's max_seq_length).
    var stderrWithoutNotes: String { stderrLines.filter { !$0.hasPrefix("note: ") }.map { $0 + "\n" }.joined() }
}

/// A fresh empty folder that is removed at deinit.
final class ScratchFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "decant-cli-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
}

func decant(_ arguments: String...) throws -> DecantRun {
    try decant(arguments: arguments)
}

func decant(arguments: [String]) throws -> DecantRun {
    #expect(FileManager.default.isExecutableFile(atPath: decantBinary), "build decant first: swift build --build-tests")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: decantBinary)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return DecantRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

/// The failure contract: exit 1, exactly one `error: …` line (after any `note: …` lines saying how a setting was
/// adjusted), and the scratch folder holds only `inputs`.
func expectCleanFailure(_ run: DecantRun, mentioning text: String, folder: ScratchFolder, inputs: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 1, sourceLocation: sourceLocation)
    let lines = run.stderrLines.filter { !$0.hasPrefix("note: ") }
    #expect(lines.count == 1, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(lines.first?.hasPrefix("error: ") == true && run.stderrLines.last == lines.first, sourceLocation: sourceLocation)
    #expect(run.stderr.contains(text), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(folder.contents == inputs.sorted(), "left behind: \(folder.contents)", sourceLocation: sourceLocation)
}
