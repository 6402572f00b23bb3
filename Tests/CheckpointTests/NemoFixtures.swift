import Bytes
import Containers
import Foundation

/// Paths of the committed fixtures and small archives built in memory for the NeMo and ModelSource tests.
enum NemoFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static let gzipV0 = path("nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo")
    static let plainV2 = path("nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo")

    static func mapped(_ path: String) throws -> ByteView { try MappedFile(path: path).view }

    /// A NeMo-shaped tar (`./` root entry, `./name` members), optionally gzipped.
    static func tar(_ members: [(String, String)], gzip: Bool = false) throws -> ByteView {
        let collected = CollectingSink()
        let gzipSink = gzip ? try GzipSink(downstream: collected) : nil
        let writer = TarWriter(sink: gzipSink ?? collected)
        try writer.addDirectory(".")
        for (name, contents) in members {
            try writer.addFile("./" + name, contents: ByteView(copying: Array(contents.utf8)))
        }
        try writer.finish()
        try gzipSink?.finish()
        return ByteView(copying: collected.bytes)
    }

    static let minimalConfig = "target: QAModel\ntokenizer:\n  vocab_file: nemo:abc_tokenizer.vocab_file\n"
}
