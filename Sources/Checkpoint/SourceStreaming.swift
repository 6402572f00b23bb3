import Bytes
import Containers
import Foundation
import Pickle

extension ModelSource {
    /// Like `open`, but an EFF `.tlt` whose weights are its last artifact (as NeMo and Decant write them) returns
    /// as soon as the weights' `data.pkl` is decrypted; the rest is decrypted on a background thread while the
    /// caller works. The source's `arriving` is then set: read tensors only through `arriving.resolve`, and call
    /// `arriving.finish()` before trusting anything derived from them (`cancel()` when giving up). Every other
    /// input, and any weights this cannot read front to back, open exactly as with `open`.
    public static func openStreaming(path: String, key: String? = nil, options: SourceOptions = SourceOptions()) throws -> ModelSource {
        let file = try MappedFile(path: path)
        guard try SourceKind.identify(file.view, path: path) == .eff else { return try open(path: path, key: key, options: options) }
        let eff = try EFFArchive(path: path, inflation: options.nemo.inflation)
        switch try BackgroundEFFReader.open(eff: eff, key: key, options: options.nemo) {
        case let .complete(archive):
            return try fromEFF(eff, archive: archive, path: path, options: options)
        case let .streaming(archive, arriving):
            do {
                let zip = try ArrivingTorchZip(region: arriving.region, wait: { [unowned arriving] in try arriving.wait(through: $0) },
                                               options: options.pickle)
                let checkpoint = try TorchCheckpoint(format: .zip(prefix: zip.prefix), document: zip.document,
                                                     storages: zip.placeholderStorages)
                let keys = try TorchWeights(root: zip.document.root).tensors.map { ($0.name, $0.tensor.storage.key) }
                arriving.attach(zip: zip, placeholders: checkpoint.tensors,
                                storageKeys: Dictionary(keys, uniquingKeysWith: { first, _ in first }), options: options.pickle)
                var source = ModelSource(path: path, layers: eff.outerLayers + checkpoint.layers, tensors: checkpoint.tensors,
                                         nemo: archive, torch: checkpoint, manifest: eff.manifest)
                source.arriving = arriving
                return source
            } catch {
                // The complete bytes decide what is wrong: a wrong key (the SHA-256 at the end), a damaged archive,
                // or weights this reader cannot walk front to back, which then open the ordinary way.
                try arriving.waitForProducer()
                return try fromEFF(eff, archive: archive, path: path, options: options)
            }
        }
    }

    /// An EFF archive whose artifacts are all read and verified (by SHA-256, or for EFF v1/v2 weights by their
    /// torch magic: `EFFArchive.readArtifacts`).
    static func fromEFF(_ eff: EFFArchive, archive: NemoArchive, path: String, options: SourceOptions) throws -> ModelSource {
        try fromNemo(archive, path: path, outer: eff.outerLayers, manifest: eff.manifest, options: options)
    }
}

extension EFFArchive {
    var outerLayers: [String] { [layerDescription, compression == .gzip ? "tar.gz" : "tar"] }
}

/// Runs `NemoArchive.open(eff:)` on a thread of its own and hands the caller the archive as soon as only the
/// weights (the last artifact) are left to decrypt, or else once everything is read.
private final class BackgroundEFFReader: @unchecked Sendable {
    enum Start {
        case complete(NemoArchive)
        case streaming(NemoArchive, ArrivingWeights)
    }

    // The archive is only read, here and on the caller's thread (its manifest and entries).
    private let eff: EFFArchive
    private let key: String?
    private let options: NemoOptions
    /// Guards `start`, which the reader thread sets once and the caller waits for.
    private let handedOver = NSCondition()
    private var start: Result<Start, any Error>?

    static func open(eff: EFFArchive, key: String?, options: NemoOptions) throws -> Start {
        let reader = BackgroundEFFReader(eff: eff, key: key, options: options)
        let thread = JoinableThread { reader.run() }
        reader.handedOver.lock()
        while reader.start == nil { reader.handedOver.wait() }
        let start = reader.start!
        reader.handedOver.unlock()
        if case let .success(.streaming(_, arriving)) = start {
            arriving.adopt(producer: thread)
        } else {
            // The reader is done once it hands over anything else.
            thread.join()
        }
        return try start.get()
    }

    private init(eff: EFFArchive, key: String?, options: NemoOptions) {
        (self.eff, self.key, self.options) = (eff, key, options)
    }

    private func hand(_ result: Result<Start, any Error>) {
        handedOver.lock()
        start = result
        handedOver.signal()
        handedOver.unlock()
    }

    private func run() {
        var arriving: ArrivingWeights?
        do {
            let (eff, options) = (eff, options)
            let archive = try NemoArchive.open(eff: eff, key: key, options: options) { entry, source, collected in
                let spool = try SpoolFile(directory: options.spoolDirectory)
                try spool.reserve(entry.plaintextSize)
                let region = try spool.map(length: entry.plaintextSize)
                if collected.paths.count == eff.entries.count, entry.plaintextSize > 0 {
                    var withWeights = collected
                    withWeights.streamed.keep(entry.artifact.name, spooled: region)
                    let streaming = ArrivingWeights(region: region, spool: spool)
                    hand(.success(.streaming(try withWeights.archive(eff: eff, options: options), streaming)))
                    arriving = streaming
                }
                try source.pump(into: ArrivalSink(spool: spool, arriving: arriving))
                guard spool.count == entry.plaintextSize else {
                    throw SourceError.memberSizeMismatch(member: entry.artifact.name, declared: entry.plaintextSize,
                                                         found: spool.count)
                }
                return region
            }
            // Only now are the SHA-256s and the gzip CRC-32 checked.
            if let arriving { arriving.complete() } else { hand(.success(.complete(archive))) }
        } catch {
            if let arriving { arriving.fail(error) } else { hand(.failure(error)) }
        }
    }
}

/// The spool, reporting each write to the consumer and stopping once it has given up.
private final class ArrivalSink: ByteSink {
    let spool: SpoolFile
    let arriving: ArrivingWeights?

    init(spool: SpoolFile, arriving: ArrivingWeights?) {
        self.spool = spool
        self.arriving = arriving
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let arriving, !arriving.mayWrite() { throw SourceError.readCancelled }
        try spool.write(bytes)
        arriving?.advance(to: spool.count)
    }
}
