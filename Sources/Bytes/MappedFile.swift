#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only; the basis of zero-copy reading.
///
/// Opening costs O(1): nothing is read until a page is touched.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    public init(path: String) throws(IOError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: systemErrorText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: systemErrorText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path: path) }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .cannotMap(path: path, reason: systemErrorText()) }
        base = mapped
    }

    deinit {
        if let base { munmap(base, count) }
    }

    public var view: ByteView {
        ByteView(owner: self, buffer: UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) }, count: count))
    }

    /// Tells the kernel the file will be read front to back (bigger read-ahead).
    public func adviseSequential() {
        #if canImport(Glibc)
        if let base { _ = madvise(base, count, MADV_SEQUENTIAL) }
        #endif
    }

    /// Drops resident pages of an already-consumed range so streaming a big file keeps RSS flat.
    public func release(offset: Int, length: Int) {
        guard offset >= 0, length > 0, offset < count else { return }
        releasePages(UnsafeRawBufferPointer(rebasing: view.buffer[offset..<min(count, offset + length)]))
    }
}

extension MappedFile: PageReleasable {
    public func releasePages(_ bytes: UnsafeRawBufferPointer) {
        dropResidentPages(bytes, of: view.buffer)
    }
}
