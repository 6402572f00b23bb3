import Bytes
import Containers
import Pickle

/// torch ≤ 0.3's tar: members `sys_info`, `storages` (count, then per storage a pickled (key, location, class),
/// an int64 numel and the data, then a pickled view list), `tensors` (count, then per tensor a pickled
/// (key, storage key, class) and raw int32 ndim, 4 pad bytes, int64 sizes, strides and storage offset) and
/// `pickle`, whose persistent ids are the decimal keys of those tensors and storages.
struct TorchTarFormat {
    let document: PickleDocument
    let storages: TorchStorages

    init(_ bytes: ByteView, options: PickleOptions) throws {
        let tar = try TarIndex(view: bytes)
        func member(_ name: String) throws -> ByteView {
            guard let entry = tar.entry(name) else { throw TorchCheckpointError.tarMemberMissing(name) }
            return tar.data(of: entry)
        }
        let sysInfo = try PickleReader.read(try member("sys_info")).root.dictValue
        if sysInfo?["little_endian"] == .bool(false) { throw TorchCheckpointError.bigEndian(format: "torch tar") }

        var roots: [String: TorchStorageRef] = [:]
        var records: [String: ByteView] = [:]
        var storageRefs: [String: TorchStorageRef] = [:]
        let storagesView = try member("storages")
        var offset = 0
        func next(_ view: ByteView, _ member: String) throws -> PickleValue {
            let document = try PickleReader.read(view, at: offset)
            offset = document.endOffset
            return document.root
        }
        func bad(_ member: String, _ reason: String) -> TorchCheckpointError { .tarBadRecord(member: member, reason: reason) }

        guard let storageCount = try next(storagesView, "storages").intValue, storageCount >= 0 else {
            throw bad("storages", "expected a storage count")
        }
        for _ in 0..<storageCount {
            guard case let .tuple(fields) = try next(storagesView, "storages"), fields.count == 3,
                  let key = fields[0].intValue, let location = fields[1].stringValue,
                  case let .global(storageClass) = fields[2], let dtype = TorchDType(legacyClassName: storageClass.name) else {
                throw bad("storages", "expected (key, location, storage class)")
            }
            var reader = ByteReader(storagesView, offset: offset, context: "torch tar storage \(key)")
            let numel = try reader.i64("element count")
            guard numel >= 0, !Int(numel).multipliedReportingOverflow(by: dtype.elementSize).overflow else {
                throw bad("storages", "storage \(key) has an invalid element count \(numel)")
            }
            let storage = TorchStorageRef(key: String(key), dtype: dtype, location: location, numel: Int(numel))
            // A key recorded twice would give its tensors whichever record a reader keeps.
            guard roots[storage.key] == nil else { throw bad("storages", "storage \(key) is recorded twice") }
            records[storage.key] = try reader.bytes(storage.byteCount, "data")
            roots[storage.key] = storage
            storageRefs[storage.key] = storage
            offset = reader.offset
        }
        guard let views = try next(storagesView, "storages").sequenceValue else { throw bad("storages", "expected a view list") }
        for view in views {
            guard let fields = view.sequenceValue, fields.count == 4, let target = fields[0].intValue,
                  let rootKey = fields[1].intValue, let viewOffset = fields[2].intValue, let viewNumel = fields[3].intValue,
                  viewOffset >= 0, viewNumel >= 0, let root = roots[String(rootKey)] else {
                throw bad("storages", "expected views as (key, root key, offset ≥ 0, numel ≥ 0) of a known storage")
            }
            guard storageRefs[String(target)] == nil else { throw bad("storages", "view \(target) is recorded twice or reuses a storage's key") }
            storageRefs[String(target)] = TorchStorageRef(
                key: root.key, dtype: root.dtype, location: root.location, numel: root.numel,
                view: .init(key: String(target), offset: viewOffset, numel: viewNumel))
        }

        var tensors: [String: TorchTensorRef] = [:]
        let tensorsView = try member("tensors")
        offset = 0
        guard let tensorCount = try next(tensorsView, "tensors").intValue, tensorCount >= 0 else {
            throw bad("tensors", "expected a tensor count")
        }
        for _ in 0..<tensorCount {
            guard case let .tuple(fields) = try next(tensorsView, "tensors"), fields.count == 3,
                  let key = fields[0].intValue, let storageKey = fields[1].intValue,
                  let storage = storageRefs[String(storageKey)] else {
                throw bad("tensors", "expected (key, storage key, tensor class) naming a known storage")
            }
            var reader = ByteReader(tensorsView, offset: offset, context: "torch tar tensor \(key)")
            let rank = Int(try reader.i32("ndim"))
            try reader.skip(4, "padding")
            guard rank >= 0, rank <= reader.remaining / 16 else { throw bad("tensors", "tensor \(key) has rank \(rank)") }
            let shape = try (0..<rank).map { _ in Int(try reader.i64("size")) }
            let strides = try (0..<rank).map { _ in Int(try reader.i64("stride")) }
            let storageOffset = Int(try reader.i64("storage offset"))
            var bytes = storage.dtype.elementSize
            for size in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
                guard size >= 0, !overflow else { throw bad("tensors", "tensor \(key) has an invalid shape \(shape)") }
                bytes = product
            }
            offset = reader.offset
            guard tensors[String(key)] == nil else { throw bad("tensors", "tensor \(key) is recorded twice") }
            // A view storage is its own array; the tensor's offset counts from the view's start.
            tensors[String(key)] = TorchTensorRef(storage: storage, storageOffset: storageOffset, shape: shape,
                                                  strides: strides, dtype: storage.dtype)
        }

        document = try PickleReader.read(try member("pickle"), options: options) { id in
            switch id {
            case let .string(key): return tensors[key].map(PickleValue.tensor) ?? storageRefs[key].map(PickleValue.storage)
            // A module's source record: torch returns the class itself.
            case let .tuple(fields): return fields.first
            default: return nil
            }
        }
        storages = TorchStorages(records: records)
    }
}
