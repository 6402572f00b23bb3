import Bytes

/// The end-of-central-directory record (and its zip64 form) that says where a zip's directory is.
struct ZipEndRecord {
    let entryCount: Int
    let directoryOffset: Int
    let directorySize: Int

    /// Finds the EOCD from the end (it may be followed by a comment of up to 64 KiB), then the zip64 record
    /// through its locator when one is present.
    static func locate(in view: ByteView) throws(ZipError) -> ZipEndRecord {
        let eocdSize = 22
        guard view.count >= eocdSize else { throw .endOfCentralDirectoryMissing(fileSize: view.count) }
        var position = view.count - eocdSize
        let lowest = max(0, view.count - eocdSize - 0xFFFF)
        var found: Int?
        while position >= lowest {
            if view.matches([0x50, 0x4B, 0x05, 0x06], at: position) {
                let commentLength = Int(view[position + 20]) | Int(view[position + 21]) << 8
                if position + eocdSize + commentLength == view.count { found = position; break }
            }
            position -= 1
        }
        guard let eocd = found else { throw .endOfCentralDirectoryMissing(fileSize: view.count) }

        var reader = ByteReader(view, offset: eocd + 4, context: "zip end record")
        var record: ZipEndRecord
        var directoryLimit = eocd
        do {
            let disk = Int(try reader.u16()), directoryDisk = Int(try reader.u16())
            guard disk == 0, directoryDisk == 0 else { throw ZipError.multipleDisks(disk: max(disk, directoryDisk)) }
            try reader.skip(2)
            let count = Int(try reader.u16()), size = Int(try reader.u32()), start = Int(try reader.u32())
            record = ZipEndRecord(entryCount: count, directoryOffset: start, directorySize: size)
            if eocd >= 20, view.matches([0x50, 0x4B, 0x06, 0x07], at: eocd - 20) {
                let zip64 = try zip64Record(view, locator: eocd - 20)
                record = zip64
                directoryLimit = try zip64Offset(view, locator: eocd - 20)
            }
        } catch let error as ZipError {
            throw error
        } catch let error as TruncatedError {
            throw .truncated(error)
        } catch {
            preconditionFailure("only zip and truncation errors are thrown here")
        }
        let (end, overflow) = record.directoryOffset.addingReportingOverflow(record.directorySize)
        guard !overflow, end <= directoryLimit else {
            throw .centralDirectoryOutOfRange(offset: record.directoryOffset, size: record.directorySize, limit: directoryLimit)
        }
        return record
    }

    private static func zip64Offset(_ view: ByteView, locator: Int) throws(ZipError) -> Int {
        var reader = ByteReader(view, offset: locator + 8, context: "zip64 locator")
        guard let raw = try? reader.u64(), let offset = Int(exactly: raw), offset >= 0, offset <= locator - 56,
              view.matches([0x50, 0x4B, 0x06, 0x06], at: offset) else {
            throw .badZip64Locator(offset: locator)
        }
        return offset
    }

    private static func zip64Record(_ view: ByteView, locator: Int) throws(ZipError) -> ZipEndRecord {
        var locatorReader = ByteReader(view, offset: locator + 4, context: "zip64 locator")
        guard let disk = try? locatorReader.u32() else { throw .badZip64Locator(offset: locator) }
        guard disk == 0 else { throw .multipleDisks(disk: Int(disk)) }
        let offset = try zip64Offset(view, locator: locator)
        var reader = ByteReader(view, offset: offset + 16, context: "zip64 end record")
        do {
            let disk = try reader.u32(), directoryDisk = try reader.u32()
            guard disk == 0, directoryDisk == 0 else { throw ZipError.multipleDisks(disk: Int(max(disk, directoryDisk))) }
            try reader.skip(8)
            guard let count = Int(exactly: try reader.u64()), let size = Int(exactly: try reader.u64()),
                  let start = Int(exactly: try reader.u64()) else {
                throw ZipError.badZip64Record(offset: offset)
            }
            return ZipEndRecord(entryCount: count, directoryOffset: start, directorySize: size)
        } catch let error as ZipError {
            throw error
        } catch {
            throw .badZip64Record(offset: offset)
        }
    }
}
