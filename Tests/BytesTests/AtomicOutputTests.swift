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
        #expect(throws: IOError.notARegularFile(path: dir)) { try MappedFile(path: dir) }
    }
}
