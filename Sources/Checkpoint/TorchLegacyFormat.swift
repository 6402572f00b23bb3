import Bytes
import Pickle

/// torch 0.4-1.5's stream (`_use_new_zipfile_serialization=False`): pickled magic, protocol 1001 and sys_info,
/// the object pickle, a pickled list of storage keys, then for each key an int64 element count and the raw data.
///
/// Nothing is aligned and nothing records offsets, so every pickle is parsed to find where the next begins.
struct TorchLegacyFormat {
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    let document: PickleDocument
    let storages: TorchStorages

    init(_ bytes: ByteView, options: PickleOptions) throws {
        // The header pickles hold only ints, strings and dicts: the default options suffice.
        let magicPickle = try PickleReader.read(bytes)
        guard magicPickle.root == .bigInt(PickleBigInt(littleEndianTwosComplement: TorchLegacyFormat.magic)) else {
            throw TorchCheckpointError.legacyBadMagic
        }
        let protocolPickle = try PickleReader.read(bytes, at: magicPickle.endOffset)
        guard protocolPickle.root == .int(1001) else {
            throw TorchCheckpointError.legacyUnsupportedProtocol(found: protocolPickle.root.kindName == "int"
                ? "\(protocolPickle.root.intValue ?? 0)" : protocolPickle.root.kindName)
        }
        let sysInfo = try PickleReader.read(bytes, at: protocolPickle.endOffset)
        guard let info = sysInfo.root.dictValue else { throw TorchCheckpointError.legacyBadSysInfo(reason: "is not a dict") }
        guard info["little_endian"] == .bool(true) else {
            if info["little_endian"] == .bool(false) { throw TorchCheckpointError.bigEndian(format: "legacy torch stream") }
            throw TorchCheckpointError.legacyBadSysInfo(reason: "has no little_endian flag")
        }

        document = try PickleReader.read(bytes, at: sysInfo.endOffset, options: options)
        let keyList = try PickleReader.read(bytes, at: document.endOffset)
        guard case let .list(items) = keyList.root else { throw TorchCheckpointError.legacyBadKeyList }
        let keys = try items.map { item throws(TorchCheckpointError) in
            guard let key = item.stringValue else { throw .legacyBadKeyList }
            return key
        }

        // Element sizes and counts come from the persistent ids; the root storage is the one without a view.
        var roots: [String: TorchStorageRef] = [:]
        for storage in document.storages where roots[storage.key] == nil {
            roots[storage.key] = storage
        }
        var reader = ByteReader(bytes, offset: keyList.endOffset, context: "legacy torch storage data")
        var records: [String: ByteView] = [:]
        for key in keys {
            guard let storage = roots[key] else { throw TorchCheckpointError.legacyStorageUnreferenced(key: key) }
            let recorded = try reader.i64("element count of storage \(key)")
            guard recorded == Int64(storage.numel) else {
                throw TorchCheckpointError.legacyStorageCountMismatch(key: key, recorded: Int(recorded), expected: storage.numel)
            }
            records[key] = try reader.bytes(storage.byteCount, "data of storage \(key)")
        }
        storages = TorchStorages(records: records)
    }
}
