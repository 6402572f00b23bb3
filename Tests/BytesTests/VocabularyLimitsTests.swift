/// The vocabulary ceilings (issue 10, item 7): one token, the whole file, the token count, on the bytes.
import Bytes
import Testing

@Suite struct VocabularyLimitsTests {
    private func violation(_ text: String, _ limits: VocabularyLimits) -> VocabularyLimits.Violation? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { limits.violation(in: $0) }
    }

    @Test func tokenLength() {
        let limits = VocabularyLimits(tokenBytes: 4, totalBytes: 100, tokens: 10)
        #expect(violation("[UNK]\n", limits) == .tokenBytes(line: 1, found: 5, limit: 4))
        #expect(violation("abcd\r\nab\r\nabcde", limits) == .tokenBytes(line: 3, found: 5, limit: 4))
        // A lone \r ends a token too, but a token is measured up to \n, so "ab\rcd" counts as 5 bytes.
        #expect(violation("ab\rcd\n", limits) == .tokenBytes(line: 1, found: 5, limit: 4))
        #expect(violation("abcd\r\nab\n", limits) == nil)
    }

    @Test func totalAndCount() {
        let limits = VocabularyLimits(tokenBytes: 10, totalBytes: 12, tokens: 3)
        #expect(violation("a\nb\nc\n", limits) == nil)
        #expect(violation("a\nb\nc\nd", limits) == .tokens(limit: 3))
        #expect(violation("a\rb\rc\rd\r", limits) == .tokens(limit: 3))
        #expect(violation("aaaa\nbbbb\ncccc\n", limits) == .totalBytes(found: 15, limit: 12))
    }

    @Test func defaultsHoldRealVocabularies() {
        // multilingual BERT: 119,547 tokens in 872 KB, the longest far below 1 KB.
        let tokens = (0..<119_547).map { "##tok\($0)" }.joined(separator: "\n") + "\n"
        #expect(violation(tokens, VocabularyLimits()) == nil)
    }
}
