/// A bounded two-thread hand-off for `EFFArchive.readArtifacts`: a worker reads, inflates and decrypts
/// artifacts into a few fixed chunks while the caller's thread hashes and consumes the chunks before them.
import Bytes
import Codec
import Dispatch
import Synchronization

/// Artifact bytes flowing from a worker thread to the caller's thread through `chunkCount` buffers.
///
/// The worker runs the job given to `start`, which calls `send` once per artifact; the caller walks the
/// artifacts with `nextArtifact()`, reads each through `source`, and closes it with `finishArtifact()`.
/// The SHA-256 is taken on the caller's side, as each chunk arrives: that splits the work about evenly
/// (inflate + CRC-32 + AES-CTR on the worker; SHA-256 + the consumer's own writing on the caller).
/// Every buffer belongs to one side at a time: the worker takes it from the free list, fills it, and
/// publishes it as an event; the caller hands it back once read. The mutex and the two semaphores order
/// those accesses, which the type system cannot see, hence `@unchecked Sendable`. Errors thrown on the
/// worker reach the caller unchanged, at the point of the stream where they happened.
final class ArtifactPipeline: @unchecked Sendable {
    private enum Event: Sendable {
        case begin(EFFEntry)
        case chunk(buffer: Int, count: Int)
        case end
        case failed(any Error)
        case finished
    }

    private struct Shared: ~Copyable {
        var events: [Event] = []
        var freeBuffers: [Int]
        var cancelled = false
    }

    /// Thrown on the worker when the caller stopped listening; never reaches the caller.
    private struct Cancelled: Error {}

    private let chunkSize: Int
    private let buffers: [UnsafeMutableRawBufferPointer]
    private let shared: Mutex<Shared>
    /// Counts published events.
    private let published = DispatchSemaphore(value: 0)
    /// Counts buffers on the free list (plus one wake-up on cancellation).
    private let freed: DispatchSemaphore
    private let workerDone = DispatchSemaphore(value: 0)
    private var started = false

    // Caller-side cursor; only the caller's thread touches these.
    private var current: (buffer: Int, count: Int, position: Int)?
    private var artifactEnded = true
    private var hasher: SHA256Hasher?
    /// What stopped the worker; every later call rethrows it rather than wait for events that never come.
    private var failure: (any Error)?
    private var finished = false

    init(chunkSize: Int = 1 << 20, chunkCount: Int = 8) {
        precondition(chunkSize > 0 && chunkCount > 0, "a pipeline needs buffers")
        self.chunkSize = chunkSize
        buffers = (0..<chunkCount).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
        shared = Mutex(Shared(freeBuffers: Array(0..<chunkCount)))
        // Created empty and then raised: libdispatch traps when a semaphore is released below its initial
        // value, which happens here whenever the caller stops while holding a chunk.
        freed = DispatchSemaphore(value: 0)
        for _ in 0..<chunkCount { freed.signal() }
    }

    deinit {
        stop()
        for buffer in buffers { buffer.deallocate() }
    }

    /// Runs `job` on a worker thread; it must call `send` for each artifact, in order.
    func start(_ job: @escaping () throws -> Void) {
        precondition(!started, "a pipeline runs one job")
        started = true
        let work = UncheckedJob(run: job)
        DispatchQueue.global().async { [self] in
            do {
                try work.run()
                publish(.finished)
            } catch is Cancelled {
            } catch {
                publish(.failed(error))
            }
            workerDone.signal()
        }
    }

    /// Tells the worker to stop at its next chunk and waits for it; the buffers are then free to go.
    func stop() {
        guard started else { return }
        started = false
        shared.withLock { $0.cancelled = true }
        freed.signal()
        workerDone.wait()
    }

    // MARK: worker side

    /// Streams `source`, the plaintext of `entry`, to the caller.
    func send(_ entry: EFFEntry, _ source: ByteSource) throws {
        publish(.begin(entry))
        while true {
            let index = try takeFreeBuffer()
            let buffer = buffers[index]
            var count = 0
            do {
                while count < chunkSize {
                    let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
                    if n == 0 { break }
                    count += n
                }
            } catch {
                // The caller sees what arrived before the break, as a single-threaded reader would.
                if count > 0 { publish(.chunk(buffer: index, count: count)) } else { giveBack(index) }
                throw error
            }
            guard count > 0 else {
                giveBack(index)
                break
            }
            publish(.chunk(buffer: index, count: count))
            if count < chunkSize { break }
        }
        publish(.end)
    }

    private func takeFreeBuffer() throws -> Int {
        freed.wait()
        return try shared.withLock { state throws(Cancelled) -> Int in
            guard !state.cancelled else { throw Cancelled() }
            return state.freeBuffers.removeLast()
        }
    }

    private func publish(_ event: Event) {
        shared.withLock { $0.events.append(event) }
        published.signal()
    }

    // MARK: caller side

    /// The next artifact, or `nil` after the last; rethrows what stopped the worker. With `hashing`, the
    /// artifact's SHA-256 is computed as it passes and returned by `finishArtifact()`.
    func nextArtifact(hashing: (EFFEntry) -> Bool) throws -> EFFEntry? {
        if let failure { throw failure }
        guard !finished else { return nil }
        precondition(artifactEnded, "finishArtifact() closes each artifact before the next")
        switch try nextEvent() {
        case let .begin(entry):
            artifactEnded = false
            hasher = hashing(entry) ? try SHA256Hasher() : nil
            return entry
        case .finished:
            finished = true
            return nil
        case .chunk, .end, .failed:
            preconditionFailure("pipeline events out of order")
        }
    }

    /// Reads the current artifact's plaintext; 0 at its end.
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        try lend(upTo: destination.count) { destination.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Lends `body` the next 1...`limit` bytes of the current artifact in place; returns how many (0 at its
    /// end, without calling `body`).
    func lend(upTo limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard limit > 0 else { return 0 }
        if current == nil {
            guard try advance() else { return 0 }
        }
        let chunk = current!
        let n = min(limit, chunk.count - chunk.position)
        try body(UnsafeRawBufferPointer(rebasing: buffers[chunk.buffer][chunk.position..<(chunk.position + n)]))
        if chunk.position + n == chunk.count {
            giveBack(chunk.buffer)
            current = nil
        } else {
            current = (chunk.buffer, chunk.count, chunk.position + n)
        }
        return n
    }

    /// Up to `limit` leading bytes of the current artifact, before any of it is read (they stay unread); fewer
    /// only when the artifact is shorter than the first chunk or `limit`.
    func peek(upTo limit: Int) throws -> [UInt8] {
        if current == nil {
            guard try advance() else { return [] }
        }
        let chunk = current!
        return Array(buffers[chunk.buffer][chunk.position..<min(chunk.count, chunk.position + limit)])
    }

    /// Skips what the caller left unread of the current artifact and returns its SHA-256 (if hashed).
    func finishArtifact() throws -> [UInt8]? {
        if let chunk = current {
            giveBack(chunk.buffer)
            current = nil
        }
        while try advance() {
            giveBack(current!.buffer)
            current = nil
        }
        return try hasher?.finalize()
    }

    /// The current artifact as a source.
    var source: ByteSource { PipelineArtifactSource(pipeline: self) }

    /// Moves to the next chunk of the current artifact; false at its end.
    private func advance() throws -> Bool {
        guard !artifactEnded else { return false }
        switch try nextEvent() {
        case let .chunk(buffer, count):
            try hasher?.write(UnsafeRawBufferPointer(rebasing: buffers[buffer][..<count]))
            current = (buffer, count, 0)
            return true
        case .end:
            artifactEnded = true
            return false
        case .begin, .finished, .failed:
            preconditionFailure("pipeline events out of order")
        }
    }

    /// Waits for the worker's next event; a failure is rethrown here, where the stream broke.
    private func nextEvent() throws -> Event {
        if let failure { throw failure }
        published.wait()
        let event = shared.withLock { $0.events.removeFirst() }
        if case let .failed(error) = event {
            failure = error
            throw error
        }
        return event
    }

    private func giveBack(_ index: Int) {
        shared.withLock { $0.freeBuffers.append(index) }
        freed.signal()
    }
}

/// The artifact a pipeline's caller is on, as a `ByteSource`.
private final class PipelineArtifactSource: LendingByteSource {
    private let pipeline: ArtifactPipeline
    init(pipeline: ArtifactPipeline) { self.pipeline = pipeline }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try pipeline.read(into: buffer) }
    func lend(upTo limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try pipeline.lend(upTo: limit, body)
    }
}

/// The worker's job: it captures readers that only the worker touches until the caller has waited for it.
private struct UncheckedJob: @unchecked Sendable {
    let run: () throws -> Void
}
