/// Inputs are checked before they are read: a FIFO or a device is refused instead of blocking, an input truncated
/// while mapped ends with one `error:` line instead of SIGBUS, and a signal stops any command at once without
/// leaving temporaries. Every run has a deadline, so a regression fails instead of hanging the suite.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("inputs are checked before they are read", .serialized)
struct InputSafetyCLITests {
    static let nemo = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo").path

    @Test("a FIFO input is refused at once, naming it", .timeLimit(.minutes(2)), arguments: [
        ["inspect", "@"], ["inspect", "@", "--stats"], ["decrypt", "--list", "@"], ["decrypt", "@", "--key", "k", "-o", "out"],
        ["encrypt", "--raw", "@", "--key", "k", "-o", "out"], ["encrypt", "@", "--key", "k", "-o", "out"],
        ["convert", "@", "-o", "out"], ["check", "@"], ["ask", nemo, "-q", "who?", "--context-file", "@"],
        ["eval", nemo, "--squad", "@"], ["verify", nemo, "--golden", "@"],
    ])
    func fifoInput(arguments: [String]) throws {
        let folder = try ScratchFolder()
        let fifo = folder.file("input")
        try #require(mkfifo(fifo, 0o644) == 0)
        let timed = try decant(arguments: arguments.map { $0 == "@" ? fifo : $0 == "out" ? folder.file("out") : $0 }, within: 60)
        try #require(!timed.timedOut, "decant blocked on the FIFO")
        expectCleanFailure(timed.run, mentioning: "expected a regular file, \(fifo) is a FIFO (named pipe)", folder: folder,
                           inputs: ["input"])
    }

    @Test("a FIFO config.json beside a safetensors file is refused, not waited on", .timeLimit(.minutes(2)))
    func fifoBesideSafetensors() throws {
        let folder = try ScratchFolder()
        #expect(try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("hf")).status == 0)
        for name in ["config.json", "vocab.txt"] {
            let path = folder.file("hf/" + name)
            try FileManager.default.removeItem(atPath: path)
            try #require(mkfifo(path, 0o644) == 0)
            let timed = try decant(arguments: ["convert", folder.file("hf/model.safetensors"), "--heads", "4", "-o", folder.file("m.decant")],
                                   within: 60)
            try #require(!timed.timedOut, "decant blocked on \(name)")
            expectCleanFailure(timed.run, mentioning: "expected a regular file, \(path) is a FIFO (named pipe)", folder: folder,
                               inputs: ["hf"])
            try FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("a directory or a character device as input is refused", .timeLimit(.minutes(2)))
    func otherSpecialInputs() throws {
        let folder = try ScratchFolder()
        let directory = try decant(arguments: ["inspect", folder.path], within: 60)
        #expect(directory.run.stderr == "error: expected a regular file, \(folder.path) is a directory\n")
        // /dev/zero would map and read forever; it must be refused by its type before any byte is read.
        let device = try decant(arguments: ["encrypt", "--raw", "/dev/zero", "--key", "k", "-o", folder.file("out")], within: 60)
        try #require(!device.timedOut)
        expectCleanFailure(device.run, mentioning: "expected a regular file, /dev/zero is a character device", folder: folder, inputs: [])
    }

    /// The input is truncated while `inspect --stats` reads it through its mapping: the run is frozen as soon as
    /// the file is mapped (and a moment later, so the statistics are under way), the file cut to nothing, and the run
    /// resumed. Touching the vanished pages raises SIGBUS, which must end in one `error:` line, not a crash.
    @Test("an input truncated while mapped ends with an error line, not SIGBUS", .timeLimit(.minutes(3)))
    func inputShrinksWhileMapped() throws {
        let folder = try ScratchFolder()
        let input = URL(fileURLWithPath: folder.file("big.safetensors")).resolvingSymlinksInPath().path
        var shrank = 0
        for _ in 0..<10 where shrank == 0 {
            // 256 MiB of zeros in a hole: the statistics take a good second, and making the file costs nothing.
            try writeSparseSafetensors(to: input, tensors: [("w", [64 << 20])])
            let process = try DecantProcess(["inspect", "--stats", input])
            while process.process.isRunning, !isMapped(input, by: process.pid) { Thread.sleep(forTimeInterval: 0.0002) }
            Thread.sleep(forTimeInterval: 0.05)
            kill(process.pid, SIGSTOP)
            let running = process.process.isRunning
            #expect(truncate(input, 0) == 0)
            kill(process.pid, SIGCONT)
            let timed = process.finish(within: 60)
            #expect(!timed.crashed, "decant died of a signal: \(timed.run.stderr)")
            #expect(!timed.timedOut)
            guard running, timed.run.status != 0 else { continue }  // it finished before the cut: try again
            #expect(timed.run.status == 1)
            #expect(timed.run.stderrLines.count == 1, "\(timed.run.stderr)")
            if timed.run.stderr == "error: \(input) shrank while being read\n" { shrank += 1 }
        }
        #expect(shrank == 1, "no run was cut while reading its mapping")
    }

    /// A conversion whose source is big enough (256 MiB, generated here) to be mid-write when the signal comes:
    /// it must end within a second or so, with 128 + the signal, and leave neither a destination nor a temporary.
    @Test("convert stops at once on SIGTERM, SIGINT and SIGHUP, removing its temporaries", .timeLimit(.minutes(3)),
          arguments: [SIGTERM, SIGINT, SIGHUP])
    func signalStopsConvert(signal: Int32) throws {
        let inputs = try ScratchFolder(), folder = try ScratchFolder()
        let source = inputs.file("big.safetensors")
        try writeSparseSafetensors(to: source, tensors: canonicalQATensors(vocab: 1 << 20))
        let process = try DecantProcess(["convert", source, "--heads", "4", "-o", folder.file("m.decant")])
        while process.process.isRunning, !folder.contents.contains(where: { $0.hasPrefix(".decant-tmp-") }) {
            Thread.sleep(forTimeInterval: 0.0005)
        }
        try #require(process.process.isRunning, "the conversion ended before it could be signalled")
        let sent = Date()
        kill(process.pid, signal)
        let timed = process.finish(within: 60)
        let seconds = Date().timeIntervalSince(sent)
        #expect(!timed.crashed && !timed.timedOut)
        #expect(timed.run.status == 128 + signal, "stderr: \(timed.run.stderr)")
        #expect(seconds < 3, "took \(seconds) s to stop")
        let name = [SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGHUP: "SIGHUP"][signal]!
        #expect(timed.run.stderr == "error: stopped by \(name)\n")
        #expect(folder.contents.isEmpty, "left behind: \(folder.contents)")
    }

    @Test("a Hugging Face export stopped by SIGTERM leaves no temporary folder", .timeLimit(.minutes(3)))
    func signalStopsFolderExport() throws {
        let inputs = try ScratchFolder(), folder = try ScratchFolder()
        let source = inputs.file("big.safetensors")
        try writeSparseSafetensors(to: source, tensors: canonicalQATensors(vocab: 1 << 20))
        let process = try DecantProcess(["convert", source, "--heads", "4", "--format", "hf", "-o", folder.file("hf")])
        // The export folder is made first; wait for the weights to be under way inside it.
        func writing() -> Bool {
            folder.contents.contains { name in
                name.hasPrefix(".decant-tmp-")
                    && ((try? FileManager.default.contentsOfDirectory(atPath: folder.file(name))) ?? []).contains { $0.hasPrefix(".decant-tmp-") }
            }
        }
        while process.process.isRunning, !writing() { Thread.sleep(forTimeInterval: 0.0005) }
        try #require(process.process.isRunning, "the conversion ended before it could be signalled")
        kill(process.pid, SIGTERM)
        let timed = process.finish(within: 60)
        #expect(timed.run.status == 128 + SIGTERM, "stderr: \(timed.run.stderr)")
        #expect(folder.contents.isEmpty, "left behind: \(folder.contents)")
    }
}

/// Whether `pid` has `path` mapped (its /proc maps list the file).
private func isMapped(_ path: String, by pid: pid_t) -> Bool {
    (try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8))?.contains(path) ?? false
}
