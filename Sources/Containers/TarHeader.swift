/// Parsing of 512-byte tar header blocks and of the PAX / GNU long-name records that precede a member.
import Bytes

/// A tar block is 512 bytes; member data is padded up to a multiple of it.
let tarBlockSize = 512

func paddedTarSize(_ size: Int) -> Int { (size + tarBlockSize - 1) / tarBlockSize * tarBlockSize }

/// The raw fields of one header block.
struct TarHeader {
    var name: String
    var linkName: String
    var typeflag: UInt8
    var size: Int
    var mode: Int
    var modificationTime: Int

    /// Python's tarfile rule: data blocks follow regular files and unknown types, never links, devices,
    /// FIFOs or directories (whatever their size field says).
    var dataFollows: Bool { !(UInt8(ascii: "1")...UInt8(ascii: "6")).contains(typeflag) }

    /// Extension records whose data is metadata for the next member, not a member of their own.
    var isExtension: Bool { typeflag == UInt8(ascii: "x") || typeflag == UInt8(ascii: "g") || typeflag == UInt8(ascii: "L") || typeflag == UInt8(ascii: "K") }

    /// An all-zero block marks the end of the archive.
    static func isZeroBlock(_ block: UnsafeRawBufferPointer) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// Whether `block` (the first 512 bytes of a file) starts a tar: `ustar` at 257 (POSIX, GNU), or a pre-POSIX
    /// v7 header, which has no magic and is recognised the way Python's tarfile and GNU tar accept it: a
    /// checksum field of octal digits that matches the block, and a name.
    static func startsArchive(_ block: UnsafeRawBufferPointer) -> Bool {
        guard block.count >= tarBlockSize else { return false }
        if block[257..<262].elementsEqual("ustar".utf8) { return true }
        guard block[0] != 0, !isZeroBlock(UnsafeRawBufferPointer(rebasing: block[..<tarBlockSize])) else { return false }
        let header = UnsafeRawBufferPointer(rebasing: block[..<tarBlockSize])
        guard let stored = try? number(header, 148, 8, "checksum", 0), header[148..<156].contains(where: { (0x30...0x37).contains($0) }) else {
            return false
        }
        let (unsigned, signed) = checksums(header)
        return stored == unsigned || stored == signed
    }

    /// The header's sums with the checksum field read as eight spaces; old tars summed signed bytes.
    private static func checksums(_ block: UnsafeRawBufferPointer) -> (unsigned: Int, signed: Int) {
        var unsigned = 8 * 32
        var signed = 8 * 32
        for (i, byte) in block.enumerated() where !(148..<156).contains(i) {
            unsigned += Int(byte)
            signed += Int(Int8(bitPattern: byte))
        }
        return (unsigned, signed)
    }

    /// Parses and checksums `block` (512 bytes) found at `offset` in the tar stream.
    init(block: UnsafeRawBufferPointer, offset: Int) throws(TarError) {
        let stored = try Self.number(block, 148, 8, "checksum", offset)
        let (unsigned, signed) = Self.checksums(block)
        guard stored == unsigned || stored == signed else { throw .badChecksum(offset: offset, stored: stored, computed: unsigned) }
        name = Self.string(block, 0, 100)
        if block[257..<262].elementsEqual("ustar".utf8) {
            let prefix = Self.string(block, 345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        linkName = Self.string(block, 157, 100)
        typeflag = block[156]
        size = try Self.number(block, 124, 12, "size", offset)
        mode = (try? Self.number(block, 100, 8, "mode", offset)) ?? 0
        modificationTime = (try? Self.number(block, 136, 12, "mtime", offset)) ?? 0
    }

    private static func string(_ block: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> String {
        let field = block[start..<(start + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[start..<end], as: UTF8.self)
    }

    /// Octal digits padded with spaces/NULs, or GNU base-256 (high bit of the first byte set).
    private static func number(_ block: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ field: String, _ offset: Int) throws(TarError) -> Int {
        let bytes = block[start..<(start + length)]
        if let first = bytes.first, first & 0x80 != 0 {
            let rest = bytes.dropFirst()
            // Negative values, and anything past 63 bits, are not sizes or times we can use.
            guard first == 0x80, rest.prefix(max(0, rest.count - 8)).allSatisfy({ $0 == 0 }), rest.suffix(8).first! < 0x80 else {
                throw .badNumericField(field: field, offset: offset)
            }
            return rest.reduce(0) { $0 << 8 | Int($1) }
        }
        var value = 0
        var seenDigit = false
        var ended = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard !ended, value < Int.max >> 3 else { throw .badNumericField(field: field, offset: offset) }
                value = value << 3 | Int(byte - UInt8(ascii: "0"))
                seenDigit = true
            case UInt8(ascii: " "), 0:
                if seenDigit { ended = true }
            default:
                throw .badNumericField(field: field, offset: offset)
            }
        }
        return value
    }
}

/// Metadata collected from `x`/`g`/`L`/`K` records, applied to the next real member.
struct TarExtensions {
    /// The largest extension record we hold in memory; real ones are a few hundred bytes.
    static let recordLimit = 1 << 20

    private var global: [String: String] = [:]
    private var local: [String: String] = [:]

    /// Absorbs the data of extension `header` (its bytes are `data`, found at `offset`).
    mutating func absorb(_ header: TarHeader, data: UnsafeRawBufferPointer, offset: Int) throws(TarError) {
        switch header.typeflag {
        case UInt8(ascii: "L"): local["path"] = Self.cString(data)
        case UInt8(ascii: "K"): local["linkpath"] = Self.cString(data)
        case UInt8(ascii: "g"): try Self.parsePax(data, offset: offset, into: &global)
        default: try Self.parsePax(data, offset: offset, into: &local)
        }
    }

    /// Applies pending records to `header` and forgets the per-member ones.
    mutating func apply(to header: inout TarHeader, offset: Int) throws(TarError) {
        let merged = global.merging(local) { $1 }
        local = [:]
        if let path = merged["path"] { header.name = path }
        if let link = merged["linkpath"] { header.linkName = link }
        if let size = merged["size"] {
            guard let value = Int(size), value >= 0 else { throw .badPaxRecord(offset: offset) }
            header.size = value
        }
    }

    private static func cString(_ data: UnsafeRawBufferPointer) -> String {
        String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func parsePax(_ data: UnsafeRawBufferPointer, offset: Int, into records: inout [String: String]) throws(TarError) {
        var position = 0
        while position < data.count {
            // Trailing NUL padding is tolerated.
            if data[position] == 0 { break }
            guard let space = data[position...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[position..<space], as: UTF8.self)),
                  length > space - position + 1, length <= data.count - position,
                  data[position + length - 1] == UInt8(ascii: "\n") else {
                throw .badPaxRecord(offset: offset)
            }
            let record = data[(space + 1)..<(position + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw .badPaxRecord(offset: offset) }
            records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] =
                String(decoding: record[(equals + 1)...], as: UTF8.self)
            position += length
        }
    }
}

extension TarEntry {
    init(header: TarHeader, dataOffset: Int) {
        let kind: Kind
        switch header.typeflag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = header.name.hasSuffix("/") ? .directory : .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "2"): kind = .symlink(target: header.linkName)
        case UInt8(ascii: "1"): kind = .hardlink(target: header.linkName)
        default: kind = .other(typeflag: header.typeflag)
        }
        self.init(path: TarPath.normalise(header.name), storedName: header.name, kind: kind,
                  size: header.dataFollows ? header.size : 0, dataOffset: dataOffset, mode: header.mode,
                  modificationTime: header.modificationTime)
    }
}
