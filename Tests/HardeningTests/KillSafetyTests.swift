/// Kills real `decant decrypt` and `decant convert` processes with SIGKILL at spread-out moments and checks that
/// the destination either does not exist or equals an uninterrupted run's output byte for byte; then that
/// `decant clean` removes exactly the temporaries the killed processes left.
import Bytes
import Containers
import Foundation
import Testing

/// The `decant` executable built next to this test bundle (`swift build --build-tests`); `DECANT_BINARY` overrides.
let decantBinary: String = {
    if let override = ProcessInfo.processInfo.environment["DECANT_BINARY"] { return override }
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    for folder in [bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
        let candidate = folder.appendingPathComponent("decant").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return bundle.appendingPathComponent("decant").path
}()

@Suite("SIGKILL during a write", .serialized)
struct KillSafetyTests {
    static let key = "tlt_encode"

    @Test("decant decrypt: a killed run leaves no destination or the complete one; decant clean removes its temporaries",
          .timeLimit(.minutes(5)))
    func killedDecrypt() throws {
        let folder = try Scratch()
        // 96 MiB of incompressible weights make the write take long enough to be hit mid-way.
        let nemo = folder.file("big.nemo")
        try writeSyntheticNemo(to: nemo, weightsBytes: 96 << 20)
        #expect(try run(["encrypt", nemo, "--key", Self.key, "-o", folder.file("big.tlt")]).status == 0)
        try killAtSpreadMoments(folder: folder, arguments: ["decrypt", folder.file("big.tlt"), "--key", Self.key, "-o"])
    }

    @Test("decant convert: a killed run leaves no destination or the complete one; decant clean removes its temporaries",
          .timeLimit(.minutes(5)))
    func killedConvert() throws {
        let folder = try Scratch()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path
        // Encrypted, so convert also decrypts and hashes: the widest window the tiny model allows.
        #expect(try run(["encrypt", fixture, "--key", Self.key, "-o", folder.file("tiny.tlt")]).status == 0)
        try killAtSpreadMoments(folder: folder, arguments: ["convert", folder.file("tiny.tlt"), "--key", Self.key, "-o"],
                                outputName: "out.decant")
    }

    /// Runs `arguments + [destination]` once to completion for the reference and its duration; then kills two runs
    /// certainly mid-write (frozen with SIGSTOP as soon as their temporary appears, killed while it is still there,
    /// so before the rename — retried when the write wins the race, which timing alone cannot rule out under a
    /// sanitizer or a loaded machine), and eight runs 0 % … 80 % of that duration after their temporary appeared.
    private func killAtSpreadMoments(folder: Scratch, arguments: [String], outputName: String = "out.nemo") throws {
        let reference = folder.file("reference-" + outputName)
        let started = Date()
        let complete = try run(arguments + [reference])
        let duration = Date().timeIntervalSince(started)
        try #require(complete.status == 0, "reference run failed: \(complete.stderr)")
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference))

        let destination = folder.file(outputName)
        var frozenMidWrite = 0
        for _ in 0..<40 where frozenMidWrite < 2 {
            let process = try start(arguments + [destination])
            let known = Set(folder.contents.filter { $0.hasPrefix(temporaryFilePrefix) })
            var temporary: String?
            while process.isRunning, temporary == nil {
                temporary = folder.contents.first { $0.hasPrefix(temporaryFilePrefix) && !known.contains($0) }
                if temporary == nil { Thread.sleep(forTimeInterval: 0.0002) }
            }
            kill(process.processIdentifier, SIGSTOP)
            let stillWriting = temporary.map { folder.contents.contains($0) } ?? false
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if stillWriting {
                frozenMidWrite += 1
                #expect(!FileManager.default.fileExists(atPath: destination), "a run killed before its rename left a destination")
            }
            try? FileManager.default.removeItem(atPath: destination)
        }
        #expect(frozenMidWrite == 2, "could not stop a run while its temporary existed (\(frozenMidWrite) of 2)")

        for fraction in [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8] {
            let process = try start(arguments + [destination])
            let known = Set(folder.contents.filter { $0.hasPrefix(temporaryFilePrefix) })
            while process.isRunning, !folder.contents.contains(where: { $0.hasPrefix(temporaryFilePrefix) && !known.contains($0) }) {
                Thread.sleep(forTimeInterval: 0.0005)
            }
            Thread.sleep(forTimeInterval: duration * fraction)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: destination) {
                let written = try Data(contentsOf: URL(fileURLWithPath: destination))
                #expect(written == expected, "killed at \(fraction) of the run: the destination differs from the reference")
                try FileManager.default.removeItem(atPath: destination)
            }
            let visible = folder.contents.filter { !$0.hasPrefix(temporaryFilePrefix) }
            #expect(Set(visible).isSubset(of: folder.named), "unexpected files after a kill at \(fraction): \(visible)")
        }
        // The spread kills land before or after the rename depending on timing; either way the destination was
        // absent or complete (checked above). The frozen kills guarantee the mid-write case was exercised.

        let leftovers = folder.contents.filter { $0.hasPrefix(temporaryFilePrefix) }
        #expect(!leftovers.isEmpty, "a SIGKILL mid-write should leave its temporary behind")
        let cleaned = try run(["clean", folder.path])
        #expect(cleaned.status == 0)
        #expect(cleaned.stdout.split(separator: "\n").count == leftovers.count)
        #expect(folder.contents.filter { $0.hasPrefix(temporaryFilePrefix) }.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: reference)) == expected, "clean touched a finished output")
    }
}

@Suite("stale temporaries")
struct StaleTemporariesTests {
    @Test("only .decant-tmp-<pid>- entries of dead processes are stale; live ones and other names stay")
    func recognition() throws {
        let folder = try Scratch()
        let dead = try start(["--version"])
        dead.waitUntilExit()
        let names = [
            ".decant-tmp-\(dead.processIdentifier)-123-model.decant",  // its writer is gone
            ".decant-tmp-\(getpid())-456-model.decant",  // this process: alive
            ".decant-tmp-spool-Ab12Cd",  // no pid: left alone
            "model.decant",
        ]
        for name in names { FileManager.default.createFile(atPath: folder.file(name), contents: Data([1])) }
        try FileManager.default.createDirectory(atPath: folder.file(".decant-tmp-\(dead.processIdentifier)-9-hf"),
                                                withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: folder.file(".decant-tmp-\(dead.processIdentifier)-9-hf/config.json"), contents: Data())
        #expect(try StaleTemporaries.find(in: folder.path) == [names[0], ".decant-tmp-\(dead.processIdentifier)-9-hf"])
        _ = try StaleTemporaries.remove(in: folder.path)
        #expect(folder.contents == [names[1], names[2], names[3]].sorted())
    }

    @Test("a folder that cannot be read is an IOError")
    func missingFolder() {
        #expect(throws: IOError.self) { try StaleTemporaries.find(in: "/nonexistent-decant-folder") }
    }
}

/// A plain-tar .nemo: the tiny fixture's config and a weights member of `weightsBytes` pseudo-random bytes
/// (decrypt and encrypt never parse the weights).
private func writeSyntheticNemo(to path: String, weightsBytes: Int) throws {
    let fixture = try MappedFile(path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path)
    let index = try TarIndex(view: fixture.view)
    let output = try AtomicOutputFile(destination: path)
    let tar = TarWriter(sink: output)
    for entry in index.entries where entry.isFile && entry.path != "model_weights.ckpt" {
        try tar.addFile(entry.path, contents: index.data(of: entry))
    }
    var generator = SystemRandomNumberGenerator()
    let weights = ByteStorage(count: weightsBytes)
    let words = weights.mutableBuffer.bindMemory(to: UInt64.self)
    for i in words.indices { words[i] = generator.next() }
    try tar.addFile("model_weights.ckpt", contents: weights.view)
    try tar.finish()
    try output.commit()
}

struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

private func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: decantBinary)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

private func run(_ arguments: [String]) throws -> Run {
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
    return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
               stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh folder, removed at deinit; `named` holds every file name the test asked for.
private final class Scratch {
    let path: String
    private(set) var named: Set<String> = []

    init() throws {
        path = NSTemporaryDirectory() + "decant-kill-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String {
        named.insert(name)
        return path + "/" + name
    }

    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
}
