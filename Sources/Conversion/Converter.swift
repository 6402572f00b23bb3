import Bytes
import Checkpoint
import Foundation

/// Converts a source checkpoint (`.tlt`, `.nemo`, torch, canonical safetensors) into a native `.decant` file, a
/// safetensors file or a Hugging Face directory, streaming tensor by tensor.
public enum Converter {
    public static func convert(input: String, output: String, options: ConversionOptions = ConversionOptions(),
                               observer: ConversionObserver? = nil) throws -> ConversionReport {
        try validate(options)
        // The destination is checked before any work: never a device, a link or an input, and a folder only
        // when it is new, empty or given up with --force.
        let directory = options.format == .hf
            ? try HuggingFaceExport.directory(output, replacing: options.force, inputs: [input]) : nil
        if directory == nil { try checkReplaceable(output, inputs: [input]) }
        let clock = ContinuousClock()
        let start = clock.now
        // Only the native format records provenance; its hash runs on a thread of its own from the start.
        let digest = options.format == .native ? SourceDigest(path: input) : nil
        defer { digest?.stop() }
        // An EFF .tlt is converted while its weights are still being decrypted (`ModelSource.openStreaming`); a
        // source still arriving is stopped when planning it fails, as after the conversion.
        func openPlan() throws -> ConversionPlan {
            let source = try ModelSource.openStreaming(path: input, key: options.key, options: options.source)
            do {
                return try ConversionPlan(source: source, heads: options.heads, qkvLayout: options.qkvLayout)
            } catch {
                source.arriving?.cancel()
                throw error
            }
        }
        let plan = try openPlan()
        defer { plan.source.arriving?.cancel() }
        let source = plan.source
        let tensors: [ConvertedTensor]
        switch options.format {
        case .native:
            tensors = try NativeExport.write(plan, to: output, options: options, digest: digest!, observer: observer,
                                             reopen: openPlan)
        case .safetensors:
            tensors = try SafetensorsExport.write(plan, to: output, storage: options.storage, observer: observer)
        case .hf:
            tensors = try HuggingFaceExport.write(plan, to: directory!, storage: options.storage, observer: observer)
        }
        let elapsed = clock.now - start
        return ConversionReport(
            input: input, output: output, options: options, sourceLayers: source.layers,
            sourceBytes: fileSize(input), sourceSHA256: try digest?.value(), model: plan.model, dropped: plan.dropped,
            tensors: tensors, outputBytes: directory.map(exportSize) ?? fileSize(output),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Refuses option combinations before anything is opened.
    public static func validate(_ options: ConversionOptions) throws(ConversionError) {
        if options.format != .native {
            guard options.storage.dtype != nil else {
                throw .storageNotSupported(format: options.format, storage: options.storage)
            }
            guard !options.quantizeEmbeddings else { throw .quantizeEmbeddingsNeedsNative(format: options.format) }
        }
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The bytes of the export's own files (a folder written into with --force holds others too).
    private static func exportSize(_ directory: OutputDirectory) -> Int {
        directory.exportFiles.reduce(0) { $0 + fileSize(directory.destination + "/" + $1) }
    }
}
