/// Walking torch zips front to back through their local headers, as they arrive, and agreeing with the central
/// directory.
import Bytes
import Containers
import Foundation
import Testing

@Suite("zip local-header walker")
struct ZipLocalWalkerTests {
    static let torchZips = ["torch/zip_fp32_state_dict.pt", "torch/zip_dtypes.pt", "torch/zip_megatron_style_nested.pt",
                            "torch/zip_lightning_like.ckpt", "torch/zip_shared_views.pt", "torch/zip_fp32_state_dict_protocol4.pt"]

    /// Every entry, found by searching for its data descriptor (torch leaves the local sizes zero).
    @Test("finds every entry the central directory lists, at the same place", arguments: torchZips)
    func agreesWithTheCentralDirectory(fixture: String) throws {
        let view = ByteView(copying: try Fixtures.bytes(fixture))
        let archive = try ZipArchive(view)
        var waitedFor = 0
        var walker = ZipLocalWalker(view: view) { end in
            // The walker asks for ever more bytes, never for more than the file.
            #expect(end <= view.count)
            waitedFor = max(waitedFor, end)
        }
        var walked: [ZipLocalWalker.Entry] = []
        while let entry = try walker.next(knownSize: { _ in nil }) { walked.append(entry) }
        #expect(walked.map(\.name) == archive.entries.map(\.name))
        #expect(walked.map(\.dataOffset) == archive.entries.map(\.dataOffset))
        #expect(walked.map(\.size) == archive.entries.map(\.uncompressedSize))
        #expect(waitedFor <= view.count)
    }

    @Test("a known size is used and checked against the data descriptor")
    func knownSizes() throws {
        let view = ByteView(copying: try Fixtures.bytes("torch/zip_fp32_state_dict.pt"))
        let sizes = Dictionary(uniqueKeysWithValues: try ZipArchive(view).entries.map { ($0.name, $0.uncompressedSize) })
        var walker = ZipLocalWalker(view: view) { _ in }
        var count = 0
        while let entry = try walker.next(knownSize: { sizes[$0] }) {
            #expect(entry.size == sizes[entry.name])
            count += 1
        }
        #expect(count == sizes.count)

        // A wrong size lands the descriptor check on data: refused, not believed.
        var wrong = ZipLocalWalker(view: view) { _ in }
        #expect(throws: ZipError.self) {
            while try wrong.next(knownSize: { name in name.hasSuffix("data.pkl") ? sizes[name]! - 1 : nil }) != nil {}
        }
    }

    @Test("bytes that stop early are a truncation, whatever wait allows")
    func truncated() throws {
        let bytes = try Fixtures.bytes("torch/zip_fp32_state_dict.pt")
        let view = ByteView(copying: Array(bytes.prefix(bytes.count / 2)))
        var walker = ZipLocalWalker(view: view) { _ in }
        #expect(throws: ZipError.self) { while try walker.next(knownSize: { _ in nil }) != nil {} }
    }

    @Test("what wait throws stops the walk")
    func waitFailure() throws {
        struct Stopped: Error {}
        let view = ByteView(copying: try Fixtures.bytes("torch/zip_fp32_state_dict.pt"))
        var walker = ZipLocalWalker(view: view) { end in if end > 200 { throw Stopped() } }
        #expect(throws: Stopped.self) { while try walker.next(knownSize: { _ in nil }) != nil {} }
    }

    /// Data descriptors come in two widths: 4-byte sizes, and 8-byte sizes for zip64 entries.
    @Test("16- and 24-byte data descriptors", arguments: [false, true])
    func descriptorWidths(wide: Bool) throws {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        var bytes: [UInt8] = []
        var expected: [(name: String, dataOffset: Int, size: Int)] = []
        for (name, data) in [("a/data.pkl", Array("pickle".utf8)), ("a/data/0", [UInt8](repeating: 7, count: 40))] {
            bytes += le(UInt32(0x0403_4B50)) + le(UInt16(45)) + le(UInt16(0x0808)) + le(UInt16(0)) + [0, 0, 0, 0]
                + le(UInt32(0)) + le(UInt32(0)) + le(UInt32(0)) + le(UInt16(name.utf8.count)) + le(UInt16(0)) + Array(name.utf8)
            expected.append((name, bytes.count, data.count))
            bytes += data + le(UInt32(0x0807_4B50)) + le(UInt32(0))
            bytes += wide ? le(UInt64(data.count)) + le(UInt64(data.count)) : le(UInt32(data.count)) + le(UInt32(data.count))
        }
        bytes += le(UInt32(0x0201_4B50)) + [UInt8](repeating: 0, count: 42)
        let view = ByteView(copying: bytes)
        for known in [false, true] {
            var walker = ZipLocalWalker(view: view) { _ in }
            var walked: [ZipLocalWalker.Entry] = []
            while let entry = try walker.next(knownSize: { known && $0.hasSuffix("/0") ? 40 : nil }) { walked.append(entry) }
            #expect(walked.map(\.name) == expected.map(\.name))
            #expect(walked.map(\.dataOffset) == expected.map(\.dataOffset))
            #expect(walked.map(\.size) == expected.map(\.size))
        }
    }

    @Test("a compressed entry is refused")
    func compressedEntry() throws {
        var bytes = try Fixtures.bytes("torch/zip_fp32_state_dict.pt")
        bytes[8] = 8  // method: deflate
        var walker = ZipLocalWalker(view: ByteView(copying: bytes)) { _ in }
        #expect(throws: ZipError.compressedEntry(entry: "zip_fp32_state_dict/data.pkl", method: 8)) {
            _ = try walker.next(knownSize: { _ in nil })
        }
    }
}
