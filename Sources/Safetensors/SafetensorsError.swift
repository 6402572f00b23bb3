import Bytes
import JSON
import Tensors

/// Every way a safetensors file can break its invariants, one case each (after the crate's `SafeTensorError`).
public enum SafetensorsError: DecantError, Equatable {
    /// Fewer than the 8 bytes of the header-length prefix.
    case fileTooSmall(bytes: Int)
    case headerTooLarge(length: UInt64, limit: Int)
    /// The declared header length runs past the end of the file.
    case headerPastEnd(length: UInt64, fileBytes: Int)
    case headerNotUTF8
    case invalidHeaderJSON(JSONError)
    case headerNotAnObject(found: String)
    case metadataNotAStringMap(key: String?, found: String)
    case duplicateTensorName(String)
    case entryNotAnObject(name: String, found: String)
    case missingField(name: String, field: String)
    /// A field of the wrong JSON kind or with an impossible value (negative dimension, three offsets…).
    case invalidField(name: String, field: String, expected: String, found: String)
    case unknownDType(name: String, dtype: String)
    /// numel × element size does not fit in 64 bits.
    case sizeOverflow(name: String, shape: [Int])
    case offsetsReversed(name: String, begin: Int, end: Int)
    case sizeMismatch(name: String, dtype: DType, shape: [Int], expectedBytes: Int, offsetBytes: Int)
    case offsetsOutOfRange(name: String, end: Int, dataBytes: Int)
    /// A tensor begins at an offset that is not a multiple of its element size.
    case misalignedTensor(name: String, begin: Int, elementSize: Int)
    case overlappingTensors(name: String, other: String)
    /// Bytes between two tensors (or before the first) that no tensor owns.
    case gapBeforeTensor(name: String, expectedBegin: Int, begin: Int)
    /// The data section is longer than the bytes the tensors cover.
    case trailingData(coveredBytes: Int, dataBytes: Int)
    case tensorNotFound(String)

    public var description: String {
        switch self {
        case let .fileTooSmall(bytes):
            return "safetensors: expected at least the 8-byte header length, found a \(bytes)-byte file"
        case let .headerTooLarge(length, limit):
            return "safetensors: header length \(length) exceeds the limit of \(limit) bytes"
        case let .headerPastEnd(length, fileBytes):
            return "safetensors: header length \(length) runs past the end of the \(fileBytes)-byte file"
        case .headerNotUTF8: return "safetensors: header is not valid UTF-8"
        case let .invalidHeaderJSON(error): return "safetensors: header is \(error.verdict): \(error)"
        case let .headerNotAnObject(found): return "safetensors: expected the header to be a JSON object, found \(found)"
        case let .metadataNotAStringMap(key, found):
            if let key { return "safetensors: __metadata__ value for \"\(key)\" must be a string, found \(found)" }
            return "safetensors: __metadata__ must be an object of strings, found \(found)"
        case let .duplicateTensorName(name): return "safetensors: tensor \"\(name)\" is listed twice"
        case let .entryNotAnObject(name, found): return "safetensors: entry \"\(name)\" must be an object, found \(found)"
        case let .missingField(name, field): return "safetensors: tensor \"\(name)\" has no \"\(field)\""
        case let .invalidField(name, field, expected, found):
            return "safetensors: tensor \"\(name)\" field \"\(field)\": expected \(expected), found \(found)"
        case let .unknownDType(name, dtype): return "safetensors: tensor \"\(name)\" has unknown dtype \"\(dtype)\""
        case let .sizeOverflow(name, shape): return "safetensors: tensor \"\(name)\" shape \(shape) overflows 64-bit sizes"
        case let .offsetsReversed(name, begin, end):
            return "safetensors: tensor \"\(name)\" data_offsets [\(begin), \(end)] end before they begin"
        case let .sizeMismatch(name, dtype, shape, expected, span):
            return "safetensors: tensor \"\(name)\" (\(dtype.safetensorsName) \(shape)) needs \(expected) bytes but data_offsets span \(span)"
        case let .offsetsOutOfRange(name, end, dataBytes):
            return "safetensors: tensor \"\(name)\" ends at data byte \(end) but the data section has \(dataBytes)"
        case let .misalignedTensor(name, begin, elementSize):
            return "safetensors: tensor \"\(name)\" begins at data byte \(begin), not a multiple of its \(elementSize)-byte element"
        case let .overlappingTensors(name, other):
            return "safetensors: tensor \"\(name)\" overlaps tensor \"\(other)\""
        case let .gapBeforeTensor(name, expectedBegin, begin):
            return "safetensors: expected tensor \"\(name)\" to begin at data byte \(expectedBegin), found \(begin) (unowned gap)"
        case let .trailingData(covered, dataBytes):
            return "safetensors: tensors cover \(covered) bytes but the data section has \(dataBytes)"
        case let .tensorNotFound(name): return "safetensors: no tensor named \"\(name)\""
        }
    }
}
