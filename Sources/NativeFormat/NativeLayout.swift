import Quantization

/// The fixed numbers of the .decant layout (formats/native.md is the byte-by-byte specification).
public enum NativeLayout {
    /// "DECANT", NUL, SUB: binary from the first bytes, and text-mode transfers or `cat` stop at the 0x1A.
    public static let magic: [UInt8] = [0x44, 0x45, 0x43, 0x41, 0x4E, 0x54, 0x00, 0x1A]
    public static let version: UInt32 = 1
    public static let preambleSize = 64
    /// Where the header checksum sits; it covers the preamble before it and the metadata and directory after.
    public static let headerChecksumOffset = 56
    public static let defaultAlignment = 64
    public static let maximumAlignment = 1 << 20
    public static let maximumRank = 8
    public static let maximumNameBytes = 1024

    /// The storage type's code in a directory entry.
    public static func code(of storage: StorageType) -> UInt8 {
        switch storage {
        case .f32: return 0
        case .f16: return 1
        case .bf16: return 2
        case .q8: return 3
        case .q4: return 4
        }
    }

    public static func storage(code: UInt8) -> StorageType? {
        StorageType.allCases.first { self.code(of: $0) == code }
    }

    /// Rounds `value` up to a multiple of `alignment` (a power of two); nil on overflow.
    static func alignUp(_ value: Int, _ alignment: Int) -> Int? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}

/// Ceilings a reader enforces on untrusted headers before allocating anything.
public struct NativeFormatLimits: Sendable, Equatable {
    /// The metadata carries the tokenizer vocabulary (≈ 0.3 MB for BERT's 30 522 words).
    public var maximumMetadataBytes = 64 << 20
    public var maximumTensorCount = 1 << 20
    public var maximumDirectoryBytes = 64 << 20

    public init() {}
}

/// One tensor's directory entry.
public struct NativeTensorInfo: Sendable, Equatable {
    public let name: String
    public let storage: StorageType
    public let shape: [Int]
    /// Bytes from the start of the data section; a multiple of the file's alignment.
    public let offset: Int
    public let length: Int
    /// XXH64 (seed 0) of the tensor's `length` bytes.
    public let checksum: UInt64

    public var count: Int { shape.reduce(1, *) }
}
