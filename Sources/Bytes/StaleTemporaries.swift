/// Recognising and removing the temporaries that a Decant process killed mid-write left behind.
///
/// `AtomicOutputFile` and `OutputDirectory` write to `<dir>/.decant-tmp-<pid>-<random>-<name>` and remove it on
/// every path they control (the CLI's signal handlers included); a SIGKILL or power loss skips that, leaving the
/// temporary (never a partial destination). The pid in the name tells whether its writer is still alive, so only
/// entries whose process is gone are removed. A pid reused by an unrelated process keeps its temporary (the safe
/// side); names without a pid (the NeMo weights spool, unlinked at creation where the file system allows) are
/// left alone.
#if canImport(Glibc)
import Glibc
#endif

public enum StaleTemporaries {
    /// What `remove(in:)` did: the names it removed, and those it found but left, with why.
    public struct Removal: Sendable, Equatable {
        public var removed: [String] = []
        public var kept: [Kept] = []
    }

    public struct Kept: Sendable, Equatable {
        public let name: String
        public let reason: String
    }

    /// Names in `directory` of temporaries whose writing process is no longer running, sorted.
    public static func find(in directory: String) throws(IOError) -> [String] {
        guard let handle = opendir(directory) else { throw .cannotOpen(path: directory, reason: systemErrorText()) }
        defer { closedir(handle) }
        var stale: [String] = []
        while let entry = readdir(handle) {
            let name = entryName(entry)
            if isStale(name) { stale.append(name) }
        }
        return stale.sorted()
    }

    /// Removes the stale temporaries of `directory`: files, and the folders of unfinished Hugging Face exports
    /// when they hold only files. A folder holding anything else is kept whole (an earlier version could leave a
    /// user's displaced export there, sub-folders included), and so is whatever cannot be removed.
    public static func remove(in directory: String) throws(IOError) -> Removal {
        var result = Removal()
        for name in try find(in: directory) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if FileType(mode: info.st_mode) == .directory {
                if removeTemporaryFolder(path) {
                    result.removed.append(name)
                } else {
                    result.kept.append(Kept(name: name, reason: "the folder holds entries that are not files decant wrote (or cannot be removed); look inside before deleting it"))
                }
            } else if unlink(path) == 0 {
                result.removed.append(name)
            } else {
                result.kept.append(Kept(name: name, reason: systemErrorText()))
            }
        }
        return result
    }

    /// Whether `name` is a temporary of a Decant process that is no longer running.
    static func isStale(_ name: String) -> Bool {
        guard let pid = writerPID(of: name) else { return false }
        return !isRunning(pid)
    }

    /// The pid in `.decant-tmp-<pid>-…`, or nil for any other name.
    static func writerPID(of name: String) -> pid_t? {
        guard name.hasPrefix(temporaryFilePrefix) else { return nil }
        let digits = name.dropFirst(temporaryFilePrefix.count).prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, name.dropFirst(temporaryFilePrefix.count + digits.count).first == "-" else { return nil }
        return pid_t(digits)
    }

    private static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
