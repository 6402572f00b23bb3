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
    case notARegularFile(path: String)
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
        case let .notARegularFile(path): return "\(path) is not a regular file"
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
