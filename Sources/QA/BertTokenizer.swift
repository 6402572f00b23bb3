/// The uncased BERT WordPiece tokenizer: text → vocabulary ids, exactly as Hugging Face's Python `BertTokenizer`.
///
/// Three stages, as in `PreTrainedTokenizer.tokenize` + `BertTokenizer._tokenize`: special tokens written in the
/// text ("[SEP]") are cut out first and kept; the rest goes through `BasicTokenizer`; each resulting word becomes
/// greedy longest-match-first WordPiece pieces (`##` marks a continuation). A word longer than 100 scalars, or
/// one with a remainder no piece matches, becomes a single `[UNK]`.
public struct BertTokenizer: Sendable {
    public let vocabulary: Vocabulary
    public let doLowerCase: Bool
    /// Longer words are not split but replaced by `[UNK]` (`max_input_chars_per_word`).
    public static let maxCharactersPerWord = 100

    private let basic: BasicTokenizer
    private let specials: [[Unicode.Scalar]]

    public init(vocabulary: Vocabulary, doLowerCase: Bool = true) {
        self.vocabulary = vocabulary
        self.doLowerCase = doLowerCase
        specials = Vocabulary.specialTokens.map { Array($0.unicodeScalars) }
        basic = BasicTokenizer(doLowerCase: doLowerCase, neverSplit: Set(specials))
    }

    /// The token ids of `text`, without `[CLS]`/`[SEP]` framing.
    public func tokenize(_ text: String) -> [Int32] { tokenize(Array(text.unicodeScalars)) }

    /// The token strings of `text` (vocabulary entries, `##` continuations included).
    public func tokenStrings(_ text: String) -> [String] { tokenize(text).map { vocabulary.tokens[Int($0)] } }

    func tokenize(_ text: [Unicode.Scalar]) -> [Int32] {
        var ids: [Int32] = []
        var chunkStart = 0
        var position = 0
        while position < text.count {
            if let special = specialToken(in: text, at: position) {
                appendWordPieces(of: text[chunkStart..<position], to: &ids)
                ids.append(vocabulary.id(of: specials[special])!)
                position += specials[special].count
                chunkStart = position
            } else {
                position += 1
            }
        }
        appendWordPieces(of: text[chunkStart..<text.count], to: &ids)
        return ids
    }

    private func specialToken(in text: [Unicode.Scalar], at position: Int) -> Int? {
        guard text[position] == "[" else { return nil }
        return specials.firstIndex { special in
            position + special.count <= text.count && text[position..<(position + special.count)].elementsEqual(special)
        }
    }

    private func appendWordPieces(of chunk: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard !chunk.isEmpty else { return }
        for word in basic.tokenize(Array(chunk)) {
            appendPieces(of: word, to: &ids)
        }
    }

    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= Self.maxCharactersPerWord else {
            ids.append(vocabulary.unkID)
            return
        }
        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            guard let piece = vocabulary.longestPiece(in: word, from: start) else {
                ids.removeSubrange(firstPiece...)
                ids.append(vocabulary.unkID)
                return
            }
            ids.append(piece.id)
            start += piece.length
        }
    }
}
