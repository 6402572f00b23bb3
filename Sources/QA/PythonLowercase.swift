/// Python's `str.lower()`, which both the BERT tokenizer and the SQuAD metric apply.
///
/// Swift's `lowercased()` maps every capital sigma to σ; Python applies Unicode's Final_Sigma rule and writes ς
/// at the end of a word. The bert-uncased vocabulary has both letters, so the difference changes token ids
/// (Hugging Face's Rust tokenizer gets this wrong too; NeMo used the Python one).
enum PythonLowercase {
    static func lowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for (i, c) in text.enumerated() {
            if c.isASCII {
                result.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 0x20)! : c)
            } else if c.value == 0x03A3 {
                result.append(isFinalSigma(text, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// Final_Sigma: a cased letter before (skipping case-ignorables) and none after (skipping case-ignorables).
    private static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }
}
