import Bytes
import Containers
import Pickle

/// torch ≥ 1.6's zip layout: `<prefix>/data.pkl` plus one stored record `<prefix>/data/<key>` per storage.
struct TorchZipFormat {
    let prefix: String
    let document: PickleDocument
    let storages: TorchStorages

    init(_ bytes: ByteView, options: PickleOptions) throws {
        let archive = try ZipArchive(bytes)
        let pickles = archive.entries.map(\.name).filter(TorchZipFormat.isDataPickle)
        guard let pickleName = pickles.first else { throw TorchCheckpointError.dataPickleMissing }
        guard pickles.count == 1 else { throw TorchCheckpointError.multipleDataPickles(pickles) }
        prefix = String(pickleName.dropLast("data.pkl".count))

        // torch ≥ 2.1 records the byte order; older files are little-endian by definition.
        if let order = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: try archive.data(of: order).buffer, as: UTF8.self)
                .filter { !$0.isWhitespace }
            if text == "big" { throw TorchCheckpointError.bigEndian(format: "torch zip") }
            guard text == "little" else { throw TorchCheckpointError.unknownByteOrder(text) }
        }

        document = try PickleReader.read(try archive.data(of: archive.entry(named: pickleName)!), options: options)
        var records: [String: ByteView] = [:]
        let dataPrefix = prefix + "data/"
        for storage in document.storages where records[storage.key] == nil {
            guard let entry = archive.entry(named: dataPrefix + storage.key) else {
                throw TorchCheckpointError.storageRecordMissing(key: storage.key)
            }
            records[storage.key] = try archive.data(of: entry)
        }
        storages = TorchStorages(records: records)
    }

    /// `data.pkl` at the top or one directory down (`archive/data.pkl`, `model_weights/data.pkl`).
    static func isDataPickle(_ name: String) -> Bool {
        guard name.hasSuffix("data.pkl") else { return false }
        let prefix = name.dropLast("data.pkl".count)
        return prefix.isEmpty || (prefix.hasSuffix("/") && prefix.dropLast().firstIndex(of: "/") == nil && prefix.count > 1)
    }
}
