import Bytes
import Codec
import Containers
import Pickle
import Safetensors
import Tensors

/// Opens any model file Decant reads — EFF `.tlt`, raw TAO blob, `.nemo` (tar or tar.gz), torch checkpoint
/// (zip, legacy, tar) or safetensors — by its content, and reports every layer it passed through.

public struct SourceOptions: Sendable, Equatable {
    public var nemo: NemoOptions
    public var pickle: PickleOptions

    public init(nemo: NemoOptions = NemoOptions(), pickle: PickleOptions = PickleOptions()) {
        self.nemo = nemo
        self.pickle = pickle
    }
}

/// A model file opened down to its tensors, with whatever configuration travelled with them.
public struct ModelSource: Sendable {
    public let path: String
    /// Outermost first, e.g. `["EFF v3 (…)", "tar.gz", "torch zip (prefix model_weights/)", "pickle protocol 2"]`.
    public let layers: [String]
    /// Zero-copy views into the mapped file (or into the spooled, decrypted or decompressed weights).
    public let tensors: [TensorView]
    /// For NeMo archives (`.nemo`, EFF `.tlt`).
    public let nemo: NemoArchive?
    /// For torch checkpoints (directly or inside an archive).
    public let torch: TorchCheckpoint?
    /// For EFF archives.
    public let manifest: EFFManifest?
    /// Set by `openStreaming` while the weights are still being decrypted: `tensors` are placeholders until
    /// resolved through it.
    public internal(set) var arriving: ArrivingWeights? = nil

    /// One of `tensors` as a view whose bytes may be read: the tensor itself, or, for a source still arriving, its
    /// real view once its bytes are there. Values (not just names and shapes) must only ever be read through it.
    public func resolve(_ tensor: TensorView) throws -> TensorView {
        try arriving?.resolve(tensor) ?? tensor
    }

    /// Says the caller is done with a tensor: a source still arriving may then drop its bytes (reading it again
    /// throws); a source read whole keeps them.
    public func release(_ tensor: TensorView) throws {
        try arriving?.release(tensor)
    }

    /// Waits until every byte has arrived and been verified (checksums, and every view against the complete
    /// checkpoint); afterwards `resolve` gives the complete checkpoint's views. Nothing to wait for when read whole.
    public func finish() throws {
        try arriving?.finish()
    }

    public var config: NemoConfig? { nemo?.config }
    public var vocab: [String]? { nemo?.vocab }
    public var encoderConfig: ConfigValue? { nemo?.encoderConfig }
    /// Megatron `checkpoint_version`: the NeMo artifact's value, else the torch checkpoint's own.
    public var checkpointVersion: Double? { nemo?.checkpointVersion ?? torch?.megatronCheckpointVersion }

    /// Opens `path`; `key` is the TAO load key for encrypted files (e.g. `tlt_encode`).
    public static func open(path: String, key: String? = nil, options: SourceOptions = SourceOptions()) throws -> ModelSource {
        let file = try MappedFile(path: path)
        switch try SourceKind.identify(file.view, path: path) {
        case .eff:
            let eff = try EFFArchive(path: path, inflation: options.nemo.inflation)
            return try fromEFF(eff, archive: try NemoArchive.open(eff: eff, key: key, options: options.nemo), path: path,
                               options: options)
        case let .nemo(gzip):
            return try fromNemo(try NemoArchive.open(path: path, options: options.nemo), path: path,
                                outer: [gzip ? "NeMo archive, tar.gz" : "NeMo archive, tar"], manifest: nil, options: options)
        case .torch:
            return try fromTorch(file.view, path: path, member: nil, outer: [], options: options)
        case .safetensors:
            let safetensors = try SafetensorsFile(view: file.view)
            return ModelSource(path: path, layers: ["safetensors (\(safetensors.entries.count) tensors)"],
                               tensors: safetensors.tensors, nemo: nil, torch: nil, manifest: nil)
        case .unknown:
            guard let key else {
                throw SourceError.unrecognised(path: path, firstBytes: hexString(file.view.buffer.prefix(8)), keyGiven: false)
            }
            return try fromTAOBlob(file.view, path: path, key: key, options: options)
        }
    }

    static func fromNemo(_ archive: NemoArchive, path: String, outer: [String], manifest: EFFManifest?,
                         options: SourceOptions) throws -> ModelSource {
        let inner = try fromTorch(archive.weights, path: path, member: archive.weightsMember, outer: [], options: options)
        return ModelSource(path: path, layers: outer + inner.layers, tensors: inner.tensors, nemo: archive,
                           torch: inner.torch, manifest: manifest)
    }

    private static func fromTorch(_ bytes: ByteView, path: String, member: String?, outer: [String],
                                  options: SourceOptions) throws -> ModelSource {
        if let member, TorchCheckpoint.sniff(bytes) == nil {
            throw SourceError.weightsNotATorchCheckpoint(path: path, member: member, firstBytes: hexString(bytes.buffer.prefix(8)))
        }
        let checkpoint = try TorchCheckpoint.read(bytes, options: options.pickle, spoolDirectory: options.nemo.spoolDirectory)
        return ModelSource(path: path, layers: outer + checkpoint.layers, tensors: checkpoint.tensors,
                           nemo: nil, torch: checkpoint, manifest: nil)
    }

    /// TF1-style `.tlt`/`.ckzip` (the whole file one blob, default salt) or `.etlt` (a name, then the blob).
    private static func fromTAOBlob(_ view: ByteView, path: String, key: String, options: SourceOptions) throws -> ModelSource {
        let blobOffset: Int
        let framing: String
        if case let .etlt(inputName, offset) = TAOFileKind.identify(view) {
            (blobOffset, framing) = (offset, ".etlt (input \(inputName))")
        } else {
            (blobOffset, framing) = (0, "raw TAO blob")
        }
        let blob = try EncryptedBlob(try view.slice(offset: blobOffset, length: view.count - blobOffset),
                                     key: try DerivedKey(key: try LoadKey(key), salt: .default))
        let format = try PlaintextMagic.check(blob)
        guard format != "HDF5" else { throw SourceError.unsupportedPayload(path: path, format: "HDF5 (a TF1 Keras model)") }
        let spool = try SpoolFile(directory: options.nemo.spoolDirectory)
        try BlobDecryptingSource(key: blob.key, upstream: ViewSource(blob.blob)).pump(into: spool)
        let plaintext = try spool.map()
        let outer = ["\(framing), default salt, \(format)"]
        switch try SourceKind.identify(plaintext, path: path) {
        case let .nemo(gzip):
            return try fromNemo(try NemoArchive.open(plaintext, options: options.nemo), path: path,
                                outer: outer + [gzip ? "NeMo archive, tar.gz" : "NeMo archive, tar"], manifest: nil,
                                options: options)
        default:
            // The plaintext magic was checked before spooling.
            return try fromTorch(plaintext, path: path, member: nil, outer: outer, options: options)
        }
    }

    /// Labelled configuration dictionaries in priority order, in the shape `MegatronHints(settings:)` takes:
    /// the yaml's inline `language_model.config`, the encoder config, the checkpoint-version artifact, Megatron
    /// `args` from a model_optim_rng.pt, and the tokenizer's vocab size.
    public var megatronSettings: [(source: String, values: [String: String])] {
        var settings: [(source: String, values: [String: String])] = []
        if let inline = nemo?.config.languageModelConfig {
            settings.append(("model_config.yaml language_model.config", inline.scalars))
        }
        if let encoder = nemo?.encoderConfig, let member = nemo?.encoderConfigMember {
            settings.append((member, encoder.scalars))
        }
        if let version = nemo?.checkpointVersion, let member = nemo?.checkpointVersionMember {
            settings.append((member, ["checkpoint_version": String(version)]))
        }
        if let torch {
            var args: [String: String] = [:]
            for (key, value) in torch.megatronArgs {
                switch value {
                case let .int(number): args[key] = String(number)
                case let .float(number): args[key] = String(number)
                case let .bool(flag): args[key] = String(flag)
                case let .string(text): args[key] = text
                default: continue
                }
            }
            if let version = torch.megatronCheckpointVersion { args["checkpoint_version"] = String(version) }
            if !args.isEmpty { settings.append(("\(torch.weightsLocation) args", args)) }
        }
        if let vocab = nemo?.vocab, let member = nemo?.vocabMember {
            settings.append((member, ["vocab_size": String(vocab.count)]))
        }
        return settings
    }
}
