/// Deflated zip entries (method 8): torch never writes them, but `torch.load` reads them, and Python's zipfile
/// writes them when a checkpoint is re-packed with `ZIP_DEFLATED`.
import Bytes
import CZlib

extension ZipArchive {
    /// deflate's densest encoding: a 258-byte match costs at least 2 bits, so no stream expands past about
    /// 1032:1. A larger declared size cannot be real and is refused before anything is inflated.
    public static let maxDeflateRatio = 1032

    /// Output buffer of one `inflate` call: with zlib's 32 KiB window state, all the heap inflating takes.
    static let inflateChunkSize = 1 << 20

    /// Writes `entry`'s uncompressed bytes to `sink`: a stored entry as it lies, a deflated one inflated.
    ///
    /// Inflating stops one byte past the declared uncompressed size (so a lying entry costs at most that), the
    /// stream must end exactly at the entry's compressed size, and the CRC-32 must match.
    public func inflate(_ entry: ZipEntry, into sink: ByteSink) throws {
        guard !entry.isEncrypted else { throw ZipError.encryptedEntry(entry: entry.name) }
        guard entry.method == 8 else {
            try sink.write(try data(of: entry))
            return
        }
        // A size past what deflate can reach is a lie (or a bomb); it is refused before any work.
        let (reachable, overflow) = entry.compressedSize.multipliedReportingOverflow(by: Self.maxDeflateRatio)
        guard overflow || entry.uncompressedSize <= reachable + Self.maxDeflateRatio else {
            throw ZipError.implausibleInflatedSize(entry: entry.name, compressed: entry.compressedSize,
                                                   uncompressed: entry.uncompressedSize)
        }
        let compressed: ByteView
        do { compressed = try view.slice(offset: entry.dataOffset, length: entry.compressedSize, context: entry.name) } catch {
            throw ZipError.truncated(error)
        }
        try RawInflater(entry: entry).run(compressed, into: sink)
    }
}

/// One raw deflate stream (no zlib or gzip wrapper), inflated chunk by chunk into a sink.
private final class RawInflater {
    private let entry: ZipEntry
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer

    init(entry: ZipEntry) throws(ZipError) {
        self.entry = entry
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // -15: raw deflate, the largest window (zip stores no header).
        guard inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw .corruptDeflate(entry: entry.name, reason: "zlib could not start inflating")
        }
        output = .allocate(byteCount: ZipArchive.inflateChunkSize, alignment: 64)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    func run(_ compressed: ByteView, into sink: ByteSink) throws {
        let declared = entry.uncompressedSize
        var fed = 0
        var produced = 0
        var crc = crc32(0, nil, 0)
        while true {
            if stream.pointee.avail_in == 0, fed < compressed.count {
                // zlib counts input in 32 bits: feed at most 1 GiB at a time.
                let length = min(compressed.count - fed, 1 << 30)
                stream.pointee.next_in = UnsafeMutablePointer(mutating: compressed.buffer.baseAddress!.advanced(by: fed)
                    .assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(length)
                fed += length
            }
            // Room for one byte past the declared size, to notice an entry that inflates to more.
            let room = min(output.count, declared - produced + 1)
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let code = inflate(stream, Z_NO_FLUSH)
            let count = room - Int(stream.pointee.avail_out)
            if count > 0 {
                guard produced + count <= declared else {
                    throw ZipError.inflatedSizeMismatch(entry: entry.name, declared: declared, found: declared + 1)
                }
                crc = crc32(crc, output.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(count))
                try sink.write(UnsafeRawBufferPointer(rebasing: output[..<count]))
                produced += count
            }
            switch code {
            case Z_STREAM_END:
                let unused = compressed.count - fed + Int(stream.pointee.avail_in)
                guard unused == 0 else {
                    throw ZipError.corruptDeflate(entry: entry.name, reason: "\(unused) bytes follow the end of the deflate stream")
                }
                guard produced == declared else {
                    throw ZipError.inflatedSizeMismatch(entry: entry.name, declared: declared, found: produced)
                }
                guard UInt32(crc) == entry.crc32 else {
                    throw ZipError.crcMismatch(entry: entry.name, stored: entry.crc32, computed: UInt32(crc))
                }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.pointee.avail_in == 0 && fed == compressed.count:
                throw ZipError.corruptDeflate(entry: entry.name, reason: "the deflate stream ends before its last block")
            case Z_BUF_ERROR:
                continue
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw ZipError.corruptDeflate(entry: entry.name, reason: reason)
            }
        }
    }
}
