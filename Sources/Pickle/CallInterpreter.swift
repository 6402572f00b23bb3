/// Gives meaning to calls of the symbols the reader knows (tensor rebuilders, OrderedDict, set, bytes,
/// torch.Size, torch.device), by reading their recorded arguments. Nothing is called.
struct CallInterpreter {
    let symbol: PickleGlobal
    let object: PickleObject
    let offset: Int
    let path: String

    private func fail(_ reason: String) -> PickleError {
        .invalidArguments(callee: symbol.description, reason: reason, offset: offset, path: path)
    }

    /// `OrderedDict()` or `OrderedDict(pairs)`, then SETITEMS, then BUILD of the instance dict.
    func orderedDict() throws(PickleError) -> PickleValue {
        guard object.listItems.isEmpty else { throw fail("items were appended to a dict") }
        var entries: [PickleDict.Entry] = []
        switch object.args.count {
        case 0: break
        case 1:
            guard let pairs = object.args[0].sequenceValue else { throw fail("expected a sequence of pairs") }
            for pair in pairs {
                guard let kv = pair.sequenceValue, kv.count == 2 else { throw fail("expected (key, value) pairs") }
                entries.append(.init(key: kv[0], value: kv[1]))
            }
        default: throw fail("expected at most one argument, found \(object.args.count)")
        }
        return .dict(PickleDict(entries: entries + object.dictItems, state: object.state))
    }

    /// `set(items)` / `frozenset(items)`.
    func setItems() throws(PickleError) -> [PickleValue] {
        guard object.dictItems.isEmpty, object.state == nil else { throw fail("a set cannot hold pairs or state") }
        switch object.args.count {
        case 0: return object.listItems
        case 1:
            guard let items = object.args[0].sequenceValue else { throw fail("expected a list of items") }
            return items + object.listItems
        default: throw fail("expected at most one argument, found \(object.args.count)")
        }
    }

    /// `_codecs.encode(text, "latin1")`: how protocol 2 writes Python 3 `bytes`.
    func latin1Bytes() throws(PickleError) -> PickleValue {
        guard object.args.count == 2, let text = object.args[0].stringValue, let encoding = object.args[1].stringValue else {
            throw fail("expected (str, encoding)")
        }
        guard ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
            throw fail("only latin1 text is turned into bytes, found encoding \(encoding)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { throw fail("code point U+\(String(scalar.value, radix: 16)) is not latin1") }
            bytes.append(UInt8(scalar.value))
        }
        return .bytes(bytes)
    }

    /// `torch.Size((d0, d1, …))`.
    func sizeArgument() throws(PickleError) -> [Int] {
        guard object.args.count == 1, let dims = CallInterpreter.ints(object.args[0]) else {
            throw fail("expected one tuple of ints")
        }
        return dims
    }

    /// `torch.device("cuda", 0)` → "cuda:0".
    func device() throws(PickleError) -> String {
        switch (object.args.count, object.args.first?.stringValue) {
        case let (1, name?): return name
        case let (2, name?):
            if object.args[1] == .none { return name }
            guard let index = object.args[1].intValue else { throw fail("device index is a \(object.args[1].kindName)") }
            return "\(name):\(index)"
        default: throw fail("expected (type[, index])")
        }
    }

    /// `_rebuild_tensor(_v2/_v3)`, `_rebuild_parameter(_with_state)` and `_rebuild_from_type_v2`.
    func tensor(_ known: KnownSymbol) throws(PickleError) -> TorchTensorRef {
        try tensor(known, args: object.args)
    }

    private func tensor(_ known: KnownSymbol, args: [PickleValue]) throws(PickleError) -> TorchTensorRef {
        switch known {
        case let .rebuildTensor(version):
            return try rebuildTensor(version: version, args: args)
        case let .rebuildParameter(withState):
            let expected = withState ? 4 : 3
            guard args.count == expected, case let .tensor(data) = args[0], case let .bool(requiresGrad) = args[1] else {
                throw fail("expected (tensor, requires_grad, hooks\(withState ? ", state" : "")) with \(expected) values")
            }
            return data.asParameter(requiresGrad: requiresGrad)
        case .rebuildFromType:
            // (func, type, args, state): the tensor is func(*args); type only says which subclass.
            guard args.count == 4, case let .global(function) = args[0], let inner = PickleSymbols.known(function),
                  let innerArgs = args[2].sequenceValue else {
                throw fail("expected (rebuild function, type, args, state)")
            }
            switch inner {
            case .rebuildTensor, .rebuildParameter: break
            default: throw fail("\(function) does not rebuild a tensor")
            }
            let tensor = try self.tensor(inner, args: innerArgs)
            let isParameter = args[1] == .global(PickleGlobal(module: "torch.nn.parameter", name: "Parameter"))
            return isParameter ? tensor.asParameter(requiresGrad: tensor.requiresGrad) : tensor
        default:
            throw fail("does not rebuild a tensor")
        }
    }

    /// v1 `(storage, offset, size, stride)`; v2 adds `(requires_grad, hooks[, metadata])`; v3 adds a trailing
    /// dtype before the metadata and uses an untyped storage.
    private func rebuildTensor(version: Int, args: [PickleValue]) throws(PickleError) -> TorchTensorRef {
        let counts: ClosedRange<Int> = version == 1 ? 4...4 : (version == 2 ? 6...7 : 7...8)
        guard counts.contains(args.count) else {
            throw fail("expected \(counts.lowerBound)\(counts.count > 1 ? "-\(counts.upperBound)" : "") arguments, found \(args.count)")
        }
        guard case let .storage(storage) = args[0] else { throw fail("argument 0 is a \(args[0].kindName), not a storage") }
        guard let storageOffset = args[1].intValue else { throw fail("storage offset is a \(args[1].kindName)") }
        guard let shape = CallInterpreter.ints(args[2]) else { throw fail("size is not a tuple of ints") }
        guard let strides = CallInterpreter.ints(args[3]) else { throw fail("stride is not a tuple of ints") }
        var requiresGrad = false
        if version >= 2 {
            guard case let .bool(flag) = args[4] else { throw fail("requires_grad is a \(args[4].kindName)") }
            requiresGrad = flag
        }
        var dtype = storage.dtype
        if version == 3 {
            guard case let .dtype(declared) = args[6] else { throw fail("dtype is a \(args[6].kindName)") }
            dtype = declared
        }
        // The byte size must fit before anything sums or indexes it; strides and bounds are the view's job.
        var bytes = dtype.elementSize
        for dimension in shape {
            guard dimension >= 0 else { throw fail("negative size in shape \(shape)") }
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(shape) of \(dtype.rawValue) overflows 64-bit sizes") }
            bytes = product
        }
        return TorchTensorRef(storage: storage, storageOffset: storageOffset, shape: shape, strides: strides,
                              dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tuple/list of ints or a `torch.Size`.
    static func ints(_ value: PickleValue) -> [Int]? {
        if case let .size(dims) = value { return dims }
        guard let items = value.sequenceValue else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case let .int(number) = item else { return nil }
            result.append(number)
        }
        return result
    }
}
