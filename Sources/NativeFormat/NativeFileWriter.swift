import Bytes
import Quantization
import JSON

/// A tensor the writer will be given, known before any bytes are written.
public struct NativeTensorSpec: Sendable, Equatable {
    public let name: String
    public let storage: StorageType
    public let shape: [Int]

    public init(name: String, storage: StorageType, shape: [Int]) {
        self.name = name
        self.storage = storage
        self.shape = shape
    }
}

/// Streams a .decant file: the plan fixes every offset up front, tensors are appended one by one (hashed on the
/// way through), and `finish()` patches the checksums into the header and moves the file into place.
///
/// Deterministic: the bytes depend only on the metadata, the plan, the alignment and the tensor bytes.
public final class NativeFileWriter {
    /// Directory entries in plan (= file) order; checksums are filled in as tensors complete.
    public private(set) var layout: [NativeTensorInfo]
    public let dataOffset: Int
    public let fileLength: Int
    private var header: [UInt8]
    private let headerLength: Int
    private let checksumPositions: [Int]
    private let output: AtomicOutputFile
    private var current = 0
    private var writtenInCurrent = 0
    private var dataWritten = 0
    private var hasher = XXH64()

    public init(destination: String, metadata: [String: JSONValue], plan: [NativeTensorSpec],
                alignment: Int = NativeLayout.defaultAlignment) throws {
        let built = try NativeFileWriter.header(metadata: metadata, plan: plan, alignment: alignment)
        (header, layout, checksumPositions, dataOffset, fileLength) = (built.bytes, built.layout, built.checksumPositions, built.dataOffset, built.fileLength)
        headerLength = built.headerLength
        output = try AtomicOutputFile(destination: destination)
        try output.write(header)
        try closeCompletedTensors()
    }

    /// The header bytes (checksums zero), padded to the data offset, and where everything goes.
    static func header(metadata: [String: JSONValue], plan: [NativeTensorSpec], alignment: Int) throws(NativeWriterError)
        -> (bytes: [UInt8], headerLength: Int, layout: [NativeTensorInfo], checksumPositions: [Int], dataOffset: Int, fileLength: Int) {
        guard alignment >= 64, alignment <= NativeLayout.maximumAlignment, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(alignment)
        }
        let metadataText: String
        do { metadataText = try JSONValue.object(metadata).serialized() } catch { throw .metadataNotSerializable(error) }
        let metadataBytes = Array(metadataText.utf8)

        var directory: [UInt8] = []
        var layout: [NativeTensorInfo] = []
        var checksumOffsets: [Int] = []
        var seen = Set<String>()
        var end = 0
        for spec in plan {
            let name = Array(spec.name.utf8)
            guard !name.isEmpty, name.count <= NativeLayout.maximumNameBytes else { throw .invalidName(spec.name) }
            guard seen.insert(spec.name).inserted else { throw .duplicateName(spec.name) }
            guard spec.shape.count <= NativeLayout.maximumRank else { throw .rankTooLarge(name: spec.name, rank: spec.shape.count) }
            let length: Int
            do { length = try spec.storage.byteCount(shape: spec.shape, name: spec.name) } catch { throw .invalidPlan(error) }
            guard let offset = NativeLayout.alignUp(end, alignment), case (let newEnd, false) = offset.addingReportingOverflow(length) else {
                throw .invalidPlan(.invalidShape(name: spec.name, shape: spec.shape))
            }
            directory.append(littleEndian: UInt16(name.count))
            directory += name
            directory.append(NativeLayout.code(of: spec.storage))
            directory.append(UInt8(spec.shape.count))
            for dimension in spec.shape { directory.append(littleEndian: UInt64(dimension)) }
            directory.append(littleEndian: UInt64(offset))
            directory.append(littleEndian: UInt64(length))
            checksumOffsets.append(directory.count)
            directory.append(littleEndian: UInt64(0))
            layout.append(NativeTensorInfo(name: spec.name, storage: spec.storage, shape: spec.shape, offset: offset, length: length, checksum: 0))
            end = newEnd
        }

        let headerLength = NativeLayout.preambleSize + metadataBytes.count + directory.count
        let dataOffset = NativeLayout.alignUp(headerLength, alignment)!
        var bytes = NativeLayout.magic
        bytes.append(littleEndian: NativeLayout.version)
        bytes.append(littleEndian: UInt32(alignment))
        bytes.append(littleEndian: UInt64(metadataBytes.count))
        bytes.append(littleEndian: UInt64(plan.count))
        bytes.append(littleEndian: UInt64(directory.count))
        bytes.append(littleEndian: UInt64(dataOffset))
        bytes.append(littleEndian: UInt64(dataOffset + end))
        bytes.append(littleEndian: UInt64(0))  // header checksum, patched by finish()
        bytes += metadataBytes
        bytes += directory
        bytes += [UInt8](repeating: 0, count: dataOffset - headerLength)
        let base = NativeLayout.preambleSize + metadataBytes.count
        return (bytes, headerLength, layout, checksumOffsets.map { base + $0 }, dataOffset, dataOffset + end)
    }

    /// Appends bytes of the current tensor and, past its end, of the next ones; chunks may be any size.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            guard current < layout.count else { throw NativeWriterError.tooManyBytes(extra: rest.count) }
            try padToCurrentTensor()
            let n = min(layout[current].length - writtenInCurrent, rest.count)
            let chunk = UnsafeRawBufferPointer(rebasing: rest[..<n])
            try output.write(chunk)
            hasher.update(chunk)
            writtenInCurrent += n
            dataWritten += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            try closeCompletedTensors()
        }
    }

    /// Appends one whole tensor's encoded bytes; it must be the next tensor of the plan.
    public func write(name: String, bytes: UnsafeRawBufferPointer) throws {
        if isCompletedEmptyTensor(name), bytes.isEmpty { return }
        try expectStart(of: name)
        guard bytes.count == layout[current].length else {
            throw NativeWriterError.incomplete(name: name, written: bytes.count, expected: layout[current].length)
        }
        try write(bytes)
    }

    /// Encodes `values` into the tensor's planned storage type, appends it, and returns the error it introduced.
    @discardableResult
    public func write(name: String, float32 values: UnsafeBufferPointer<Float>) throws -> QuantizationMeasurement {
        if isCompletedEmptyTensor(name), values.isEmpty {
            let info = layout.first { $0.name == name }!
            return QuantizationMeasurement(name: name, storage: info.storage, relativeRMS: 0, maxAbsError: 0, comparedCount: 0)
        }
        try expectStart(of: name)
        let info = layout[current]
        guard values.count == info.count else {
            throw QuantizationError.valueCountMismatch(name: name, shape: info.shape, values: values.count)
        }
        if info.storage == .f32 {
            try write(UnsafeRawBufferPointer(values))
            return QuantizationMeasurement(name: name, storage: .f32, relativeRMS: 0, maxAbsError: 0, comparedCount: values.count)
        }
        let (encoded, measurement) = try Quantizer.encodeMeasuring(values, as: info.storage, shape: info.shape, name: name)
        try write(encoded.view.buffer)
        return measurement
    }

    /// Checks that every planned byte arrived, writes the checksums into the header and moves the file into place.
    public func finish() throws {
        if current < layout.count {
            throw NativeWriterError.incomplete(name: layout[current].name, written: writtenInCurrent, expected: layout[current].length)
        }
        for (position, info) in zip(checksumPositions, layout) { header.replace(at: position, littleEndian: info.checksum) }
        var headerHasher = XXH64()
        header.withUnsafeBytes { bytes in
            headerHasher.update(UnsafeRawBufferPointer(rebasing: bytes[0..<NativeLayout.headerChecksumOffset]))
            headerHasher.update(UnsafeRawBufferPointer(rebasing: bytes[NativeLayout.preambleSize..<headerLength]))
        }
        header.replace(at: NativeLayout.headerChecksumOffset, littleEndian: headerHasher.digest())
        try header.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<headerLength]), at: 0) }
        try output.commit()
    }

    /// Zero-byte tensors complete as soon as the stream reaches them, so writing one later is a no-op.
    private func isCompletedEmptyTensor(_ name: String) -> Bool {
        layout[..<current].contains { $0.name == name && $0.length == 0 }
    }

    private func expectStart(of name: String) throws {
        guard current < layout.count, layout[current].name == name, writtenInCurrent == 0 else {
            throw NativeWriterError.unexpectedTensor(expected: current < layout.count ? layout[current].name : nil, found: name)
        }
    }

    private func padToCurrentTensor() throws {
        let gap = layout[current].offset - dataWritten
        guard gap > 0 else { return }
        try output.write([UInt8](repeating: 0, count: gap))
        dataWritten += gap
    }

    /// Records the checksum of every tensor that is complete (empty tensors complete without any bytes).
    private func closeCompletedTensors() throws {
        while current < layout.count, writtenInCurrent == layout[current].length {
            try padToCurrentTensor()
            let info = layout[current]
            layout[current] = NativeTensorInfo(name: info.name, storage: info.storage, shape: info.shape, offset: info.offset,
                                               length: info.length, checksum: hasher.digest())
            current += 1
            writtenInCurrent = 0
            hasher = XXH64()
        }
    }
}

/// Little-endian integer fields for the header builder.
extension [UInt8] {
    mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func replace<T: FixedWidthInteger>(at position: Int, littleEndian value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { replaceSubrange(position..<(position + $0.count), with: $0) }
    }
}
