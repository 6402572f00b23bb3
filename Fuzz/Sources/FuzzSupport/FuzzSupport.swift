/// What every fuzz target shares: turning libFuzzer's buffer into a `ByteView` and the one rule that a reader
/// may only fail with a typed `DecantError` (anything else — a trap, a sanitizer report, a foreign error — is a finding).
import Bytes
import Glibc

/// Runs `body` over the fuzzer's input; a thrown error that is not a `DecantError` aborts, so libFuzzer keeps it.
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (ByteView) throws -> Void) -> Int32 {
    let view = ByteView(owner: nil, buffer: UnsafeRawBufferPointer(start: data, count: size))
    do {
        try body(view)
    } catch is any DecantError {
        // The expected outcome for hostile input.
    } catch {
        fatalError("untyped error escaped a reader: \(type(of: error)): \(error)")
    }
    return 0
}

/// A scratch file per fuzz process, for readers that only take a path.
public final class ScratchFile: Sendable {
    public let path: String

    public init(name: String) {
        path = "/tmp/decant-fuzz-\(getpid())-\(name)"
    }

    /// Replaces the file's contents with `view`.
    public func write(_ view: ByteView) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        var written = 0
        while written < view.count {
            let result = Glibc.write(descriptor, view.buffer.baseAddress! + written, view.count - written)
            precondition(result > 0, "cannot write \(path)")
            written += result
        }
        close(descriptor)
    }
}
