/// Reading the Hugging Face export fixture against expectations written by Tools/gen_safetensors_expected.py.
import Bytes
import Foundation
import JSON
import Safetensors
import Tensors
import Testing

@Suite struct SafetensorsFixtureTests {
    let path = fixtures.appendingPathComponent("nemo/hf_export_reference/model.safetensors").path

    func expectations() throws -> JSONValue {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("safetensors/hf_export_reference_expected.json"))
        return try data.withUnsafeBytes { try JSONParser.parse($0) }
    }

    @Test func readsEveryTensorWithPythonsNamesShapesAndOffsets() throws {
        let file = try SafetensorsFile(path: path)
        let expected = try #require(try expectations()["tensors"]?.arrayValue)
        #expect(file.entries.count == 39)
        #expect(expected.count == 39)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.dataStart == 8 + (try expectations()["header_length"]?.intValue ?? -1))
        for tensor in expected {
            let name = try #require(tensor["name"]?.stringValue)
            let entry = try #require(file.entries.first { $0.name == name })
            #expect(entry.dtype.safetensorsName == tensor["dtype"]?.stringValue)
            #expect(entry.shape == tensor["shape"]?.arrayValue?.compactMap(\.intValue))
            let offsets = tensor["data_offsets"]?.arrayValue?.compactMap(\.intValue)
            #expect([entry.dataOffsets.lowerBound, entry.dataOffsets.upperBound] == offsets)
        }
    }

    @Test func valuesMatchPython() throws {
        let file = try SafetensorsFile(path: path)
        for tensor in try #require(try expectations()["tensors"]?.arrayValue) {
            let name = try #require(tensor["name"]?.stringValue)
            let values = try file.tensor(named: name).toFloat32()
            let first = (tensor["first"]?.arrayValue ?? []).compactMap { $0.doubleValue }
            #expect(first.count == min(3, values.count))
            #expect(values.prefix(first.count).map(Double.init) == first, "\(name)")
            #expect(Double(values.last!) == tensor["last"]?.doubleValue, "\(name)")
            let sum = values.reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - (tensor["sum"]?.doubleValue ?? .nan)) < 1e-9, "\(name)")
        }
    }

    @Test func viewsPointIntoTheMappedFile() throws {
        let file = try SafetensorsFile(path: path)
        let entry = try #require(file.entries.first { $0.name == "qa_outputs.weight" })
        let view = try file.tensor(named: "qa_outputs.weight")
        let start = file.view.buffer.baseAddress!
        #expect(view.storage.buffer.baseAddress! == start + file.dataStart + entry.dataOffsets.lowerBound)
    }

    @Test func missingTensorIsATypedError() throws {
        let file = try SafetensorsFile(path: path)
        #expect(throws: SafetensorsError.tensorNotFound("bert.pooler.dense.weight")) {
            try file.tensor(named: "bert.pooler.dense.weight")
        }
    }

    @Test func rewritingTheFixtureReproducesItByteForByte() throws {
        let original = try SafetensorsFile(path: path)
        let output = temporaryPath("model.safetensors")
        let plan = original.tensors.map { SafetensorsTensorSpec(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        let writer = try SafetensorsWriter(destination: output, plan: plan)
        for tensor in original.tensors { try writer.write(tensor) }
        try writer.finish()
        let rewritten = try MappedFile(path: output)
        #expect(rewritten.view.array == original.view.array)
    }
}
