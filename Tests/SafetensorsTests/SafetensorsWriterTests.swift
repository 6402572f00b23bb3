/// The streaming writer: layout, padding, determinism, chunked input and every misuse it refuses.
import Bytes
import Safetensors
import Tensors
import Testing

@Suite struct SafetensorsWriterTests {
    let plan = [
        SafetensorsTensorSpec(name: "half", dtype: .f16, shape: [3]),
        SafetensorsTensorSpec(name: "matrix", dtype: .f32, shape: [2, 2]),
        SafetensorsTensorSpec(name: "empty", dtype: .f32, shape: [0, 4]),
        SafetensorsTensorSpec(name: "bytes", dtype: .u8, shape: [5]),
    ]

    func tensor(_ name: String, _ dtype: DType, _ shape: [Int], _ bytes: [UInt8]) throws -> TensorView {
        try TensorView(name: name, dtype: dtype, shape: shape, storage: ByteView(copying: bytes))
    }

    func writeSample(to path: String) throws {
        let writer = try SafetensorsWriter(destination: path, plan: plan)
        #expect(writer.entries.map(\.name) == ["matrix", "empty", "half", "bytes"])
        try writer.write(tensor("matrix", .f32, [2, 2], [Float(1), 2, 3, -4].flatMap { withUnsafeBytes(of: $0) { Array($0) } }))
        try writer.write(tensor("empty", .f32, [0, 4], []))
        try writer.write(tensor("half", .f16, [3], [0x00, 0x3C, 0x00, 0x40, 0x00, 0xC2]))
        try [UInt8]([9, 8]).withUnsafeBytes { try writer.write($0) }  // "bytes" in two chunks
        try [UInt8]([7, 6, 5]).withUnsafeBytes { try writer.write($0) }
        try writer.finish()
    }

    @Test func roundTripsEveryTensorLargestElementsFirst() throws {
        let path = temporaryPath("out.safetensors")
        try writeSample(to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.dataStart % 8 == 0)
        #expect(file.names == ["matrix", "empty", "half", "bytes"])  // data order; "empty" owns zero bytes at offset 16
        #expect(try file.tensor(named: "matrix").toFloat32() == [1, 2, 3, -4])
        #expect(try file.tensor(named: "half").toFloat32() == [1, 2, -3])
        #expect(try file.tensor(named: "bytes").contiguousBytes().array == [9, 8, 7, 6, 5])
        #expect(try file.tensor(named: "empty").shape == [0, 4])
    }

    @Test func sameInputGivesIdenticalBytes() throws {
        let first = temporaryPath("a.safetensors")
        let second = temporaryPath("b.safetensors")
        try writeSample(to: first)
        try writeSample(to: second)
        #expect(try MappedFile(path: first).view.array == MappedFile(path: second).view.array)
    }

    @Test func headerIsPaddedWithSpacesToEightBytes() throws {
        let (bytes, _) = try SafetensorsWriter.header(plan: [SafetensorsTensorSpec(name: "x", dtype: .u8, shape: [1])], metadata: [:])
        let json = #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        #expect(bytes.count % 8 == 0)
        #expect(Array(bytes[8..<(8 + json.utf8.count)]) == Array(json.utf8))
        #expect(bytes[(8 + json.utf8.count)...].allSatisfy { $0 == UInt8(ascii: " ") })
        #expect(UInt64(bytes.count - 8) == bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    }

    @Test func refusesDuplicateNames() {
        let duplicate = [SafetensorsTensorSpec(name: "a", dtype: .f32, shape: [1]), SafetensorsTensorSpec(name: "a", dtype: .f16, shape: [1])]
        #expect(throws: SafetensorsWriterError.duplicateName("a")) { try SafetensorsWriter.header(plan: duplicate, metadata: [:]) }
    }

    @Test func refusesTheMetadataKeyAsAName() {
        #expect(throws: SafetensorsWriterError.reservedName) {
            try SafetensorsWriter.header(plan: [SafetensorsTensorSpec(name: "__metadata__", dtype: .f32, shape: [1])], metadata: [:])
        }
    }

    @Test func refusesNegativeShapes() {
        #expect(throws: SafetensorsWriterError.invalidShape(name: "a", shape: [-2])) {
            try SafetensorsWriter.header(plan: [SafetensorsTensorSpec(name: "a", dtype: .f32, shape: [-2])], metadata: [:])
        }
    }

    @Test func refusesTensorsOutOfOrder() throws {
        let writer = try SafetensorsWriter(destination: temporaryPath("x.safetensors"), plan: plan)
        #expect(throws: SafetensorsWriterError.unexpectedTensor(expected: "matrix", found: "half")) {
            try writer.write(tensor("half", .f16, [3], [0, 0, 0, 0, 0, 0]))
        }
    }

    @Test func refusesAShapeOtherThanPlanned() throws {
        let writer = try SafetensorsWriter(destination: temporaryPath("x.safetensors"), plan: plan)
        #expect(throws: SafetensorsWriterError.specMismatch(name: "matrix", planned: "F32 [2, 2]", found: "F32 [4]")) {
            try writer.write(tensor("matrix", .f32, [4], [UInt8](repeating: 0, count: 16)))
        }
    }

    @Test func refusesBytesPastThePlan() throws {
        let writer = try SafetensorsWriter(destination: temporaryPath("x.safetensors"), plan: [SafetensorsTensorSpec(name: "a", dtype: .u8, shape: [2])])
        #expect(throws: SafetensorsWriterError.tooManyBytes(extra: 1)) {
            try [UInt8]([1, 2, 3]).withUnsafeBytes { try writer.write($0) }
        }
    }

    @Test func incompleteFileNeverAppears() throws {
        let path = temporaryPath("x.safetensors")
        let writer = try SafetensorsWriter(destination: path, plan: [SafetensorsTensorSpec(name: "a", dtype: .u8, shape: [4])])
        try [UInt8]([1]).withUnsafeBytes { try writer.write($0) }
        #expect(throws: SafetensorsWriterError.incomplete(name: "a", written: 1, expected: 4)) { try writer.finish() }
        #expect(throws: IOError.self) { try MappedFile(path: path) }
    }
}
