#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names, in words, for messages that refuse it.
public enum FileType: String, Sendable, Equatable {
    case regularFile = "a regular file"
    case directory = "a directory"
    case fifo = "a FIFO (named pipe)"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case socket = "a socket"
    case symbolicLink = "a symbolic link"
    case unknown = "a file of unknown type"

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symbolicLink
        default: self = .unknown
        }
    }
}

/// Opens a file a user named as input, for reading: every input open goes through here.
///
/// `O_NONBLOCK` makes opening a FIFO return at once instead of waiting for a writer (forever, if none comes),
/// and `O_NOCTTY` keeps a terminal from becoming the controlling one; the descriptor's `fstat` then refuses
/// anything but a regular file, and only a regular file gets its blocking mode back. Returns the descriptor
/// (close-on-exec, the caller closes it) and the file's size.
public func openInputFile(_ path: String) throws(IOError) -> (descriptor: Int32, size: Int) {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else { throw .cannotOpen(path: path, reason: systemErrorText()) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
        let reason = systemErrorText()
        close(fd)
        throw .cannotOpen(path: path, reason: reason)
    }
    let type = FileType(mode: info.st_mode)
    guard type == .regularFile else {
        close(fd)
        throw .notARegularFile(path: path, type: type)
    }
    let flags = fcntl(fd, F_GETFL)
    guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
        let reason = systemErrorText()
        close(fd)
        throw .cannotOpen(path: path, reason: reason)
    }
    return (fd, Int(info.st_size))
}

/// True when nothing at all is at `path`, not even a dangling link: an optional input that is simply missing.
public func nothingExists(at path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) != 0 && errno == ENOENT
}
