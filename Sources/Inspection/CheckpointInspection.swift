import Bytes
import Checkpoint
import Megatron
import NativeFormat
import Pickle
import Safetensors
import Tensors

/// Builds a `CheckpointReport` for any file Decant reads: opens it through `ModelSource` (or `NativeFile` for
/// .decant), lifts the metadata, runs architecture detection, and computes statistics only when asked.
///
/// Without statistics no tensor data is read, with one exception: when no metadata states the fused-QKV layout
/// (NeMo ≥ 1.10 or bare Megatron names), detection reads the QKV biases (3 × hidden values per layer) for the
/// K-bias heuristic.

public struct InspectionOptions: Sendable, Equatable {
    /// TAO load key for encrypted files.
    public var key: String?
    /// Compute statistics for every listed tensor.
    public var stats: Bool
    /// Report only this tensor, with statistics and its first values.
    public var tensor: String?
    /// Read pickled globals outside the allowlist as inert data (nothing is ever called).
    public var allowOpaque: Bool
    /// How many leading values the `tensor` detail shows.
    public var leadingValues: Int
    /// Architecture facts stated by the user, winning over the checkpoint's (as `convert` would use them).
    public var overrides: ArchitectureOverrides

    public init(key: String? = nil, stats: Bool = false, tensor: String? = nil, allowOpaque: Bool = false,
                leadingValues: Int = 16, overrides: ArchitectureOverrides = ArchitectureOverrides()) {
        self.key = key
        self.stats = stats
        self.tensor = tensor
        self.allowOpaque = allowOpaque
        self.leadingValues = leadingValues
        self.overrides = overrides
    }
}

extension CheckpointReport {
    public static func inspect(path: String, options: InspectionOptions = InspectionOptions()) throws -> CheckpointReport {
        let file = try MappedFile(path: path)
        if file.view.matches(NativeLayout.magic) {
            return try inspect(native: try NativeFile(view: file.view), path: path, options: options)
        }
        let source = try ModelSource.open(path: path, key: options.key,
                                          options: SourceOptions(pickle: PickleOptions(allowOpaque: options.allowOpaque)))
        var metadata = InspectionMetadata()
        metadata.eff = source.manifest.map(EFFMetadata.init)
        metadata.nemo = source.nemo.map(NemoMetadata.init)
        metadata.torch = source.torch.map(TorchMetadata.init)
        if source.nemo == nil, source.torch == nil {
            // The only other kind ModelSource opens; re-reading the header is O(header).
            metadata.safetensors = try SafetensorsFile(view: file.view).metadata
        }
        let (model, modelError) = detectModel(source, overrides: options.overrides)
        let tensors = try select(source.tensors.map(InspectedTensor.view), options: options, path: path)
        return try CheckpointReport(file: path, fileBytes: file.count, layers: source.layers, metadata: metadata,
                                model: model, modelError: modelError, tensors: tensors, options: options)
    }

    private static func inspect(native: NativeFile, path: String, options: InspectionOptions) throws -> CheckpointReport {
        var metadata = InspectionMetadata()
        metadata.native = NativeMetadata(native)
        let model = ModelSummary(nativeMetadata: native.metadata)
        let tensors = try select(try native.names.map { .native(try native.tensor(named: $0)) }, options: options, path: path)
        let layers = [".decant v\(native.version) (\(native.tensors.count) tensors, alignment \(native.alignment))"]
        return try CheckpointReport(file: path, fileBytes: native.view.count, layers: layers, metadata: metadata, model: model,
                                modelError: model == nil ? "no known architecture: the .decant metadata has no model object" : nil,
                                tensors: tensors, options: options)
    }

    /// Megatron-BERT detection with every hint the file carries; a failure is reported, not thrown, because
    /// inspecting an arbitrary checkpoint must still work.
    private static func detectModel(_ source: ModelSource, overrides: ArchitectureOverrides) -> (ModelSummary?, String?) {
        var byName: [String: TensorView] = [:]
        for tensor in source.tensors { byName[tensor.name] = tensor }
        do throws(MegatronError) {
            let architecture = try MegatronArchitecture.detect(
                signatures: source.tensors.map(TensorSignature.init),
                hints: overrides.applied(to: try MegatronHints(settings: source.megatronSettings))
            ) { name in try? byName[name]?.toFloat32() }
            return (ModelSummary(architecture), nil)
        } catch {
            switch error {
            case .noWordEmbeddings, .unknownNaming: return (nil, "no known architecture: \(error)")
            default: return (nil, "not a usable Megatron-BERT: \(error)")
            }
        }
    }

    private static func select(_ tensors: [InspectedTensor], options: InspectionOptions, path: String) throws -> [InspectedTensor] {
        guard let wanted = options.tensor else { return tensors }
        guard let found = tensors.first(where: { $0.name == wanted }) else {
            throw InspectionError.tensorNotFound(name: wanted, file: path, tensors: tensors.count)
        }
        return [found]
    }

    private init(file: String, fileBytes: Int, layers: [String], metadata: InspectionMetadata, model: ModelSummary?,
                 modelError: String?, tensors: [InspectedTensor], options: InspectionOptions) throws {
        let detail = options.tensor != nil
        var total = StatisticsAccumulator()
        var entries: [TensorEntry] = []
        var dtypes: [String: Int] = [:]
        for tensor in tensors {
            var entry = TensorEntry(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, bytes: tensor.bytes)
            if options.stats || detail {
                let accumulator = try tensor.statistics()
                entry.stats = accumulator.statistics
                total.merge(accumulator)
            }
            if detail { entry.firstValues = try tensor.leadingValues(options.leadingValues) }
            dtypes[entry.dtype, default: 0] += 1
            entries.append(entry)
        }
        self.init(file: file, fileBytes: fileBytes, layers: layers, metadata: metadata, model: model,
                  modelError: modelError, tensors: entries,
                  totals: TensorTotals(tensors: entries.count, parameters: entries.reduce(0) { $0 + $1.elements },
                                       bytes: entries.reduce(0) { $0 + $1.bytes }, dtypes: dtypes),
                  stats: options.stats || detail ? total.statistics : nil)
    }
}

/// A tensor from either kind of file, with what the report needs of it.
enum InspectedTensor {
    case view(TensorView)
    case native(NativeTensor)

    var name: String {
        switch self {
        case let .view(view): return view.name
        case let .native(tensor): return tensor.name
        }
    }

    var dtype: String {
        switch self {
        case let .view(view): return view.dtype.rawValue
        case let .native(tensor): return tensor.storage.rawValue
        }
    }

    var shape: [Int] {
        switch self {
        case let .view(view): return view.shape
        case let .native(tensor): return tensor.shape
        }
    }

    var bytes: Int {
        switch self {
        case let .view(view): return view.byteCount
        case let .native(tensor): return tensor.info.length
        }
    }

    func statistics() throws -> StatisticsAccumulator {
        var accumulator = StatisticsAccumulator()
        switch self {
        case let .view(view): accumulator.add(view)
        case let .native(tensor):
            if let view = tensor.tensorView {
                accumulator.add(view)
            } else {
                // q8/q4: one tensor's worth of f32, decoded once.
                try tensor.toFloat32().withUnsafeBufferPointer { accumulator.add($0) }
            }
        }
        return accumulator
    }

    func leadingValues(_ limit: Int) throws -> [Double] {
        switch self {
        case let .view(view): return view.leadingValues(limit)
        case let .native(tensor):
            if let view = tensor.tensorView { return view.leadingValues(limit) }
            return try tensor.toFloat32().prefix(limit).map(Double.init)
        }
    }
}
