/// Writing and reading .decant files: every storage type, alignment in place, determinism, checksums, misuse.
import Bytes
import NativeFormat
import Quantization
import JSON
import Testing

@Suite struct NativeRoundTripTests {
    let plan = [
        NativeTensorSpec(name: "matrix.f32", storage: .f32, shape: [3, 5]),
        NativeTensorSpec(name: "vector.f16", storage: .f16, shape: [7]),
        NativeTensorSpec(name: "matrix.bf16", storage: .bf16, shape: [2, 3]),
        NativeTensorSpec(name: "empty", storage: .f32, shape: [0, 4]),
        NativeTensorSpec(name: "weight.q8", storage: .q8, shape: [3, 64]),
        NativeTensorSpec(name: "scalar", storage: .f32, shape: []),
        NativeTensorSpec(name: "weight.q4", storage: .q4, shape: [2, 32]),
    ]
    let metadata: [String: JSONValue] = ["architecture": "test", "config": ["hidden": 64, "eps": 1e-5], "vocab": ["[PAD]", "a"]]

    func values(for spec: NativeTensorSpec) -> [Float] {
        let count = spec.shape.reduce(1, *)
        return (0..<count).map { Float(($0 * 37) % 23) / 7 - 1.5 + Float(spec.name.count) / 100 }
    }

    func writeSample(to path: String) throws -> [String: QuantizationMeasurement] {
        let writer = try NativeFileWriter(destination: path, metadata: metadata, plan: plan)
        var measurements: [String: QuantizationMeasurement] = [:]
        for spec in plan {
            measurements[spec.name] = try values(for: spec).withUnsafeBufferPointer { try writer.write(name: spec.name, float32: $0) }
        }
        try writer.finish()
        return measurements
    }

    @Test func roundTripsEveryStorageType() throws {
        let path = temporaryPath("model.decant")
        let measurements = try writeSample(to: path)
        let file = try NativeFile(path: path)
        #expect(file.version == 1)
        #expect(file.metadata == metadata)
        #expect(file.names == plan.map(\.name))
        for spec in plan {
            let tensor = try file.tensor(named: spec.name)
            #expect(tensor.storage == spec.storage && tensor.shape == spec.shape)
            let original = values(for: spec)
            let expected = try original.withUnsafeBufferPointer { src in
                var bytes = [UInt8](repeating: 0, count: try spec.storage.byteCount(shape: spec.shape))
                try bytes.withUnsafeMutableBytes { _ = try Quantizer.encode(src, as: spec.storage, shape: spec.shape, name: spec.name, into: $0) }
                var back = [Float](repeating: 0, count: original.count)
                try bytes.withUnsafeBytes { raw in try back.withUnsafeMutableBufferPointer { try Quantizer.decode(raw, as: spec.storage, into: $0) } }
                return back
            }
            #expect(try tensor.toFloat32() == expected, "\(spec.name)")
            if spec.storage == .f32 { #expect(try tensor.toFloat32() == original) }
            #expect(measurements[spec.name]?.storage == spec.storage)
        }
        try file.verifyChecksums()
    }

    @Test func everyTensorIsAlignedInPlace() throws {
        let path = temporaryPath("model.decant")
        _ = try writeSample(to: path)
        let file = try NativeFile(path: path)
        #expect(file.dataOffset % 64 == 0)
        for name in file.names {
            let tensor = try file.tensor(named: name)
            #expect(tensor.info.offset % 64 == 0)
            if let base = tensor.bytes.buffer.baseAddress { #expect(Int(bitPattern: base) % 64 == 0, "\(name)") }
            #expect(tensor.bytes.buffer.baseAddress == nil || tensor.bytes.buffer.baseAddress == file.view.buffer.baseAddress! + file.dataOffset + tensor.info.offset)
        }
        #expect(try file.tensor(named: "vector.f16").tensorView?.dtype == .f16)
        #expect(try file.tensor(named: "weight.q8").tensorView == nil)
    }

    @Test func sameInputGivesIdenticalBytes() throws {
        let first = temporaryPath("a.decant"), second = temporaryPath("b.decant")
        _ = try writeSample(to: first)
        _ = try writeSample(to: second)
        #expect(try MappedFile(path: first).view.array == MappedFile(path: second).view.array)
    }

    @Test func streamedChunksGiveTheSameFileAsWholeTensors() throws {
        let whole = temporaryPath("a.decant"), streamed = temporaryPath("b.decant")
        _ = try writeSample(to: whole)
        let reference = try NativeFile(path: whole)
        let writer = try NativeFileWriter(destination: streamed, metadata: metadata, plan: plan)
        var all: [UInt8] = []
        for name in reference.names { all += try reference.tensor(named: name).bytes.array }
        var start = 0
        while start < all.count {  // 13-byte chunks straddle tensor boundaries
            let end = min(all.count, start + 13)
            try all[start..<end].withUnsafeBytes { try writer.write($0) }
            start = end
        }
        try writer.finish()
        #expect(try MappedFile(path: streamed).view.array == reference.view.array)
    }

    @Test func checkDetectsACorruptedTensorThatStillOpens() throws {
        let path = temporaryPath("model.decant")
        _ = try writeSample(to: path)
        var bytes = try MappedFile(path: path).view.array
        let clean = try NativeFile(view: ByteView(copying: bytes))
        let target = try clean.tensor(named: "weight.q8").info
        bytes[clean.dataOffset + target.offset + 10] ^= 0x01
        let corrupted = try NativeFile(view: ByteView(copying: bytes))  // open does not read tensor data
        let computed = try corrupted.tensor(named: "weight.q8").bytes.buffer
        #expect(throws: NativeFormatError.checksumMismatch(name: "weight.q8", stored: target.checksum, computed: XXH64.hash(computed))) {
            try corrupted.verifyChecksums()
        }
    }

    @Test func missingTensorIsATypedError() throws {
        let path = temporaryPath("model.decant")
        _ = try writeSample(to: path)
        #expect(throws: NativeFormatError.tensorNotFound("nope")) { try NativeFile(path: path).tensor(named: "nope") }
    }

    @Test func emptyPlanGivesAValidFile() throws {
        let path = temporaryPath("empty.decant")
        let writer = try NativeFileWriter(destination: path, metadata: [:], plan: [])
        try writer.finish()
        let file = try NativeFile(path: path)
        #expect(file.tensors.isEmpty && file.metadata.isEmpty && file.dataBytes == 0)
    }

    @Test func refusesBadPlans() {
        func plan(_ specs: [NativeTensorSpec], alignment: Int = 64, metadata: [String: JSONValue] = [:]) throws {
            _ = try NativeFileWriter(destination: temporaryPath("x.decant"), metadata: metadata, plan: specs, alignment: alignment)
        }
        #expect(throws: NativeWriterError.invalidName("")) { try plan([NativeTensorSpec(name: "", storage: .f32, shape: [1])]) }
        #expect(throws: NativeWriterError.duplicateName("a")) {
            try plan([NativeTensorSpec(name: "a", storage: .f32, shape: [1]), NativeTensorSpec(name: "a", storage: .f16, shape: [1])])
        }
        #expect(throws: NativeWriterError.rankTooLarge(name: "a", rank: 9)) { try plan([NativeTensorSpec(name: "a", storage: .f32, shape: Array(repeating: 1, count: 9))]) }
        #expect(throws: NativeWriterError.invalidPlan(.notBlockAligned(name: "a", storage: .q8, shape: [2, 20]))) {
            try plan([NativeTensorSpec(name: "a", storage: .q8, shape: [2, 20])])
        }
        #expect(throws: NativeWriterError.invalidAlignment(96)) { try plan([], alignment: 96) }
        #expect(throws: NativeWriterError.metadataNotSerializable(.nonFiniteNumber(.infinity))) { try plan([], metadata: ["x": .double(.infinity)]) }
    }

    @Test func refusesBytesThatDoNotFollowThePlan() throws {
        let writer = try NativeFileWriter(destination: temporaryPath("x.decant"), metadata: [:], plan: plan)
        #expect(throws: NativeWriterError.unexpectedTensor(expected: "matrix.f32", found: "vector.f16")) {
            try [Float](repeating: 0, count: 7).withUnsafeBufferPointer { try writer.write(name: "vector.f16", float32: $0) }
        }
        let small = try NativeFileWriter(destination: temporaryPath("y.decant"), metadata: [:], plan: [NativeTensorSpec(name: "a", storage: .f16, shape: [1])])
        #expect(throws: NativeWriterError.tooManyBytes(extra: 1)) { try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try small.write($0) } }
    }

    @Test func unfinishedFilesNeverAppear() throws {
        let path = temporaryPath("x.decant")
        let writer = try NativeFileWriter(destination: path, metadata: [:], plan: plan)
        try [Float](repeating: 1, count: 15).withUnsafeBufferPointer { _ = try writer.write(name: "matrix.f32", float32: $0) }
        #expect(throws: NativeWriterError.incomplete(name: "vector.f16", written: 0, expected: 14)) { try writer.finish() }
        #expect(throws: IOError.self) { try MappedFile(path: path) }
    }

    @Test func quantizationErrorsSurfaceFromTheWriter() throws {
        let writer = try NativeFileWriter(destination: temporaryPath("x.decant"), metadata: [:],
                                          plan: [NativeTensorSpec(name: "w", storage: .q4, shape: [1, 32])])
        var values = [Float](repeating: 0, count: 32)
        values[3] = .infinity
        #expect(throws: QuantizationError.nonFiniteValue(name: "w", storage: .q4, index: 3, value: .infinity)) {
            try values.withUnsafeBufferPointer { try writer.write(name: "w", float32: $0) }
        }
    }
}
