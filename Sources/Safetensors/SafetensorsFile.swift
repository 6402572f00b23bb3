import Bytes
import JSON
import Tensors

/// One tensor's entry in a safetensors header; `dataOffsets` are relative to the start of the data section.
public struct SafetensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let dataOffsets: Range<Int>
}

/// A safetensors file opened for zero-copy reading: validated once, then every tensor is a view into the bytes.
///
/// Layout: u64 LE header length N, N bytes of UTF-8 JSON, then the data section. Opening parses only the
/// header; tensor bytes are not touched until a view is read.
public final class SafetensorsFile: @unchecked Sendable {
    /// The safetensors crate refuses headers above 100 MB; so does Decant by default.
    public static let defaultHeaderLimit = 100_000_000

    /// The whole file.
    public let view: ByteView
    /// `__metadata__` (e.g. `["format": "pt"]`); empty when absent.
    public let metadata: [String: String]
    /// Entries in data-section order.
    public let entries: [SafetensorsEntry]
    /// File offset of the data section (8 + N).
    public let dataStart: Int
    private let views: [String: TensorView]

    /// Maps `path` and validates its header.
    public convenience init(path: String, headerLimit: Int = SafetensorsFile.defaultHeaderLimit) throws {
        try self.init(view: try MappedFile(path: path).view, headerLimit: headerLimit)
    }

    public init(view: ByteView, headerLimit: Int = SafetensorsFile.defaultHeaderLimit) throws(SafetensorsError) {
        guard view.count >= 8 else { throw .fileTooSmall(bytes: view.count) }
        let length = UInt64(littleEndian: view.buffer.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(headerLimit) else { throw .headerTooLarge(length: length, limit: headerLimit) }
        guard length <= UInt64(view.count - 8) else { throw .headerPastEnd(length: length, fileBytes: view.count) }
        let headerBytes = UnsafeRawBufferPointer(rebasing: view.buffer[8..<(8 + Int(length))])
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw .headerNotUTF8 }

        let header: JSONValue
        do {
            header = try JSONParser.parse(headerBytes)
        } catch {
            if case let .duplicateKey(key, depth, _) = error, depth == 1, key != "__metadata__" { throw .duplicateTensorName(key) }
            throw .invalidHeaderJSON(error)
        }
        guard case let .object(members) = header else { throw .headerNotAnObject(found: header.kindDescription) }

        dataStart = 8 + Int(length)
        let dataBytes = view.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [SafetensorsEntry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try SafetensorsFile.parseMetadata(value)
            } else {
                entries.append(try SafetensorsFile.parseEntry(name: name, value, dataBytes: dataBytes))
            }
        }
        entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        try SafetensorsFile.checkContiguous(entries, dataBytes: dataBytes)

        let data = try! view.slice(offset: dataStart, length: dataBytes)  // in range: checked above
        var views: [String: TensorView] = [:]
        for entry in entries {
            let storage = try! data.slice(offset: entry.dataOffsets.lowerBound, length: entry.dataOffsets.count)
            // Shape, size and bounds were all checked against this exact storage.
            views[entry.name] = try! TensorView(name: entry.name, dtype: entry.dtype, shape: entry.shape, storage: storage)
        }
        self.view = view
        self.metadata = metadata
        self.entries = entries
        self.views = views
    }

    public var names: [String] { entries.map(\.name) }

    /// The tensor as a zero-copy view into the file.
    public func tensor(named name: String) throws(SafetensorsError) -> TensorView {
        guard let view = views[name] else { throw .tensorNotFound(name) }
        return view
    }

    /// Every tensor, in data-section order.
    public var tensors: [TensorView] { entries.map { views[$0.name]! } }

    private static func parseMetadata(_ value: JSONValue) throws(SafetensorsError) -> [String: String] {
        guard case let .object(members) = value else { throw .metadataNotAStringMap(key: nil, found: value.kindDescription) }
        var metadata: [String: String] = [:]
        for (key, member) in members {
            guard case let .string(text) = member else { throw .metadataNotAStringMap(key: key, found: member.kindDescription) }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: JSONValue, dataBytes: Int) throws(SafetensorsError) -> SafetensorsEntry {
        guard case let .object(fields) = value else { throw .entryNotAnObject(name: name, found: value.kindDescription) }
        guard let dtypeValue = fields["dtype"] else { throw .missingField(name: name, field: "dtype") }
        guard let shapeValue = fields["shape"] else { throw .missingField(name: name, field: "shape") }
        guard let offsetsValue = fields["data_offsets"] else { throw .missingField(name: name, field: "data_offsets") }

        guard case let .string(dtypeName) = dtypeValue else {
            throw .invalidField(name: name, field: "dtype", expected: "a string", found: dtypeValue.kindDescription)
        }
        guard let dtype = DType(safetensorsName: dtypeName) else { throw .unknownDType(name: name, dtype: dtypeName) }
        let shape = try nonNegativeIntegers(shapeValue, name: name, field: "shape", count: nil)
        let offsets = try nonNegativeIntegers(offsetsValue, name: name, field: "data_offsets", count: 2)
        let (begin, end) = (offsets[0], offsets[1])

        guard let numel = try? TensorView.checkedCount(shape) else { throw .sizeOverflow(name: name, shape: shape) }
        let (expectedBytes, overflow) = numel.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw .sizeOverflow(name: name, shape: shape) }
        guard begin <= end else { throw .offsetsReversed(name: name, begin: begin, end: end) }
        guard end - begin == expectedBytes else {
            throw .sizeMismatch(name: name, dtype: dtype, shape: shape, expectedBytes: expectedBytes, offsetBytes: end - begin)
        }
        guard end <= dataBytes else { throw .offsetsOutOfRange(name: name, end: end, dataBytes: dataBytes) }
        guard begin % dtype.size == 0 else { throw .misalignedTensor(name: name, begin: begin, elementSize: dtype.size) }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func nonNegativeIntegers(_ value: JSONValue, name: String, field: String, count: Int?) throws(SafetensorsError) -> [Int] {
        let expected = count.map { "an array of \($0) non-negative integers" } ?? "an array of non-negative integers"
        guard case let .array(elements) = value else {
            throw .invalidField(name: name, field: field, expected: expected, found: value.kindDescription)
        }
        if let count, elements.count != count {
            throw .invalidField(name: name, field: field, expected: expected, found: "\(elements.count) elements")
        }
        var integers: [Int] = []
        integers.reserveCapacity(elements.count)
        for element in elements {
            guard case let .integer(integer) = element else {
                throw .invalidField(name: name, field: field, expected: expected, found: element.kindDescription)
            }
            guard integer >= 0 else { throw .invalidField(name: name, field: field, expected: expected, found: "\(integer)") }
            integers.append(integer)
        }
        return integers
    }

    /// Sorted by offsets, each tensor must start where the previous one ended and the last must end the file.
    private static func checkContiguous(_ entries: [SafetensorsEntry], dataBytes: Int) throws(SafetensorsError) {
        var cursor = 0
        var previous: SafetensorsEntry?
        for entry in entries {
            let begin = entry.dataOffsets.lowerBound
            if begin < cursor, let previous { throw .overlappingTensors(name: entry.name, other: previous.name) }
            guard begin == cursor else { throw .gapBeforeTensor(name: entry.name, expectedBegin: cursor, begin: begin) }
            cursor = entry.dataOffsets.upperBound
            previous = entry
        }
        guard cursor == dataBytes else { throw .trailingData(coveredBytes: cursor, dataBytes: dataBytes) }
    }
}
