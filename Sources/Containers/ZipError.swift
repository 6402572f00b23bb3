import Bytes

/// Why a zip archive (torch's checkpoint container) was refused; offsets are byte positions in the file.
public enum ZipError: DecantError, Equatable {
    case truncated(TruncatedError)
    case endOfCentralDirectoryMissing(fileSize: Int)
    case multipleDisks(disk: Int)
    case badZip64Locator(offset: Int)
    case badZip64Record(offset: Int)
    case centralDirectoryOutOfRange(offset: Int, size: Int, limit: Int)
    case entryCountMismatch(declared: Int, found: Int)
    case badCentralHeader(index: Int, offset: Int)
    /// A size or offset is 0xFFFFFFFF but the zip64 extra field that should hold the real value is absent.
    case zip64FieldMissing(entry: String, field: String)
    case invalidName(index: Int)
    case duplicateEntry(name: String)
    case badLocalHeader(entry: String, offset: Int)
    case localNameMismatch(entry: String, localName: String)
    case entryOutOfRange(entry: String, start: Int, end: Int, limit: Int)
    case overlappingEntries(first: String, second: String)
    case storedSizeMismatch(entry: String, compressed: Int, uncompressed: Int)
    /// A compression method other than stored (0) and deflated (8).
    case compressedEntry(entry: String, method: Int)
    case encryptedEntry(entry: String)
    /// A deflated entry declares more uncompressed bytes than deflate can produce from its compressed ones.
    case implausibleInflatedSize(entry: String, compressed: Int, uncompressed: Int)
    /// A deflated entry's data is not a deflate stream, ends early, or has bytes after its end.
    case corruptDeflate(entry: String, reason: String)
    /// A deflated entry inflates to another size than its central directory declares (`found` is one past the
    /// declared size when it inflates to more: inflating stops there).
    case inflatedSizeMismatch(entry: String, declared: Int, found: Int)
    /// A deflated entry's inflated bytes do not match its CRC-32.
    case crcMismatch(entry: String, stored: UInt32, computed: UInt32)

    public var description: String {
        switch self {
        case let .truncated(error):
            return "zip ends early: \(error.description)"
        case let .endOfCentralDirectoryMissing(size):
            return "zip: no end-of-central-directory record in the last 64 KiB of a \(size)-byte file (not a zip, or truncated)"
        case let .multipleDisks(disk):
            return "zip: split archives are not supported (disk number \(disk), expected 0)"
        case let .badZip64Locator(offset):
            return "zip: zip64 locator at byte \(offset) points at no zip64 end-of-central-directory record"
        case let .badZip64Record(offset):
            return "zip: zip64 end-of-central-directory record at byte \(offset) is malformed"
        case let .centralDirectoryOutOfRange(offset, size, limit):
            return "zip: central directory of \(size) bytes at byte \(offset) extends past byte \(limit)"
        case let .entryCountMismatch(declared, found):
            return "zip: end record declares \(declared) entries but the central directory holds \(found)"
        case let .badCentralHeader(index, offset):
            return "zip: central directory entry \(index) at byte \(offset) lacks the PK\\1\\2 signature or overruns the directory"
        case let .zip64FieldMissing(entry, field):
            return "zip: entry \(entry) marks its \(field) as zip64 but has no zip64 extra field value for it"
        case let .invalidName(index):
            return "zip: central directory entry \(index) has a name that is not UTF-8"
        case let .duplicateEntry(name):
            return "zip: entry \(name) appears twice in the central directory"
        case let .badLocalHeader(entry, offset):
            return "zip: entry \(entry): no local header (PK\\3\\4) at byte \(offset)"
        case let .localNameMismatch(entry, localName):
            return "zip: entry \(entry): the local header names it \(localName)"
        case let .entryOutOfRange(entry, start, end, limit):
            return "zip: entry \(entry) spans bytes \(start)..<\(end), past the end of its region at byte \(limit)"
        case let .overlappingEntries(first, second):
            return "zip: entries \(first) and \(second) overlap"
        case let .storedSizeMismatch(entry, compressed, uncompressed):
            return "zip: stored entry \(entry) has compressed size \(compressed) but uncompressed size \(uncompressed)"
        case let .compressedEntry(entry, method):
            return "zip: entry \(entry) uses compression method \(method); expected stored (0) or deflated (8)"
        case let .encryptedEntry(entry):
            return "zip: entry \(entry) is encrypted"
        case let .implausibleInflatedSize(entry, compressed, uncompressed):
            return "zip: deflated entry \(entry) declares \(uncompressed) bytes from \(compressed), more than deflate's \(ZipArchive.maxDeflateRatio):1 can expand to"
        case let .corruptDeflate(entry, reason):
            return "zip: deflated entry \(entry) is corrupt: \(reason)"
        case let .inflatedSizeMismatch(entry, declared, found):
            let inflated = found > declared ? "more than \(declared)" : "\(found)"
            return "zip: deflated entry \(entry) declares \(declared) uncompressed bytes, its data inflates to \(inflated)"
        case let .crcMismatch(entry, stored, computed):
            return "zip: entry \(entry) has CRC-32 \(hex32(computed)), its header says \(hex32(stored))"
        }
    }
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
