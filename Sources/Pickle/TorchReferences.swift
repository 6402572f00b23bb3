/// What the reader knows about torch objects: dtypes, storage references and lazy tensor descriptions.
///
/// These are descriptions only. Turning a `TorchTensorRef` into bytes is the checkpoint reader's job,
/// which knows where each storage key lives in the file.

/// A torch scalar type, named as `torch.<name>` pickles it.
public enum TorchDType: String, Sendable, CaseIterable, Hashable {
    case float64, float32, float16, bfloat16
    case int64, int32, int16, int8
    case uint64, uint32, uint16, uint8
    case bool
    case complex32, complex64, complex128
    case float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .float64, .int64, .uint64, .complex64: return 8
        case .float32, .int32, .uint32, .complex32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool, .float8_e4m3fn, .float8_e5m2, .float8_e4m3fnuz, .float8_e5m2fnuz: return 1
        case .complex128: return 16
        }
    }

    /// A dtype from its `torch.<name>` global, including torch's aliases (`torch.half`, `torch.long`, …).
    public init?(torchName name: String) {
        let aliases: [String: TorchDType] = [
            "float": .float32, "double": .float64, "half": .float16, "long": .int64, "int": .int32,
            "short": .int16, "cfloat": .complex64, "cdouble": .complex128, "chalf": .complex32,
        ]
        guard let dtype = TorchDType(rawValue: name) ?? aliases[name] else { return nil }
        self = dtype
    }

    /// The dtype of a legacy typed storage class (`FloatStorage`) or tensor class (`FloatTensor`, tar format).
    public init?(legacyClassName name: String) {
        let prefix: Substring
        if name.hasSuffix("Storage") {
            prefix = name.dropLast("Storage".count)
        } else if name.hasSuffix("Tensor") {
            prefix = name.dropLast("Tensor".count)
        } else {
            return nil
        }
        let table: [Substring: TorchDType] = [
            "Double": .float64, "Float": .float32, "Half": .float16, "BFloat16": .bfloat16,
            "Long": .int64, "Int": .int32, "Short": .int16, "Char": .int8, "Byte": .uint8, "Bool": .bool,
            "ComplexFloat": .complex64, "ComplexDouble": .complex128,
        ]
        guard let dtype = table[prefix] else { return nil }
        self = dtype
    }
}

/// A storage named by a persistent id: `("storage", <storage class>, key, location, numel[, view])`.
public struct TorchStorageRef: Sendable, Hashable {
    /// A legacy-format storage that is a window on another storage.
    public struct View: Sendable, Hashable {
        public let key: String
        /// In elements of the root storage.
        public let offset: Int
        public let numel: Int

        public init(key: String, offset: Int, numel: Int) {
            self.key = key
            self.offset = offset
            self.numel = numel
        }
    }

    /// The record name (zip: `data/<key>`) or the legacy key.
    public let key: String
    /// The element type of the storage: `uint8` for `UntypedStorage`, whose numel counts bytes.
    public let dtype: TorchDType
    public let isUntyped: Bool
    public let location: String
    /// In elements of `dtype`.
    public let numel: Int
    public let view: View?

    public init(key: String, dtype: TorchDType, isUntyped: Bool = false, location: String, numel: Int, view: View? = nil) {
        self.key = key
        self.dtype = dtype
        self.isUntyped = isUntyped
        self.location = location
        self.numel = numel
        self.view = view
    }

    /// The bytes the storage occupies; overflow was ruled out when it was decoded.
    public var byteCount: Int { numel * dtype.elementSize }
}

/// A tensor as `torch._utils._rebuild_tensor*` would build it, not yet bound to bytes.
public struct TorchTensorRef: Sendable, Equatable {
    public let storage: TorchStorageRef
    /// In elements of `dtype`.
    public let storageOffset: Int
    public let shape: [Int]
    public let strides: [Int]
    /// The tensor's element type (differs from the storage's for `_rebuild_tensor_v3` on an untyped storage).
    public let dtype: TorchDType
    public let requiresGrad: Bool
    /// Wrapped by `torch._utils._rebuild_parameter` (an `nn.Parameter`).
    public let isParameter: Bool

    public init(storage: TorchStorageRef, storageOffset: Int, shape: [Int], strides: [Int], dtype: TorchDType,
                requiresGrad: Bool = false, isParameter: Bool = false) {
        self.storage = storage
        self.storageOffset = storageOffset
        self.shape = shape
        self.strides = strides
        self.dtype = dtype
        self.requiresGrad = requiresGrad
        self.isParameter = isParameter
    }

    /// numel; shape × element size was checked to fit in 64 bits when the tensor was decoded.
    public var count: Int { shape.reduce(1, *) }
    public var byteCount: Int { count * dtype.elementSize }

    func asParameter(requiresGrad: Bool) -> TorchTensorRef {
        TorchTensorRef(storage: storage, storageOffset: storageOffset, shape: shape, strides: strides, dtype: dtype,
                       requiresGrad: requiresGrad, isParameter: true)
    }
}
