import Bytes
import Quantization
import JSON

/// Every invariant of a .decant file, one case each; descriptions say what was expected and what was found.
public enum NativeFormatError: DecantError, Equatable {
    case truncatedPreamble(fileBytes: Int)
    case badMagic(found: [UInt8])
    case unsupportedVersion(UInt32)
    case invalidAlignment(UInt32)
    case metadataTooLarge(bytes: UInt64, limit: Int)
    case tooManyTensors(count: UInt64, limit: Int)
    case directoryTooLarge(bytes: UInt64, limit: Int)
    /// The file is shorter than the length its preamble records: it was cut off.
    case truncatedFile(expectedBytes: UInt64, fileBytes: Int)
    case trailingBytes(expectedBytes: UInt64, fileBytes: Int)
    case dataOffsetMismatch(expected: Int, found: UInt64)
    case headerChecksumMismatch(stored: UInt64, computed: UInt64)
    case metadataNotJSON(JSONError)
    case metadataNotAnObject(found: String)
    case directoryTruncated(entry: Int)
    case invalidNameLength(entry: Int, length: Int)
    case nameNotUTF8(entry: Int)
    case duplicateTensorName(String)
    case unknownStorageType(name: String, code: UInt8)
    case rankTooLarge(name: String, rank: Int)
    case invalidShape(name: String, dimensions: [UInt64])
    case shapeNotBlockAligned(name: String, storage: StorageType, shape: [Int])
    case lengthMismatch(name: String, expected: Int, found: UInt64)
    case misalignedOffset(name: String, offset: UInt64, alignment: Int)
    case overlappingTensors(name: String, previous: String)
    case gapBeforeTensor(name: String, expectedOffset: Int, found: UInt64)
    case tensorOutOfBounds(name: String, end: UInt64, dataBytes: Int)
    case directoryLengthMismatch(declared: Int, parsed: Int)
    /// The data section is longer than its last tensor.
    case dataLengthMismatch(expected: Int, found: Int)
    case checksumMismatch(name: String, stored: UInt64, computed: UInt64)
    case tensorNotFound(String)

    public var description: String {
        switch self {
        case let .truncatedPreamble(bytes): return ".decant: expected a 64-byte preamble, the file has \(bytes) bytes"
        case let .badMagic(found):
            return ".decant: expected magic \"DECANT\\0\\x1A\", found \(found.map { String($0, radix: 16) }.joined(separator: " "))"
        case let .unsupportedVersion(version): return ".decant: expected format version 1, found \(version)"
        case let .invalidAlignment(alignment):
            return ".decant: expected an alignment that is a power of two from 64 to 1 MiB, found \(alignment)"
        case let .metadataTooLarge(bytes, limit): return ".decant: metadata of \(bytes) bytes exceeds the limit of \(limit)"
        case let .tooManyTensors(count, limit): return ".decant: \(count) tensors exceed the limit of \(limit)"
        case let .directoryTooLarge(bytes, limit): return ".decant: tensor directory of \(bytes) bytes exceeds the limit of \(limit)"
        case let .truncatedFile(expected, found):
            return ".decant: file is truncated: the preamble records \(expected) bytes, the file has \(found)"
        case let .trailingBytes(expected, found):
            return ".decant: the preamble records \(expected) bytes but the file has \(found) (trailing bytes)"
        case let .dataOffsetMismatch(expected, found): return ".decant: expected the data section at byte \(expected), preamble says \(found)"
        case let .headerChecksumMismatch(stored, computed):
            return ".decant: header checksum mismatch: stored \(hex(stored)), computed \(hex(computed)) (corrupted header)"
        case let .metadataNotJSON(error): return ".decant: metadata is \(error.verdict): \(error)"
        case let .metadataNotAnObject(found): return ".decant: expected the metadata to be a JSON object, found \(found)"
        case let .directoryTruncated(entry): return ".decant: tensor directory ends inside entry \(entry)"
        case let .invalidNameLength(entry, length):
            return ".decant: entry \(entry): expected a name of 1 to \(NativeLayout.maximumNameBytes) bytes, found \(length)"
        case let .nameNotUTF8(entry): return ".decant: entry \(entry): name is not valid UTF-8"
        case let .duplicateTensorName(name): return ".decant: tensor \"\(name)\" is listed twice"
        case let .unknownStorageType(name, code): return ".decant: tensor \"\(name)\": unknown storage type code \(code)"
        case let .rankTooLarge(name, rank): return ".decant: tensor \"\(name)\": rank \(rank) exceeds \(NativeLayout.maximumRank)"
        case let .invalidShape(name, dimensions): return ".decant: tensor \"\(name)\": shape \(dimensions) overflows 64-bit sizes"
        case let .shapeNotBlockAligned(name, storage, shape):
            return ".decant: tensor \"\(name)\": \(storage.rawValue) needs a last dimension divisible by 32, shape is \(shape)"
        case let .lengthMismatch(name, expected, found):
            return ".decant: tensor \"\(name)\": expected \(expected) bytes for its type and shape, directory says \(found)"
        case let .misalignedOffset(name, offset, alignment):
            return ".decant: tensor \"\(name)\": offset \(offset) is not a multiple of the \(alignment)-byte alignment"
        case let .overlappingTensors(name, previous): return ".decant: tensor \"\(name)\" overlaps tensor \"\(previous)\""
        case let .gapBeforeTensor(name, expected, found):
            return ".decant: tensor \"\(name)\": expected offset \(expected) (packed after the previous tensor), found \(found)"
        case let .tensorOutOfBounds(name, end, dataBytes):
            return ".decant: tensor \"\(name)\" ends at data byte \(end), past the \(dataBytes)-byte data section"
        case let .directoryLengthMismatch(declared, parsed):
            return ".decant: the directory is declared as \(declared) bytes but its entries take \(parsed)"
        case let .dataLengthMismatch(expected, found):
            return ".decant: expected a data section of \(expected) bytes (end of the last tensor), found \(found)"
        case let .checksumMismatch(name, stored, computed):
            return ".decant: tensor \"\(name)\" checksum mismatch: stored \(hex(stored)), computed \(hex(computed)) (corrupted data)"
        case let .tensorNotFound(name): return ".decant: no tensor named \"\(name)\""
        }
    }
}

/// Misuse of the writer: a plan it cannot lay out, or bytes that do not match the plan.
public enum NativeWriterError: DecantError, Equatable {
    case invalidName(String)
    case duplicateName(String)
    case invalidPlan(QuantizationError)
    case rankTooLarge(name: String, rank: Int)
    case invalidAlignment(Int)
    case metadataNotSerializable(JSONError)
    case unexpectedTensor(expected: String?, found: String)
    case storageMismatch(name: String, planned: StorageType, found: StorageType)
    case tooManyBytes(extra: Int)
    case incomplete(name: String, written: Int, expected: Int)

    public var description: String {
        switch self {
        case let .invalidName(name): return ".decant writer: tensor name \"\(name)\" must be 1 to \(NativeLayout.maximumNameBytes) UTF-8 bytes"
        case let .duplicateName(name): return ".decant writer: tensor \"\(name)\" is planned twice"
        case let .invalidPlan(error): return ".decant writer: \(error)"
        case let .rankTooLarge(name, rank): return ".decant writer: tensor \"\(name)\" has rank \(rank), the format allows \(NativeLayout.maximumRank)"
        case let .invalidAlignment(alignment): return ".decant writer: alignment \(alignment) must be a power of two from 64 to 1 MiB"
        case let .metadataNotSerializable(error): return ".decant writer: metadata: \(error)"
        case let .unexpectedTensor(expected, found):
            return ".decant writer: expected \(expected.map { "tensor \"\($0)\"" } ?? "no more tensors"), got \"\(found)\""
        case let .storageMismatch(name, planned, found):
            return ".decant writer: tensor \"\(name)\" was planned as \(planned.rawValue), got \(found.rawValue)"
        case let .tooManyBytes(extra): return ".decant writer: \(extra) bytes past the end of the last planned tensor"
        case let .incomplete(name, written, expected):
            return ".decant writer: tensor \"\(name)\" got \(written) of its \(expected) bytes before finish"
        }
    }
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
}
