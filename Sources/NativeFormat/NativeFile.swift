import Bytes
import Quantization
import JSON
import Tensors

/// A .decant file opened for zero-copy use: the header is validated at open, tensor data is not touched.
///
/// Opening maps the file and reads only the preamble, metadata and directory, so it costs O(header) however
/// large the tensors are. Every offset, length, shape, type and alignment is checked before a view is handed
/// out; tensor checksums are checked on demand by `verifyChecksums()` (they need every byte read).
public final class NativeFile: @unchecked Sendable {
    public let view: ByteView
    public let version: UInt32
    public let alignment: Int
    public let metadata: [String: JSONValue]
    /// Directory entries in file order.
    public let tensors: [NativeTensorInfo]
    /// File offset of the data section.
    public let dataOffset: Int
    private let index: [String: Int]

    public convenience init(path: String, limits: NativeFormatLimits = NativeFormatLimits()) throws {
        try self.init(view: try MappedFile(path: path).view, limits: limits)
    }

    public init(view: ByteView, limits: NativeFormatLimits = NativeFormatLimits()) throws(NativeFormatError) {
        let preamble = try Preamble(view, limits: limits)
        let headerEnd = NativeLayout.preambleSize + preamble.metadataBytes + preamble.directoryBytes
        var hasher = XXH64()
        hasher.update(UnsafeRawBufferPointer(rebasing: view.buffer[0..<NativeLayout.headerChecksumOffset]))
        hasher.update(UnsafeRawBufferPointer(rebasing: view.buffer[NativeLayout.preambleSize..<headerEnd]))
        guard hasher.digest() == preamble.headerChecksum else {
            throw .headerChecksumMismatch(stored: preamble.headerChecksum, computed: hasher.digest())
        }

        let metadataStart = NativeLayout.preambleSize
        let metadataBytes = UnsafeRawBufferPointer(rebasing: view.buffer[metadataStart..<(metadataStart + preamble.metadataBytes)])
        let metadataValue: JSONValue
        do { metadataValue = try JSONParser.parse(metadataBytes) } catch { throw .metadataNotJSON(error) }
        guard case let .object(metadata) = metadataValue else { throw .metadataNotAnObject(found: metadataValue.kindDescription) }

        let directory = try! view.slice(offset: metadataStart + preamble.metadataBytes, length: preamble.directoryBytes)  // in range: checked
        let dataBytes = view.count - preamble.dataOffset
        let tensors = try NativeFile.parseDirectory(directory, count: preamble.tensorCount, alignment: preamble.alignment, dataBytes: dataBytes)

        self.view = view
        self.version = preamble.version
        self.alignment = preamble.alignment
        self.metadata = metadata
        self.tensors = tensors
        self.dataOffset = preamble.dataOffset
        self.index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    public var names: [String] { tensors.map(\.name) }

    /// The tensor's bytes in place (zero-copy), with its storage type and shape.
    public func tensor(named name: String) throws(NativeFormatError) -> NativeTensor {
        guard let position = index[name] else { throw .tensorNotFound(name) }
        let info = tensors[position]
        // Bounds were validated at open.
        return NativeTensor(info: info, bytes: try! view.slice(offset: dataOffset + info.offset, length: info.length))
    }

    /// Reads every tensor and compares its XXH64 with the directory; throws at the first mismatch.
    public func verifyChecksums() throws(NativeFormatError) {
        for info in tensors {
            let bytes = try! view.slice(offset: dataOffset + info.offset, length: info.length)  // validated at open
            let computed = XXH64.hash(bytes.buffer)
            guard computed == info.checksum else { throw .checksumMismatch(name: info.name, stored: info.checksum, computed: computed) }
        }
    }

    /// Bytes of tensor data (the data section).
    public var dataBytes: Int { view.count - dataOffset }

    private static func parseDirectory(_ directory: ByteView, count: Int, alignment: Int, dataBytes: Int) throws(NativeFormatError) -> [NativeTensorInfo] {
        var reader = ByteReader(directory, context: "tensor directory")
        var tensors: [NativeTensorInfo] = []
        tensors.reserveCapacity(count)
        var seen = Set<String>()
        var end = 0  // end of the previous tensor, relative to the data section
        for entry in 0..<count {
            let raw: RawEntry
            do {
                raw = try readEntry(&reader, entry: entry)
            } catch let error as NativeFormatError {
                throw error
            } catch {
                throw .directoryTruncated(entry: entry)
            }
            let name = raw.name
            guard seen.insert(name).inserted else { throw .duplicateTensorName(name) }
            guard raw.offset % UInt64(alignment) == 0 else { throw .misalignedOffset(name: name, offset: raw.offset, alignment: alignment) }
            if let previous = tensors.last, raw.offset < UInt64(end) { throw .overlappingTensors(name: name, previous: previous.name) }
            let expected = NativeLayout.alignUp(end, alignment)!  // end ≤ dataBytes, far from overflow
            guard raw.offset == UInt64(expected) else { throw .gapBeforeTensor(name: name, expectedOffset: expected, found: raw.offset) }
            guard raw.length <= dataBytes - expected else {
                throw .tensorOutOfBounds(name: name, end: raw.offset + UInt64(raw.length), dataBytes: dataBytes)
            }
            end = expected + raw.length
            tensors.append(NativeTensorInfo(name: name, storage: raw.storage, shape: raw.shape, offset: expected,
                                            length: raw.length, checksum: raw.checksum))
        }
        guard reader.isAtEnd else { throw .directoryLengthMismatch(declared: directory.count, parsed: reader.offset) }
        guard end == dataBytes else { throw .dataLengthMismatch(expected: end, found: dataBytes) }
        return tensors
    }

    /// One entry: u16 name length, name, u8 storage code, u8 rank, rank × u64 dims, u64 offset, u64 length, u64 checksum.
    private struct RawEntry {
        let name: String
        let storage: StorageType
        let shape: [Int]
        let offset: UInt64
        let length: Int
        let checksum: UInt64
    }

    private static func readEntry(_ reader: inout ByteReader, entry: Int) throws -> RawEntry {
        let nameLength = Int(try reader.u16("name length"))
        guard nameLength >= 1, nameLength <= NativeLayout.maximumNameBytes else {
            throw NativeFormatError.invalidNameLength(entry: entry, length: nameLength)
        }
        let nameBytes = try reader.bytes(nameLength, "name")
        guard let name = String(validating: nameBytes.buffer, as: UTF8.self) else { throw NativeFormatError.nameNotUTF8(entry: entry) }
        let code = try reader.u8("storage type")
        let rank = Int(try reader.u8("rank"))
        guard let storage = NativeLayout.storage(code: code) else { throw NativeFormatError.unknownStorageType(name: name, code: code) }
        guard rank <= NativeLayout.maximumRank else { throw NativeFormatError.rankTooLarge(name: name, rank: rank) }
        var dimensions: [UInt64] = []
        for _ in 0..<rank { dimensions.append(try reader.u64("dimension")) }
        let offset = try reader.u64("offset")
        let length = try reader.u64("length")
        let checksum = try reader.u64("checksum")

        guard dimensions.allSatisfy({ $0 <= UInt64(Int.max) }) else { throw NativeFormatError.invalidShape(name: name, dimensions: dimensions) }
        let shape = dimensions.map { Int($0) }
        let expectedLength: Int
        do {
            expectedLength = try storage.byteCount(shape: shape, name: name)
        } catch .notBlockAligned {
            throw NativeFormatError.shapeNotBlockAligned(name: name, storage: storage, shape: shape)
        } catch {
            throw NativeFormatError.invalidShape(name: name, dimensions: dimensions)
        }
        guard length == UInt64(expectedLength) else { throw NativeFormatError.lengthMismatch(name: name, expected: expectedLength, found: length) }
        return RawEntry(name: name, storage: storage, shape: shape, offset: offset, length: expectedLength, checksum: checksum)
    }
}

/// The 64-byte preamble, validated against the file size and the limits.
private struct Preamble {
    let version: UInt32
    let alignment: Int
    let metadataBytes: Int
    let tensorCount: Int
    let directoryBytes: Int
    let dataOffset: Int
    let headerChecksum: UInt64

    init(_ view: ByteView, limits: NativeFormatLimits) throws(NativeFormatError) {
        guard view.count >= NativeLayout.preambleSize else { throw .truncatedPreamble(fileBytes: view.count) }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: view.buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: view.buffer.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard view.matches(NativeLayout.magic) else { throw .badMagic(found: Array(view.buffer[0..<8])) }
        version = u32(8)
        guard version == NativeLayout.version else { throw .unsupportedVersion(version) }
        let alignment = u32(12)
        guard alignment >= 64, alignment <= NativeLayout.maximumAlignment, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(alignment)
        }
        self.alignment = Int(alignment)
        let metadata = u64(16), count = u64(24), directory = u64(32), data = u64(40), fileLength = u64(48)
        guard metadata <= UInt64(limits.maximumMetadataBytes) else { throw .metadataTooLarge(bytes: metadata, limit: limits.maximumMetadataBytes) }
        guard count <= UInt64(limits.maximumTensorCount) else { throw .tooManyTensors(count: count, limit: limits.maximumTensorCount) }
        guard directory <= UInt64(limits.maximumDirectoryBytes) else { throw .directoryTooLarge(bytes: directory, limit: limits.maximumDirectoryBytes) }
        guard fileLength <= UInt64(view.count) else { throw .truncatedFile(expectedBytes: fileLength, fileBytes: view.count) }
        guard fileLength == UInt64(view.count) else { throw .trailingBytes(expectedBytes: fileLength, fileBytes: view.count) }
        metadataBytes = Int(metadata)
        tensorCount = Int(count)
        directoryBytes = Int(directory)
        // Bounded by the limits above, so the sum cannot overflow.
        let expectedData = NativeLayout.alignUp(NativeLayout.preambleSize + metadataBytes + directoryBytes, self.alignment)!
        guard data == UInt64(expectedData), expectedData <= view.count else { throw .dataOffsetMismatch(expected: expectedData, found: data) }
        dataOffset = expectedData
        headerChecksum = u64(NativeLayout.headerChecksumOffset)
    }
}
