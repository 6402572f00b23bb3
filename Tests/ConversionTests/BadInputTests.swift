/// Inputs and options the converter must refuse, each with its specific error and nothing left on disk.
import Bytes
import Checkpoint
import Containers
import Conversion
import Foundation
import Megatron
import Quantization
import Testing

@Suite struct BadInputTests {
    @Test func namesOfNoKnownArchitectureAreListed() throws {
        let folder = try ScratchFolder()
        let input = fixtures.appendingPathComponent("torch/zip_fp32_state_dict.pt").path
        #expect {
            try Converter.convert(input: input, output: folder.file("m.decant"))
        } throws: { error in
            guard case let .unknownArchitecture(reason, names)? = error as? ConversionError else { return false }
            return names == ["linear.weight", "linear.bias"] && reason.contains("word_embeddings")
                && (error as! ConversionError).description.contains("linear.weight, linear.bias")
        }
        #expect(folder.contents.isEmpty)
    }

    @Test func headsThatDoNotDivideHiddenAreRefused() throws {
        let folder = try ScratchFolder()
        #expect(throws: MegatronError.headsDoNotDivideHidden(heads: 5, hidden: 64)) {
            try Converter.convert(input: fixtures.appendingPathComponent("conversion/bad_heads.nemo").path,
                                  output: folder.file("m.decant"))
        }
        #expect(folder.contents.isEmpty)
    }

    @Test func fusedQKVWithTheWrongRowCountIsRefused() throws {
        let folder = try ScratchFolder()
        #expect(throws: MegatronError.fusedQKVRows(
            name: "bert_model.model.language_model.encoder.layers.1.self_attention.query_key_value.weight", rows: 190, hidden: 64)) {
            try Converter.convert(input: fixtures.appendingPathComponent("conversion/bad_qkv_rows.nemo").path,
                                  output: folder.file("m.decant"))
        }
        #expect(folder.contents.isEmpty)
    }

    @Test func wrongKeyIsRefused() throws {
        let folder = try ScratchFolder()
        #expect(throws: EFFError.wrongLoadKey(artifact: "model_weights.ckpt")) {
            try Converter.convert(input: tinyTLT, output: folder.file("m.decant"), options: ConversionOptions(key: "not_the_key"))
        }
        #expect(folder.contents.isEmpty)
    }

    /// The weights of a `.tlt` are converted while they are decrypted: ciphertext damaged near the end is found
    /// only after most tensors are written, and must still leave nothing behind.
    @Test(arguments: OutputFormat.allCases)
    func damagedCiphertextLeavesNothingBehind(format: OutputFormat) throws {
        let folder = try ScratchFolder()
        var damaged = try bytes(of: tinyTLT)
        damaged[damaged.count * 3 / 4] ^= 0x40
        let input = folder.file("damaged.tlt")
        try damaged.write(to: URL(fileURLWithPath: input))
        #expect(throws: (any Error).self) {
            try Converter.convert(input: input, output: folder.file("out"),
                                  options: ConversionOptions(format: format, storage: .f16, key: "tlt_encode"))
        }
        #expect(folder.contents == ["damaged.tlt"])
    }

    @Test(arguments: [OutputFormat.hf, .safetensors], [StorageType.q8, .q4])
    func blockTypesCannotGoToFloatOnlyFormats(format: OutputFormat, storage: StorageType) throws {
        let folder = try ScratchFolder()
        #expect(throws: ConversionError.storageNotSupported(format: format, storage: storage)) {
            try Converter.convert(input: v0Nemo, output: folder.file("out"), options: ConversionOptions(format: format, storage: storage))
        }
        #expect(folder.contents.isEmpty)
    }

    @Test func quantizeEmbeddingsOnlyForNative() throws {
        #expect(throws: ConversionError.quantizeEmbeddingsNeedsNative(format: .hf)) {
            try Converter.validate(ConversionOptions(format: .hf, storage: .f16, quantizeEmbeddings: true))
        }
    }

    /// Stopping half-way (an observer that throws, as Ctrl-C does in the CLI) leaves neither output nor temporary.
    @Test(arguments: OutputFormat.allCases)
    func cancelledConversionLeavesNothingBehind(format: OutputFormat) throws {
        let folder = try ScratchFolder()
        var seen = 0
        #expect(throws: ConversionError.cancelled(reason: "test")) {
            try Converter.convert(input: v0Nemo, output: folder.file("out"), options: ConversionOptions(format: format)) { step in
                seen = step.tensorsDone
                if step.tensorsDone == 20 { throw ConversionError.cancelled(reason: "test") }
            }
        }
        #expect(seen == 20)
        #expect(folder.contents.isEmpty)
    }

    /// A destination folder that does not exist fails before any tensor is read.
    @Test func unwritableDestinationIsReported() throws {
        let folder = try ScratchFolder()
        #expect(throws: IOError.self) {
            try Converter.convert(input: v0Nemo, output: folder.file("missing/m.decant"))
        }
        #expect(folder.contents.isEmpty)
    }
}
