import Bytes
import Foundation
import Pickle
import Tensors

/// The torch sample files and what torch itself read from them (Tools/gen_torch_expected.py).
enum TorchFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func view(_ relative: String) throws -> ByteView {
        try MappedFile(path: root.appendingPathComponent(relative).path).view
    }

    static func sample(_ name: String) throws -> ByteView { try view("torch/" + name) }

    /// `files` and `nemo` sections of expected/torch_samples.json.
    /// Read once and never mutated, so sharing it across test tasks is safe.
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: root.appendingPathComponent("expected/torch_samples.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var sampleNames: [String] { (expected["files"] as! [String: Any]).keys.sorted() }

    static func expectation(_ name: String) -> [String: Any] { (expected["files"] as! [String: Any])[name] as! [String: Any] }

    /// Elements in row-major order as Doubles, exactly (every dtype in the samples fits a Double).
    static func values(_ tensor: TensorView) -> [Double] {
        let contiguous = tensor.contiguousBytes()
        return withExtendedLifetime(contiguous) { values(contiguous.buffer, tensor.dtype, tensor.count) }
    }

    private static func values(_ bytes: UnsafeRawBufferPointer, _ dtype: DType, _ count: Int) -> [Double] {
        (0..<count).map { i in
            switch dtype {
            case .f64: return bytes.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
            case .f32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
            case .f16: return Double(Float(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
            case .bf16: return Double(Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16))
            case .i64: return Double(bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            case .i32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
            case .i16: return Double(bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
            case .i8: return Double(Int8(bitPattern: bytes[i]))
            case .u64: return Double(bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            case .u32: return Double(bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            case .u16: return Double(bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            case .u8, .bool: return Double(bytes[i])
            case .f8E4M3, .f8E5M2, .f8E8M0: return Double(Float8Conversion.toF32(bytes[i], dtype))
            }
        }
    }

    /// torch's dtype names for Decant dtypes.
    static func torchName(_ dtype: DType) -> String {
        switch dtype {
        case .f64: return "float64"
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        case .i64: return "int64"
        case .i32: return "int32"
        case .i16: return "int16"
        case .i8: return "int8"
        case .u64: return "uint64"
        case .u32: return "uint32"
        case .u16: return "uint16"
        case .u8: return "uint8"
        case .bool: return "bool"
        case .f8E4M3: return "float8_e4m3fn"
        case .f8E5M2: return "float8_e5m2"
        case .f8E8M0: return "float8_e8m0fnu"
        }
    }

    /// The value at a dotted path through dicts, lists and tuples (what the generator walked).
    static func value(at path: String, in root: PickleValue) -> PickleValue? {
        var current = root
        for component in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            switch current {
            case let .dict(dict):
                guard let entry = dict.entries.first(where: { key(of: $0.key) == component }) else { return nil }
                current = entry.value
            case let .list(items), let .tuple(items):
                guard let index = Int(component), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    private static func key(of value: PickleValue) -> String? {
        switch value {
        case let .string(text): return text
        case let .int(number): return String(number)
        default: return nil
        }
    }

    /// Whether a decoded value equals a generator scalar record.
    static func matches(_ value: PickleValue, _ record: [String: Any]) -> Bool {
        let kind = record["kind"] as! String
        switch (kind, value) {
        case ("none", .none): return true
        case let ("bool", .bool(flag)): return flag == record["value"] as! Bool
        case let ("int", .int(number)): return String(number) == record["value"] as! String
        case let ("int", .bigInt(number)): return number.description == record["value"] as! String
        case let ("float", .float(number)): return number == Double(record["value"] as! String)
        case let ("str", .string(text)): return text == record["value"] as! String
        case let ("bytes", .bytes(bytes)): return bytes == (record["value"] as! [Int]).map(UInt8.init)
        case let ("set", .set(items)), let ("set", .frozenSet(items)):
            let records = record["value"] as! [[String: Any]]
            return items.count == records.count && zip(items, records).allSatisfy { matches($0, $1) }
        case let ("size", .size(dims)): return dims == record["value"] as! [Int]
        case let ("device", .device(name)): return name == record["value"] as! String
        case let ("dtype", .dtype(dtype)): return dtype.rawValue == record["value"] as! String
        default: return false
        }
    }
}
