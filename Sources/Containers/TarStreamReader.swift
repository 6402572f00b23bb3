/// Tar reading mode (a): one pass over a stream (e.g. a `GunzipSource`), members visited in order.
import Bytes

/// Reads a tar archive from a `ByteSource` without seeking: `next()` moves to the next member, and
/// `data` streams that member's bytes. Unread data is skipped by `next()`, so memory stays constant apart from
/// the member paths kept to refuse duplicates (`TarError.duplicateMember`).
///
/// ```swift
/// let reader = TarStreamReader(source: try GunzipSource(upstream: FileSource(path: path)))
/// while let entry = try reader.next() {
///     if entry.path == "model_config.yaml" { config = try reader.data.readAll(limit: 1 << 20) }
/// }
/// ```
public final class TarStreamReader {
    private let source: ByteSource
    private var extensions = TarExtensions()
    private var table = TarMemberTable()
    /// Bytes consumed from the source (the uncompressed tar offset).
    public private(set) var offset = 0
    /// Data and padding of the current member still in the source.
    private var remainingData = 0
    private var remainingPadding = 0
    private var ended = false
    public private(set) var current: TarEntry?

    private let headerBlock = UnsafeMutableRawBufferPointer.allocate(byteCount: tarBlockSize, alignment: 16)
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 64)

    public init(source: ByteSource) {
        self.source = source
    }

    deinit {
        headerBlock.deallocate()
        scratch.deallocate()
    }

    /// The current member's data (nothing once `next()` is called again).
    public var data: ByteSource { TarMemberSource(reader: self) }

    /// Advances to the next member; `nil` at the end of the archive.
    public func next() throws -> TarEntry? {
        guard !ended else { return nil }
        let left = remainingData + remainingPadding
        if left > 0 {
            let what = "\(remainingData) more bytes of \(current?.storedName ?? "a member") and its padding"
            guard try skip(left) == left else { throw TarError.truncated(what: what, offset: offset) }
        }
        remainingData = 0
        remainingPadding = 0
        current = nil
        while true {
            let headerOffset = offset
            let got = try fill(headerBlock)
            // Every writer ends with zero blocks; without one, a cut at a block boundary would go unnoticed.
            guard got == tarBlockSize else {
                throw TarError.truncated(what: "a 512-byte header or the end-of-archive marker", offset: headerOffset)
            }
            if TarHeader.isZeroBlock(UnsafeRawBufferPointer(headerBlock)) {
                ended = true
                return nil
            }
            var header = try TarHeader(block: UnsafeRawBufferPointer(headerBlock), offset: headerOffset)
            let dataSize = header.dataFollows ? header.size : 0
            if header.isExtension {
                guard dataSize <= TarExtensions.recordLimit else { throw TarError.badPaxRecord(offset: headerOffset) }
                let record = UnsafeMutableRawBufferPointer.allocate(byteCount: paddedTarSize(dataSize), alignment: 16)
                defer { record.deallocate() }
                guard try fill(record) == record.count else {
                    throw TarError.truncated(what: "\(dataSize) bytes of extension record", offset: headerOffset + tarBlockSize)
                }
                try extensions.absorb(header, data: UnsafeRawBufferPointer(rebasing: record[..<dataSize]), offset: headerOffset)
                continue
            }
            try extensions.apply(to: &header, offset: headerOffset)
            let entry = TarEntry(header: header, dataOffset: offset)
            try table.add(entry)
            remainingData = entry.size
            remainingPadding = paddedTarSize(entry.size) - entry.size
            current = entry
            return entry
        }
    }

    /// Reads up to `buffer.count` bytes of the current member's data.
    fileprivate func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remainingData > 0, !buffer.isEmpty else { return 0 }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remainingData)]))
        guard n > 0 else { throw TarError.truncated(what: "\(remainingData) more bytes of \(current?.storedName ?? "a member")", offset: offset) }
        remainingData -= n
        offset += n
        return n
    }

    /// Fills `buffer` unless the source ends; returns how much arrived.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        offset += filled
        return filled
    }

    /// Reads and drops up to `count` bytes; returns how many the source had.
    private func skip(_ count: Int) throws -> Int {
        var skipped = 0
        while skipped < count {
            let got = try fill(UnsafeMutableRawBufferPointer(rebasing: scratch[..<min(count - skipped, scratch.count)]))
            if got == 0 { break }
            skipped += got
        }
        return skipped
    }
}

/// The current member of a `TarStreamReader` as a source.
final class TarMemberSource: ByteSource {
    private let reader: TarStreamReader
    init(reader: TarStreamReader) { self.reader = reader }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try reader.readData(into: buffer) }
}
