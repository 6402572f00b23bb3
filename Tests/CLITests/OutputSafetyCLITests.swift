/// Outputs never destroy what is not theirs: devices, FIFOs and links at the destination, the inputs themselves, the
/// other files of a folder a Hugging Face export goes into; and `decant clean` reports only what it removed.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("outputs never destroy what is not theirs")
struct OutputSafetyCLITests {
    static let nemo = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo").path
    static let tlt = fixtures.appendingPathComponent("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt").path
    static let exportFiles = ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"]

    /// Each command that writes, with the destination last.
    static let writers: [String: [String]] = [
        "convert": ["convert", nemo, "-o"], "convert-safetensors": ["convert", nemo, "--format", "safetensors", "-o"],
        "decrypt": ["decrypt", tlt, "--key", "tlt_encode", "-o"], "encrypt": ["encrypt", nemo, "--key", "tlt_encode", "-o"],
    ]

    /// What is at `path`, without following a link (nil when nothing is).
    static func type(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    @Test("a FIFO, a character device, a directory or a link at the destination is refused and stays as it was",
          arguments: ["convert", "convert-safetensors", "decrypt", "encrypt"], ["fifo", "device", "directory", "link"])
    func specialDestination(command: String, kind: String) throws {
        let folder = try ScratchFolder()
        let destination = folder.file("out")
        let expected: mode_t
        let found: String
        switch kind {
        case "fifo": (expected, found) = (mkfifo(destination, 0o644) == 0 ? S_IFIFO : 0, "a FIFO (named pipe)")
        case "device":
            // The null device's numbers (1, 3): as root, the very thing `-o /dev/null` would have destroyed.
            guard mknod(destination, S_IFCHR | 0o666, (1 << 8) | 3) == 0 else { return }  // not root: nothing to test
            (expected, found) = (S_IFCHR, "a character device")
        case "directory": (expected, found) = (mkdir(destination, 0o755) == 0 ? S_IFDIR : 0, "a directory")
        default:
            FileManager.default.createFile(atPath: folder.file("target"), contents: Data("mine".utf8))
            (expected, found) = (symlink("target", destination) == 0 ? S_IFLNK : 0, "a symbolic link")
        }
        try #require(expected != 0)
        let inputs = folder.contents
        let run = try decant(arguments: Self.writers[command]! + [destination])
        expectCleanFailure(run, mentioning: "refusing to write \(destination): it is \(found), not a regular file", folder: folder,
                           inputs: inputs)
        #expect(Self.type(destination) == expected, "the destination was replaced")
        if kind == "link" { #expect(FileManager.default.contents(atPath: folder.file("target")) == Data("mine".utf8)) }
    }

    @Test("writing over an input is refused, by name, hard link or symbolic link", arguments: ["same", "hard", "symbolic"])
    func outputIsAnInput(link: String) throws {
        let folder = try ScratchFolder()
        let nemo = folder.file("m.nemo"), tlt = folder.file("m.tlt")
        try FileManager.default.copyItem(atPath: Self.nemo, toPath: nemo)
        try FileManager.default.copyItem(atPath: Self.tlt, toPath: tlt)
        let original = try Data(contentsOf: URL(fileURLWithPath: nemo)), encrypted = try Data(contentsOf: URL(fileURLWithPath: tlt))
        func alias(of input: String) throws -> String {
            switch link {
            case "same": return input
            case "hard":
                try #require(Glibc.link(input, input + ".hard") == 0)
                return input + ".hard"
            default:
                try #require(symlink(input, input + ".symbolic") == 0)
                return input + ".symbolic"
            }
        }
        for arguments in [["convert", nemo, "-o"], ["convert", nemo, "--format", "safetensors", "-o"],
                          ["encrypt", nemo, "--key", "k", "-o"], ["encrypt", nemo, "--raw", "--key", "k", "-o"]] {
            let destination = try alias(of: nemo)
            let inputs = folder.contents
            let run = try decant(arguments: arguments + [destination])
            expectCleanFailure(run, mentioning: "is the same file as the input \(nemo)", folder: folder, inputs: inputs)
            if destination != nemo { unlink(destination) }
        }
        let destination = try alias(of: tlt)
        let inputs = folder.contents
        let run = try decant("decrypt", tlt, "--key", "tlt_encode", "-o", destination)
        expectCleanFailure(run, mentioning: "is the same file as the input \(tlt)", folder: folder, inputs: inputs)
        #expect(try Data(contentsOf: URL(fileURLWithPath: nemo)) == original)
        #expect(try Data(contentsOf: URL(fileURLWithPath: tlt)) == encrypted)
    }

    @Test("--format hf into a folder that is not empty is refused without --force; the folder stays as it was")
    func nonEmptyFolderNeedsForce() throws {
        let folder = try ScratchFolder()
        let export = try UserFolder(in: folder)
        let run = try decant("convert", Self.nemo, "--format", "hf", "-o", export.path)
        expectCleanFailure(run, mentioning: "the directory is not empty (it holds config.json, notes.txt, sub)", folder: folder,
                           inputs: ["hf"])
        #expect(run.stderr.contains("pass --force"))
        #expect(export.contents == UserFolder.entries)
        #expect(try export.userFilesUnchanged())
        #expect(try String(contentsOfFile: export.path + "/config.json", encoding: .utf8) == "old")
    }

    @Test("--format hf --force replaces only the export's own files and removes none of the others")
    func forceReplacesOnlyTheExportsFiles() throws {
        let folder = try ScratchFolder()
        let export = try UserFolder(in: folder)
        // An export file the new export does not write would be stale next to it: --force removes it. Here the
        // source has a vocabulary, so all four are written.
        let run = try decant("convert", Self.nemo, "--format", "hf", "-o", export.path, "--force")
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(export.contents == Set(UserFolder.entries + Self.exportFiles).sorted())
        #expect(try export.userFilesUnchanged())
        #expect(try String(contentsOfFile: export.path + "/config.json", encoding: .utf8).contains("MegatronBertForQuestionAnswering"))
        #expect(folder.contents == ["hf"])
    }

    @Test("--force refuses an export file that is not a regular file, before writing anything")
    func forceNeverReplacesAFolderOrDevice() throws {
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(atPath: folder.file("hf/model.safetensors"), withIntermediateDirectories: true)
        let run = try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("hf"), "--force")
        expectCleanFailure(run, mentioning: "refusing to write \(folder.file("hf"))/model.safetensors: it is a directory",
                           folder: folder, inputs: ["hf"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("hf")) == ["model.safetensors"])
    }

    @Test("--format hf into a new folder named with a trailing slash, into an empty folder, and into `.` when it is empty")
    func folderSpellings() throws {
        let folder = try ScratchFolder()
        let fresh = try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("new") + "/")
        #expect(fresh.status == 0, "stderr: \(fresh.stderr)")
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: false)
        let empty = try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("empty"))
        #expect(empty.status == 0, "stderr: \(empty.stderr)")
        try FileManager.default.createDirectory(atPath: folder.file("here"), withIntermediateDirectories: false)
        let here = try decant(arguments: ["convert", Self.nemo, "--format", "hf", "-o", "."], within: 120, in: folder.file("here"))
        #expect(here.run.status == 0, "stderr: \(here.run.stderr)")
        for name in ["new", "empty", "here"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file(name)).sorted() == Self.exportFiles, "\(name)")
        }
        #expect(folder.contents == ["empty", "here", "new"])
        // `.` is subject to the same rule: now that it holds an export, only --force writes there again.
        let again = try decant(arguments: ["convert", Self.nemo, "--format", "hf", "-o", "."], within: 120, in: folder.file("here"))
        #expect(again.run.status == 1 && again.run.stderr.contains("refusing to write the export into .: the directory is not empty"))
        let forced = try decant(arguments: ["convert", Self.nemo, "--format", "hf", "-o", ".", "--force"], within: 120,
                                in: folder.file("here"))
        #expect(forced.run.status == 0, "stderr: \(forced.run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("here")).sorted() == Self.exportFiles)
    }

    @Test("--format hf onto a regular file is refused")
    func folderExportOntoAFile() throws {
        let folder = try ScratchFolder()
        FileManager.default.createFile(atPath: folder.file("hf"), contents: Data("mine".utf8))
        let run = try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("hf"))
        expectCleanFailure(run, mentioning: "it is a regular file, not a directory", folder: folder, inputs: ["hf"])
        #expect(FileManager.default.contents(atPath: folder.file("hf")) == Data("mine".utf8))
    }

    @Test("--format hf --force over the export an input lives in is refused (the input is an export file)")
    func forceOverTheInputsFolder() throws {
        let folder = try ScratchFolder()
        #expect(try decant("convert", Self.nemo, "--format", "hf", "-o", folder.file("hf")).status == 0)
        let weights = folder.file("hf/model.safetensors")
        let before = try Data(contentsOf: URL(fileURLWithPath: weights))
        let run = try decant("convert", weights, "--format", "hf", "--force", "-o", folder.file("hf"))
        expectCleanFailure(run, mentioning: "refusing to write \(weights): it is the same file as the input \(weights)",
                           folder: folder, inputs: ["hf"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: weights)) == before)
    }

    /// A run killed while it writes into an existing folder leaves only `.decant-tmp-` temporaries there, which
    /// `decant clean` removes, printing one line for each; the user's files and folders are untouched.
    @Test("a killed --force export leaves only temporaries, and clean removes exactly those", .timeLimit(.minutes(3)))
    func killedExportIntoAnExistingFolder() throws {
        let folder = try ScratchFolder()
        let export = try UserFolder(in: folder)
        var frozen = false
        for _ in 0..<40 where !frozen {
            let process = try DecantProcess(["convert", Self.nemo, "--format", "hf", "--force", "-o", export.path])
            var temporary = false
            while process.process.isRunning, !temporary {
                temporary = export.contents.contains { $0.hasPrefix(".decant-tmp-") }
                if !temporary { Thread.sleep(forTimeInterval: 0.0002) }
            }
            kill(process.pid, SIGSTOP)
            // Still only temporaries besides the user's entries: the run was stopped before its renames.
            frozen = temporary && export.contents.filter { !$0.hasPrefix(".decant-tmp-") } == UserFolder.entries
            kill(process.pid, SIGKILL)
            _ = process.finish(within: 10)
            if !frozen {  // the run won the race: put the folder back and try again
                for name in Self.exportFiles { unlink(export.path + "/" + name) }
                FileManager.default.createFile(atPath: export.path + "/config.json", contents: Data("old".utf8))
                _ = try decant("clean", export.path)
            }
        }
        try #require(frozen, "could not stop a run while it was writing")
        let leftovers = export.contents.filter { $0.hasPrefix(".decant-tmp-") }
        #expect(!leftovers.isEmpty && export.contents == (UserFolder.entries + leftovers).sorted())
        let cleaned = try decant("clean", export.path)
        #expect(cleaned.status == 0 && cleaned.stderr.isEmpty, "stderr: \(cleaned.stderr)")
        #expect(cleaned.stdout.split(separator: "\n").map(String.init).sorted() == leftovers.map { "removed \(export.path)/\($0)" }.sorted())
        #expect(export.contents == UserFolder.entries)
        #expect(try export.userFilesUnchanged())
    }

    /// A folder an earlier version left (it moved a user's export folder, sub-folders included, to
    /// `.decant-tmp-….old`) is not decant's to delete: clean keeps it, says so, and does not claim it removed it.
    @Test("clean removes stale temporary files and folders of files, keeps a folder holding more, and prints only what it removed")
    func cleanReportsOnlyWhatItRemoved() throws {
        let folder = try ScratchFolder()
        let pid = try deadPID()
        let file = ".decant-tmp-\(pid)-1-m.decant", export = ".decant-tmp-\(pid)-2-hf", displaced = ".decant-tmp-\(pid)-3-hf.old"
        FileManager.default.createFile(atPath: folder.file(file), contents: Data([1]))
        try FileManager.default.createDirectory(atPath: folder.file(export), withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: folder.file(export + "/config.json"), contents: Data([1]))
        try FileManager.default.createDirectory(atPath: folder.file(displaced + "/sub"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder.file(displaced + "/sub/x"), contents: Data([1]))
        let run = try decant("clean", folder.path)
        #expect(run.status == 0)
        #expect(run.stdout == "removed \(folder.file(file))\nremoved \(folder.file(export))\n")
        #expect(run.stderr.hasPrefix("warning: kept \(folder.file(displaced)): ") && run.stderrLines.count == 1, "\(run.stderr)")
        #expect(folder.contents == [displaced])
        #expect(FileManager.default.fileExists(atPath: folder.file(displaced + "/sub/x")))
    }

    @Test("encrypt refuses what is not a .nemo holding weights, naming what it found", arguments: [
        ("tlt", "found an EFF archive (it has manifest.yaml), which is encrypted already"),
        ("no-weights", "found a tar archive without model_weights.ckpt (only model_config.yaml)"),
        ("blob", "found no tar or gzip magic"),
    ])
    func encryptNeedsANemoWithWeights(kind: String, message: String) throws {
        let folder = try ScratchFolder()
        let input: String
        switch kind {
        case "tlt": input = Self.tlt
        case "no-weights":
            input = folder.file("config-only.nemo")
            try writeTar(to: input, members: [("model_config.yaml", Data("target: x\n".utf8))])
        default:
            input = folder.file("blob.bin")
            FileManager.default.createFile(atPath: input, contents: Data(repeating: 7, count: 4096))
        }
        let inputs = folder.contents
        let run = try decant("encrypt", input, "--key", "tlt_encode", "-o", folder.file("out.tlt"))
        expectCleanFailure(run, mentioning: "\(input): expected a .nemo holding model_weights.ckpt to encrypt, \(message)",
                           folder: folder, inputs: inputs)
    }

    @Test("an empty load key is refused by every command that takes one", arguments: [
        ["encrypt", nemo, "-o"], ["encrypt", nemo, "--raw", "-o"], ["decrypt", tlt, "-o"], ["decrypt", tlt, "--list"],
        ["convert", tlt, "-o"], ["inspect", tlt],
    ])
    func emptyKey(arguments: [String]) throws {
        let folder = try ScratchFolder()
        let run = try decant(arguments: arguments + (arguments.last == "-o" ? [folder.file("out")] : []) + ["--key", ""])
        expectCleanFailure(run, mentioning: "invalid load key: it is empty", folder: folder, inputs: [])
    }
}

/// A folder holding a user's files, a sub-folder and a stale export file, as `-o` might find it.
private struct UserFolder {
    static let entries = ["config.json", "notes.txt", "sub"]
    let path: String

    init(in folder: ScratchFolder) throws {
        path = folder.file("hf")
        try FileManager.default.createDirectory(atPath: path + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path + "/notes.txt", contents: Data("notes".utf8))
        FileManager.default.createFile(atPath: path + "/sub/data.bin", contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: path + "/config.json", contents: Data("old".utf8))
    }

    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }

    func userFilesUnchanged() throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: path + "/sub") == ["data.bin"]
            && Data(contentsOf: URL(fileURLWithPath: path + "/sub/data.bin")) == Data([1, 2, 3])
            && Data(contentsOf: URL(fileURLWithPath: path + "/notes.txt")) == Data("notes".utf8)
    }
}

/// The pid of a process that has exited (so temporaries named with it are stale).
private func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// A plain ustar archive of regular files (what a .nemo without weights looks like).
private func writeTar(to path: String, members: [(name: String, data: Data)]) throws {
    var tar = Data()
    for (name, data) in members {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { header[offset + i] = byte } }
        put(name, at: 0)
        put("0000644", at: 100); put("0000000", at: 108); put("0000000", at: 116)
        put(String(format: "%011o", data.count), at: 124); put("00000000000", at: 136)
        header[156] = UInt8(ascii: "0")
        put("ustar", at: 257); put("00", at: 263)
        for i in 148..<156 { header[i] = UInt8(ascii: " ") }
        put(String(format: "%06o", header.reduce(0) { $0 + Int($1) }) + "\0", at: 148)
        tar.append(contentsOf: header)
        tar.append(data)
        tar.append(contentsOf: [UInt8](repeating: 0, count: (512 - data.count % 512) % 512))
    }
    tar.append(contentsOf: [UInt8](repeating: 0, count: 1024))
    try tar.write(to: URL(fileURLWithPath: path))
}
