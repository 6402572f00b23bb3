import Bytes

/// One entry of a zip central directory, with its data location resolved through the local header.
public struct ZipEntry: Sendable, Equatable {
    public let name: String
    /// 0 = stored (read in place by `ZipArchive.data(of:)`), 8 = deflated (`ZipArchive.inflate`); others are refused.
    public let method: Int
    public let compressedSize: Int
    public let uncompressedSize: Int
    public let crc32: UInt32
    public let localHeaderOffset: Int
    /// local header offset + 30 + name length + the LOCAL extra length (torch pads it to align data to 64).
    public let dataOffset: Int
    let isEncrypted: Bool
}

/// A validated read-only view of a zip archive held in memory or mapped (torch's checkpoint container).
///
/// Sizes and offsets come from the central directory (torch's local headers carry zeros, with a data
/// descriptor after the data); zip64 end records and extra fields are honoured. Every entry is checked to lie
/// inside the file, before the central directory, and apart from every other entry, so `data(of:)` is a
/// zero-copy slice that cannot fail on bounds.
public struct ZipArchive: Sendable {
    public let view: ByteView
    /// In central-directory order.
    public let entries: [ZipEntry]
    private let index: [String: Int]

    public init(_ view: ByteView) throws(ZipError) {
        self.view = view
        let end = try ZipEndRecord.locate(in: view)
        var reader = ByteReader(view, offset: end.directoryOffset, context: "zip central directory")
        // Each central header is at least 46 bytes: a forged count cannot make us allocate more than the directory.
        guard end.entryCount <= end.directorySize / 46 else {
            throw .entryCountMismatch(declared: end.entryCount, found: end.directorySize / 46)
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(end.entryCount)
        var index: [String: Int] = [:]
        let directoryEnd = end.directoryOffset + end.directorySize
        while reader.offset < directoryEnd {
            let entry = try ZipArchive.centralEntry(&reader, number: entries.count, directoryEnd: directoryEnd, view: view,
                                                    dataLimit: end.directoryOffset)
            guard index[entry.name] == nil else { throw .duplicateEntry(name: entry.name) }
            index[entry.name] = entries.count
            entries.append(entry)
        }
        guard entries.count == end.entryCount else { throw .entryCountMismatch(declared: end.entryCount, found: entries.count) }
        try ZipArchive.checkDisjoint(entries)
        self.entries = entries
        self.index = index
    }

    public func entry(named name: String) -> ZipEntry? {
        index[name].map { entries[$0] }
    }

    /// A stored entry's bytes, zero-copy (a deflated one throws `compressedEntry`: use `inflate`).
    public func data(of entry: ZipEntry) throws(ZipError) -> ByteView {
        guard !entry.isEncrypted else { throw .encryptedEntry(entry: entry.name) }
        guard entry.method == 0 else { throw .compressedEntry(entry: entry.name, method: entry.method) }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw .storedSizeMismatch(entry: entry.name, compressed: entry.compressedSize, uncompressed: entry.uncompressedSize)
        }
        do { return try view.slice(offset: entry.dataOffset, length: entry.compressedSize, context: entry.name) } catch {
            throw .truncated(error)
        }
    }

    // MARK: Central directory

    private static func centralEntry(_ reader: inout ByteReader, number: Int, directoryEnd: Int, view: ByteView,
                                     dataLimit: Int) throws(ZipError) -> ZipEntry {
        let start = reader.offset
        guard directoryEnd - start >= 46 else { throw .badCentralHeader(index: number, offset: start) }
        do {
            guard try reader.u32() == 0x0201_4B50 else { throw ZipError.badCentralHeader(index: number, offset: start) }
            try reader.skip(4)  // versions made by / needed
            let flags = try reader.u16()
            let method = Int(try reader.u16())
            try reader.skip(4)  // time, date
            let crc = try reader.u32()
            var compressed = Int(try reader.u32())
            var uncompressed = Int(try reader.u32())
            let nameLength = Int(try reader.u16())
            let extraLength = Int(try reader.u16())
            let commentLength = Int(try reader.u16())
            let disk = Int(try reader.u16())
            try reader.skip(6)  // internal and external attributes
            var localOffset = Int(try reader.u32())
            guard directoryEnd - reader.offset >= nameLength + extraLength + commentLength else {
                throw ZipError.badCentralHeader(index: number, offset: start)
            }
            guard let name = String(validating: try reader.bytes(nameLength).buffer, as: UTF8.self) else {
                throw ZipError.invalidName(index: number)
            }
            let extra = try reader.bytes(extraLength)
            try reader.skip(commentLength)
            try ZipArchive.applyZip64(extra, entry: name, uncompressed: &uncompressed, compressed: &compressed,
                                      localOffset: &localOffset, disk: disk)
            let dataOffset = try localDataOffset(view, entry: name, localOffset: localOffset, dataLimit: dataLimit)
            let (end, overflow) = dataOffset.addingReportingOverflow(compressed)
            guard !overflow, end <= dataLimit else {
                throw ZipError.entryOutOfRange(entry: name, start: localOffset, end: overflow ? Int.max : end, limit: dataLimit)
            }
            return ZipEntry(name: name, method: method, compressedSize: compressed, uncompressedSize: uncompressed,
                            crc32: crc, localHeaderOffset: localOffset, dataOffset: dataOffset,
                            isEncrypted: flags & 1 != 0)
        } catch let error as ZipError {
            throw error
        } catch let error as TruncatedError {
            throw .truncated(error)
        } catch {
            preconditionFailure("only zip and truncation errors are thrown here")
        }
    }

    /// Replaces 0xFFFFFFFF fields with their values from the zip64 extra field (id 0x0001), in spec order.
    private static func applyZip64(_ extra: ByteView, entry: String, uncompressed: inout Int, compressed: inout Int,
                                   localOffset: inout Int, disk: Int) throws(ZipError) {
        let sentinel = 0xFFFF_FFFF
        let needs = [uncompressed == sentinel, compressed == sentinel, localOffset == sentinel, disk == 0xFFFF]
        var values: ByteReader?
        var fields = ByteReader(extra, context: "zip extra field")
        while fields.remaining >= 4 {
            do {
                let id = try fields.u16(), size = Int(try fields.u16())
                let body = try fields.bytes(size)
                if id == 0x0001 { values = ByteReader(body, context: "zip64 extra field") }
            } catch {
                throw .truncated(error)
            }
        }
        func next(_ field: String) throws(ZipError) -> Int {
            guard var reader = values, reader.remaining >= 8, let value = try? Int(exactly: reader.u64()) else {
                throw .zip64FieldMissing(entry: entry, field: field)
            }
            values = reader
            return value
        }
        if needs[0] { uncompressed = try next("uncompressed size") }
        if needs[1] { compressed = try next("compressed size") }
        if needs[2] { localOffset = try next("local header offset") }
        if needs[3] {
            guard var reader = values, reader.remaining >= 4, let diskNumber = try? reader.u32() else {
                throw .zip64FieldMissing(entry: entry, field: "disk number")
            }
            guard diskNumber == 0 else { throw .multipleDisks(disk: Int(diskNumber)) }
        } else if disk != 0 {
            throw .multipleDisks(disk: disk)
        }
    }

    /// Reads the local header to find where the data really starts: its extra field differs from the central one.
    private static func localDataOffset(_ view: ByteView, entry: String, localOffset: Int, dataLimit: Int) throws(ZipError) -> Int {
        guard localOffset >= 0, localOffset <= dataLimit - 30 else {
            // A zip64 extra field can set the offset to anything up to Int.max: saturate rather than overflow.
            let (end, overflow) = localOffset.addingReportingOverflow(30)
            throw .entryOutOfRange(entry: entry, start: localOffset, end: overflow ? Int.max : end, limit: dataLimit)
        }
        var reader = ByteReader(view, offset: localOffset, context: "zip local header")
        do {
            guard try reader.u32() == 0x0403_4B50 else { throw ZipError.badLocalHeader(entry: entry, offset: localOffset) }
            try reader.skip(22)
            let nameLength = Int(try reader.u16())
            let extraLength = Int(try reader.u16())
            let dataOffset = localOffset + 30 + nameLength + extraLength
            guard dataOffset <= dataLimit else {
                throw ZipError.entryOutOfRange(entry: entry, start: localOffset, end: dataOffset, limit: dataLimit)
            }
            let localName = try reader.bytes(nameLength)
            guard localName.buffer.elementsEqual(entry.utf8) else {
                throw ZipError.localNameMismatch(entry: entry, localName: String(decoding: localName.buffer, as: UTF8.self))
            }
            return dataOffset
        } catch let error as ZipError {
            throw error
        } catch let error as TruncatedError {
            throw .truncated(error)
        } catch {
            preconditionFailure("only zip and truncation errors are thrown here")
        }
    }

    /// Entries (local header through data) must not share bytes: overlapping entries are a zip-bomb and
    /// confusion trick, and no writer produces them.
    private static func checkDisjoint(_ entries: [ZipEntry]) throws(ZipError) {
        let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (first, second) in zip(ordered, ordered.dropFirst())
        where first.dataOffset + first.compressedSize > second.localHeaderOffset {
            throw .overlappingEntries(first: first.name, second: second.name)
        }
    }
}
