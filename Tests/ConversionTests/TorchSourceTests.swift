/// A bare torch checkpoint (the `model_weights.ckpt` of a .nemo, without its config and vocabulary).
import Bytes
import Checkpoint
import Conversion
import Megatron
import NativeFormat
import Testing

@Suite struct TorchSourceTests {
    /// The v0 archive's weights alone, in `folder/model_weights.ckpt`.
    static func bareWeights(in folder: ScratchFolder) throws -> String {
        let archive = try NemoArchive.open(try MappedFile(path: v0Nemo).view)
        let path = folder.file("model_weights.ckpt")
        let file = try AtomicOutputFile(destination: path)
        try file.write(archive.weights)
        try file.commit()
        return path
    }

    @Test func headsMustBeGivenWhenNoConfigSaysSo() throws {
        let folder = try ScratchFolder()
        let input = try Self.bareWeights(in: folder)
        #expect(throws: MegatronError.headsUnknown(hidden: 64)) {
            try Converter.convert(input: input, output: folder.file("m.decant"))
        }
        #expect(folder.contents == ["model_weights.ckpt"])
    }

    @Test func givenHeadsConvertTheBareCheckpoint() throws {
        let folder = try ScratchFolder()
        let input = try Self.bareWeights(in: folder)
        let report = try Converter.convert(input: input, output: folder.file("m.decant"), options: ConversionOptions(heads: 4))
        #expect(report.model.rules["heads"] == "--heads" && report.model.tokenizer == nil)
        #expect(report.model.vocab == 128)  // no tokenizer: every embedding row is kept
        #expect(report.warnings == ["the source has no tokenizer vocabulary; none was written"])
        let native = try NativeFile(path: folder.file("m.decant"))
        #expect(native.metadata["tokenizer"] == nil)
        for (name, want) in try referenceTensors() where name != "bert.embeddings.word_embeddings.weight" {
            #expect(try native.tensor(named: name).toFloat32() == want.toFloat32(), "\(name)")
        }
    }

    /// A layout given on the command line wins over the naming's rule: v2 on the v0 archive splits differently.
    @Test func givenQKVLayoutWins() throws {
        let folder = try ScratchFolder()
        let report = try Converter.convert(input: v0Nemo, output: folder.file("m.decant"), options: ConversionOptions(qkvLayout: .v2))
        #expect(report.model.qkvLayout == .v2 && report.model.rules["qkv_layout"] == "given (--qkv-layout)")
    }
}
