/// Turns the mutable pickle graph into an immutable `PickleValue` tree, giving known symbols their meaning.
///
/// Shared sub-graphs are frozen once and reused; a reference back to a node still being frozen becomes
/// `.cycle`. Nesting depth, expanded tree size and total tensor bytes are bounded here.
struct PickleFreezer {
    typealias Resolver = (PickleValue) -> PickleValue?

    private let graph: PickleGraph
    private let options: PickleOptions
    private let resolvePersistentID: Resolver?
    /// Per node: its frozen value and expanded size once done; arrays, not dictionaries, because a large
    /// pickle has millions of nodes.
    private var frozen: [PickleValue?]
    private var sizes: [Int]
    private var inProgress: [Bool]
    private var path: [String] = []
    private var tensorBytes = 0
    /// Every distinct storage a persistent id named, in first-seen order.
    private(set) var storages: [TorchStorageRef] = []
    private var seenStorages: Set<TorchStorageRef> = []
    /// The first description of each storage key, which every later one must repeat.
    private var storageByKey: [String: TorchStorageRef] = [:]

    init(graph: PickleGraph, options: PickleOptions, resolvePersistentID: Resolver?) {
        self.graph = graph
        self.options = options
        self.resolvePersistentID = resolvePersistentID
        frozen = Array(repeating: nil, count: graph.nodes.count)
        sizes = Array(repeating: 0, count: graph.nodes.count)
        inProgress = Array(repeating: false, count: graph.nodes.count)
    }

    mutating func freeze(_ root: Int) throws(PickleError) -> PickleValue {
        try freeze(root, depth: 0).value
    }

    /// Returns the value and its expanded size (values counted once per use).
    private mutating func freeze(_ ref: Int, depth: Int) throws(PickleError) -> (value: PickleValue, size: Int) {
        if let done = frozen[ref] { return (done, sizes[ref]) }
        if case let .value(value) = graph[ref] {
            if case let .global(symbol) = value, case let .dtype(dtype)? = PickleSymbols.known(symbol) {
                return (.dtype(dtype), 1)
            }
            return (value, 1)
        }
        if inProgress[ref] { return (.cycle, 1) }
        guard depth < options.maxNestingDepth else {
            throw .limitExceeded(.nestingDepth, limit: options.maxNestingDepth, offset: graph.offsets[ref])
        }
        inProgress[ref] = true
        defer { inProgress[ref] = false }

        var size = 1
        func child(_ childRef: Int, _ component: String?) throws(PickleError) -> PickleValue {
            if let component { path.append(component) }
            defer { if component != nil { path.removeLast() } }
            let (value, childSize) = try freeze(childRef, depth: depth + 1)
            size = size > options.maxTreeValues - childSize ? options.maxTreeValues + 1 : size + childSize
            guard size <= options.maxTreeValues else {
                throw .limitExceeded(.treeValues, limit: options.maxTreeValues, offset: graph.offsets[ref])
            }
            return value
        }
        func children(_ refs: [Int], indexed: Bool) throws(PickleError) -> [PickleValue] {
            var values: [PickleValue] = []
            values.reserveCapacity(refs.count)
            for (index, childRef) in refs.enumerated() { values.append(try child(childRef, indexed ? String(index) : nil)) }
            return values
        }
        func entries(_ keys: [Int], _ values: [Int]) throws(PickleError) -> [PickleDict.Entry] {
            var result: [PickleDict.Entry] = []
            result.reserveCapacity(keys.count)
            for (keyRef, valueRef) in zip(keys, values) {
                let key = try child(keyRef, nil)
                result.append(PickleDict.Entry(key: key, value: try child(valueRef, PickleFreezer.component(key))))
            }
            return result
        }

        let value: PickleValue
        switch graph[ref] {
        case .value:
            preconditionFailure("scalars return early")
        case let .tuple(refs):
            value = .tuple(try children(refs, indexed: true))
        case let .frozenSet(refs):
            value = .frozenSet(try children(refs, indexed: false))
        case let .persistentID(payloadRef):
            value = try persistentID(try child(payloadRef, nil), offset: graph.offsets[ref])
        case let .container(container):
            switch container.kind {
            case .list: value = .list(try children(container.items, indexed: true))
            case .set: value = .set(try children(container.items, indexed: false))
            case .dict: value = .dict(PickleDict(entries: try entries(container.keys, container.values)))
            case let .call(calleeRef, argsRef, kwargsRef, construction):
                let callee = try child(calleeRef, nil)
                let args = try child(argsRef, nil).sequenceValue ?? []
                let kwargs = try kwargsRef.map { ref throws(PickleError) in try child(ref, nil).dictValue } ?? nil
                let state = try container.state.map { ref throws(PickleError) in try child(ref, nil) }
                let object = PickleObject(callee: callee, construction: construction, args: args, kwargs: kwargs,
                                          state: state, listItems: try children(container.items, indexed: true),
                                          dictItems: try entries(container.keys, container.values))
                value = try interpret(object, offset: graph.offsets[ref])
            }
        }
        frozen[ref] = value
        sizes[ref] = size
        return (value, size)
    }

    /// How a dict key shows in a path.
    static func component(_ key: PickleValue) -> String {
        switch key {
        case let .string(text): return text
        case let .int(number): return String(number)
        case let .bigInt(number): return number.description
        default: return "<\(key.kindName)>"
        }
    }

    private var pathText: String { path.joined(separator: ".") }

    // MARK: Known symbols

    private mutating func interpret(_ object: PickleObject, offset: Int) throws(PickleError) -> PickleValue {
        guard let symbol = object.symbol, let known = PickleSymbols.known(symbol) else { return .object(object) }
        let interpreter = CallInterpreter(symbol: symbol, object: object, offset: offset, path: pathText)
        let value: PickleValue
        switch known {
        case .orderedDict: value = try interpreter.orderedDict()
        case .set: value = .set(try interpreter.setItems())
        case .frozenSet: value = .frozenSet(try interpreter.setItems())
        case .codecsEncode: value = try interpreter.latin1Bytes()
        case .size: value = .size(try interpreter.sizeArgument())
        case .device: value = .device(try interpreter.device())
        case .rebuildTensor, .rebuildParameter, .rebuildFromType: value = .tensor(try interpreter.tensor(known))
        case .typedStorage, .untypedStorage, .tensorClass, .dtype: return .object(object)
        }
        if case let .tensor(tensor) = value { try countTensorBytes(tensor, offset: offset) }
        return value
    }

    private mutating func countTensorBytes(_ tensor: TorchTensorRef, offset: Int) throws(PickleError) {
        let (sum, overflow) = tensorBytes.addingReportingOverflow(tensor.byteCount)
        guard !overflow, sum <= options.maxTotalTensorBytes else {
            throw .limitExceeded(.totalTensorBytes, limit: options.maxTotalTensorBytes, offset: offset)
        }
        tensorBytes = sum
    }

    /// `("storage", <storage class>, key, location, numel[, view_metadata])`; other ids go to the resolver.
    private mutating func persistentID(_ payload: PickleValue, offset: Int) throws(PickleError) -> PickleValue {
        guard case let .tuple(fields) = payload, fields.first == .string("storage") else {
            return resolvePersistentID?(payload) ?? .persistentID(payload)
        }
        func fail(_ reason: String) -> PickleError { .invalidPersistentID(reason: reason, offset: offset, path: pathText) }
        guard fields.count == 5 || fields.count == 6 else {
            throw fail("a storage id has 5 or 6 fields, this one has \(fields.count)")
        }
        let dtype: TorchDType, untyped: Bool
        switch fields[1] {
        case let .global(symbol):
            switch PickleSymbols.known(symbol) {
            case let .typedStorage(storageType)?: (dtype, untyped) = (storageType, false)
            case .untypedStorage?: (dtype, untyped) = (.uint8, true)
            default: throw fail("\(symbol) is not a storage class")
            }
        default:
            throw fail("expected a storage class, found \(fields[1].kindName)")
        }
        guard let key = PickleFreezer.keyText(fields[2]) else { throw fail("storage key is a \(fields[2].kindName)") }
        guard let location = fields[3].stringValue else { throw fail("storage location is a \(fields[3].kindName)") }
        guard let numel = fields[4].intValue, numel >= 0 else { throw fail("storage numel is not a non-negative int") }
        guard !numel.multipliedReportingOverflow(by: dtype.elementSize).overflow else {
            throw fail("storage of \(numel) \(dtype.rawValue) elements overflows 64-bit sizes")
        }
        var view: TorchStorageRef.View?
        if fields.count == 6, fields[5] != .none {
            guard case let .tuple(parts) = fields[5], parts.count == 3, let viewKey = PickleFreezer.keyText(parts[0]),
                  let viewOffset = parts[1].intValue, let viewNumel = parts[2].intValue, viewOffset >= 0, viewNumel >= 0 else {
                throw fail("view metadata is not (key, offset, numel)")
            }
            view = .init(key: viewKey, offset: viewOffset, numel: viewNumel)
        }
        let storage = TorchStorageRef(key: key, dtype: dtype, isUntyped: untyped, location: location, numel: numel,
                                      view: view)
        if seenStorages.insert(storage).inserted {
            if let first = storageByKey[key] {
                guard first.dtype == dtype, first.isUntyped == untyped, first.numel == numel else {
                    throw .conflictingStorage(key: key, first: Self.describe(first), second: Self.describe(storage),
                                              offset: offset, path: pathText)
                }
            } else {
                storageByKey[key] = storage
            }
            storages.append(storage)
        }
        return .storage(storage)
    }

    /// e.g. "4 × float32", "16 bytes (untyped)".
    private static func describe(_ storage: TorchStorageRef) -> String {
        storage.isUntyped ? "\(storage.numel) bytes (untyped)" : "\(storage.numel) × \(storage.dtype.rawValue)"
    }

    static func keyText(_ value: PickleValue) -> String? {
        switch value {
        case let .string(text): return text
        case let .int(number): return String(number)
        default: return nil
        }
    }
}
