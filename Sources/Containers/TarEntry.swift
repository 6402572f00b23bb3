/// One member of a tar archive as both tar readers report it, and the path rules shared by readers and writer.

/// A tar member: its normalised path, what it is, and where its data lives.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        /// Listed, never followed.
        case symlink(target: String)
        /// Listed, never followed.
        case hardlink(target: String)
        /// Devices, FIFOs and unknown type flags, with the flag byte.
        case other(typeflag: UInt8)
    }

    /// The path with leading `./` removed and no trailing `/`; the archive root (`.`, `./`) is ".".
    public let path: String
    /// The name exactly as stored (after PAX/GNU long-name substitution), e.g. `./model_weights.ckpt`.
    public let storedName: String
    public let kind: Kind
    /// Data bytes (0 for anything but files).
    public let size: Int
    /// Where the data starts in the uncompressed tar stream (for `TarIndex`, an offset into its view).
    public let dataOffset: Int
    public let mode: Int
    public let modificationTime: Int

    public init(path: String, storedName: String, kind: Kind, size: Int, dataOffset: Int, mode: Int, modificationTime: Int) {
        self.path = path
        self.storedName = storedName
        self.kind = kind
        self.size = size
        self.dataOffset = dataOffset
        self.mode = mode
        self.modificationTime = modificationTime
    }

    public var isFile: Bool { kind == .file }
}

public enum TarPath {
    /// `./a/./b/` → `a/b`; `.`, `./` and `` → `.`. Leading `/` and `..` are kept so `checkSafe` can see them.
    public static func normalise(_ name: String) -> String {
        let absolute = name.hasPrefix("/")
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.isEmpty { return absolute ? "/" : "." }
        return (absolute ? "/" : "") + parts.joined(separator: "/")
    }

    /// Refuses paths that would land outside a destination folder when extracted or re-archived.
    public static func checkSafe(_ path: String) throws(TarError) {
        if path.hasPrefix("/") || path.split(separator: "/").contains("..") { throw .unsafePath(path) }
    }
}

/// The members a tar reader has met, by normalised path, so that two members naming one file are refused by both
/// readers alike. Repeated directories are harmless (extraction merges them) and allowed.
struct TarMemberTable {
    /// Normalised path → the first member's stored name and whether it is a directory.
    private var seen: [String: (storedName: String, isDirectory: Bool)] = [:]

    mutating func add(_ entry: TarEntry) throws(TarError) {
        let isDirectory = entry.kind == .directory
        if let first = seen[entry.path] {
            guard first.isDirectory && isDirectory else {
                throw .duplicateMember(path: entry.path, first: first.storedName, second: entry.storedName)
            }
            return
        }
        seen[entry.path] = (entry.storedName, isDirectory)
    }
}
