/// BERT's `get_final_text`: projects a de-tokenized prediction back onto the original words.
///
/// The prediction ("steve smith") is normalized; the original span ("Steve Smith's") has extra characters. The
/// original is re-tokenized with the BasicTokenizer, and if both agree character for character once spaces
/// are removed, the prediction's characters are mapped onto the original. Whenever that heuristic fails
/// (the prediction is not found, accents or dropped characters change the length, a boundary lands on a space),
/// the whole original span is the answer, exactly as in the Python.
enum FinalText {
    /// The part of `original` that `predicted` corresponds to, as a scalar range into `original`.
    static func project(_ predicted: [Unicode.Scalar], onto original: [Unicode.Scalar], doLowerCase: Bool) -> Range<Int> {
        let whole = 0..<original.count
        let basic = BasicTokenizer(doLowerCase: doLowerCase, neverSplit: [])
        let tokenized = Array(basic.tokenize(original).joined(separator: [" "]))
        guard let start = firstIndex(of: predicted, in: tokenized) else { return whole }
        let end = start + predicted.count - 1

        let (originalStripped, originalPositions) = stripSpaces(original)
        let (tokenizedStripped, tokenizedPositions) = stripSpaces(tokenized)
        guard originalStripped.count == tokenizedStripped.count else { return whole }

        var strippedIndexOfTokenized: [Int: Int] = [:]
        for (strippedIndex, position) in tokenizedPositions.enumerated() { strippedIndexOfTokenized[position] = strippedIndex }
        guard let startStripped = strippedIndexOfTokenized[start] else { return whole }
        guard let endStripped = strippedIndexOfTokenized[end] else { return whole }
        let originalStart = originalPositions[startStripped]
        let originalEnd = originalPositions[endStripped]
        // Python slices an inverted range to "", which only an empty prediction can produce.
        return originalStart..<max(originalStart, originalEnd + 1)
    }

    /// The text without U+0020 spaces, and for each kept character its position in `text`.
    private static func stripSpaces(_ text: [Unicode.Scalar]) -> (stripped: [Unicode.Scalar], positions: [Int]) {
        var stripped: [Unicode.Scalar] = []
        var positions: [Int] = []
        for (i, c) in text.enumerated() where c != " " {
            stripped.append(c)
            positions.append(i)
        }
        return (stripped, positions)
    }

    /// Python's `str.find`: the first position where `needle` occurs, 0 for an empty needle.
    static func firstIndex(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
