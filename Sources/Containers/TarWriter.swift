/// A streaming tar writer: ustar headers, PAX records for long names and huge sizes, deterministic output.
import Bytes

/// Writes members one after the other into a sink; nothing is buffered beyond one chunk.
///
/// Output is deterministic (mtime 0, uid/gid 0, no user names), so the same input gives the same bytes.
/// Names longer than 100 bytes and sizes of 8 GiB or more get a `././@PaxHeader` record, as Python's
/// tarfile writes them, which every modern reader understands.
public final class TarWriter {
    private let sink: ByteSink
    private var finished = false
    public private(set) var bytesWritten = 0

    public init(sink: ByteSink) {
        self.sink = sink
    }

    /// A directory entry; `"."` writes NeMo's root entry `./`.
    public func addDirectory(_ path: String, mode: Int = 0o755) throws {
        let name = path == "." ? "./" : (path.hasSuffix("/") ? path : path + "/")
        try writeHeader(name: name, typeflag: UInt8(ascii: "5"), size: 0, mode: mode)
    }

    /// A file whose `size` bytes are pulled from `source`; the source must hold exactly that many. Sources
    /// that lend their buffer (`EFFArchive.readArtifacts`') are written from it without a copy.
    public func addFile(_ path: String, size: Int, from source: ByteSource, mode: Int = 0o644) throws {
        try writeHeader(name: path, typeflag: UInt8(ascii: "0"), size: size, mode: mode)
        if let lender = source as? LendingByteSource {
            var copied = 0
            while true {
                // One byte past `size` is asked for, so a longer source is caught.
                let n = try lender.lend(upTo: size - copied + 1) { bytes in
                    guard copied + bytes.count <= size else {
                        throw TarError.sizeMismatch(path: path, declared: size, actual: copied + bytes.count)
                    }
                    try emit(bytes)
                }
                if n == 0 { break }
                copied += n
            }
            guard copied == size else { throw TarError.sizeMismatch(path: path, declared: size, actual: copied) }
            return try pad(size)
        }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var copied = 0
        while true {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[..<min(chunk.count, size - copied + 1)]))
            if n == 0 { break }
            copied += n
            guard copied <= size else { throw TarError.sizeMismatch(path: path, declared: size, actual: copied) }
            try emit(UnsafeRawBufferPointer(rebasing: chunk[..<n]))
        }
        guard copied == size else { throw TarError.sizeMismatch(path: path, declared: size, actual: copied) }
        try pad(size)
    }

    /// A file with the given contents (zero-copy from a view).
    public func addFile(_ path: String, contents: ByteView, mode: Int = 0o644) throws {
        try writeHeader(name: path, typeflag: UInt8(ascii: "0"), size: contents.count, mode: mode)
        try emit(contents.buffer)
        try pad(contents.count)
    }

    /// Writes the end-of-archive marker (two zero blocks).
    public func finish() throws {
        guard !finished else { return }
        try emit(zeroBlocks)
        finished = true
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        bytesWritten += bytes.count
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }

    private func pad(_ size: Int) throws {
        let padding = paddedTarSize(size) - size
        if padding > 0 { try emit(Array(zeroBlocks[..<padding])) }
    }

    private func writeHeader(name: String, typeflag: UInt8, size: Int, mode: Int) throws {
        precondition(!finished, "TarWriter used after finish()")
        let nameBytes = Array(name.utf8)
        let sizeFits = size < 0o77777777777
        var records = ""
        if nameBytes.count > 100 || !nameBytes.allSatisfy({ $0 < 0x80 }) { records += paxRecord("path", name) }
        if !sizeFits { records += paxRecord("size", String(size)) }
        if !records.isEmpty {
            let data = Array(records.utf8)
            try emit(Self.headerBlock(name: Array("././@PaxHeader".utf8), typeflag: UInt8(ascii: "x"), size: data.count, mode: 0o644))
            try emit(data)
            try pad(data.count)
        }
        // With a PAX path the ustar name is a truncated fallback, as Python writes it.
        let block = Self.headerBlock(name: Array(nameBytes.prefix(100)), typeflag: typeflag, size: sizeFits ? size : 0, mode: mode)
        try emit(block)
    }

    private func paxRecord(_ key: String, _ value: String) -> String {
        // The length prefix counts itself, so grow it until it is stable.
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return "\(length)\(body)"
    }

    private static func headerBlock(name: [UInt8], typeflag: UInt8, size: Int, mode: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: tarBlockSize)
        func put(_ bytes: [UInt8], at offset: Int) { block.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        block[156] = typeflag
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        return block
    }
}

private let zeroBlocks = [UInt8](repeating: 0, count: 2 * tarBlockSize)
