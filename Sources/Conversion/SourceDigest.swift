import Bytes
import Codec
import Foundation

/// The SHA-256 of the source file, computed on a second thread with plain reads (no mapping, so it adds nothing
/// to RSS) while the conversion runs on the first.
final class SourceDigest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, Error> = .success("")

    init(path: String) {
        Thread.detachNewThread { [self] in
            result = Result {
                let hasher = try SHA256Hasher()
                try FileSource(path: path).pump(into: hasher, chunkSize: 1 << 20)
                return hexString(try hasher.finalize())
            }
            done.signal()
        }
    }

    /// Waits for the digest (lowercase hex).
    func value() throws -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}
