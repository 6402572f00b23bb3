import Bytes
import Checkpoint
import Codec
import Containers
import Foundation
import Testing

/// `ModelSource.open` on every kind of file, identified by content.
@Suite struct SourceModelTests {
    @Test func gzippedNemoArchive() throws {
        let source = try ModelSource.open(path: NemoFixtures.gzipV0)
        #expect(source.layers == ["NeMo archive, tar.gz", "torch zip (prefix model_weights/)",
                                  "pickle protocol 2, 31 tensors in the top-level state dict"])
        #expect(source.tensors.count == 31)
        #expect(source.tensors.first?.name == "bert_model.language_model.embedding.word_embeddings.weight")
        #expect(source.tensors.first?.shape == [128, 64])
        #expect(source.tensors.first { $0.name.hasSuffix("layers.1.attention.query_key_value.weight") }?.shape == [192, 64])
        #expect(source.vocab?.count == 120)
        #expect(source.config?.dataset["max_seq_length"] == "384")
        #expect(source.encoderConfig?["num_layers"]?.int == 2)
        #expect(source.checkpointVersion == nil)
        #expect(source.manifest == nil)
    }

    @Test func plainNemoTensorsPointIntoTheMappedArchive() throws {
        let source = try ModelSource.open(path: NemoFixtures.plainV2)
        #expect(source.layers.first == "NeMo archive, tar")
        #expect(source.tensors.count == 31)
        let archiveSize = try FileManager.default.attributesOfItem(atPath: NemoFixtures.plainV2)[.size] as! Int
        let weights = try #require(source.nemo?.weights)
        let tensor = try #require(source.tensors.first)
        // Same mapping as the archive's weights member: nothing was copied or spooled.
        #expect(tensor.storage.owner === weights.owner)
        #expect(weights.owner.map { ($0 as? MappedFile)?.count } == archiveSize)
    }

    @Test func megatronSettingsCarryConfigAndVocab() throws {
        let settings = try ModelSource.open(path: NemoFixtures.plainV2).megatronSettings
        #expect(settings.map(\.source) == [
            "model_config.yaml language_model.config",
            "d22ca9ef076b4d62b9377ccbe151d68d_megatron-bert-345m-uncased_encoder_config.json",
            "95d0e144da9546e2bd40cf3e39953089_tokenizer.vocab_file",
        ])
        #expect(settings[0].values["megatron_legacy"] == "false")
        #expect(settings[0].values["num_attention_heads"] == "4")
        #expect(settings[1].values["onnx_safe"] == "true")
        #expect(settings[2].values == ["vocab_size": "120"])
    }

    @Test func effArchiveOfAQAModel() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptNemo(NemoFixtures.gzipV0, key: "tlt_encode")
        let source = try ModelSource.open(path: path, key: "tlt_encode")
        #expect(source.layers.count == 4)
        #expect(source.layers[0].hasPrefix("EFF v3 (manifest: 5 artifacts, model_weights.ckpt encrypted with codec "))
        #expect(Array(source.layers[1...]) == ["tar.gz", "torch zip (prefix model_weights/)",
                                                "pickle protocol 2, 31 tensors in the top-level state dict"])
        #expect(source.tensors.count == 31)
        #expect(source.vocab?.count == 120)
        #expect(source.encoderConfig?["hidden_size"]?.int == 64)
        #expect(source.manifest?.artifacts.count == 5)
        // The decrypted weights were spooled and mapped, not kept on the heap.
        #expect(source.nemo?.weights.owner is MappedFile == false)
        #expect(try source.tensors[0].toFloat32() == (try ModelSource.open(path: NemoFixtures.gzipV0).tensors[0].toFloat32()))
    }

    @Test(arguments: ["eff1_crafted_tlt_encode.tlt", "eff2_crafted_tlt_encode.tlt",
                      "eff3_nvidia-eff-0.6.7_tlt_encode.tlt", "eff3_tao4.0-NeMoCookbook_tlt_encode.tlt"])
    func effFixturesOpenAsNemoArchives(file: String) throws {
        let eff = try EFFArchive(path: NemoFixtures.path("eff/" + file))
        let archive = try NemoArchive.open(eff: eff, key: "tlt_encode")
        #expect(archive.container == "EFF")
        #expect(archive.weightsMember == "model_weights.ckpt")
        #expect(archive.config.target?.hasSuffix("QAModel") == true)
        // These fixtures carry stand-in weights, not torch files: the first bytes are known plaintext.
        #expect(archive.weights.matches(Array("FAKE-TOR".utf8)) || archive.weights.matches([0, 1, 2, 3, 4, 5, 6, 7]))
    }

    @Test func confPathFindsTheVocabAndLayersNameTheCodec() throws {
        let path = NemoFixtures.path("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt")
        let archive = try NemoArchive.open(eff: try EFFArchive(path: path), key: "tlt_encode")
        // The yaml has no tokenizer section; the manifest's conf_path says vocab_src.txt is tokenizer.vocab_file.
        #expect(archive.vocabMember == "vocab_src.txt")
        #expect(archive.vocab == ["[PAD]", "[UNK]", "hello"])
        #expect {
            try ModelSource.open(path: path, key: "tlt_encode")
        } throws: { error in
            error as? SourceError == .weightsNotATorchCheckpoint(path: path, member: "model_weights.ckpt",
                                                                 firstBytes: "46414b452d544f52")
        }
    }

    @Test func encryptedVocabIsDecryptedToo() throws {
        let eff = try EFFArchive(path: NemoFixtures.path("eff/eff3_nvidia-eff-0.6.7_tlt_encode.tlt"))
        let archive = try NemoArchive.open(eff: eff, key: "tlt_encode")
        #expect(archive.vocabMember == "vocab.txt")
        #expect(archive.vocab?.isEmpty == false)
    }

    @Test(arguments: [("zip_fp32_state_dict.pt", "torch zip (prefix zip_fp32_state_dict/)"),
                      ("legacy_fp32_state_dict.pt", "torch legacy stream (protocol 1001)"),
                      ("tar_format_handmade.pt", "torch tar (torch ≤ 0.3)")])
    func torchFiles(file: String, layer: String) throws {
        let source = try ModelSource.open(path: NemoFixtures.path("torch/" + file))
        #expect(source.layers.first == layer)
        #expect(source.nemo == nil && source.manifest == nil)
        #expect(!source.tensors.isEmpty)
    }

    @Test func megatronCheckpointArgsBecomeSettings() throws {
        let source = try ModelSource.open(path: NemoFixtures.path("torch/zip_megatron_style_nested.pt"))
        #expect(source.checkpointVersion == 3)
        let args = try #require(source.megatronSettings.first)
        #expect(args.source.hasSuffix(" args"))
        #expect(args.values["checkpoint_version"] == "3.0")
        #expect(source.tensors.contains { $0.name.hasPrefix("language_model.embedding.word_embeddings") })
    }

    @Test func safetensorsFile() throws {
        let source = try ModelSource.open(path: NemoFixtures.path("nemo/hf_export_reference/model.safetensors"))
        #expect(source.layers == ["safetensors (39 tensors)"])
        #expect(source.tensors.count == 39)
    }

    @Test func rawTAOBlobIsDecryptedAndIdentified() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptRaw(NemoFixtures.path("torch/zip_fp32_state_dict.pt"), key: "tlt_encode")
        let source = try ModelSource.open(path: path, key: "tlt_encode")
        #expect(source.layers.first == "raw TAO blob, default salt, zip (torch checkpoint)")
        #expect(source.tensors.map(\.name) == ["linear.weight", "linear.bias"])
        #expect(try source.tensors[1].toFloat32() == [1, -2, 3.5])
    }

    @Test func rawTAOBlobOfANemoArchive() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptRaw(NemoFixtures.plainV2, key: "k")
        let source = try ModelSource.open(path: path, key: "k")
        #expect(Array(source.layers.prefix(2)) == ["raw TAO blob, default salt, tar", "NeMo archive, tar"])
        #expect(source.vocab?.count == 120)
    }
}

@Suite struct SourceModelErrorTests {
    @Test func wrongKeyOnEFFv3IsCaughtByTheManifestChecksum() {
        #expect(throws: EFFError.wrongLoadKey(artifact: "model_weights.ckpt")) {
            try ModelSource.open(path: NemoFixtures.path("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt"), key: "nope")
        }
    }

    @Test(arguments: ["eff1_crafted_tlt_encode.tlt", "eff2_crafted_tlt_encode.tlt"])
    func wrongKeyOnEFFv1AndV2IsCaughtByTheLeadingBytes(file: String) {
        #expect {
            try ModelSource.open(path: NemoFixtures.path("eff/" + file), key: "nope")
        } throws: { error in
            guard case .wrongLoadKey("model_weights.ckpt", .noise)? = error as? EFFError else { return false }
            return true
        }
    }

    @Test func encryptedEFFWithoutAKey() {
        #expect(throws: EFFError.keyRequired(artifact: "model_weights.ckpt")) {
            try ModelSource.open(path: NemoFixtures.path("eff/eff3_tao4.0-NeMoCookbook_tlt_encode.tlt"))
        }
    }

    @Test func rawBlobWithoutAKeyIsUnrecognisedWithAHint() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptRaw(NemoFixtures.path("torch/zip_fp32_state_dict.pt"), key: "tlt_encode")
        #expect {
            try ModelSource.open(path: path)
        } throws: { error in
            guard case let .unrecognised(_, _, keyGiven)? = error as? SourceError else { return false }
            return !keyGiven && (error as! SourceError).description.contains("pass its load key")
        }
    }

    @Test func rawBlobWithTheWrongKey() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.encryptRaw(NemoFixtures.path("torch/zip_fp32_state_dict.pt"), key: "tlt_encode")
        #expect {
            try ModelSource.open(path: path, key: "wrong")
        } throws: { error in
            guard case .unrecognisedPlaintext? = error as? TAOFileError else { return false }
            return true
        }
    }

    @Test func tarWithoutModelMembers() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("odd.tar", try NemoFixtures.tar([("notes.txt", "hi"), ("data.bin", "x")]))
        #expect(throws: SourceError.unrecognisedTar(path: path, members: ["notes.txt", "data.bin"])) {
            try ModelSource.open(path: path)
        }
    }

    @Test func spoolDirectoryThatDoesNotExist() {
        let options = SourceOptions(nemo: NemoOptions(spoolDirectory: "/nonexistent-decant-spool"))
        #expect {
            try ModelSource.open(path: NemoFixtures.gzipV0, options: options)
        } throws: { error in
            guard case let .cannotCreate(path, _)? = error as? IOError else { return false }
            return path == "/nonexistent-decant-spool"
        }
    }

    @Test func missingFile() {
        #expect {
            try ModelSource.open(path: "/nonexistent/model.nemo")
        } throws: { error in
            guard case .cannotOpen? = error as? IOError else { return false }
            return true
        }
    }
}

/// A scratch directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("decant-source-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: ByteView) throws -> String {
        let file = path + "/" + name
        try Data(bytes.buffer).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// A TAO `.tlt` of a `.nemo`, made with the EFF writer.
    func encryptNemo(_ input: String, key: String) throws -> String {
        let collected = CollectingSink()
        _ = try TAOConversion.encryptNemo(path: input, key: try LoadKey(key), to: collected)
        return try write("model.tlt", ByteView(copying: collected.bytes))
    }

    /// A TF1-style `.tlt`: the whole input encrypted as one blob with the default salt.
    func encryptRaw(_ input: String, key: String) throws -> String {
        let collected = CollectingSink()
        let sink = try BlobEncryptingSink(key: try DerivedKey(key: try LoadKey(key), salt: .default), downstream: collected)
        try sink.write(try MappedFile(path: input).view)
        return try write("raw.tlt", ByteView(copying: collected.bytes))
    }
}
