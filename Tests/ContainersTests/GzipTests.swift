/// gzip: round trips at every level, multi-member streams, level switches, truncation and corruption.
import Bytes
import Containers
import Testing

@Suite("gzip")
struct GzipTests {
    let text = Array(String(repeating: "model_weights.ckpt encrypted with codec wogsoimicu\n", count: 400).utf8)

    @Test("round trip at levels 0, 1, 6 and 9", arguments: [Int32(0), 1, 6, 9])
    func roundTrip(level: Int32) throws {
        let data = text + noise(70_000)
        #expect(try gunzip(try gzip(data, level: level)) == data)
    }

    @Test("switching to stored blocks mid-stream keeps one valid member; random data stays near its size")
    func levelSwitch() throws {
        let random = noise(300_000)
        let collected = CollectingSink()
        let sink = try GzipSink(downstream: collected)
        try sink.write(text)
        try sink.setLevel(GzipSink.storedLevel)
        try sink.write(random)
        try sink.setLevel(GzipSink.defaultLevel)
        try sink.write(text)
        try sink.finish()
        #expect(try gunzip(collected.bytes) == text + random + text)
        #expect(collected.bytes.count < random.count + 2 * text.count / 10 + 200)
    }

    @Test("concatenated members read as one stream")
    func multiMember() throws {
        let a = Array("first member\n".utf8), b = noise(5000)
        #expect(try gunzip(try gzip(a) + gzip(b) + gzip([])) == a + b)
    }

    @Test("the shared .nemo fixture inflates to a tar")
    func fixture() throws {
        let tar = try gunzip(try Fixtures.bytes(Fixtures.nemoGzip), chunk: 1 << 16)
        #expect(Array(tar[257..<262]) == Array("ustar".utf8))
    }

    @Test("a stream cut anywhere is reported as truncated")
    func truncated() throws {
        let whole = try gzip(text + noise(20_000))
        for cut in [0, 1, 9, 10, 100, whole.count / 2, whole.count - 8, whole.count - 1] {
            #expect(throws: GzipError.truncated(compressedBytes: cut), "cut at \(cut)") { try gunzip(Array(whole[..<cut])) }
        }
    }

    @Test("corrupt headers, deflate data and CRC trailers are reported as corrupt")
    func corrupt() throws {
        let whole = try gzip(text)
        for (position, label) in [(0, "header magic"), (20, "deflate data"), (whole.count - 6, "CRC-32"), (whole.count - 2, "length")] {
            var bad = whole
            bad[position] ^= 0x55
            #expect(label.isEmpty == false)
            do {
                _ = try gunzip(bad)
                Issue.record("flipping the \(label) byte went unnoticed")
            } catch let error as GzipError {
                guard case .corrupt = error else { Issue.record("\(label): \(error)"); continue }
            }
        }
        // Bytes after a member that are not another member are corrupt, not silently ignored.
        #expect(throws: GzipError.self) { try gunzip(whole + [0x00, 0x01, 0x02]) }
    }
}

/// The per-input inflation bound (issue 10, item 7): a bomb is refused as it inflates, an ordinary stream is not.
@Suite("gzip inflation limit")
struct InflationLimitTests {
    private func inflate(_ compressed: [UInt8], limit: InflationLimit) throws -> Int {
        try GunzipSource(upstream: ViewSource(ByteView(copying: compressed)), limit: limit).pump(into: DiscardingSink())
    }

    @Test func zerosPastTheLimitAreRefused() throws {
        let bomb = try gzip([UInt8](repeating: 0, count: 8 << 20))
        let limit = InflationLimit(ratio: 32, allowance: 1 << 20)
        #expect(throws: GzipError.self) { try inflate(bomb, limit: limit) }
        do {
            _ = try inflate(bomb, limit: limit)
        } catch let GzipError.inflationLimitExceeded(inflated, compressed, found) {
            #expect(found == limit && inflated > limit.maximumOutput(compressed: compressed))
            // Stopped within one output chunk of the bound, not at the end of the 8 MiB.
            #expect(inflated < 4 << 20)
        }
        #expect(try inflate(bomb, limit: InflationLimit()) == 8 << 20)
    }

    @Test func ordinaryDataInflatesUnderATightLimit() throws {
        let data = Array(String(repeating: "model_weights.ckpt encrypted\n", count: 20_000).utf8) + noise(300_000)
        #expect(try inflate(try gzip(data), limit: InflationLimit(ratio: 32, allowance: 64 << 10)) == data.count)
    }

    @Test func maximumOutputSaturates() {
        #expect(InflationLimit().maximumOutput(compressed: .max) == .max)
        #expect(InflationLimit(ratio: 32, allowance: 10).maximumOutput(compressed: 2) == 74)
    }
}
