import Bytes
import Containers
import Pickle

/// torch ≥ 1.6's zip layout: `<prefix>/data.pkl` plus one record `<prefix>/data/<key>` per storage.
///
/// torch writes every record stored, and those stay zero-copy slices of the caller's bytes. A zip re-packed
/// deflated (which `torch.load` reads) has its records inflated once, into an anonymous spool file that is then
/// mapped: the heap holds one 1 MiB buffer and zlib's window, the spool as many bytes as the records inflate to
/// (at most `ZipArchive.maxDeflateRatio` times their compressed size), and only records the pickle names are
/// inflated.
struct TorchZipFormat {
    let prefix: String
    let document: PickleDocument
    let storages: TorchStorages

    init(_ bytes: ByteView, options: PickleOptions, spoolDirectory: String? = nil) throws {
        let archive = try ZipArchive(bytes)
        let records = ZipRecords(archive: archive, spoolDirectory: spoolDirectory)
        let pickles = archive.entries.map(\.name).filter(TorchZipFormat.isDataPickle)
        guard let pickleName = pickles.first else { throw TorchCheckpointError.dataPickleMissing }
        guard pickles.count == 1 else { throw TorchCheckpointError.multipleDataPickles(pickles) }
        prefix = String(pickleName.dropLast("data.pkl".count))

        // torch ≥ 2.1 records the byte order; older files are little-endian by definition.
        let order = archive.entry(named: prefix + "byteorder")
        let pickle = archive.entry(named: pickleName)!
        let header = try records.bytes(of: [pickle] + (order.map { [$0] } ?? []))
        if order != nil {
            let text = String(decoding: header[1].buffer, as: UTF8.self).filter { !$0.isWhitespace }
            if text == "big" { throw TorchCheckpointError.bigEndian(format: "torch zip") }
            guard text == "little" else { throw TorchCheckpointError.unknownByteOrder(text) }
        }

        document = try PickleReader.read(header[0], options: options)
        var keys: [String] = []
        var entries: [ZipEntry] = []
        let dataPrefix = prefix + "data/"
        var seen: Set<String> = []
        for storage in document.storages where seen.insert(storage.key).inserted {
            guard let entry = archive.entry(named: dataPrefix + storage.key) else {
                throw TorchCheckpointError.storageRecordMissing(key: storage.key)
            }
            keys.append(storage.key)
            entries.append(entry)
        }
        storages = TorchStorages(records: Dictionary(uniqueKeysWithValues: zip(keys, try records.bytes(of: entries))))
    }

    /// `data.pkl` at the top or one directory down (`archive/data.pkl`, `model_weights/data.pkl`).
    static func isDataPickle(_ name: String) -> Bool {
        guard name.hasSuffix("data.pkl") else { return false }
        let prefix = name.dropLast("data.pkl".count)
        return prefix.isEmpty || (prefix.hasSuffix("/") && prefix.dropLast().firstIndex(of: "/") == nil && prefix.count > 1)
    }
}

/// Entry bytes of one zip: stored entries in place, deflated ones inflated into one spool file shared by the
/// whole archive and mapped once per batch.
private final class ZipRecords {
    private let archive: ZipArchive
    private let spoolDirectory: String?
    private var spool: SpoolFile?

    init(archive: ZipArchive, spoolDirectory: String?) {
        self.archive = archive
        self.spoolDirectory = spoolDirectory
    }

    /// The bytes of each of `entries`, in order.
    func bytes(of entries: [ZipEntry]) throws -> [ByteView] {
        var inflated: [Int: Range<Int>] = [:]
        for (index, entry) in entries.enumerated() where entry.method != 0 {
            let spool = try self.spool ?? SpoolFile(directory: spoolDirectory)
            self.spool = spool
            // Records start 64-byte aligned, as torch aligns them in the zip, so tensors can be read in place.
            let padding = (64 - spool.count % 64) % 64
            if padding > 0 { try spool.write([UInt8](repeating: 0, count: padding)) }
            let start = spool.count
            try archive.inflate(entry, into: spool)
            inflated[index] = start..<spool.count
        }
        let mapping = try inflated.isEmpty ? ByteView.empty : spool!.map()
        return try entries.enumerated().map { index, entry in
            guard let range = inflated[index] else { return try archive.data(of: entry) }
            return try mapping.slice(offset: range.lowerBound, length: range.count, context: entry.name)
        }
    }
}
