/// Recognising and removing the temporaries that a Decant process killed mid-write left behind.
///
/// `AtomicOutputFile` and `AtomicOutputDirectory` write to `<dir>/.decant-tmp-<pid>-<random>-<name>` and
/// remove it on every path they control; a SIGKILL or power loss skips that, leaving the temporary (never a
/// partial destination). The pid in the name tells whether its writer is still alive, so only entries whose
/// process is gone are removed. A pid reused by an unrelated process keeps its temporary (the safe side); names
/// without a pid (the NeMo weights spool, unlinked at creation where the file system allows) are left alone.
#if canImport(Glibc)
import Glibc
#endif

public enum StaleTemporaries {
    /// Names in `directory` of temporaries whose writing process is no longer running, sorted.
    public static func find(in directory: String) throws(IOError) -> [String] {
        guard let handle = opendir(directory) else { throw .cannotOpen(path: directory, reason: systemErrorText()) }
        defer { closedir(handle) }
        var stale: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let pid = writerPID(of: name), !isRunning(pid) else { continue }
            stale.append(name)
        }
        return stale.sorted()
    }

    /// Removes the stale temporaries of `directory` (files, or the folders of unfinished HF exports); returns their names.
    public static func remove(in directory: String) throws(IOError) -> [String] {
        let stale = try find(in: directory)
        for name in stale {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR { removeTree(path) } else { unlink(path) }
        }
        return stale
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
