/// The error vocabulary shared by every Decant module.
///
/// Every module throws its own typed enums; they all conform to `DecantError` so the CLI can print
/// one line (`description`) that says what was expected and what was found.
public protocol DecantError: Error, CustomStringConvertible, Sendable {}

/// File-system failures, with the path and the OS reason.
public enum IOError: DecantError, Equatable {
    case cannotOpen(path: String, reason: String)
    case cannotMap(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case cannotRename(from: String, to: String, reason: String)
    /// An input path names a FIFO, a device, a directory…: reading it could block forever or never end.
    case notARegularFile(path: String, type: FileType)
    /// An output path names something decant must not replace: a device, a FIFO, a link, a directory where a
    /// file goes (or a file where a directory export goes).
    case destinationInTheWay(path: String, found: FileType, expected: FileType)
    /// An output path is, by device and inode (so also through links), one of the files being read.
    case destinationIsAnInput(destination: String, input: String)
    /// A directory export into a folder that already holds other entries, without permission to replace the
    /// export's own files there.
    case directoryNotEmpty(path: String, entries: [String], exportFiles: [String])
    /// An input with no bytes at all (no format Decant reads is empty).
    case emptyFile(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open \(path): \(reason)"
        case let .cannotMap(path, reason): return "cannot memory-map \(path): \(reason)"
        case let .cannotCreate(path, reason): return "cannot create \(path): \(reason)"
        case let .readFailed(path, reason): return "cannot read \(path): \(reason)"
        case let .writeFailed(path, reason): return "cannot write \(path): \(reason)"
        case let .cannotRename(from, to, reason): return "cannot move \(from) to \(to): \(reason)"
        case let .notARegularFile(path, type): return "expected a regular file, \(path) is \(type.rawValue)"
        case let .destinationInTheWay(path, found, expected):
            return "refusing to write \(path): it is \(found.rawValue), not \(expected.rawValue), and decant never replaces it"
        case let .destinationIsAnInput(destination, input):
            return "refusing to write \(destination): it is the same file as the input \(input)"
        case let .directoryNotEmpty(path, entries, exportFiles):
            let shown = entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", … (\(entries.count) entries)" : "")
            return "refusing to write the export into \(path): the directory is not empty (it holds \(shown)); use a new or empty "
                + "directory, or pass --force to replace only the export's own files (\(exportFiles.joined(separator: ", ")))"
        case let .emptyFile(path): return "\(path): the file is empty"
        }
    }
}

/// A read that ran past the end of the bytes it was given.
public struct TruncatedError: DecantError, Equatable {
    /// What was being read, e.g. "tar header" or "pickle BINUNICODE length".
    public let context: String
    public let offset: Int
    public let needed: Int
    public let available: Int

    public init(context: String, offset: Int, needed: Int, available: Int) {
        self.context = context
        self.offset = offset
        self.needed = needed
        self.available = available
    }

    public var description: String {
        "truncated \(context): needed \(needed) bytes at offset \(offset), only \(available) left"
    }
}
