import Bytes
import Pickle
import Tensors

/// What can be wrong with a PyTorch checkpoint above the zip/tar/pickle layers.
public enum TorchCheckpointError: DecantError, Equatable {
    case notATorchCheckpoint(firstBytes: String)
    /// A torch zip must hold exactly one `<prefix>/data.pkl`.
    case dataPickleMissing
    case multipleDataPickles([String])
    case bigEndian(format: String)
    case unknownByteOrder(String)
    case storageRecordMissing(key: String)
    /// storage numel × element size exceeds the bytes recorded for it.
    case storageTooSmall(key: String, neededBytes: Int, availableBytes: Int)
    case storageViewOutOfRange(key: String, viewKey: String, endByte: Int, storageBytes: Int)
    case unsupportedDType(tensor: String, dtype: String)
    case unresolvedPersistentID(tensor: String)
    case legacyBadMagic
    case legacyUnsupportedProtocol(found: String)
    case legacyBadSysInfo(reason: String)
    case legacyBadKeyList
    case legacyStorageUnreferenced(key: String)
    case legacyStorageCountMismatch(key: String, recorded: Int, expected: Int)
    case tarMemberMissing(String)
    case tarBadRecord(member: String, reason: String)
    /// The top-level object is not a dict, or holds no tensors where weights should be.
    case notAStateDict(found: String)
    case noTensors(location: String)

    public var description: String {
        switch self {
        case let .notATorchCheckpoint(firstBytes):
            return "expected a torch checkpoint (zip, legacy stream or tar), file starts with \(firstBytes)"
        case .dataPickleMissing:
            return "torch zip: expected an entry <prefix>/data.pkl, found none"
        case let .multipleDataPickles(names):
            return "torch zip: expected one <prefix>/data.pkl, found \(names.count): \(names.joined(separator: ", "))"
        case let .bigEndian(format):
            return "\(format): the checkpoint was written on a big-endian machine; only little-endian data is read"
        case let .unknownByteOrder(value):
            return "torch zip: byteorder record says '\(value)', expected 'little'"
        case let .storageRecordMissing(key):
            return "torch checkpoint: storage \(key) is referenced but has no data record"
        case let .storageTooSmall(key, needed, available):
            return "torch checkpoint: storage \(key) needs \(needed) bytes (numel × element size) but its record holds \(available)"
        case let .storageViewOutOfRange(key, viewKey, end, size):
            return "torch checkpoint: storage view \(viewKey) of \(key) ends at byte \(end) of a \(size)-byte storage"
        case let .unsupportedDType(tensor, dtype):
            return "tensor \(tensor): dtype torch.\(dtype) has no Decant equivalent"
        case let .unresolvedPersistentID(tensor):
            return "tensor \(tensor): its persistent id names no known storage or tensor"
        case .legacyBadMagic:
            return "legacy torch stream: expected the magic number 0x1950a86a20f9469cfc6c as the first pickle"
        case let .legacyUnsupportedProtocol(found):
            return "legacy torch stream: expected protocol version 1001, found \(found)"
        case let .legacyBadSysInfo(reason):
            return "legacy torch stream: sys_info \(reason)"
        case .legacyBadKeyList:
            return "legacy torch stream: expected a list of storage keys after the object pickle"
        case let .legacyStorageUnreferenced(key):
            return "legacy torch stream: storage \(key) is listed but no tensor names it, so its element size is unknown"
        case let .legacyStorageCountMismatch(key, recorded, expected):
            return "legacy torch stream: storage \(key) records \(recorded) elements, the pickle says \(expected)"
        case let .tarMemberMissing(name):
            return "torch tar: expected a member \(name), the archive has none"
        case let .tarBadRecord(member, reason):
            return "torch tar: member \(member): \(reason)"
        case let .notAStateDict(found):
            return "torch checkpoint: expected a dict at the top level, found \(found)"
        case let .noTensors(location):
            return "torch checkpoint: no tensors in the \(location)"
        }
    }
}
