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
    private let registration: MappingRegistration?

    public init(path: String) throws(IOError) {
        self.path = path
        let (fd, size) = try openInputFile(path)
        defer { close(fd) }
        count = size
        if count == 0 {
            base = nil
            registration = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .cannotMap(path: path, reason: systemErrorText()) }
        base = mapped
        // Another process can truncate the file while it is mapped; touching a page past the new end raises
        // SIGBUS, which the CLI's handler reports as this path shrinking.
        registration = MappingRegistration(base: mapped, count: count, path: path)
    }

    /// The file at `path`, or nil when there is none (for optional files beside an input).
    public static func ifPresent(path: String) throws(IOError) -> MappedFile? {
        nothingExists(at: path) ? nil : try MappedFile(path: path)
    }

    deinit {
        registration?.unregister()
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
