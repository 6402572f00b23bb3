import Testing
@testable import Bytes

@Suite struct ByteReaderTests {
    @Test func readsLittleEndianIntegers() throws {
        var reader = ByteReader(ByteView(copying: [1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xFF]))
        #expect(try reader.u16() == 1)
        #expect(try reader.u32() == 2)
        #expect(try reader.u64() == 3)
        #expect(try reader.u8() == 0xFF)
        #expect(reader.isAtEnd)
    }

    @Test func truncatedReadNamesContextAndOffset() {
        var reader = ByteReader(ByteView(copying: [1, 2, 3]), context: "tar header")
        #expect(throws: TruncatedError(context: "tar header u32", offset: 0, needed: 4, available: 3)) { try reader.u32() }
    }

    @Test func sliceRejectsOutOfRange() {
        let view = ByteView(copying: [UInt8](repeating: 7, count: 10))
        #expect(throws: TruncatedError.self) { try view.slice(offset: 8, length: 3) }
        #expect(throws: TruncatedError.self) { try view.slice(offset: -1, length: 1) }
        #expect(throws: TruncatedError.self) { try view.slice(offset: Int.max, length: Int.max) }
        #expect((try? view.slice(offset: 10, length: 0))?.count == 0)
    }
}
