import Bytes
import Codec
import Foundation
import Synchronization

/// The SHA-256 of the source file, computed on a second thread with plain reads (no mapping, so it adds nothing
/// to RSS) while the conversion runs on the first.
final class SourceDigest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private var result: Result<String, Error> = .success("")

    init(path: String) {
        Thread.detachNewThread { [self] in
            result = Result {
                let hasher = try SHA256Hasher()
                try FileSource(path: path).pump(into: StoppableSink(hasher, stopped: { self.stopped.load(ordering: .relaxed) }),
                                                chunkSize: 1 << 20)
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

    /// Stops the hashing thread and waits for it, so that nothing it uses (libcrypto, which cleans up at exit)
    /// goes away under it when a failed conversion ends the process. Harmless after `value()`.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        done.wait()
        done.signal()
    }
}

/// Passes writes on until told to stop.
private final class StoppableSink: ByteSink {
    private let downstream: ByteSink
    private let stopped: () -> Bool
    private struct Stopped: Error {}

    init(_ downstream: ByteSink, stopped: @escaping () -> Bool) {
        self.downstream = downstream
        self.stopped = stopped
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if stopped() { throw Stopped() }
        try downstream.write(bytes)
    }
}
