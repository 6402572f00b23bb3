#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something bytes can be pushed into: a file, a gzip writer, a cipher, a hasher.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ view: ByteView) throws {
        try write(view.buffer)
    }
}

/// Something bytes can be pulled from in chunks: a file, an inflater, a tar member.
public protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes; returns 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSource {
    /// Reads exactly `buffer.count` bytes or throws a truncation naming `context`.
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, context: String) throws {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { throw TruncatedError(context: context, offset: filled, needed: buffer.count, available: filled) }
            filled += n
        }
    }

    /// Copies everything that is left into `sink` in chunks of `chunkSize`; returns the byte count. A lending
    /// source hands its own buffers to the sink instead (one copy less per byte).
    @discardableResult
    public func pump(into sink: ByteSink, chunkSize: Int = 1 << 20) throws -> Int {
        if let lender = self as? LendingByteSource {
            var total = 0
            while true {
                let n = try lender.lend(upTo: chunkSize) { try sink.write($0) }
                if n == 0 { return total }
                total += n
            }
        }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { chunk.deallocate() }
        var total = 0
        while true {
            let n = try read(into: chunk)
            if n == 0 { return total }
            try sink.write(UnsafeRawBufferPointer(rebasing: chunk[..<n]))
            total += n
        }
    }

    /// Reads everything left into an array (for small members only).
    public func readAll(limit: Int = Int.max) throws -> [UInt8] {
        let collector = CollectingSink(limit: limit)
        try pump(into: collector, chunkSize: 64 << 10)
        return collector.bytes
    }
}

/// A source that can lend its own buffer instead of copying into the reader's.
public protocol LendingByteSource: ByteSource {
    /// Calls `body` with the next 1...`limit` bytes, valid only during the call, and returns how many;
    /// 0 at the end, without calling `body`.
    func lend(upTo limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int
}

/// Reads a `ByteView` as a stream.
public final class ViewSource: ByteSource {
    private let view: ByteView
    public private(set) var offset = 0

    public init(_ view: ByteView) { self.view = view }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, view.count - offset)
        guard n > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: view.buffer.baseAddress! + offset, byteCount: n)
        offset += n
        return n
    }
}

/// Reads a file descriptor (a pipe, stdin), or a regular file front to back.
public final class FileSource: ByteSource {
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool

    public init(path: String) throws(IOError) {
        self.path = path
        fd = try openInputFile(path).descriptor
        ownsDescriptor = true
    }

    public init(descriptor: Int32, name: String) {
        self.path = name
        self.fd = descriptor
        ownsDescriptor = false
    }

    deinit { if ownsDescriptor { close(fd) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw IOError.readFailed(path: path, reason: systemErrorText())
        }
    }
}

/// Collects written bytes in memory, refusing to grow past `limit`.
public final class CollectingSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public let limit: Int

    public init(limit: Int = Int.max) { self.limit = limit }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard buffer.count <= limit - bytes.count else { throw LimitError(what: "in-memory buffer", limit: limit) }
        bytes.append(contentsOf: buffer)
    }
}

/// Counts and discards.
public final class DiscardingSink: ByteSink {
    public private(set) var count = 0
    public init() {}
    public func write(_ buffer: UnsafeRawBufferPointer) throws { count += buffer.count }
}

/// A resource ceiling that input tried to exceed.
public struct LimitError: DecantError, Equatable {
    public let what: String
    public let limit: Int
    public init(what: String, limit: Int) {
        self.what = what
        self.limit = limit
    }
    public var description: String { "\(what) exceeds the limit of \(limit) bytes" }
}
