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
public final class ArrivingWeights: @unchecked Sendable {
    private struct Progress {
        var available = 0
        var done = false
        var failure: (any Error)?
        var cancelled = false
    }

    /// The whole weights member as it will be once written (mapped at its final size).
    let region: ByteView
    /// Guards `progress`; broadcast on every change, so any number of threads may wait.
    private let condition = NSCondition()
    private var progress = Progress()

    /// The thread writing the spool; joined by `finish`, `cancel` and `waitForProducer`.
    private var producer: JoinableThread?

    // Consumer side, set once by `attach` and then used from the consuming thread only.
    private var torchZip: ArrivingTorchZip?
    private var placeholders: [TensorView] = []
    private var storageKeys: [String: String] = [:]
    private var options = PickleOptions()

    init(region: ByteView) {
        self.region = region
    }

    private func update(_ change: (inout Progress) -> Void) {
        condition.lock()
        change(&progress)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `ready` returns true for the progress, or throws what stopped the producer.
    private func wait(until ready: (Progress) throws -> Bool) throws {
        condition.lock()
        defer { condition.unlock() }
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

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return progress.cancelled
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
        try wait { state in
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
        try wait { $0.done }
    }

    func attach(zip: ArrivingTorchZip, placeholders: [TensorView], storageKeys: [String: String], options: PickleOptions) {
        torchZip = zip
        self.placeholders = placeholders
        self.storageKeys = storageKeys
        self.options = options
    }

    /// The real view for a placeholder tensor of this source, once its bytes are there.
    public func resolve(_ placeholder: TensorView) throws -> TensorView {
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
    /// would, and checks that every tensor resolves to exactly the view that read gives.
    public func finish() throws {
        try waitForProducer()
        guard torchZip != nil else { return }
        let complete = try TorchCheckpoint.read(region, options: options)
        guard complete.tensors.map(\.name) == placeholders.map(\.name) else {
            throw SourceError.streamedLayoutMismatch(tensor: "*", reason: "the complete checkpoint lists other tensors")
        }
        for (placeholder, parsed) in zip(placeholders, complete.tensors) {
            let streamed = try resolve(placeholder)
            guard streamed.dtype == parsed.dtype, streamed.shape == parsed.shape, streamed.strides == parsed.strides,
                  streamed.storageOffset == parsed.storageOffset,
                  streamed.storage.buffer.baseAddress == parsed.storage.buffer.baseAddress,
                  streamed.storage.count == parsed.storage.count else {
                throw SourceError.streamedLayoutMismatch(tensor: parsed.name, reason: "its bytes lie elsewhere in the complete zip")
            }
        }
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
