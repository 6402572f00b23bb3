/// The tar writer: NeMo's layout, long and non-ASCII names through PAX, determinism, size checks.
import Bytes
import Containers
import Testing

@Suite("tar writer")
struct TarWriterTests {
    @Test("what the writer writes, both readers read back")
    func roundTrip() throws {
        let long = "artifacts/" + String(repeating: "n", count: 120) + "_tokenizer.vocab_file"
        let payload = noise(3000)
        let collected = CollectingSink()
        let writer = TarWriter(sink: collected)
        try writer.addDirectory(".")
        try writer.addFile("./model_config.yaml", contents: ByteView(copying: Array("a: 1\n".utf8)))
        try writer.addFile("./" + long, size: payload.count, from: ViewSource(ByteView(copying: payload)))
        try writer.addFile("./\u{e9}t\u{e9}.txt", contents: .empty)
        try writer.finish()
        #expect(collected.bytes.count % 512 == 0)
        #expect(writer.bytesWritten == collected.bytes.count)

        let index = try TarIndex(view: ByteView(copying: collected.bytes))
        #expect(index.entries.map(\.storedName) == ["./", "./model_config.yaml", "./" + long, "./\u{e9}t\u{e9}.txt"])
        #expect(index.entries.map(\.path) == [".", "model_config.yaml", long, "\u{e9}t\u{e9}.txt"])
        #expect(index.data(of: index.entries[2]).array == payload)
        #expect(try streamMembers(ViewSource(ByteView(copying: collected.bytes))).map(\.entry) == index.entries)
    }

    @Test("the same members give the same bytes")
    func deterministic() throws {
        func archive() throws -> [UInt8] {
            let collected = CollectingSink()
            let writer = TarWriter(sink: collected)
            try writer.addDirectory(".")
            try writer.addFile("./a", contents: ByteView(copying: noise(999)))
            try writer.finish()
            return collected.bytes
        }
        #expect(try archive() == archive())
    }

    @Test("a source shorter or longer than the declared size is refused")
    func sizeMismatch() throws {
        let writer = TarWriter(sink: DiscardingSink())
        #expect(throws: TarError.sizeMismatch(path: "short", declared: 10, actual: 4)) {
            try writer.addFile("short", size: 10, from: ViewSource(ByteView(copying: [1, 2, 3, 4])))
        }
        let other = TarWriter(sink: DiscardingSink())
        #expect(throws: TarError.sizeMismatch(path: "long", declared: 2, actual: 3)) {
            try other.addFile("long", size: 2, from: ViewSource(ByteView(copying: [1, 2, 3, 4])))
        }
    }
}
