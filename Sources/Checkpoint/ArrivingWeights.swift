import Bytes
import Containers
import Foundation
import Pickle
import Tensors

/// Decrypted weights that a background thread is still writing into a pre-sized spool file, so a conversion can
/// start on the first tensors while the last ones are being decrypted.
///
/// The source's tensors are then placeholders: right names, dtypes and shapes, but storage at the start of the
/// region, because a torch zip's storage offsets are only known once the bytes before them have arrived.
/// `resolve` turns one into the real view, waiting for its bytes; `finish` waits for the end of the artifact
/// (its SHA-256 and the gzip CRC checked), parses the complete checkpoint the usual way and requires every view
/// handed out to be exactly the one that parse gives. Nothing read before `finish` returns may be trusted.
///
/// A storage whose every tensor the consumer has `release`d is punched out of the spool (in batches of
/// `releaseBatch`), and the producer stays at most `window` bytes past the furthest byte the consumer has asked
/// for: the spool then holds the bytes in flight rather than the model, and its pages are recycled instead of
/// fresh ones (writing 1.3 GB into fresh page-cache pages cost this VM 1.2–1.9 s after an idle spell,
/// against 0.3 s with recycled ones; BENCHMARKS.md).
public final class ArrivingWeights: @unchecked Sendable {
    private struct Progress {
        var available = 0
        /// The furthest byte the consumer has asked for (`Int.max` once it waits for the end).
        var requested = 0
        var done = false
        var failure: (any Error)?
        var cancelled = false
    }

    /// How far the producer may run ahead of the furthest byte the consumer has asked for.
    static let window = 128 << 20

    /// The whole weights member as it will be once written (mapped at its final size).
    let region: ByteView
    private let spool: SpoolFile?
    /// Guards `progress`; broadcast on every change, so any number of threads may wait.
    private let condition = NSCondition()
    private var progress = Progress()

    /// The thread writing the spool; joined by `finish`, `cancel` and `waitForProducer`.
    private var producer: JoinableThread?

    // Consumer side, set once by `attach` and then used from the consuming thread only.
    private var torchZip: ArrivingTorchZip?
    private var placeholders: [TensorView] = []
    private var storageKeys: [String: String] = [:]
    /// Tensors not yet released, per storage key; a key at zero has been punched out.
    private var liveTensors: [String: Int] = [:]
    private var options = PickleOptions()
    /// The complete checkpoint's tensors by name, once `finish` has checked every streamed view against them.
    private var verified: [String: TensorView] = [:]

    init(region: ByteView, spool: SpoolFile? = nil) {
        self.region = region
        self.spool = spool
    }

    private func update(_ change: (inout Progress) -> Void) {
        condition.lock()
        change(&progress)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `ready` returns true for the progress, or throws what stopped the producer.
    private func wait(through end: Int, until ready: (Progress) throws -> Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        if end > progress.requested {
            // Moves the producer's window on.
            progress.requested = end
            condition.broadcast()
        }
        while true {
            if let failure = progress.failure { throw failure }
            if try ready(progress) { return }
            condition.wait()
        }
    }

    // MARK: producer

    /// Bytes `0..<count` are written.
    func advance(to count: Int) { update { $0.available = count } }

    func complete() { update { $0.done = true } }

    func fail(_ error: any Error) { update { if $0.failure == nil { $0.failure = error } } }

    /// Waits while the producer is a `window` past the furthest byte the consumer has asked for; false once the
    /// consumer has cancelled.
    func mayWrite() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !progress.cancelled, progress.available - progress.requested > Self.window {
            condition.wait()
        }
        return !progress.cancelled
    }

    // MARK: consumer

    func adopt(producer: JoinableThread) {
        self.producer = producer
    }

    /// Stops the producer at its next chunk (after a failed conversion) and waits until its thread has ended, so
    /// that nothing it uses (libcrypto, which cleans up at exit) goes away under it if the process then ends.
    /// Harmless once finished.
    public func cancel() {
        update { $0.cancelled = true }
        try? waitForProducer()
    }

    /// Waits until the producer's thread has ended, then throws what stopped it, if anything did.
    func waitForProducer() throws {
        defer {
            producer?.join()
            producer = nil
        }
        try waitForCompletion()
    }

    /// Blocks until bytes `0..<end` are there; throws what stopped the producer if they never will be.
    func wait(through end: Int) throws {
        try wait(through: end) { state in
            if state.available >= end { return true }
            guard !state.done else {
                throw TruncatedError(context: "decrypted weights", offset: state.available, needed: end - state.available,
                                     available: 0)
            }
            return false
        }
    }

    /// Blocks until the producer has finished; throws what stopped it.
    func waitForCompletion() throws {
        try wait(through: Int.max) { $0.done }
    }

    func attach(zip: ArrivingTorchZip, placeholders: [TensorView], storageKeys: [String: String], options: PickleOptions) {
        torchZip = zip
        self.placeholders = placeholders
        self.storageKeys = storageKeys
        self.options = options
        for key in storageKeys.values { liveTensors[key, default: 0] += 1 }
    }

    /// The real view for a placeholder tensor of this source, once its bytes are there; after `finish`, the view
    /// the complete, verified checkpoint gives.
    public func resolve(_ placeholder: TensorView) throws -> TensorView {
        if let key = storageKeys[placeholder.name], liveTensors[key] == 0 {
            throw SourceError.bytesReleased(tensor: placeholder.name)
        }
        if let complete = verified[placeholder.name] { return complete }
        return try locate(placeholder)
    }

    /// Says the consumer is done with a tensor; once every tensor of its storage is, the storage's pages are
    /// punched out of the spool (a later `resolve` of them throws rather than read zeros).
    public func release(_ placeholder: TensorView) throws {
        guard let spool, let key = storageKeys[placeholder.name], let live = liveTensors[key], live > 0 else { return }
        liveTensors[key] = live - 1
        guard live == 1, let record = try torchZip?.record(forKey: key) else { return }
        // Punched in batches: every punch locks the file against the producer's writes and unmaps the range from
        // every thread's view of it, so a few large ones cost less than one per tensor.
        pendingRelease.append((record.buffer.baseAddress! - region.buffer.baseAddress!, record.count))
        let pending = pendingRelease.reduce(0) { $0 + $1.length }
        guard pending >= Self.releaseBatch else { return }
        for range in pendingRelease { spool.punch(offset: range.offset, length: range.length) }
        pendingRelease.removeAll()
    }

    /// Released storages not yet punched out.
    private var pendingRelease: [(offset: Int, length: Int)] = []
    static let releaseBatch = 64 << 20

    /// The real view for a placeholder, whether or not it was released (its offsets stay known).
    private func locate(_ placeholder: TensorView) throws -> TensorView {
        guard let torchZip, let key = storageKeys[placeholder.name] else { return placeholder }
        let record = try torchZip.record(forKey: key)
        try wait(through: record.buffer.baseAddress! - region.buffer.baseAddress! + record.count)
        // A placeholder's storage is a window starting `start` bytes into its placeholder record.
        let start = placeholder.storage.buffer.baseAddress.map { $0 - region.buffer.baseAddress! } ?? 0
        let storage = try record.slice(offset: start, length: placeholder.storage.count, context: "storage \(key)")
        return try TensorView(name: placeholder.name, dtype: placeholder.dtype, shape: placeholder.shape,
                              strides: placeholder.strides, storageOffset: placeholder.storageOffset, storage: storage)
    }

    /// Waits for the whole artifact (checksums verified), reads the complete checkpoint as `TorchCheckpoint.read`
    /// would, and checks that every tensor resolves to exactly the view that read gives; `resolve` then hands out
    /// that read's views, so whatever was decided from streamed bytes can be decided again from verified ones.
    public func finish() throws {
        try waitForProducer()
        guard torchZip != nil else { return }
        let complete = try TorchCheckpoint.read(region, options: options)
        guard complete.tensors.map(\.name) == placeholders.map(\.name) else {
            throw SourceError.streamedLayoutMismatch(tensor: "*", reason: "the complete checkpoint lists other tensors")
        }
        for (placeholder, parsed) in zip(placeholders, complete.tensors) {
            let streamed = try locate(placeholder)
            guard streamed.dtype == parsed.dtype, streamed.shape == parsed.shape, streamed.strides == parsed.strides,
                  streamed.storageOffset == parsed.storageOffset,
                  streamed.storage.buffer.baseAddress == parsed.storage.buffer.baseAddress,
                  streamed.storage.count == parsed.storage.count else {
                throw SourceError.streamedLayoutMismatch(tensor: parsed.name, reason: "its bytes lie elsewhere in the complete zip")
            }
        }
        verified = Dictionary(complete.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A torch zip read front to back as it arrives: `data.pkl` first, then each storage record located when first
/// asked for. Used from the consuming thread only.
final class ArrivingTorchZip {
    private var walker: ZipLocalWalker
    private let region: ByteView
    let prefix: String
    let document: PickleDocument
    /// Root storage key → its size from `data.pkl`.
    private let sizes: [String: Int]
    private var located: [String: ByteView] = [:]

    init(region: ByteView, wait: @escaping (Int) throws -> Void, options: PickleOptions) throws {
        self.region = region
        walker = ZipLocalWalker(view: region, wait: wait)
        guard let first = try walker.next(knownSize: { _ in nil }), TorchZipFormat.isDataPickle(first.name) else {
            throw TorchCheckpointError.dataPickleMissing
        }
        prefix = String(first.name.dropLast("data.pkl".count))
        document = try PickleReader.read(try region.slice(offset: first.dataOffset, length: first.size), options: options)
        var sizes: [String: Int] = [:]
        for storage in document.storages { sizes[storage.key] = max(sizes[storage.key] ?? 0, storage.byteCount) }
        self.sizes = sizes
    }

    /// Stand-ins for every storage: the start of the region, as long as `data.pkl` says (at most the region).
    var placeholderStorages: TorchStorages {
        TorchStorages(records: sizes.mapValues { try! region.slice(offset: 0, length: min($0, region.count)) })
    }

    /// The record `data/<key>`, walking (and waiting) up to its local header.
    func record(forKey key: String) throws -> ByteView {
        if let record = located[key] { return record }
        let storagePrefix = prefix + "data/"
        while let entry = try walker.next(knownSize: { name in
            name.hasPrefix(storagePrefix) ? sizes[String(name.dropFirst(storagePrefix.count))] : nil
        }) {
            guard entry.name.hasPrefix(storagePrefix) else { continue }
            let record = try region.slice(offset: entry.dataOffset, length: entry.size, context: entry.name)
            let entryKey = String(entry.name.dropFirst(storagePrefix.count))
            located[entryKey] = record
            if entryKey == key { return record }
        }
        throw TorchCheckpointError.storageRecordMissing(key: key)
    }
}
