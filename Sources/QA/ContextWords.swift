/// The context split into whitespace-separated words, the unit SQuAD answers are mapped back onto.
///
/// This is NeMo's `split_into_words` (BERT's `doc_tokens` + `char_to_word_offset`): only space, tab, CR, LF and
/// U+202F separate words; any other character, even other Unicode spaces, belongs to a word. Positions are
/// Unicode scalar offsets into the context, the unit Python's `str` indexes by.
public struct ContextWords: Sendable {
    public let context: String
    /// The context's scalars, indexed by every offset this type hands out.
    public let scalars: [Unicode.Scalar]
    /// Each word's scalar range in the context.
    public let wordRanges: [Range<Int>]
    /// For each context scalar, the index of the word it is in or follows (-1 before the first word).
    public let charToWordOffset: [Int]

    public init(_ context: String) {
        self.context = context
        scalars = Array(context.unicodeScalars)
        var ranges: [Range<Int>] = []
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count)
        var previousIsWhitespace = true
        for (i, c) in scalars.enumerated() {
            if Self.isWordSeparator(c) {
                previousIsWhitespace = true
            } else {
                if previousIsWhitespace {
                    ranges.append(i..<(i + 1))
                } else {
                    ranges[ranges.count - 1] = ranges[ranges.count - 1].lowerBound..<(i + 1)
                }
                previousIsWhitespace = false
            }
            offsets.append(ranges.count - 1)
        }
        wordRanges = ranges
        charToWordOffset = offsets
    }

    public var count: Int { wordRanges.count }

    public func word(_ index: Int) -> ArraySlice<Unicode.Scalar> { scalars[wordRanges[index]] }

    /// NeMo's `is_whitespace`.
    static func isWordSeparator(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0D, 0x0A, 0x202F: return true
        default: return false
        }
    }
}
