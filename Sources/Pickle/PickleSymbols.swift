/// The global policy: which symbols carry meaning, which are accepted as inert data, and Python 2 names.
public enum PickleSymbols {
    /// Data classes common in Lightning/NeMo/Megatron checkpoints that are accepted and kept opaque.
    /// None of them is ever called; they are listed because naming them is normal, not because they are safe
    /// to run.
    public static let allowedDataClasses: Set<String> = [
        "argparse.Namespace",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.ndarray", "numpy.dtype",
        "omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig",
        "omegaconf.base.ContainerMetadata", "omegaconf.base.Metadata",
        "omegaconf.nodes.AnyNode", "omegaconf.nodes.StringNode", "omegaconf.nodes.IntegerNode",
        "omegaconf.nodes.FloatNode", "omegaconf.nodes.BooleanNode", "omegaconf.nodes.BytesNode",
        "omegaconf.nodes.PathNode",
        "typing.Any", "collections.defaultdict",
        "builtins.dict", "builtins.list", "builtins.tuple", "builtins.int", "builtins.float", "builtins.str",
        "builtins.bool", "builtins.bytes", "builtins.object",
        "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath", "pathlib._local.PosixPath", "pathlib._local.WindowsPath",
        "torch.Tensor", "torch.nn.parameter.Parameter",
    ]

    /// Whether `symbol` may appear in a pickle read with `options`.
    public static func isAllowed(_ symbol: PickleGlobal, options: PickleOptions) -> Bool {
        if options.allowOpaque || known(symbol) != nil { return true }
        let name = symbol.description
        return allowedDataClasses.contains(name) || options.extraAllowedGlobals.contains(name)
    }

    /// Python 2 spellings mapped to Python 3 ones, as `pickle`'s fix_imports does for the names we meet.
    static func normalized(module: String, name: String) -> PickleGlobal {
        switch (module, name) {
        case ("__builtin__", "long"): return PickleGlobal(module: "builtins", name: "int")
        case ("__builtin__", "unicode"): return PickleGlobal(module: "builtins", name: "str")
        case ("__builtin__", _): return PickleGlobal(module: "builtins", name: name)
        case ("copy_reg", _): return PickleGlobal(module: "copyreg", name: name)
        default: return PickleGlobal(module: module, name: name)
        }
    }

    /// The meaning of a symbol the reader interprets.
    static func known(_ symbol: PickleGlobal) -> KnownSymbol? {
        switch (symbol.module, symbol.name) {
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor(version: 1)
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensor(version: 2)
        case ("torch._utils", "_rebuild_tensor_v3"): return .rebuildTensor(version: 3)
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter(withState: false)
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameter(withState: true)
        case ("torch._tensor", "_rebuild_from_type_v2"): return .rebuildFromType
        case ("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage"): return .untypedStorage
        case ("torch", "Size"): return .size
        case ("torch", "device"): return .device
        case ("collections", "OrderedDict"): return .orderedDict
        case ("builtins", "set"): return .set
        case ("builtins", "frozenset"): return .frozenSet
        case ("_codecs", "encode"): return .codecsEncode
        case ("torch", _), ("torch.cuda", _):
            if symbol.module == "torch", let dtype = TorchDType(torchName: symbol.name) { return .dtype(dtype) }
            if let dtype = TorchDType(legacyClassName: symbol.name) {
                return symbol.name.hasSuffix("Storage") ? .typedStorage(dtype) : .tensorClass(dtype)
            }
            return nil
        default:
            return nil
        }
    }
}

/// What a known symbol means to the reader.
enum KnownSymbol: Equatable {
    case rebuildTensor(version: Int)
    case rebuildParameter(withState: Bool)
    case rebuildFromType
    case typedStorage(TorchDType)
    case untypedStorage
    /// `torch.FloatTensor` and friends: the old tar format names tensor types this way.
    case tensorClass(TorchDType)
    case dtype(TorchDType)
    case size, device, orderedDict, set, frozenSet, codecsEncode
}
