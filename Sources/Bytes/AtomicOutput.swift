#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The prefix that marks Decant's temporary files, so stale ones are recognisable.
public let temporaryFilePrefix = ".decant-tmp-"

/// A file that appears at its destination only when complete.
///
/// Bytes go to `<dir>/.decant-tmp-<pid>-<random>-<name>` in the destination folder; `commit()` fsyncs and
/// renames it over the destination; anything else (an error, `abort()`, deinit, a fatal signal in the CLI)
/// unlinks it. A process killed with SIGKILL mid-write leaves only a recognisable temporary, never a
/// half-written destination. Only a regular file is ever replaced, and never one of `inputs` (checked when
/// created and again just before the rename).
public final class AtomicOutputFile: ByteSink {
    public let destination: String
    public let temporaryPath: String
    private let inputs: [String]
    private let registration: TemporaryRegistration
    private var fd: Int32
    private var finished = false
    public private(set) var bytesWritten = 0

    public init(destination: String, inputs: [String] = []) throws(IOError) {
        try checkReplaceable(destination, inputs: inputs)
        self.destination = destination
        self.inputs = inputs
        temporaryPath = temporaryName(beside: destination)
        registration = TemporaryRegistration(path: temporaryPath, isDirectory: false)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = systemErrorText()
            registration.unregister()
            throw .cannotCreate(path: destination, reason: reason)
        }
    }

    deinit { abort() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = systemErrorText()
                abort()
                throw IOError.writeFailed(path: destination, reason: reason)
            }
            done += n
        }
        bytesWritten += done
        startWriteback()
    }

    /// Bytes handed to the kernel for writing back so far (`sync_file_range`).
    private var writebackStarted = 0
    private static let writebackStep = 64 << 20

    /// Starts writing back each full 64 MiB as it is written, so the fsync in `commit()` waits for the last
    /// step only rather than for the whole file (0.2 s for 670 MB here).
    private func startWriteback() {
        #if os(Linux)
        guard bytesWritten - writebackStarted >= Self.writebackStep else { return }
        // Advisory: an error only means the fsync does all the work.
        _ = linuxSyncFileRange(fd, Int64(writebackStarted), Int64(bytesWritten - writebackStarted), syncFileRangeWrite)
        writebackStarted = bytesWritten
        #endif
    }

    /// Writes `bytes` at an absolute position (for headers patched after the body is streamed).
    public func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = systemErrorText()
                abort()
                throw IOError.writeFailed(path: destination, reason: reason)
            }
            done += n
        }
    }

    /// Makes the file visible at its destination.
    public func commit() throws(IOError) {
        guard !finished else { return }
        if fsync(fd) != 0 {
            let reason = systemErrorText()
            abort()
            throw .writeFailed(path: destination, reason: reason)
        }
        close(fd)
        fd = -1
        do { try checkReplaceable(destination, inputs: inputs) } catch {
            abort()
            throw error
        }
        if rename(temporaryPath, destination) != 0 {
            let reason = systemErrorText()
            abort()
            throw .cannotRename(from: temporaryPath, to: destination, reason: reason)
        }
        finished = true
        registration.unregister()
    }

    /// Discards everything written so far.
    public func abort() {
        guard !finished else { return }
        finished = true
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
        registration.unregister()
    }
}

/// `<dir>/.decant-tmp-<pid>-<random>-<name>` for `path` = `<dir>/<name>`: beside its destination, so the final
/// rename never crosses a file system, and named so `StaleTemporaries` can tell whose it is.
public func temporaryName(beside path: String) -> String {
    let (directory, name) = splitPath(path)
    return directory + "/" + temporaryFilePrefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))-" + name
}

/// Refuses to let an output replace `destination` unless nothing is there or it is a regular file that is none
/// of `inputs`. Identity is the device and inode, so a hard link or a symbolic link to an input is that input;
/// a symbolic link to anything else is refused as a link (replacing it would destroy the link, not write its target).
public func checkReplaceable(_ destination: String, inputs: [String] = []) throws(IOError) {
    var found = stat()
    guard lstat(destination, &found) == 0 else { return }
    var target = stat()
    if stat(destination, &target) == 0 {
        for input in inputs {
            var read = stat()
            if stat(input, &read) == 0, read.st_dev == target.st_dev, read.st_ino == target.st_ino {
                throw .destinationIsAnInput(destination: destination, input: input)
            }
        }
    }
    let type = FileType(mode: found.st_mode)
    guard type == .regularFile else { throw .destinationInTheWay(path: destination, found: type, expected: .regularFile) }
}

#if os(Linux)
// glibc declares sync_file_range only under _GNU_SOURCE, which the Glibc module is not built with.
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
/// SYNC_FILE_RANGE_WRITE from <fcntl.h>: start writeback of dirty pages in the range, without waiting.
private let syncFileRangeWrite: UInt32 = 2
#endif

/// The folder of a directory export (Hugging Face), which never destroys what is not the export's.
///
/// - No folder at `destination`: files are written into `<parent>/.decant-tmp-<pid>-<random>-<name>/` and the
///   folder appears whole, by one rename, at `commit()` (never over anything that appeared there meanwhile).
/// - An empty folder (temporaries of killed decant runs aside), or any folder when `replacing` (`--force`):
///   each of `exportFiles` is written to a `.decant-tmp-…` name inside it, and `commit()` renames them into
///   place one after the other once all are complete. With `replacing`, export files the new export does not
///   write are removed, so no stale one is mixed with it; every other entry stays as it was. An export file
///   that is no regular file, or that is one of `inputs`, is refused before anything is written.
/// - Anything else (a file, a device, a non-empty folder without `replacing`) is refused.
///
/// Until `commit()`, an error, `abort()`, deinit or a fatal signal in the CLI removes what was written; a
/// SIGKILL leaves only `.decant-tmp-` temporaries, which `decant clean` removes.
public final class OutputDirectory {
    /// The folder as given, without trailing slashes (`hf/` is `hf`; `.` stays `.`).
    public let destination: String
    public let exportFiles: [String]
    private let inputs: [String]
    private let replacing: Bool
    /// The temporary folder of a new export, or nil when writing into an existing one.
    private let temporaryFolder: (path: String, registration: TemporaryRegistration)?
    private var staged: [(name: String, path: String, registration: TemporaryRegistration)] = []
    private var finished = false

    public init(destination: String, exportFiles: [String], replacing: Bool, inputs: [String] = []) throws(IOError) {
        let destination = withoutTrailingSlashes(destination)
        (self.destination, self.exportFiles, self.replacing, self.inputs) = (destination, exportFiles, replacing, inputs)
        var found = stat()
        guard lstat(destination, &found) == 0 else {
            let temporary = temporaryName(beside: destination)
            let registration = TemporaryRegistration(path: temporary, isDirectory: true)
            guard mkdir(temporary, 0o755) == 0 else {
                let reason = systemErrorText()
                registration.unregister()
                throw .cannotCreate(path: destination, reason: reason)
            }
            temporaryFolder = (temporary, registration)
            return
        }
        temporaryFolder = nil
        // A link to a folder is written through: the files land in the folder it names, the link stays.
        var target = stat()
        let type = FileType(mode: stat(destination, &target) == 0 ? target.st_mode : found.st_mode)
        guard type == .directory else { throw .destinationInTheWay(path: destination, found: type, expected: .directory) }
        if !replacing {
            let entries = try OutputDirectory.entries(of: destination)
            guard entries.isEmpty else {
                throw .directoryNotEmpty(path: destination, entries: entries, exportFiles: exportFiles)
            }
        }
        for name in exportFiles { try checkReplaceable(destination + "/" + name, inputs: inputs) }
    }

    deinit { abort() }

    /// Where to write the export file `name` (one of `exportFiles`); it must be complete when `commit()` runs.
    public func path(of name: String) -> String {
        precondition(exportFiles.contains(name), "\(name) is not one of the export's files")
        if let temporaryFolder { return temporaryFolder.path + "/" + name }
        let path = temporaryName(beside: destination + "/" + name)
        staged.append((name, path, TemporaryRegistration(path: path, isDirectory: false)))
        return path
    }

    public func commit() throws(IOError) {
        guard !finished else { return }
        if let temporaryFolder {
            guard renameWithoutReplacing(temporaryFolder.path, destination) else {
                let reason = systemErrorText()
                abort()
                throw .cannotRename(from: temporaryFolder.path, to: destination, reason: reason)
            }
            finished = true
            temporaryFolder.registration.unregister()
            return
        }
        do {
            for file in staged { try checkReplaceable(destination + "/" + file.name, inputs: inputs) }
        } catch {
            abort()
            throw error
        }
        finished = true
        for (index, file) in staged.enumerated() {
            guard rename(file.path, destination + "/" + file.name) == 0 else {
                let reason = systemErrorText()
                for rest in staged[index...] {
                    unlink(rest.path)
                    rest.registration.unregister()
                }
                throw .cannotRename(from: file.path, to: destination + "/" + file.name, reason: reason)
            }
            file.registration.unregister()
        }
        let written = Set(staged.map(\.name))
        if replacing {
            for name in exportFiles where !written.contains(name) { unlink(destination + "/" + name) }
        }
    }

    public func abort() {
        guard !finished else { return }
        finished = true
        if let temporaryFolder {
            _ = removeTemporaryFolder(temporaryFolder.path)
            temporaryFolder.registration.unregister()
        }
        for file in staged {
            unlink(file.path)
            file.registration.unregister()
        }
    }

    /// The entries of `path` that make it non-empty: all but `.`, `..` and the temporaries of dead decant runs.
    private static func entries(of path: String) throws(IOError) -> [String] {
        guard let handle = opendir(path) else { throw .cannotOpen(path: path, reason: systemErrorText()) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = entryName(entry)
            if name == "." || name == ".." || StaleTemporaries.isStale(name) { continue }
            names.append(name)
        }
        return names.sorted()
    }
}

/// `rename` that fails with EEXIST instead of replacing whatever appeared at `destination` (Linux
/// `renameat2(RENAME_NOREPLACE)`; where the file system lacks it, a check just before a plain rename).
func renameWithoutReplacing(_ source: String, _ destination: String) -> Bool {
    #if os(Linux)
    if linuxRenameat2(AT_FDCWD, source, AT_FDCWD, destination, renameNoReplace) == 0 { return true }
    guard errno == EINVAL || errno == ENOSYS else { return false }
    #endif
    var info = stat()
    guard lstat(destination, &info) != 0 else {
        errno = EEXIST
        return false
    }
    return rename(source, destination) == 0
}

#if os(Linux)
@_silgen_name("renameat2")
private func linuxRenameat2(_ oldDirectory: Int32, _ old: UnsafePointer<CChar>, _ newDirectory: Int32,
                            _ new: UnsafePointer<CChar>, _ flags: UInt32) -> Int32
/// RENAME_NOREPLACE from <stdio.h>.
private let renameNoReplace: UInt32 = 1
#endif

/// Removes a temporary folder decant wrote, if it holds only regular files; returns whether it is gone. A
/// folder holding anything else (an earlier version displaced a user's export folder, sub-folders included,
/// to `.decant-tmp-….old`) is left untouched: those entries are not decant's to delete.
func removeTemporaryFolder(_ path: String) -> Bool {
    guard let handle = opendir(path) else { return false }
    var files: [String] = []
    var onlyFiles = true
    while let entry = readdir(handle) {
        let name = entryName(entry)
        if name == "." || name == ".." { continue }
        var info = stat()
        guard lstat(path + "/" + name, &info) == 0, FileType(mode: info.st_mode) == .regularFile else {
            onlyFiles = false
            break
        }
        files.append(name)
    }
    closedir(handle)
    guard onlyFiles else { return false }
    for name in files { unlink(path + "/" + name) }
    return rmdir(path) == 0
}

func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
    withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
    }
}

/// `hf/` → `hf`, `a//` → `a`; `/` stays `/`.
func withoutTrailingSlashes(_ path: String) -> String {
    var path = Substring(path)
    while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
    return String(path)
}

/// Splits "a/b/c" into ("a/b", "c"); a bare name lives in ".".
public func splitPath(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
}
