import Foundation
import Bytes
import Checkpoint
import Containers
import Testing

@Suite struct NemoArchiveTests {
    @Test func gzippedNemo1_0ArchiveIsStreamedAndItsArtifactsResolved() throws {
        let archive = try NemoArchive.open(try NemoFixtures.mapped(NemoFixtures.gzipV0))
        #expect(archive.container == "tar.gz")
        #expect(archive.members.count == 5)
        #expect(archive.weightsMember == "model_weights.ckpt")
        #expect(archive.weights.count == 453_668)
        #expect(archive.weights.matches(Array("PK\u{3}\u{4}".utf8)))
        #expect(archive.vocabMember == "8e7f76d57a8e4965871f9d0378758623_tokenizer.vocab_file")
        #expect(archive.vocab?.count == 120)
        #expect(archive.vocab?.first == "[PAD]")
        #expect(archive.encoderConfigMember == "ba05fe04bc1246bb98dbd216bda071df_megatron-bert-345m-uncased_encoder_config.json")
        #expect(archive.encoderConfig?["num_attention_heads"]?.int == 4)
        #expect(archive.encoderConfig?["onnx_safe"]?.bool == true)
        #expect(archive.checkpointVersion == nil)
    }

    @Test func plainNemo1_10ArchiveIsIndexedInPlace() throws {
        let file = try NemoFixtures.mapped(NemoFixtures.plainV2)
        let archive = try NemoArchive.open(file)
        #expect(archive.container == "tar")
        #expect(archive.weights.count == 453_796)
        // Zero-copy: the weights are a slice of the archive's own mapping.
        let start = file.buffer.baseAddress!
        let weights = archive.weights.buffer.baseAddress!
        #expect(weights > start && weights + archive.weights.count <= start + file.count)
        #expect((weights - start) % 512 == 0)
        #expect(archive.config.nemoVersion == "1.10.0")
        #expect(archive.config.languageModelConfig?["megatron_legacy"]?.bool == false)
    }

    @Test func configHighlights() throws {
        let config = try NemoArchive.open(try NemoFixtures.mapped(NemoFixtures.gzipV0)).config
        #expect(config.target == "nemo.collections.nlp.models.question_answering.qa_model.QAModel")
        #expect(config.tokenizerName == "megatron-bert-345m-uncased")
        #expect(config.languageModelName == "megatron-bert-345m-uncased")
        #expect(config.languageModelConfig?["hidden_size"]?.int == 64)
        #expect(config.dataset == ["version_2_with_negative": "true", "doc_stride": "128", "max_query_length": "64",
                                   "max_seq_length": "384", "max_answer_length": "30", "null_score_diff_threshold": "0.0",
                                   "n_best_size": "20", "use_cache": "true", "do_lower_case": "true", "num_workers": "2",
                                   "pin_memory": "false", "drop_last": "false"])
        #expect(config.root["optim.lr"]?.double == 3e-5)
        #expect(config.root["nemo_path"] == .null)
    }

    @Test func referencesFallBackToBasenameSuffixAndCheckpointVersionIsRead() throws {
        // An absolute path from the training machine, and a uuid-prefixed member that only matches by suffix.
        let archive = try NemoArchive.open(try NemoFixtures.tar([
            ("model_config.yaml", "tokenizer:\n  vocab_file: /home/me/vocab.txt\nlanguage_model:\n  config_file: null\n"),
            ("model_weights.ckpt", "weights"),
            ("vocab.txt", "[PAD]\r\n[UNK]\r\n"),
            ("0123_megatron-bert-345m-uncased_encoder_config.json", "{\"hidden_size\": 1024}"),
            ("4567_megatron_checkpoint_version.json", "{\"checkpoint_version\": 2.0}"),
        ], gzip: true))
        #expect(archive.vocab == ["[PAD]", "[UNK]"])
        #expect(archive.encoderConfig?["hidden_size"]?.int == 1024)
        #expect(archive.checkpointVersionMember == "4567_megatron_checkpoint_version.json")
        #expect(archive.checkpointVersion == 2)
    }

    @Test func spooledWeightsLiveInAnUnlinkedFile() throws {
        let spool = try SpoolFile(directory: "/tmp")
        try spool.write(Array(repeating: 7, count: 10_000))
        let view = try spool.map()
        #expect(view.count == 10_000 && view[9_999] == 7)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix(temporaryFilePrefix + "spool-") }
        #expect(leftovers.isEmpty)
    }
}

@Suite struct NemoArchiveErrorTests {
    @Test func modelParallelArchivesAreRefused() throws {
        let bytes = try NemoFixtures.tar([
            ("model_config.yaml", NemoFixtures.minimalConfig),
            ("mp_rank_00/model_weights.ckpt", "a"),
            ("mp_rank_01/model_weights.ckpt", "b"),
        ])
        #expect(throws: NemoError.modelParallel(ranks: 2)) { try NemoArchive.open(bytes) }
        #expect(NemoError.modelParallel(ranks: 2).description.hasPrefix("model-parallel archive with 2 ranks is not supported yet"))
    }

    @Test func aSingleRankDirectoryIsAccepted() throws {
        let archive = try NemoArchive.open(try NemoFixtures.tar([
            ("model_config.yaml", "target: x\n"), ("mp_rank_00/model_weights.ckpt", "a"),
        ], gzip: true))
        #expect(archive.weightsMember == "mp_rank_00/model_weights.ckpt")
    }

    @Test(arguments: [false, true])
    func weightsInTwoFoldersAreAmbiguous(gzip: Bool) throws {
        let bytes = try NemoFixtures.tar([
            ("model_config.yaml", "target: x\n"), ("a/model_weights.ckpt", "a"), ("b/model_weights.ckpt", "b"),
        ], gzip: gzip)
        #expect(throws: NemoError.ambiguousMember(name: "model_weights.ckpt",
                                                  candidates: ["a/model_weights.ckpt", "b/model_weights.ckpt"])) {
            try NemoArchive.open(bytes)
        }
        // A root copy beside a single rank's is as ambiguous.
        #expect(throws: NemoError.self) {
            try NemoArchive.open(try NemoFixtures.tar([
                ("model_config.yaml", "target: x\n"), ("mp_rank_00/model_weights.ckpt", "a"), ("model_weights.ckpt", "b"),
            ]))
        }
    }

    @Test func configAndArtifactsFoundBySuffixMustBeUnique() throws {
        #expect(throws: NemoError.ambiguousMember(name: "model_config.yaml", candidates: ["a/model_config.yaml", "b/model_config.yaml"])) {
            try NemoArchive.open(try NemoFixtures.tar([
                ("a/model_config.yaml", "target: x\n"), ("b/model_config.yaml", "target: y\n"), ("model_weights.ckpt", "w"),
            ]))
        }
        // No config reference: the vocabulary is found by suffix, and two candidates leave the choice open.
        #expect(throws: NemoError.ambiguousMember(name: "*vocab.txt", candidates: ["a_vocab.txt", "b_vocab.txt"])) {
            try NemoArchive.open(try NemoFixtures.tar([
                ("model_config.yaml", "target: x\n"), ("model_weights.ckpt", "w"), ("a_vocab.txt", "x\n"), ("b_vocab.txt", "y\n"),
            ]))
        }
        // A `nemo:` reference names the one it means.
        let archive = try NemoArchive.open(try NemoFixtures.tar([
            ("model_config.yaml", "tokenizer:\n  vocab_file: nemo:b_vocab.txt\n"), ("model_weights.ckpt", "w"),
            ("a_vocab.txt", "x\n"), ("b_vocab.txt", "y\n"),
        ]))
        #expect(archive.vocabMember == "b_vocab.txt")
    }

    @Test func aV7TarNemoReadsLikeItsUstarOriginal() throws {
        let v7 = NemoFixtures.path("nemo/qa_megatron_tiny_nemo1.10style_v2layout_v7.nemo")
        let original = try ModelSource.open(path: NemoFixtures.plainV2)
        let plain = try ModelSource.open(path: v7)
        #expect(plain.layers == original.layers)
        #expect(plain.tensors.map(\.name) == original.tensors.map(\.name))
        #expect(try plain.tensors.map { try $0.toFloat32() } == original.tensors.map { try $0.toFloat32() })
        #expect(plain.vocab == original.vocab)
        // The same v7 tar gzipped goes through the streaming tar reader.
        let collected = CollectingSink()
        let sink = try GzipSink(downstream: collected)
        try sink.write(try NemoFixtures.mapped(v7))
        try sink.finish()
        let streamed = try NemoArchive.open(ByteView(copying: collected.bytes))
        #expect(streamed.container == "tar.gz")
        #expect(streamed.members == original.nemo?.members)
        #expect(streamed.weights.array == original.nemo?.weights.array)
    }

    @Test func missingVocabReference() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", NemoFixtures.minimalConfig), ("model_weights.ckpt", "w")])
        #expect(throws: NemoError.missingArtifact(key: "tokenizer.vocab_file", reference: "nemo:abc_tokenizer.vocab_file")) {
            try NemoArchive.open(bytes)
        }
    }

    @Test func missingConfig() throws {
        #expect(throws: NemoError.missingMember("model_config.yaml")) {
            try NemoArchive.open(try NemoFixtures.tar([("model_weights.ckpt", "w")]))
        }
    }

    @Test func missingWeights() throws {
        #expect(throws: NemoError.missingMember("model_weights.ckpt")) {
            try NemoArchive.open(try NemoFixtures.tar([("model_config.yaml", "target: x\n")]))
        }
    }

    @Test func configThatIsNotAMapping() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", "- a\n- b\n"), ("model_weights.ckpt", "w")])
        #expect(throws: NemoError.badConfig(member: "model_config.yaml", reason: "found no top-level mapping")) {
            try NemoArchive.open(bytes)
        }
    }

    @Test func unparsableConfig() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", "a: [1, 2\n"), ("model_weights.ckpt", "w")])
        #expect {
            try NemoArchive.open(bytes)
        } throws: { error in
            guard case .badConfig(member: "model_config.yaml", _)? = error as? NemoError else { return false }
            return true
        }
    }

    @Test func checkpointVersionWithoutANumber() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", "target: x\n"), ("model_weights.ckpt", "w"),
                                          ("megatron_checkpoint_version.json", "{\"version\": 1}")])
        #expect(throws: NemoError.badCheckpointVersion(member: "megatron_checkpoint_version.json")) {
            try NemoArchive.open(bytes)
        }
    }

    @Test func oversizedTextMemberInAPlainTar() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", "target: " + String(repeating: "x", count: 300) + "\n"),
                                          ("model_weights.ckpt", "w")])
        #expect(throws: NemoError.memberTooLarge(member: "model_config.yaml", size: 309, limit: 100)) {
            try NemoArchive.open(bytes, options: NemoOptions(memberLimit: 100))
        }
    }

    @Test func oversizedSmallMemberInAStream() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", "target: " + String(repeating: "x", count: 300) + "\n"),
                                          ("model_weights.ckpt", "w")], gzip: true)
        #expect(throws: NemoError.memberTooLarge(member: "model_config.yaml", size: 309, limit: 100)) {
            try NemoArchive.open(bytes, options: NemoOptions(memberLimit: 100))
        }
    }
}

@Suite struct ConfigValueTests {
    @Test("a complex YAML key reads as flow YAML text, not as a dump of the parser's node types")
    func complexKeysReadAsYAML() throws {
        let value = try ConfigValue.parse("config:\n  ? [a, b]\n  : 1\n  ? {c: d}\n  : 2\n  hidden_size: 64\n", member: "model_config.yaml")
        guard case let .map(top) = value, case let .map(config)? = top["config"] else {
            Issue.record("expected a mapping, got \(value)")
            return
        }
        #expect(Set(config.keys) == ["[a, b]", "{c: d}", "hidden_size"])
    }
}
