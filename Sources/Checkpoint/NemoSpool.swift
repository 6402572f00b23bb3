#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bytes

/// An anonymous temporary file that a large member (decompressed or decrypted weights) is streamed into and then
/// memory-mapped, so the bytes live in the page cache rather than twice on the heap, and vanish on exit or crash.
///
/// Linux `O_TMPFILE` creates the file without a name; elsewhere (or on file systems without it) the file is
/// created under a recognisable temporary name and unlinked at once.
public final class SpoolFile: ByteSink {
    public let directory: String
    private var fd: Int32
    public private(set) var count = 0

    /// `directory` defaults to `$TMPDIR`, then `/tmp`.
    public init(directory: String? = nil) throws(IOError) {
        let directory = directory ?? SpoolFile.defaultDirectory
        self.directory = directory
        #if os(Linux)
        // O_TMPFILE is a composite macro Swift does not import: __O_TMPFILE (0o20000000) | O_DIRECTORY.
        fd = open(directory, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        #else
        fd = -1
        #endif
        if fd < 0 {
            var template = Array((directory + "/" + temporaryFilePrefix + "spool-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw .cannotCreate(path: directory, reason: String(cString: strerror(errno))) }
            let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            unlink(path)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    public static var defaultDirectory: String {
        if let tmp = getenv("TMPDIR"), tmp.pointee != 0 { return String(cString: tmp) }
        return "/tmp"
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError.writeFailed(path: "temporary file in \(directory)", reason: String(cString: strerror(errno)))
            }
            done += n
        }
        count += done
    }

    /// Sizes the file to `size` bytes up front, so it can be mapped whole while it is still being written.
    public func reserve(_ size: Int) throws(IOError) {
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw .writeFailed(path: "temporary file in \(directory)", reason: String(cString: strerror(errno)))
        }
    }

    /// Frees the file's pages in the whole pages of `offset..<offset + length` (reads there then give zeros), so a
    /// spool that is consumed while it is written never holds more than the bytes in flight. Advisory: false when
    /// the file system cannot punch holes.
    @discardableResult
    public func punch(offset: Int, length: Int) -> Bool {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page
        let end = (offset + length) / page * page
        guard end > start else { return true }
        #if os(Linux)
        return linuxFallocate(fd, fallocatePunchHole | fallocateKeepSize, Int64(start), Int64(end - start)) == 0
        #else
        return false
        #endif
    }

    /// Maps everything written so far read-only; the mapping keeps the file alive after this object is gone.
    public func map() throws(IOError) -> ByteView { try map(length: count) }

    /// Maps the first `length` bytes read-only (a reserved file may be mapped before they are written: writes
    /// through the descriptor show through the mapping).
    public func map(length: Int) throws(IOError) -> ByteView {
        guard length > 0 else { return .empty }
        let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
        guard let base, base != MAP_FAILED else {
            throw .cannotMap(path: "temporary file in \(directory)", reason: String(cString: strerror(errno)))
        }
        let mapping = SpoolMapping(base: base, count: length)
        return ByteView(owner: mapping, buffer: UnsafeRawBufferPointer(start: base, count: length))
    }
}

#if os(Linux)
// glibc declares fallocate only under _GNU_SOURCE, which the Glibc module is not built with.
@_silgen_name("fallocate")
private func linuxFallocate(_ fd: Int32, _ mode: Int32, _ offset: Int64, _ length: Int64) -> Int32
/// FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE from <linux/falloc.h>.
private let fallocateKeepSize: Int32 = 0x01
private let fallocatePunchHole: Int32 = 0x02
#endif

/// Owns a mapping of a spool file; unmapping releases the last reference to the unlinked file.
final class SpoolMapping: PageReleasable, @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { munmap(base, count) }

    /// The mapping is read-only and the file stays until unmapped, so dropped pages are re-read from it.
    func releasePages(_ bytes: UnsafeRawBufferPointer) {
        dropResidentPages(bytes, of: UnsafeRawBufferPointer(start: base, count: count))
    }
}
