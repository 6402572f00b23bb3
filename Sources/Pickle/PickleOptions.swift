/// What the reader accepts: the global policy and the resource ceilings for untrusted input.
///
/// Defaults sit far above anything a real checkpoint needs (the 345M QA state dict's 46 KB pickle runs 9,063
/// opcodes, fills 2,366 memo slots and nests 6 deep) yet keep a hostile file from exhausting memory or stack.
public struct PickleOptions: Sendable, Equatable {
    /// Accept any global as inert data (still never calling it); backs `decant inspect --allow-opaque`.
    public var allowOpaque: Bool
    /// More `module.name` symbols to accept as opaque data on top of `PickleSymbols.allowedDataClasses`.
    public var extraAllowedGlobals: Set<String>

    /// Distinct memo slots (BINPUT/LONG_BINPUT/MEMOIZE targets).
    public var maxMemoEntries: Int
    /// Values on the unpickling stack at once (DUP bombs, long SETITEMS batches).
    public var maxStackDepth: Int
    /// MARKs open at once.
    public var maxMarkDepth: Int
    /// Nesting of containers in the decoded tree; also bounds the recursion that builds it.
    public var maxNestingDepth: Int
    /// Bytes in one string, bytes object or GLOBAL line.
    public var maxStringBytes: Int
    /// Bytes in one LONG1/LONG4 integer (Python itself refuses to print ints past ~1800 bytes).
    public var maxIntegerBytes: Int
    /// Opcodes executed.
    public var maxOperations: Int
    /// Values in the decoded tree counting shared sub-trees once per use (memo-sharing bombs).
    public var maxTreeValues: Int
    /// Sum of all tensors' byte sizes (views of one storage count once each).
    public var maxTotalTensorBytes: Int

    public init(allowOpaque: Bool = false, extraAllowedGlobals: Set<String> = [],
                maxMemoEntries: Int = 4_000_000, maxStackDepth: Int = 1_000_000, maxMarkDepth: Int = 1_000,
                maxNestingDepth: Int = 256, maxStringBytes: Int = 1 << 30, maxIntegerBytes: Int = 4_096,
                maxOperations: Int = 100_000_000, maxTreeValues: Int = 50_000_000,
                maxTotalTensorBytes: Int = 1 << 42) {
        self.allowOpaque = allowOpaque
        self.extraAllowedGlobals = extraAllowedGlobals
        self.maxMemoEntries = maxMemoEntries
        self.maxStackDepth = maxStackDepth
        self.maxMarkDepth = maxMarkDepth
        self.maxNestingDepth = maxNestingDepth
        self.maxStringBytes = maxStringBytes
        self.maxIntegerBytes = maxIntegerBytes
        self.maxOperations = maxOperations
        self.maxTreeValues = maxTreeValues
        self.maxTotalTensorBytes = maxTotalTensorBytes
    }
}

/// The ceiling a `PickleError.limitExceeded` refers to.
public enum PickleLimit: String, Sendable, Equatable {
    case memoEntries = "memo entries"
    case stackDepth = "stack depth"
    case markDepth = "open MARKs"
    case nestingDepth = "nesting depth"
    case stringBytes = "string/bytes length"
    case integerBytes = "integer length in bytes"
    case operations = "opcodes executed"
    case treeValues = "values in the decoded tree"
    case totalTensorBytes = "total tensor bytes"
}
