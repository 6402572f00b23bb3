/// The inert value tree a pickle decodes to: data only, nothing callable, nothing executed.
///
/// Symbols the reader understands (torch tensor builders, storages, dtypes, OrderedDict, set, bytes via
/// `_codecs.encode`) are turned into the typed cases below; every other call stays an `object` that merely
/// records what would have been called with which arguments.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer that does not fit in 64 bits (LONG1/LONG4 can hold 2**70 and more).
    case bigInt(PickleBigInt)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    case dict(PickleDict)
    case set([PickleValue])
    case frozenSet([PickleValue])
    /// A class or function named by GLOBAL/STACK_GLOBAL and left unresolved.
    case global(PickleGlobal)
    /// REDUCE/NEWOBJ/BUILD on something the reader does not interpret, recorded but never run.
    case object(PickleObject)
    /// A BINPERSID payload that no resolver turned into a storage or tensor.
    case persistentID(PickleValue)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)
    case dtype(TorchDType)
    /// `torch.Size`.
    case size([Int])
    /// `torch.device`, e.g. "cpu" or "cuda:0".
    case device(String)
    /// A reference back to a container that encloses it (Python prints it as `[...]`).
    case cycle
}

/// A module-qualified name, e.g. `torch._utils._rebuild_tensor_v2`.
public struct PickleGlobal: Sendable, Hashable, CustomStringConvertible {
    public let module: String
    public let name: String

    public init(module: String, name: String) {
        self.module = module
        self.name = name
    }

    public var description: String { "\(module).\(name)" }
}

/// A dict or OrderedDict: ordered entries whose keys can be any value, plus the BUILD state OrderedDict
/// subclasses carry (a torch `state_dict()` keeps `_metadata` there).
public struct PickleDict: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let key: PickleValue
        public let value: PickleValue

        public init(key: PickleValue, value: PickleValue) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]
    public var state: PickleValue?

    public init(entries: [Entry] = [], state: PickleValue? = nil) {
        self.entries = entries
        self.state = state
    }

    /// The value of the first entry whose key is the string `key`.
    public subscript(key: String) -> PickleValue? {
        entries.first { $0.key == .string(key) }?.value
    }

    public var count: Int { entries.count }
}

/// A call the reader recorded instead of making: `callee(*args, **kwargs)`, then BUILD with `state`, then
/// APPEND/SETITEM of `listItems`/`dictItems`.
public struct PickleObject: Sendable, Equatable {
    public enum Construction: Sendable, Equatable {
        case reduce, newObject
    }

    public let callee: PickleValue
    public let construction: Construction
    public let args: [PickleValue]
    public let kwargs: PickleDict?
    public let state: PickleValue?
    public let listItems: [PickleValue]
    public let dictItems: [PickleDict.Entry]

    public init(callee: PickleValue, construction: Construction, args: [PickleValue], kwargs: PickleDict? = nil,
                state: PickleValue? = nil, listItems: [PickleValue] = [], dictItems: [PickleDict.Entry] = []) {
        self.callee = callee
        self.construction = construction
        self.args = args
        self.kwargs = kwargs
        self.state = state
        self.listItems = listItems
        self.dictItems = dictItems
    }

    /// The callee's symbol when it is a plain global.
    public var symbol: PickleGlobal? {
        if case let .global(symbol) = callee { return symbol }
        return nil
    }
}

extension PickleValue {
    public var intValue: Int? {
        switch self {
        case let .int(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }

    /// Ints and floats as a Double (Megatron's `checkpoint_version` is written as either).
    public var doubleValue: Double? {
        switch self {
        case let .int(value): return Double(value)
        case let .float(value): return value
        default: return nil
        }
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    public var dictValue: PickleDict? {
        if case let .dict(value) = self { return value }
        return nil
    }

    public var tensorValue: TorchTensorRef? {
        if case let .tensor(value) = self { return value }
        return nil
    }

    /// Tuple or list elements.
    public var sequenceValue: [PickleValue]? {
        switch self {
        case let .tuple(items), let .list(items): return items
        default: return nil
        }
    }

    /// A short name for the kind of value, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .set: return "set"
        case .frozenSet: return "frozenset"
        case let .global(symbol): return "global \(symbol)"
        case let .object(object): return "object of \(object.symbol.map(\.description) ?? "a computed callee")"
        case .persistentID: return "persistent id"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .dtype: return "dtype"
        case .size: return "torch.Size"
        case .device: return "torch.device"
        case .cycle: return "recursive reference"
        }
    }
}
