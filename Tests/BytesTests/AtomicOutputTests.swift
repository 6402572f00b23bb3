import Testing
import Foundation
@testable import Bytes

@Suite struct AtomicOutputTests {
    func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "decant-bytes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func fileAppearsOnlyOnCommit() throws {
        let dir = try scratchDirectory()
        let destination = dir + "/out.bin"
        let file = try AtomicOutputFile(destination: destination)
        try file.write([1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: destination))
        try file.commit()
        #expect(FileManager.default.contents(atPath: destination) == Data([1, 2, 3]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test func abandonedFileLeavesNothing() throws {
        let dir = try scratchDirectory()
        do {
            let file = try AtomicOutputFile(destination: dir + "/out.bin")
            try file.write([1, 2, 3])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func unwritableDestinationIsAClearError() {
        #expect(throws: IOError.self) { try AtomicOutputFile(destination: "/nonexistent-dir/x/out.bin") }
    }

    @Test func mappedFileReadsBytes() throws {
        let dir = try scratchDirectory()
        try Data([9, 8, 7]).write(to: URL(fileURLWithPath: dir + "/f"))
        let file = try MappedFile(path: dir + "/f")
        #expect(file.view.array == [9, 8, 7])
        #expect(throws: IOError.self) { try MappedFile(path: dir + "/missing") }
        #expect(throws: IOError.notARegularFile(path: dir, type: .directory)) { try MappedFile(path: dir) }
    }
}

/// Input and output path checks: what may be read, and what an output may replace.
@Suite struct PathSafetyTests {
    func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "decant-paths-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func entries(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    @Test("a FIFO opens without waiting for a writer and is refused by type; so are directories and devices",
          .timeLimit(.minutes(1)))
    func inputTypes() throws {
        let dir = try scratchDirectory()
        #expect(mkfifo(dir + "/fifo", 0o644) == 0)
        #expect(throws: IOError.notARegularFile(path: dir + "/fifo", type: .fifo)) { try MappedFile(path: dir + "/fifo") }
        #expect(throws: IOError.notARegularFile(path: dir + "/fifo", type: .fifo)) { try FileSource(path: dir + "/fifo") }
        #expect(throws: IOError.notARegularFile(path: dir, type: .directory)) { try FileSource(path: dir) }
        #expect(throws: IOError.notARegularFile(path: "/dev/null", type: .characterDevice)) { try MappedFile(path: "/dev/null") }
        #expect(try MappedFile.ifPresent(path: dir + "/missing") == nil)
        #expect(throws: IOError.notARegularFile(path: dir + "/fifo", type: .fifo)) { try MappedFile.ifPresent(path: dir + "/fifo") }
        // A regular file read through the same open is blocking again (reads wait for data instead of EAGAIN).
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/f"))
        let (fd, size) = try openInputFile(dir + "/f")
        defer { close(fd) }
        #expect(size == 3 && fcntl(fd, F_GETFL) & O_NONBLOCK == 0)
    }

    @Test("an output replaces only a regular file that is not an input, compared by device and inode")
    func replaceable() throws {
        let dir = try scratchDirectory()
        let input = dir + "/input"
        try Data([1]).write(to: URL(fileURLWithPath: input))
        #expect(link(input, dir + "/hard") == 0 && symlink(input, dir + "/soft") == 0 && symlink("input", dir + "/other") == 0)
        try checkReplaceable(dir + "/new", inputs: [input])
        try checkReplaceable(input, inputs: [])
        for alias in [input, dir + "/hard", dir + "/soft"] {
            #expect(throws: IOError.destinationIsAnInput(destination: alias, input: input)) { try checkReplaceable(alias, inputs: [input]) }
        }
        #expect(throws: IOError.destinationInTheWay(path: dir + "/other", found: .symbolicLink, expected: .regularFile)) {
            try checkReplaceable(dir + "/other", inputs: [])
        }
        #expect(throws: IOError.destinationInTheWay(path: dir, found: .directory, expected: .regularFile)) { try checkReplaceable(dir) }
        #expect(throws: IOError.destinationInTheWay(path: "/dev/null", found: .characterDevice, expected: .regularFile)) {
            try AtomicOutputFile(destination: "/dev/null")
        }
        #expect(mkfifo(dir + "/fifo", 0o644) == 0)
        #expect(throws: IOError.destinationInTheWay(path: dir + "/fifo", found: .fifo, expected: .regularFile)) {
            try AtomicOutputFile(destination: dir + "/fifo")
        }
        // Something that appears at the destination while the file is written is checked again before the rename.
        let file = try AtomicOutputFile(destination: dir + "/late")
        try file.write([1])
        #expect(mkfifo(dir + "/late", 0o644) == 0)
        #expect(throws: IOError.destinationInTheWay(path: dir + "/late", found: .fifo, expected: .regularFile)) { try file.commit() }
        #expect(try entries(dir) == ["fifo", "hard", "input", "late", "other", "soft"])
    }

    @Test("a new export folder appears whole at commit, named with or without a trailing slash")
    func freshFolder() throws {
        let dir = try scratchDirectory()
        let export = try OutputDirectory(destination: dir + "/hf/", exportFiles: ["a", "b"], replacing: false)
        #expect(export.destination == dir + "/hf")
        try Data([1]).write(to: URL(fileURLWithPath: export.path(of: "a")))
        #expect(try entries(dir).count == 1 && !FileManager.default.fileExists(atPath: dir + "/hf"))
        try export.commit()
        #expect(try entries(dir) == ["hf"] && entries(dir + "/hf") == ["a"])
        do {
            let abandoned = try OutputDirectory(destination: dir + "/gone", exportFiles: ["a"], replacing: false)
            try Data([1]).write(to: URL(fileURLWithPath: abandoned.path(of: "a")))
        }
        #expect(try entries(dir) == ["hf"])
    }

    @Test("an existing folder: empty is fine, otherwise only with replacing, which touches the export's files alone")
    func existingFolder() throws {
        let dir = try scratchDirectory()
        let empty = try OutputDirectory(destination: dir, exportFiles: ["a", "b"], replacing: false)
        try Data([1]).write(to: URL(fileURLWithPath: empty.path(of: "a")))
        #expect(try entries(dir).allSatisfy { $0.hasPrefix(temporaryFilePrefix) })
        try empty.commit()
        #expect(try entries(dir) == ["a"])

        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try Data([7]).write(to: URL(fileURLWithPath: dir + "/sub/keep"))
        try Data([7]).write(to: URL(fileURLWithPath: dir + "/b"))
        #expect(throws: IOError.directoryNotEmpty(path: dir, entries: ["a", "b", "sub"], exportFiles: ["a", "b"])) {
            try OutputDirectory(destination: dir, exportFiles: ["a", "b"], replacing: false)
        }
        let forced = try OutputDirectory(destination: dir + "/", exportFiles: ["a", "b"], replacing: true)
        try Data([2]).write(to: URL(fileURLWithPath: forced.path(of: "a")))
        try forced.commit()
        // `a` replaced, `b` (an export file this export did not write) removed, `sub` untouched.
        #expect(try entries(dir) == ["a", "sub"])
        #expect(FileManager.default.contents(atPath: dir + "/a") == Data([2]))
        #expect(FileManager.default.contents(atPath: dir + "/sub/keep") == Data([7]))

        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: false)
        #expect(throws: IOError.destinationInTheWay(path: dir + "/b", found: .directory, expected: .regularFile)) {
            try OutputDirectory(destination: dir, exportFiles: ["a", "b"], replacing: true)
        }
        #expect(throws: IOError.destinationIsAnInput(destination: dir + "/a", input: dir + "/a")) {
            try OutputDirectory(destination: dir, exportFiles: ["a"], replacing: true, inputs: [dir + "/a"])
        }
        #expect(throws: IOError.destinationInTheWay(path: dir + "/a", found: .regularFile, expected: .directory)) {
            try OutputDirectory(destination: dir + "/a", exportFiles: ["a"], replacing: true)
        }
    }

    @Test("temporaries of dead decant runs do not make a folder non-empty")
    func staleTemporariesDoNotCount() throws {
        let dir = try scratchDirectory()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/" + temporaryFilePrefix + "\(dead.processIdentifier)-1-a"))
        _ = try OutputDirectory(destination: dir, exportFiles: ["a"], replacing: false)
    }
}
