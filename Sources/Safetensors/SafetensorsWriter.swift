import Bytes
import JSON
import Tensors

/// A tensor the writer will be given: name, dtype and shape, known before any bytes are written.
public struct SafetensorsTensorSpec: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}

/// Streams a safetensors file to disk: the header is computed from the plan, then tensor bytes are appended in
/// data order, and the file appears at its destination only once every byte has arrived.
///
/// The output is deterministic: the same plan, metadata and bytes give the same file.
public final class SafetensorsWriter {
    /// Entries in the order their bytes must be written (see `layout(of:)`).
    public let entries: [SafetensorsEntry]
    public let headerBytes: [UInt8]
    private let output: AtomicOutputFile
    private var entryIndex = 0
    private var writtenInEntry = 0

    public init(destination: String, plan: [SafetensorsTensorSpec], metadata: [String: String] = ["format": "pt"]) throws {
        (headerBytes, entries) = try SafetensorsWriter.header(plan: plan, metadata: metadata)
        output = try AtomicOutputFile(destination: destination)
        try output.write(headerBytes)
        skipEmptyEntries()
    }

    /// Data order: larger elements first, plan order within a size (stable), so every tensor starts at a
    /// multiple of its element size — the same rule the safetensors crate follows.
    public static func layout(of plan: [SafetensorsTensorSpec]) -> [SafetensorsTensorSpec] {
        plan.enumerated().sorted { ($1.element.dtype.size, $0.offset) < ($0.element.dtype.size, $1.offset) }.map(\.element)
    }

    /// The 8-byte length, the JSON and the space padding that makes the data section start at a multiple of 8.
    public static func header(plan: [SafetensorsTensorSpec], metadata: [String: String]) throws(SafetensorsWriterError)
        -> (bytes: [UInt8], entries: [SafetensorsEntry]) {
        var seen = Set<String>()
        for spec in plan {
            guard spec.name != "__metadata__" else { throw .reservedName }
            guard seen.insert(spec.name).inserted else { throw .duplicateName(spec.name) }
        }
        var json = "{"
        if !metadata.isEmpty {
            json += "\"__metadata__\":"
            json += try! JSONValue.object(metadata.mapValues { .string($0) }).serialized()  // strings only: cannot fail
        }
        var entries: [SafetensorsEntry] = []
        var offset = 0
        for spec in layout(of: plan) {
            guard spec.shape.allSatisfy({ $0 >= 0 }),
                  let numel = try? TensorView.checkedCount(spec.shape),
                  case let (bytes, false) = numel.multipliedReportingOverflow(by: spec.dtype.size),
                  case let (end, false) = offset.addingReportingOverflow(bytes)
            else { throw .invalidShape(name: spec.name, shape: spec.shape) }
            if json.utf8.count > 1 { json += "," }
            json += JSONValue.quoted(spec.name)
            json += ":{\"dtype\":\"\(spec.dtype.safetensorsName)\",\"shape\":[\(spec.shape.map(String.init).joined(separator: ","))],"
            json += "\"data_offsets\":[\(offset),\(end)]}"
            entries.append(SafetensorsEntry(name: spec.name, dtype: spec.dtype, shape: spec.shape, dataOffsets: offset..<end))
            offset = end
        }
        json += "}"
        var utf8 = Array(json.utf8)
        utf8.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - utf8.count % 8) % 8))
        var bytes = withUnsafeBytes(of: UInt64(utf8.count).littleEndian) { Array($0) }
        bytes.append(contentsOf: utf8)
        return (bytes, entries)
    }

    /// Appends bytes of the current tensor (and, past its end, of the next ones); chunks may be any size.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            guard entryIndex < entries.count else {
                throw SafetensorsWriterError.tooManyBytes(extra: rest.count)
            }
            let room = entries[entryIndex].dataOffsets.count - writtenInEntry
            let n = min(room, rest.count)
            try output.write(UnsafeRawBufferPointer(rebasing: rest[..<n]))
            writtenInEntry += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if writtenInEntry == entries[entryIndex].dataOffsets.count {
                entryIndex += 1
                writtenInEntry = 0
                skipEmptyEntries()
            }
        }
    }

    /// Appends one whole tensor, which must be the next one in data order with the planned dtype and shape.
    /// Zero-byte tensors own no bytes, so they may be written at any time or not at all.
    public func write(_ tensor: TensorView) throws {
        if tensor.byteCount == 0, let entry = entries.first(where: { $0.name == tensor.name }), entry.dataOffsets.isEmpty {
            try check(tensor, against: entry)
            return
        }
        guard entryIndex < entries.count, writtenInEntry == 0 else {
            throw SafetensorsWriterError.unexpectedTensor(expected: entryIndex < entries.count ? entries[entryIndex].name : nil,
                                                          found: tensor.name)
        }
        let entry = entries[entryIndex]
        guard entry.name == tensor.name else {
            throw SafetensorsWriterError.unexpectedTensor(expected: entry.name, found: tensor.name)
        }
        try check(tensor, against: entry)
        try write(tensor.contiguousBytes().buffer)
    }

    private func check(_ tensor: TensorView, against entry: SafetensorsEntry) throws(SafetensorsWriterError) {
        guard entry.dtype == tensor.dtype, entry.shape == tensor.shape else {
            throw .specMismatch(name: entry.name, planned: "\(entry.dtype.safetensorsName) \(entry.shape)",
                                found: "\(tensor.dtype.safetensorsName) \(tensor.shape)")
        }
    }

    /// Checks that every planned byte arrived, then moves the file into place.
    public func finish() throws {
        if entryIndex < entries.count {
            let entry = entries[entryIndex]
            throw SafetensorsWriterError.incomplete(name: entry.name, written: writtenInEntry, expected: entry.dataOffsets.count)
        }
        try output.commit()
    }

    private func skipEmptyEntries() {
        while entryIndex < entries.count, entries[entryIndex].dataOffsets.isEmpty { entryIndex += 1 }
    }
}

/// A plan or a byte stream the safetensors writer cannot turn into a valid file.
public enum SafetensorsWriterError: DecantError, Equatable {
    case duplicateName(String)
    /// `__metadata__` is the header's metadata key, not a tensor name.
    case reservedName
    case invalidShape(name: String, shape: [Int])
    case unexpectedTensor(expected: String?, found: String)
    case specMismatch(name: String, planned: String, found: String)
    case tooManyBytes(extra: Int)
    case incomplete(name: String, written: Int, expected: Int)

    public var description: String {
        switch self {
        case let .duplicateName(name): return "safetensors writer: tensor \"\(name)\" is planned twice"
        case .reservedName: return "safetensors writer: \"__metadata__\" cannot be a tensor name"
        case let .invalidShape(name, shape): return "safetensors writer: tensor \"\(name)\" has an invalid or overflowing shape \(shape)"
        case let .unexpectedTensor(expected, found):
            return "safetensors writer: expected \(expected.map { "tensor \"\($0)\"" } ?? "no more tensors"), got \"\(found)\""
        case let .specMismatch(name, planned, found):
            return "safetensors writer: tensor \"\(name)\" was planned as \(planned), got \(found)"
        case let .tooManyBytes(extra): return "safetensors writer: \(extra) bytes past the end of the last planned tensor"
        case let .incomplete(name, written, expected):
            return "safetensors writer: tensor \"\(name)\" got \(written) of its \(expected) bytes before finish"
        }
    }
}
