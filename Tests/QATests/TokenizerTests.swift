import Bytes
import Foundation
import Testing
@testable import QA

@Suite struct TokenizerTests {
    struct Case {
        let text: String
        let ids: [String: [Int32]]
    }

    static let expected: (cases: [Case], vocabs: [String: String]) = {
        let root = try! Fixtures.json("qa/tokenizer_expected.json") as! [String: Any]
        let vocabs = root["vocabs"] as! [String: String]
        let cases = (root["cases"] as! [[String: Any]]).map { entry in
            Case(text: entry["text"] as! String, ids: Dictionary(uniqueKeysWithValues: vocabs.keys.map { name in
                (name, ((entry[name] as! [String: Any])["ids"] as! [NSNumber]).map { Int32(truncating: $0) })
            }))
        }
        return (cases, vocabs)
    }()

    @Test(arguments: ["tiny", "bert-base-uncased"])
    func idsMatchPythonBertTokenizerOnEveryCorpusLine(vocab name: String) throws {
        let vocabulary = try Vocabulary(path: Fixtures.path(Self.expected.vocabs[name]!))
        let tokenizer = BertTokenizer(vocabulary: vocabulary)
        #expect(Self.expected.cases.count > 300)
        var mismatches = 0
        for item in Self.expected.cases {
            let ids = tokenizer.tokenize(item.text)
            if ids != item.ids[name]! {
                mismatches += 1
                Issue.record("\(name): \(item.text.debugDescription)\n  swift:  \(ids)\n  python: \(item.ids[name]!)")
            }
        }
        #expect(mismatches == 0)
    }

    @Test func specialTokenIdsComeFromTheVocabulary() {
        let v = Fixtures.bertVocabulary
        #expect(v.count == 30522)
        #expect([v.padID, v.unkID, v.clsID, v.sepID, v.maskID] == [0, 100, 101, 102, 103])
    }

    @Test func finalSigmaFollowsPythonNotTheRustTokenizer() {
        let tokenizer = BertTokenizer(vocabulary: Fixtures.bertVocabulary)
        #expect(tokenizer.tokenStrings("ΟΔΟΣ") == ["ο", "##δ", "##ος"])
    }

    @Test func wordsOverOneHundredScalarsBecomeUnknown() {
        let tokenizer = BertTokenizer(vocabulary: Fixtures.bertVocabulary)
        #expect(tokenizer.tokenStrings(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokenStrings(String(repeating: "a", count: 100)) != ["[UNK]"])
    }

    @Test func vocabularyReadsUniversalNewlinesAndKeepsTheLastDuplicate() throws {
        let text = "[PAD]\r\n[UNK]\r[CLS]\n[SEP]\n[MASK]\nhello\nhello\nworld"
        let v = try Vocabulary(bytes: ByteView(copying: Array(text.utf8)), source: "inline")
        #expect(v.count == 8)
        #expect(v.id(of: Array("hello".unicodeScalars)) == 6)
        #expect(v.id(of: Array("world".unicodeScalars)) == 7)
        #expect(v.unkID == 1)
    }

    @Test func vocabularyWithoutSpecialTokensIsRejected() {
        let bytes = ByteView(copying: Array("[PAD]\n[UNK]\n[CLS]\nhello\n".utf8))
        #expect(throws: QAError.missingSpecialToken(token: "[SEP]", source: "inline")) {
            try Vocabulary(bytes: bytes, source: "inline")
        }
    }

    @Test func emptyVocabularyIsRejected() {
        #expect(throws: QAError.emptyVocabulary(source: "inline")) {
            try Vocabulary(bytes: ByteView(copying: [UInt8]()), source: "inline")
        }
    }

    @Test func invalidUTF8NamesTheByteOffset() {
        // "ok " then a lone continuation byte; then an encoded surrogate and an overlong '/' in later probes.
        #expect(throws: QAError.invalidUTF8(source: "ctx", byteOffset: 3)) {
            try UTF8Text.string(ByteView(copying: [0x6F, 0x6B, 0x20, 0x80, 0x41]), source: "ctx")
        }
        #expect(throws: QAError.invalidUTF8(source: "ctx", byteOffset: 2)) {
            try UTF8Text.string(ByteView(copying: [0xC3, 0xA9, 0xED, 0xA0, 0x80]), source: "ctx")
        }
        #expect(throws: QAError.invalidUTF8(source: "ctx", byteOffset: 0)) {
            try UTF8Text.string(ByteView(copying: [0xC0, 0xAF]), source: "ctx")
        }
        #expect(throws: QAError.invalidUTF8(source: "ctx", byteOffset: 1)) {
            try UTF8Text.string(ByteView(copying: [0x41, 0xE2, 0x82]), source: "ctx")
        }
    }
}
