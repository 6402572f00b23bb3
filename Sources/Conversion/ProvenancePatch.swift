#if canImport(Glibc)
import Glibc
#endif
import Bytes
import NativeFormat

/// A finished `.decant` file at a temporary name in the destination folder, whose provenance digest is filled in
/// before it is moved into place.
///
/// The source's SHA-256 is computed on a second thread while the tensors stream, so it is not known when the
/// writer lays out the header. The metadata is therefore written with 64 placeholder digits; this patches the
/// real digest over them (same length, so no offset moves), recomputes the header checksum, and renames the
/// file to its destination. Until `commit()`, deinit removes the file.
final class StagedNativeFile {
    let path: String
    let destination: String
    private let registration: TemporaryRegistration
    private var committed = false

    init(destination: String) {
        self.destination = destination
        path = temporaryName(beside: destination)
        registration = TemporaryRegistration(path: path, isDirectory: false)
    }

    deinit {
        if !committed { unlink(path) }
        registration.unregister()
    }

    /// Replaces `"source_sha256":"000…"` in the metadata with `digest` and moves the file to its destination.
    func commit(sourceSHA256 digest: String) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var preamble = [UInt8](repeating: 0, count: NativeLayout.preambleSize)
        try readExactly(fd, &preamble, at: 0)
        func u64(_ offset: Int) -> Int {
            Int(preamble[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        let (metadataLength, directoryLength) = (u64(16), u64(32))
        var header = [UInt8](repeating: 0, count: metadataLength + directoryLength)
        try readExactly(fd, &header, at: NativeLayout.preambleSize)

        let placeholder = Array("\"source_sha256\":\"\(NativeMetadata.pendingDigest)\"".utf8)
        let replacement = Array("\"source_sha256\":\"\(digest)\"".utf8)
        precondition(placeholder.count == replacement.count, "a SHA-256 is 64 hex digits")
        // Our own writer put the placeholder there; the metadata is the first part of `header`.
        guard let at = firstIndex(of: placeholder, in: header[..<metadataLength]) else {
            preconditionFailure("the provenance placeholder is missing from the metadata this converter wrote")
        }
        header.replaceSubrange(at..<(at + placeholder.count), with: replacement)
        var hasher = XXH64()
        preamble.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<NativeLayout.headerChecksumOffset])) }
        header.withUnsafeBytes { hasher.update($0) }
        let checksum = withUnsafeBytes(of: hasher.digest().littleEndian) { Array($0) }
        try writeAll(fd, checksum, at: NativeLayout.headerChecksumOffset)
        try writeAll(fd, replacement, at: NativeLayout.preambleSize + at)
        guard fsync(fd) == 0 else { throw IOError.writeFailed(path: destination, reason: String(cString: strerror(errno))) }
        try checkReplaceable(destination)
        guard rename(path, destination) == 0 else {
            throw IOError.cannotRename(from: path, to: destination, reason: String(cString: strerror(errno)))
        }
        committed = true
    }

    private func readExactly(_ fd: Int32, _ buffer: inout [UInt8], at offset: Int) throws {
        let count = buffer.count
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n == count else { throw IOError.readFailed(path: path, reason: n < 0 ? String(cString: strerror(errno)) : "short read") }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else {
            throw IOError.writeFailed(path: destination, reason: n < 0 ? String(cString: strerror(errno)) : "short write")
        }
    }
}

private func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
    guard let first = needle.first, haystack.count >= needle.count else { return nil }
    var i = haystack.startIndex
    let last = haystack.endIndex - needle.count
    while i <= last {
        if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        i += 1
    }
    return nil
}
