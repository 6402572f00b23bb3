/// What a streamed archive holds in memory (issue 10, item 7): only the members `NemoArchive` reads, within
/// `NemoOptions.bufferLimit` together; members nobody reads are passed over; the vocabulary has its own ceilings.
import Bytes
@testable import Checkpoint
import Containers
import Testing

@Suite struct MemberBudgetTests {
    let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n"
    let padding = String(repeating: " ", count: 300)

    private func streamed(_ members: [(String, String)], options: NemoOptions) throws -> NemoMembers {
        let bytes = try NemoFixtures.tar(members, gzip: true)
        return try NemoMembers(tarStream: try GunzipSource(upstream: ViewSource(bytes)), options: options)
    }

    @Test func membersNobodyReadsAreNotHeld() throws {
        let members = try streamed([("abc_tokenizer.vocab_file", vocab), ("model_config.yaml", NemoFixtures.minimalConfig),
                                    ("model_weights.ckpt", "w"), ("notes.txt", "n" + padding), ("data/zeros.bin", padding)],
                                   options: NemoOptions())
        #expect(members.paths.count == 5)
        #expect(Set(members.data.keys) == ["abc_tokenizer.vocab_file", "model_config.yaml", "model_weights.ckpt"])
        #expect(members.unread.isEmpty)
    }

    @Test func membersBeforeTheConfigAreHeldOnlyUntilItNamesOthers() throws {
        // Before the config passes, zeros.bin could be the vocabulary it names; afterwards it is dropped, and the budget
        // it took is free again for the vocabulary.
        let members = try streamed([("zeros.bin", padding), ("model_config.yaml", NemoFixtures.minimalConfig),
                                    ("abc_tokenizer.vocab_file", vocab + padding), ("model_weights.ckpt", "w")],
                                   options: NemoOptions(memberLimit: 400, bufferLimit: 500))
        #expect(Set(members.data.keys) == ["abc_tokenizer.vocab_file", "model_config.yaml", "model_weights.ckpt"])
    }

    @Test func neededMembersPastTheBudgetAreRefused() throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", NemoFixtures.minimalConfig),
                                          ("abc_tokenizer.vocab_file", vocab + padding),
                                          ("megatron_checkpoint_version.json", "{\"checkpoint_version\": 2}" + padding),
                                          ("model_weights.ckpt", "w")], gzip: true)
        let config = NemoFixtures.minimalConfig.utf8.count, vocabSize = (vocab + padding).utf8.count
        #expect(throws: NemoError.memberBudgetExceeded(member: "megatron_checkpoint_version.json", size: 325,
                                                       buffered: config + vocabSize, limit: 700)) {
            try NemoArchive.open(bytes, options: NemoOptions(memberLimit: 400, bufferLimit: 700))
        }
        #expect(try NemoArchive.open(bytes, options: NemoOptions(memberLimit: 400, bufferLimit: 1_100)).checkpointVersion == 2)
    }

    @Test(arguments: [false, true])
    func aVocabularyTokenPastItsLimitIsRefused(gzip: Bool) throws {
        let bytes = try NemoFixtures.tar([("model_config.yaml", NemoFixtures.minimalConfig),
                                          ("abc_tokenizer.vocab_file", vocab + String(repeating: "a", count: 2_000) + "\n"),
                                          ("model_weights.ckpt", "w")], gzip: gzip)
        #expect(throws: NemoError.vocabularyTooLarge(member: "abc_tokenizer.vocab_file",
                                                     violation: .tokenBytes(line: 7, found: 2_000, limit: 1_024))) {
            try NemoArchive.open(bytes)
        }
    }
}
