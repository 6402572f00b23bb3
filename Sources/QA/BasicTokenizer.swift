import Foundation

/// BERT's BasicTokenizer: clean-up, CJK splitting, lower-casing with accent stripping, punctuation splitting.
///
/// A port of `transformers`' Python `BasicTokenizer.tokenize` (the one NeMo 1.0 ran), step for step:
/// 1. drop NUL, U+FFFD and control/format characters; turn every BERT whitespace into a space;
/// 2. put spaces around CJK ideographs; 3. NFC; 4. split on Python whitespace;
/// 5. per word (unless it is a never-split token): Python `lower()`, NFD, drop nonspacing marks (Mn);
/// 6. split every punctuation character into its own token.
struct BasicTokenizer: Sendable {
    var doLowerCase: Bool
    /// Words kept whole and in their case, e.g. "[SEP]" when cleaning glued it back together.
    var neverSplit: Set<[Unicode.Scalar]>

    func tokenize(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var cleaned: [Unicode.Scalar] = []
        cleaned.reserveCapacity(text.count + 8)
        for c in text {
            if c.value == 0 || c.value == 0xFFFD || CharacterClasses.isBertControl(c) { continue }
            if CharacterClasses.isBertWhitespace(c) {
                cleaned.append(" ")
            } else if CharacterClasses.isCJKIdeograph(c) {
                cleaned.append(" ")
                cleaned.append(c)
                cleaned.append(" ")
            } else {
                cleaned.append(c)
            }
        }
        var tokens: [[Unicode.Scalar]] = []
        for word in CharacterClasses.splitOnPythonWhitespace(Self.nfc(cleaned)) {
            if neverSplit.contains(word) {
                tokens.append(word)
                continue
            }
            let normalized = doLowerCase ? Self.stripAccents(PythonLowercase.lowercased(word)) : word
            Self.splitOnPunctuation(normalized, into: &tokens)
        }
        return tokens
    }

    private static func splitOnPunctuation(_ word: [Unicode.Scalar], into tokens: inout [[Unicode.Scalar]]) {
        var current: [Unicode.Scalar] = []
        for c in word {
            if CharacterClasses.isBertPunctuation(c) {
                if !current.isEmpty { tokens.append(current); current = [] }
                tokens.append([c])
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
    }

    /// NFD, then drop nonspacing marks: "café" → "cafe".
    private static func stripAccents(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if word.allSatisfy(\.isASCII) { return word }
        let decomposed = String(String.UnicodeScalarView(word)).decomposedStringWithCanonicalMapping
        return decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }

    private static func nfc(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if text.allSatisfy(\.isASCII) { return text }
        return Array(String(String.UnicodeScalarView(text)).precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}
