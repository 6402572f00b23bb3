/// Hand-built torch zips and pickles for the bad-input tests: each test states exactly which invariant it breaks.

/// A zip written the way torch writes one (zeroed local sizes, data descriptors, "FB" padding to 64-byte data),
/// with knobs for breaking it.
struct TestZip {
    struct Entry {
        var name: String
        var data: [UInt8]
        var method: UInt16 = 0
        /// Use 0xFFFFFFFF in the central directory and put the real sizes and offset in a zip64 extra field.
        var zip64Fields = false
        /// Omit the zip64 extra field even when `zip64Fields` is set.
        var dropZip64Extra = false
        /// Write no data descriptor after the data (the central directory is what readers of a complete zip use).
        var omitDescriptor = false
    }

    var entries: [Entry]
    var writeZip64End = true

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let offset = out.count
            let name = Array(entry.name.utf8)
            let unpadded = out.count + 30 + name.count + 4
            let padding = (64 - unpadded % 64) % 64
            out += u32(0x0403_4B50) + u16(20) + u16(0x0808) + u16(entry.method) + u16(0) + u16(0)
                + u32(0) + u32(0) + u32(0) + u16(UInt16(name.count)) + u16(UInt16(4 + padding)) + name
                + u16(0x4246) + u16(UInt16(padding)) + [UInt8](repeating: 0x5A, count: padding)
            out += entry.data
            if !entry.omitDescriptor {
                out += u32(0x0807_4B50) + u32(0) + u32(UInt32(entry.data.count)) + u32(UInt32(entry.data.count))
            }
            let sentinel = entry.zip64Fields
            let extra = sentinel && !entry.dropZip64Extra
                ? u16(1) + u16(24) + u64(UInt64(entry.data.count)) + u64(UInt64(entry.data.count)) + u64(UInt64(offset))
                : []
            central += u32(0x0201_4B50) + u16(0x031E) + u16(20) + u16(0x0808) + u16(entry.method) + u16(0) + u16(0)
                + u32(0) + u32(sentinel ? 0xFFFF_FFFF : UInt32(entry.data.count))
                + u32(sentinel ? 0xFFFF_FFFF : UInt32(entry.data.count)) + u16(UInt16(name.count))
                + u16(UInt16(extra.count)) + u16(0) + u16(0) + u16(0) + u32(0)
                + u32(sentinel ? 0xFFFF_FFFF : UInt32(offset)) + name + extra
        }
        let directoryOffset = out.count
        out += central
        if writeZip64End {
            let recordOffset = out.count
            out += u32(0x0606_4B50) + u64(44) + u16(0x031E) + u16(45) + u32(0) + u32(0)
                + u64(UInt64(entries.count)) + u64(UInt64(entries.count)) + u64(UInt64(central.count))
                + u64(UInt64(directoryOffset))
            out += u32(0x0706_4B50) + u32(0) + u64(UInt64(recordOffset)) + u32(1)
        }
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(UInt16(entries.count)) + u16(UInt16(entries.count))
            + u32(UInt32(central.count)) + u32(UInt32(directoryOffset)) + u16(0)
        return out
    }

    /// A torch checkpoint zip: `archive/data.pkl`, `archive/data/<key>` records, `archive/byteorder`.
    static func checkpoint(pickle: [UInt8], records: [String: [UInt8]], byteorder: String? = "little") -> TestZip {
        var entries = [Entry(name: "archive/data.pkl", data: pickle)]
        if let byteorder { entries.append(Entry(name: "archive/byteorder", data: Array(byteorder.utf8))) }
        for key in records.keys.sorted() { entries.append(Entry(name: "archive/data/" + key, data: records[key]!)) }
        entries.append(Entry(name: "archive/version", data: Array("3\n".utf8)))
        return TestZip(entries: entries)
    }
}

/// Protocol-2 pickle pieces, as torch.save writes them.
enum TestPickle {
    static func unicode(_ text: String) -> [UInt8] { [0x58] + u32(UInt32(text.utf8.count)) + Array(text.utf8) }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    /// LONG1, so any Int (including 2**62 and negatives) is representable.
    static func int(_ value: Int) -> [UInt8] { [0x8A, 8] + u64(UInt64(bitPattern: Int64(value))) }
    static func tuple(_ items: [[UInt8]]) -> [UInt8] { [0x28] + items.flatMap { $0 } + [0x74] }

    /// `{name: _rebuild_tensor_v2(storage(key, numel), offset, shape, strides, False, OrderedDict())}`.
    static func stateDict(_ tensors: [(name: String, key: String, numel: Int, offset: Int, shape: [Int], strides: [Int])],
                          storageClass: String = "FloatStorage") -> [UInt8] {
        var body: [UInt8] = [0x80, 0x02, 0x7D, 0x28]
        for tensor in tensors {
            let storage = tuple([unicode("storage"), global("torch", storageClass), unicode(tensor.key), unicode("cpu"),
                                 int(tensor.numel)]) + [0x51]
            body += unicode(tensor.name) + global("torch._utils", "_rebuild_tensor_v2")
                + tuple([storage, int(tensor.offset), tuple(tensor.shape.map(int)), tuple(tensor.strides.map(int)), [0x89],
                         global("collections", "OrderedDict") + [0x29, 0x52]]) + [0x52]
        }
        return body + [0x75, 0x2E]
    }
}

func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

/// Twelve float32s 0, 1, …, 11.
let twelveFloats: [UInt8] = (0..<12).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian) { Array($0) } }
