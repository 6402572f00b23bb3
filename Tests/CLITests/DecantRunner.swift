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

/// A finished run under a deadline: how it ended, and whether the deadline killed it.
struct TimedDecantRun {
    let run: DecantRun
    let timedOut: Bool
    /// Ended by a signal it did not handle (a crash), rather than by exit().
    let crashed: Bool
    let seconds: Double
}

/// Starts `decant` with its output going to files (so nothing blocks on a full pipe while we watch it).
final class DecantProcess {
    let process = Process()
    private let outPath: String, errPath: String
    let started = Date()

    init(_ arguments: [String], in directory: String? = nil) throws {
        #expect(FileManager.default.isExecutableFile(atPath: decantBinary), "build decant first: swift build --build-tests")
        let stem = NSTemporaryDirectory() + "decant-run-\(UInt32.random(in: 0...UInt32.max))"
        (outPath, errPath) = (stem + ".out", stem + ".err")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: decantBinary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        unlink(outPath)
        unlink(errPath)
    }

    var pid: pid_t { process.processIdentifier }

    /// Waits for the end, killing the process after `seconds` so a regression that blocks fails instead of hanging.
    func finish(within seconds: Double) -> TimedDecantRun {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return TimedDecantRun(run: DecantRun(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath)),
                              timedOut: timedOut, crashed: !timedOut && process.terminationReason == .uncaughtSignal,
                              seconds: Date().timeIntervalSince(started))
    }
}

func decant(arguments: [String], within seconds: Double, in directory: String? = nil) throws -> TimedDecantRun {
    try DecantProcess(arguments, in: directory).finish(within: seconds)
}

/// A safetensors file of float32 tensors whose data is a hole (zeros that take no disk), so tests can have inputs of
/// hundreds of MiB that cost nothing to make.
func writeSparseSafetensors(to path: String, tensors: [(name: String, shape: [Int])]) throws {
    var header: [String: Any] = [:]
    var offset = 0
    for (name, shape) in tensors {
        let bytes = shape.reduce(4, *)
        header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]]
        offset += bytes
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
    var file = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) }
    file.append(json)
    try file.write(to: URL(fileURLWithPath: path))
    #expect(truncate(path, off_t(file.count + offset)) == 0)
}

/// The Hugging Face names and shapes of a one-layer Megatron-BERT QA model (hidden 64, 4 heads by `--heads`) whose
/// word embeddings have `vocab` rows: 256 bytes each, so the vocabulary sets the size.
func canonicalQATensors(vocab: Int) -> [(name: String, shape: [Int])] {
    let (hidden, ffn, layer) = (64, 256, "bert.encoder.layer.0.")
    var tensors: [(name: String, shape: [Int])] = [
        ("bert.embeddings.word_embeddings.weight", [vocab, hidden]), ("bert.embeddings.position_embeddings.weight", [512, hidden]),
        ("bert.embeddings.token_type_embeddings.weight", [2, hidden]),
        (layer + "attention.ln.weight", [hidden]), (layer + "attention.ln.bias", [hidden]),
    ]
    for part in ["query", "key", "value"] {
        tensors += [(layer + "attention.self.\(part).weight", [hidden, hidden]), (layer + "attention.self.\(part).bias", [hidden])]
    }
    tensors += [
        (layer + "attention.output.dense.weight", [hidden, hidden]), (layer + "attention.output.dense.bias", [hidden]),
        (layer + "ln.weight", [hidden]), (layer + "ln.bias", [hidden]),
        (layer + "intermediate.dense.weight", [ffn, hidden]), (layer + "intermediate.dense.bias", [ffn]),
        (layer + "output.dense.weight", [hidden, ffn]), (layer + "output.dense.bias", [hidden]),
        ("bert.encoder.ln.weight", [hidden]), ("bert.encoder.ln.bias", [hidden]),
        ("qa_outputs.weight", [2, hidden]), ("qa_outputs.bias", [2]),
    ]
    return tensors
}
