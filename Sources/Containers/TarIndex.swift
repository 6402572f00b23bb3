/// Tar reading mode (b): an index over a whole archive in memory or mapped, with zero-copy member data.
import Bytes

/// All members of a plain (uncompressed) tar held in a `ByteView`, typically a `MappedFile`.
///
/// Building the index touches only header blocks; `data(of:)` is a slice of the same view, so a 1.3 GB
/// `model_weights.ckpt` inside a mapped `.nemo` costs no copy and no read until its pages are used.
public struct TarIndex: Sendable {
    public let view: ByteView
    /// Members in archive order, extension records (`x`, `g`, `L`, `K`) already applied and removed; no two
    /// share a normalised path (`TarError.duplicateMember`), so `entry(_:)` is unambiguous.
    public let entries: [TarEntry]

    public init(view: ByteView) throws(TarError) {
        self.view = view
        var entries: [TarEntry] = []
        var table = TarMemberTable()
        var extensions = TarExtensions()
        var offset = 0
        while true {
            // Every writer ends with zero blocks; without one, a cut at a block boundary would go unnoticed.
            guard view.count - offset >= tarBlockSize else { throw .truncated(what: "a 512-byte header or the end-of-archive marker", offset: offset) }
            let block = UnsafeRawBufferPointer(rebasing: view.buffer[offset..<(offset + tarBlockSize)])
            if TarHeader.isZeroBlock(block) { break }
            var header = try TarHeader(block: block, offset: offset)
            let dataOffset = offset + tarBlockSize
            if header.isExtension {
                guard header.size <= TarExtensions.recordLimit else { throw .badPaxRecord(offset: offset) }
                guard header.size <= view.count - dataOffset else { throw .truncated(what: "\(header.size) bytes of extension record", offset: dataOffset) }
                try extensions.absorb(header, data: UnsafeRawBufferPointer(rebasing: view.buffer[dataOffset..<(dataOffset + header.size)]), offset: offset)
            } else {
                try extensions.apply(to: &header, offset: offset)
                let entry = TarEntry(header: header, dataOffset: dataOffset)
                guard entry.size <= view.count - dataOffset else {
                    throw .truncated(what: "\(entry.size) bytes of \(entry.storedName)", offset: dataOffset)
                }
                try table.add(entry)
                entries.append(entry)
            }
            let dataSize = header.dataFollows ? header.size : 0
            offset = dataOffset + paddedTarSize(dataSize)
        }
        self.entries = entries
    }

    /// Whether `bytes` begin with a tar header: POSIX/GNU (`ustar` at 257) or pre-POSIX v7 (a valid checksum).
    public static func recognises(_ bytes: UnsafeRawBufferPointer) -> Bool { TarHeader.startsArchive(bytes) }

    public static func recognises(_ view: ByteView) -> Bool { recognises(view.buffer) }

    /// The member whose normalised path is `path` (given with or without `./`).
    public func entry(_ path: String) -> TarEntry? {
        let wanted = TarPath.normalise(path)
        return entries.first { $0.path == wanted }
    }

    /// A member's data, zero-copy. Only entries from this index are valid here.
    public func data(of entry: TarEntry) -> ByteView {
        // Bounds were checked when the index was built.
        try! view.slice(offset: entry.dataOffset, length: entry.size, context: entry.storedName)
    }
}
