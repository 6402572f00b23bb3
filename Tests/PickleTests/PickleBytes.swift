import Bytes

/// Builds pickle byte strings opcode by opcode, so each test shows exactly what it feeds the reader.
enum Op {
    static let mark: [UInt8] = [0x28], stop: [UInt8] = [0x2E], none: [UInt8] = [0x4E]
    static let newTrue: [UInt8] = [0x88], newFalse: [UInt8] = [0x89]
    static let emptyTuple: [UInt8] = [0x29], tuple: [UInt8] = [0x74]
    static let tuple1: [UInt8] = [0x85], tuple2: [UInt8] = [0x86], tuple3: [UInt8] = [0x87]
    static let emptyList: [UInt8] = [0x5D], append: [UInt8] = [0x61], appends: [UInt8] = [0x65], list: [UInt8] = [0x6C]
    static let emptyDict: [UInt8] = [0x7D], setItem: [UInt8] = [0x73], setItems: [UInt8] = [0x75], dict: [UInt8] = [0x64]
    static let emptySet: [UInt8] = [0x8F], addItems: [UInt8] = [0x90], frozenSet: [UInt8] = [0x91]
    static let pop: [UInt8] = [0x30], popMark: [UInt8] = [0x31], dup: [UInt8] = [0x32]
    static let reduce: [UInt8] = [0x52], build: [UInt8] = [0x62], newObj: [UInt8] = [0x81], newObjEx: [UInt8] = [0x92]
    static let binPersID: [UInt8] = [0x51], memoize: [UInt8] = [0x94], stackGlobal: [UInt8] = [0x93]

    static func proto(_ version: UInt8) -> [UInt8] { [0x80, version] }
    static func int(_ value: Int32) -> [UInt8] { [0x4A] + le(UInt32(bitPattern: value)) }
    static func int1(_ value: UInt8) -> [UInt8] { [0x4B, value] }
    static func int2(_ value: UInt16) -> [UInt8] { [0x4D, UInt8(value & 0xFF), UInt8(value >> 8)] }
    /// LONG1 with the minimal two's complement encoding, as Python writes it.
    static func long1(_ value: Int) -> [UInt8] {
        var bytes = le(UInt64(bitPattern: Int64(value)))
        while bytes.count > 1, (bytes.last == 0 && bytes[bytes.count - 2] & 0x80 == 0)
            || (bytes.last == 0xFF && bytes[bytes.count - 2] & 0x80 != 0) { bytes.removeLast() }
        return [0x8A, UInt8(bytes.count)] + bytes
    }
    static func long1(raw: [UInt8]) -> [UInt8] { [0x8A, UInt8(raw.count)] + raw }
    static func float(_ value: Double) -> [UInt8] { [0x47] + le(value.bitPattern).reversed() }
    static func unicode(_ text: String) -> [UInt8] { [0x58] + le(UInt32(text.utf8.count)) + Array(text.utf8) }
    static func shortUnicode(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func unicode8(_ text: String) -> [UInt8] { [0x8D] + le(UInt64(text.utf8.count)) + Array(text.utf8) }
    static func shortBinString(_ bytes: [UInt8]) -> [UInt8] { [0x55, UInt8(bytes.count)] + bytes }
    static func shortBinBytes(_ bytes: [UInt8]) -> [UInt8] { [0x43, UInt8(bytes.count)] + bytes }
    static func binBytes(_ bytes: [UInt8]) -> [UInt8] { [0x42] + le(UInt32(bytes.count)) + bytes }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func put(_ index: UInt8) -> [UInt8] { [0x71, index] }
    static func get(_ index: UInt8) -> [UInt8] { [0x68, index] }
    static func longPut(_ index: UInt32) -> [UInt8] { [0x72] + le(index) }
    static func longGet(_ index: UInt32) -> [UInt8] { [0x6A] + le(index) }
    static func frame(_ length: UInt64) -> [UInt8] { [0x95] + le(length) }

    static func tupleOf(_ items: [[UInt8]]) -> [UInt8] { mark + items.flatMap { $0 } + tuple }
    static func ints(_ values: [Int]) -> [UInt8] { tupleOf(values.map { long1($0) }) }

    /// `("storage", torch.<storageClass>, key, "cpu", numel)` + BINPERSID.
    static func storage(_ storageClass: String = "FloatStorage", module: String = "torch", key: String = "0",
                        numel: Int) -> [UInt8] {
        tupleOf([unicode("storage"), global(module, storageClass), unicode(key), unicode("cpu"), long1(numel)]) + binPersID
    }

    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
    static func tensor(storage: [UInt8], offset: Int = 0, shape: [Int], strides: [Int]) -> [UInt8] {
        global("torch._utils", "_rebuild_tensor_v2")
            + tupleOf([storage, long1(offset), ints(shape), ints(strides), newFalse,
                       global("collections", "OrderedDict") + emptyTuple + reduce]) + reduce
    }

    private static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

/// A protocol-2 pickle around `body`, ending in STOP.
func pickle(_ body: [UInt8]...) -> ByteView {
    ByteView(copying: Op.proto(2) + body.flatMap { $0 } + Op.stop)
}

/// Exactly these bytes (no PROTO, no STOP added).
func rawPickle(_ body: [UInt8]...) -> ByteView {
    ByteView(copying: body.flatMap { $0 })
}
