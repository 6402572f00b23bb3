import Bytes

/// Walks a zip front to back through its local headers while the bytes are still arriving (a checkpoint being
/// decrypted into a spool file), so entries can be used before the central directory at the end exists.
///
/// torch writes every entry with a data descriptor and zeros in the local header's sizes, so an entry's end is
/// found either from a size the caller already knows (a storage's numel × element size, from `data.pkl`) or, for
/// small entries, by finding the one data descriptor that is consistent with its position (signature, sizes equal
/// to the distance from the data start, a header right after it). That search is a heuristic, which is why this
/// walker only schedules reads: a caller must cross-check everything it used against `ZipArchive` once the whole
/// file is there, and discard its work on any difference.
public struct ZipLocalWalker {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let localHeaderOffset: Int
        public let dataOffset: Int
        public let size: Int
    }

    /// The whole file's region (its final size); bytes past what `wait` has confirmed are not read.
    private let view: ByteView
    /// Blocks until bytes `0..<end` of `view` are present, or throws why they never will be.
    private let wait: (Int) throws -> Void
    private var offset = 0
    private var atEnd = false
    /// Largest entry whose end is searched for rather than known.
    public static let searchLimit = 64 << 20

    public init(view: ByteView, wait: @escaping (Int) throws -> Void) {
        self.view = view
        self.wait = wait
    }

    /// The next entry, nil at the central directory. `knownSize` gives an entry's size when the caller knows it;
    /// otherwise its data descriptor is searched for (entries up to `searchLimit`).
    public mutating func next(knownSize: (String) -> Int?) throws -> Entry? {
        guard !atEnd else { return nil }
        let start = offset
        try available(start + 4)
        let signature = view.buffer.loadUnaligned(fromByteOffset: start, as: UInt32.self).littleEndian
        if signature == 0x0201_4B50 || signature == 0x0605_4B50 {
            atEnd = true
            return nil
        }
        guard signature == 0x0403_4B50 else { throw ZipError.badLocalHeader(entry: "#\(start)", offset: start) }
        try available(start + 30)
        let flags = u16(start + 6)
        let method = Int(u16(start + 8))
        let nameLength = Int(u16(start + 26))
        let extraLength = Int(u16(start + 28))
        let dataOffset = start + 30 + nameLength + extraLength
        try available(dataOffset)
        let nameBytes = UnsafeRawBufferPointer(rebasing: view.buffer[(start + 30)..<(start + 30 + nameLength)])
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw ZipError.invalidName(index: -1) }
        guard method == 0 else { throw ZipError.compressedEntry(entry: name, method: method) }
        guard flags & 1 == 0 else { throw ZipError.encryptedEntry(entry: name) }

        let size: Int
        if flags & 0x8 == 0 {
            // Sizes in the local header (zip64 ones would be in its extra field; torch never writes these).
            let stored = Int(u32(start + 18))
            guard stored != 0xFFFF_FFFF else { throw ZipError.zip64FieldMissing(entry: name, field: "local size") }
            size = stored
            offset = try end(of: name, dataOffset: dataOffset, size: size, descriptor: false)
        } else if let known = knownSize(name) {
            size = known
            offset = try end(of: name, dataOffset: dataOffset, size: size, descriptor: true)
        } else {
            (size, offset) = try searchDescriptor(name: name, dataOffset: dataOffset)
        }
        return Entry(name: name, localHeaderOffset: start, dataOffset: dataOffset, size: size)
    }

    /// Where the entry after this one starts; checks the data descriptor (16 or 24 bytes, with signature) when
    /// there is one.
    private func end(of name: String, dataOffset: Int, size: Int, descriptor: Bool) throws -> Int {
        let (dataEnd, overflow) = dataOffset.addingReportingOverflow(size)
        guard size >= 0, !overflow, dataEnd <= view.count else {
            throw ZipError.entryOutOfRange(entry: name, start: dataOffset, end: overflow ? Int.max : dataEnd, limit: view.count)
        }
        guard descriptor else { return dataEnd }
        try available(min(dataEnd + 24 + 4, view.count))
        guard let length = descriptorLength(at: dataEnd, size: size) else {
            throw ZipError.badLocalHeader(entry: name, offset: dataEnd)
        }
        return dataEnd + length
    }

    /// The first position after `dataOffset` holding a descriptor that names its own distance as the size.
    private func searchDescriptor(name: String, dataOffset: Int) throws -> (size: Int, next: Int) {
        let limit = min(view.count, dataOffset + Self.searchLimit)
        var searched = dataOffset
        var window = 64 << 10
        while searched < limit {
            let through = min(limit, searched + window)
            try available(min(through + 28, view.count))
            var position = searched
            while position < through {
                if view[position] == 0x50, position + 4 <= view.count,
                   view.buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian == 0x0807_4B50,
                   let length = descriptorLength(at: position, size: position - dataOffset) {
                    return (position - dataOffset, position + length)
                }
                position += 1
            }
            searched = through
            window *= 2
        }
        throw ZipError.entryOutOfRange(entry: name, start: dataOffset, end: limit, limit: view.count)
    }

    /// The length of a signed data descriptor at `position` whose sizes both equal `size` and that is followed by
    /// a local or central header; nil when there is none.
    private func descriptorLength(at position: Int, size: Int) -> Int? {
        guard position + 16 <= view.count,
              view.buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian == 0x0807_4B50 else { return nil }
        for (length, wide) in [(16, false), (24, true)] where position + length + 4 <= view.count {
            let (compressed, uncompressed) = wide
                ? (Int(truncatingIfNeeded: u64(position + 8)), Int(truncatingIfNeeded: u64(position + 16)))
                : (Int(u32(position + 8)), Int(u32(position + 12)))
            let following = u32(position + length)
            if compressed == size, uncompressed == size, following == 0x0403_4B50 || following == 0x0201_4B50 {
                return length
            }
        }
        return nil
    }

    private func available(_ end: Int) throws {
        guard end <= view.count else {
            throw ZipError.truncated(TruncatedError(context: "zip local header", offset: offset, needed: end - offset,
                                                    available: view.count - offset))
        }
        try wait(end)
    }

    private func u16(_ at: Int) -> UInt16 { view.buffer.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian }
    private func u32(_ at: Int) -> UInt32 { view.buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
    private func u64(_ at: Int) -> UInt64 { view.buffer.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian }
}
