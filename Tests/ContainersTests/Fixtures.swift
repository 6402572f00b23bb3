/// Fixture paths and small stream helpers shared by the container tests.
import Bytes
import Containers
import Foundation

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    static let nemoGzip = "nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo"
    static let nemoPlain = "nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo"
    static let effArchives = [
        "eff/eff1_crafted_tlt_encode.tlt", "eff/eff2_crafted_tlt_encode.tlt",
        "eff/eff3_nvidia-eff-0.6.7_tlt_encode.tlt", "eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt",
    ]
}

/// Compresses `bytes` with `GzipSink` in memory.
func gzip(_ bytes: [UInt8], level: Int32 = GzipSink.defaultLevel) throws -> [UInt8] {
    let collected = CollectingSink()
    let sink = try GzipSink(downstream: collected, level: level)
    try sink.write(bytes)
    try sink.finish()
    return collected.bytes
}

/// Decompresses `bytes` with `GunzipSource`, reading in odd-sized pieces.
func gunzip(_ bytes: [UInt8], chunk: Int = 4093) throws -> [UInt8] {
    let source = try GunzipSource(upstream: ViewSource(ByteView(copying: bytes)), inputChunkSize: 1000)
    var out = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
        let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        if n == 0 { return out }
        out += buffer[0..<n]
    }
}

/// Every member path and its data, read with the streaming reader.
func streamMembers(_ source: ByteSource) throws -> [(entry: TarEntry, data: [UInt8])] {
    let reader = TarStreamReader(source: source)
    var members: [(TarEntry, [UInt8])] = []
    while let entry = try reader.next() { members.append((entry, try reader.data.readAll())) }
    return members
}

/// Deterministic pseudo-random bytes (xorshift), so tests need no fixtures for bulk data.
func noise(_ count: Int, seed: UInt64 = 0x9E3779B97F4A7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
