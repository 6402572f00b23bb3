/// `decant check` end to end: a converted fixture passes; a flipped data byte, a cut file and a missing file fail
/// with exit 1 and one `error:` line.
import Bytes
import Foundation
import Testing

@Suite("decant check")
struct CheckCommandTests {
    /// A `.decant` converted from the tiny v2-layout `.nemo` fixture with `decant convert`.
    private func converted(in folder: ScratchFolder) throws -> String {
        let path = folder.file("m.decant")
        let source = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path
        let run = try decant("convert", source, "-o", path)
        try #require(run.status == 0, "\(run.stderr)")
        return path
    }

    /// The first tensor in data order, read straight from the layout in formats/native.md: its name and the
    /// absolute file range of its bytes.
    private func firstTensor(of bytes: [UInt8]) throws -> (name: String, data: Range<Int>) {
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let metadataLength = u64(16), dataOffset = u64(40)
        var at = 64 + metadataLength
        let nameLength = Int(bytes[at]) | Int(bytes[at + 1]) << 8
        let name = String(decoding: bytes[(at + 2)..<(at + 2 + nameLength)], as: UTF8.self)
        at += 2 + nameLength + 1 // name, storage type
        let rank = Int(bytes[at])
        at += 1 + 8 * rank
        let offset = u64(at), length = u64(at + 8)
        try #require(length > 0 && dataOffset + offset + length <= bytes.count)
        return (name, (dataOffset + offset)..<(dataOffset + offset + length))
    }

    @Test("a converted file: exit 0 and one OK line")
    func valid() throws {
        let folder = try ScratchFolder()
        let path = try converted(in: folder)
        let run = try decant("check", path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("OK \(path): .decant v1, 39 tensors (39 f32)") == true, "\(run.stdout)")
        #expect(run.stdout.contains("header and tensor checksums verified"))
    }

    @Test("a flipped byte in a tensor's data: exit 1, one error line naming that tensor")
    func flippedDataByte() throws {
        let folder = try ScratchFolder()
        let path = try converted(in: folder)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tensor = try firstTensor(of: bytes)
        bytes[tensor.data.lowerBound + tensor.data.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = try decant("check", path)
        expectCleanFailure(run, mentioning: "tensor \"\(tensor.name)\" checksum mismatch", folder: folder, inputs: ["m.decant"])
        #expect(run.stdout.isEmpty)
    }

    @Test("a truncated file: exit 1, one error line")
    func truncated() throws {
        let folder = try ScratchFolder()
        let path = try converted(in: folder)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
        let run = try decant("check", path)
        expectCleanFailure(run, mentioning: "file is truncated: the preamble records \(bytes.count) bytes, the file has \(bytes.count - 100)",
                           folder: folder, inputs: ["m.decant"])
    }

    @Test("a missing file: exit 1, one error line naming it")
    func missing() throws {
        let folder = try ScratchFolder()
        let run = try decant("check", folder.file("absent.decant"))
        expectCleanFailure(run, mentioning: "cannot open \(folder.file("absent.decant"))", folder: folder, inputs: [])
    }
}
