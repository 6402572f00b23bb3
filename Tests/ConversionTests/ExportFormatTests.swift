/// safetensors and Hugging Face directory outputs, compared with the reference export.
import Conversion
import Foundation
import NativeFormat
import Quantization
import JSON
import Safetensors
import Tensors
import Testing

@Suite struct ExportFormatTests {
    @Test(arguments: allSources, [StorageType.f32, .f16, .bf16])
    func safetensorsHoldsTheCanonicalTensorsInOneDType(source: Source, storage: StorageType) throws {
        let folder = try ScratchFolder()
        let report = try Converter.convert(input: source.path, output: folder.file("m.safetensors"),
                                           options: ConversionOptions(format: .safetensors, storage: storage, key: source.key))
        let file = try SafetensorsFile(path: folder.file("m.safetensors"))
        let reference = try referenceTensors()
        #expect(Set(file.names) == Set(reference.keys))
        #expect(file.metadata == ["format": "pt"])
        for tensor in file.tensors {
            #expect(tensor.dtype == storage.dtype, "\(tensor.name)")
            #expect(tensor.shape == reference[tensor.name]?.shape, "\(tensor.name)")
        }
        #expect(report.errors.measurements.count == (storage == .f32 ? 0 : 39))
    }

    @Test(arguments: allSources, [StorageType.f32, .f16, .bf16])
    func huggingFaceDirectoryHasEveryFile(source: Source, storage: StorageType) throws {
        let folder = try ScratchFolder()
        _ = try Converter.convert(input: source.path, output: folder.file("hf"),
                                  options: ConversionOptions(format: .hf, storage: storage, key: source.key))
        #expect(folder.contents == ["hf"])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("hf")).sorted()
        #expect(files == ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"])
        let config = try JSONParser.parse(String(contentsOfFile: folder.file("hf/config.json"), encoding: .utf8))
        let dtype = ["f32": "float32", "f16": "float16", "bf16": "bfloat16"][storage.rawValue]!
        #expect(config["dtype"]?.stringValue == dtype)
        let weights = try SafetensorsFile(path: folder.file("hf/model.safetensors"))
        #expect(weights.tensors.allSatisfy { $0.dtype == storage.dtype })
        #expect(try bytes(of: folder.file("hf/vocab.txt")) == bytes(of: referenceDirectory + "/vocab.txt"))
    }

    /// The v0 archive's export matches the reference: same config (apart from the dtype key's spelling, which
    /// transformers 5 renamed), same tokenizer files, same f32 tensors.
    @Test func v0ExportEqualsTheReference() throws {
        let folder = try ScratchFolder()
        _ = try Converter.convert(input: v0Nemo, output: folder.file("hf"), options: ConversionOptions(format: .hf))
        func json(_ path: String) throws -> JSONValue { try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8)) }
        var expected = try #require(try json(referenceDirectory + "/config.json").objectValue)
        expected["dtype"] = expected.removeValue(forKey: "torch_dtype")
        #expect(try json(folder.file("hf/config.json")) == .object(expected))
        #expect(try json(folder.file("hf/tokenizer_config.json")) == json(referenceDirectory + "/tokenizer_config.json"))
        let written = try SafetensorsFile(path: folder.file("hf/model.safetensors"))
        for (name, want) in try referenceTensors() {
            #expect(try written.tensor(named: name).toFloat32() == want.toFloat32(), "\(name)")
        }
    }

    /// A NeMo ≥ 1.10 model runs the tanh GELU (bias-GELU fusion), which Hugging Face calls gelu_pytorch_tanh.
    @Test func v2ExportNamesItsActivation() throws {
        let folder = try ScratchFolder()
        let report = try Converter.convert(input: v2Nemo, output: folder.file("hf"), options: ConversionOptions(format: .hf))
        let config = try JSONParser.parse(String(contentsOfFile: folder.file("hf/config.json"), encoding: .utf8))
        #expect(config["hidden_act"]?.stringValue == report.model.activation.huggingFaceName)
    }

    /// An HF export converts back: canonical names pass through, config.json and vocab.txt supply the rest.
    @Test func canonicalSafetensorsConvertToNative() throws {
        let folder = try ScratchFolder()
        let report = try Converter.convert(input: referenceDirectory + "/model.safetensors", output: folder.file("m.decant"))
        #expect(report.model.naming == "huggingface" && report.model.qkvLayout == nil && report.model.heads == 4)
        #expect(report.model.tokenizer?.vocab.count == 120)
        let native = try NativeFile(path: folder.file("m.decant"))
        for (name, want) in try referenceTensors() {
            #expect(try native.tensor(named: name).toFloat32() == want.toFloat32(), "\(name)")
        }
    }

    @Test func hfExportIsDeterministic() throws {
        let folder = try ScratchFolder()
        for name in ["a", "b"] {
            _ = try Converter.convert(input: v2Nemo, output: folder.file(name),
                                      options: ConversionOptions(format: .hf, storage: .bf16))
        }
        for file in ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"] {
            #expect(try bytes(of: folder.file("a/" + file)) == bytes(of: folder.file("b/" + file)), "\(file)")
        }
    }
}
