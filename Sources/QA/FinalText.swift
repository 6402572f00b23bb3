/// The context's words joined by single spaces: the text BERT's `get_final_text` slices answers from.
///
/// NeMo rebuilds a candidate's "original" span from whitespace-split words, so an answer is a range of this
/// string, not of the context. Every candidate's original is a substring, so answers are plain ranges here and
/// are compared and copied out only when needed.
struct JoinedWords {
    let words: ContextWords
    /// Where each word starts in the joined text.
    let starts: [Int]

    init(_ words: ContextWords) {
        self.words = words
        var starts: [Int] = []
        starts.reserveCapacity(words.count)
        var position = 0
        for range in words.wordRanges {
            starts.append(position)
            position += range.count + 1
        }
        self.starts = starts
    }

    func start(of word: Int) -> Int { starts[word] }
    func end(of word: Int) -> Int { starts[word] + words.wordRanges[word].count }

    /// The scalars of `range`, which starts inside a word.
    func scalars(_ range: Range<Int>) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(range.count)
        guard !range.isEmpty else { return result }
        var word = wordIndex(at: range.lowerBound)
        var position = range.lowerBound
        while position < range.upperBound {
            let offset = position - starts[word]
            let wordRange = words.wordRanges[word]
            let take = min(wordRange.count - offset, range.upperBound - position)
            result.append(contentsOf: words.scalars[(wordRange.lowerBound + offset)..<(wordRange.lowerBound + offset + take)])
            position += take
            if position < range.upperBound {
                result.append(" ")
                position += 1
                word += 1
            }
        }
        return result
    }

    /// The word a joined position belongs to (or follows, for a space).
    private func wordIndex(at position: Int) -> Int {
        var low = 0
        var high = starts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= position { low = middle } else { high = middle }
        }
        return low
    }
}

/// BERT's `get_final_text`: projects a de-tokenized prediction back onto the original words.
///
/// The prediction ("steve smith") is normalized; the original span ("Steve Smith's") has extra characters. The
/// original is re-tokenized with the BasicTokenizer, and if both agree character for character once spaces
/// are removed, the prediction's characters are mapped onto the original. Whenever that heuristic fails
/// (the prediction is not found, accents or dropped characters change the length, a boundary lands on a space),
/// the whole original span is the answer, exactly as in the Python.
///
/// The Python re-tokenizes and scans the candidate's whole words for every candidate, which is quadratic when
/// many candidates share one long word (a run of punctuation, Chinese without spaces). This gives the same
/// answers with work bounded per candidate:
/// - each word is tokenized once: the BasicTokenizer carries nothing across a space (cleaning is per character,
///   and no canonical composition involves U+0020), so the tokenization of words joined by spaces is their
///   tokenizations joined by spaces;
/// - the length check, which needs no search, comes first, from per-word counts;
/// - a prediction with a punctuation character next to anything but a space cannot occur, because every
///   punctuation character is a token of its own in the tokenized text (this catches `[UNK]` and the other
///   special tokens, the only pieces that are not text of the context);
/// - the search for the first occurrence scans at most `scanLimit` starting positions of the first word, then
///   asks a suffix index of that word, built once, then scans on from the word's end.
struct FinalTextProjector {
    struct Projection: Equatable {
        /// The answer as a range of the joined words.
        let text: Range<Int>
        /// The answer's scalar offsets in the context.
        let offsets: Range<Int>
    }

    /// A word as the BasicTokenizer sees it: its tokens joined by spaces, and where each token starts.
    private struct TokenizedWord {
        let text: [Unicode.Scalar]
        let tokenStarts: [Int]
        var strippedCount: Int { text.count - max(0, tokenStarts.count - 1) }
    }

    /// A word of the candidate's tokenized original: where it starts there, and how many non-space scalars
    /// the tokenized original has before it.
    private struct Segment {
        let word: Int
        let start: Int
        let strippedStart: Int
    }

    let joined: JoinedWords
    /// Starting positions of the first word scanned before its suffix index is built.
    let scanLimit: Int
    private let tokenizer: BasicTokenizer
    private var tokenizedWords: [Int: TokenizedWord] = [:]
    private var indexes: [Int: SubstringIndex] = [:]

    /// The scan limit keeps the common case (the prediction occurs near the start of its word) free of the
    /// index; the index keeps the worst case near-linear.
    static let defaultScanLimit = 256

    init(joined: JoinedWords, doLowerCase: Bool, scanLimit: Int = defaultScanLimit) {
        self.joined = joined
        self.scanLimit = scanLimit
        tokenizer = BasicTokenizer(doLowerCase: doLowerCase, neverSplit: [])
    }

    private var words: ContextWords { joined.words }

    /// The part of words `firstWord...lastWord` (joined by single spaces) that `predicted` corresponds to.
    mutating func project(_ predicted: [Unicode.Scalar], firstWord: Int, lastWord: Int) -> Projection {
        let whole = Projection(text: joined.start(of: firstWord)..<joined.end(of: lastWord),
                               offsets: words.wordRanges[firstWord].lowerBound..<words.wordRanges[lastWord].upperBound)
        // An empty prediction "occurs" at 0 and ends at -1, a position no character has.
        guard !predicted.isEmpty, !Self.hasPunctuationInsideAToken(predicted) else { return whole }

        var segments: [Segment] = []
        var tokenizedCount = 0
        var strippedCount = 0
        var originalCount = 0
        for word in firstWord...lastWord {
            originalCount += words.wordRanges[word].count
            let tokenized = tokenizedWord(word)
            guard !tokenized.text.isEmpty else { continue }
            if !segments.isEmpty { tokenizedCount += 1 }
            segments.append(Segment(word: word, start: tokenizedCount, strippedStart: strippedCount))
            tokenizedCount += tokenized.text.count
            strippedCount += tokenized.strippedCount
        }
        // The original has no spaces inside words, so its stripped length is the sum of the word lengths.
        guard originalCount == strippedCount,
              let start = firstOccurrence(of: predicted, in: segments, count: tokenizedCount),
              let startStripped = strippedIndex(start, in: segments),
              let endStripped = strippedIndex(start + predicted.count - 1, in: segments)
        else { return whole }

        let (startWord, startOffset) = originalPosition(startStripped, from: firstWord)
        let (endWord, endOffset) = originalPosition(endStripped, from: firstWord)
        let textStart = joined.start(of: startWord) + startOffset
        let contextStart = words.wordRanges[startWord].lowerBound + startOffset
        // Python slices an inverted range to "", which only an empty prediction could produce.
        let textEnd = max(textStart, joined.start(of: endWord) + endOffset + 1)
        let contextEnd = textEnd == textStart ? contextStart : words.wordRanges[endWord].lowerBound + endOffset + 1
        return Projection(text: textStart..<textEnd, offsets: contextStart..<contextEnd)
    }

    /// True when a punctuation scalar touches a non-space one, which the tokenized text never has.
    private static func hasPunctuationInsideAToken(_ text: [Unicode.Scalar]) -> Bool {
        for (i, c) in text.enumerated() where CharacterClasses.isBertPunctuation(c) {
            if i > 0, text[i - 1] != " " { return true }
            if i + 1 < text.count, text[i + 1] != " " { return true }
        }
        return false
    }

    private mutating func tokenizedWord(_ word: Int) -> TokenizedWord {
        if let cached = tokenizedWords[word] { return cached }
        var text: [Unicode.Scalar] = []
        var tokenStarts: [Int] = []
        for token in tokenizer.tokenize(Array(words.word(word))) {
            if !text.isEmpty { text.append(" ") }
            tokenStarts.append(text.count)
            text.append(contentsOf: token)
        }
        let tokenized = TokenizedWord(text: text, tokenStarts: tokenStarts)
        tokenizedWords[word] = tokenized
        return tokenized
    }

    /// Python's `tok_text.find(pred_text)` over the segments' words joined by spaces (`count` scalars).
    private mutating func firstOccurrence(of pattern: [Unicode.Scalar], in segments: [Segment], count: Int) -> Int? {
        guard pattern.count <= count else { return nil }
        let failure = Self.failureTable(pattern)
        let head = segments[0]
        let headCount = tokenizedWord(head.word).text.count
        guard headCount > scanLimit else { return scan(for: pattern, failure, in: segments, from: 0, startingBefore: .max) }
        if let start = scan(for: pattern, failure, in: segments, from: 0, startingBefore: scanLimit) { return start }
        // Nothing starts before the limit, so the index's earliest occurrence inside the word is the first one.
        if indexes[head.word] == nil { indexes[head.word] = SubstringIndex(tokenizedWord(head.word).text) }
        if let start = indexes[head.word]!.firstOccurrence(of: pattern) { return start }
        return scan(for: pattern, failure, in: segments, from: max(scanLimit, headCount - pattern.count + 1),
                    startingBefore: .max)
    }

    /// Knuth–Morris–Pratt over the joined segments from position `from`: the first occurrence that starts
    /// before `limit`, or nil.
    private mutating func scan(for pattern: [Unicode.Scalar], _ failure: [Int], in segments: [Segment], from: Int,
                               startingBefore limit: Int) -> Int? {
        let m = pattern.count
        var matched = 0
        var position = from
        guard var segment = segments.lastIndex(where: { $0.start <= from }) else { return nil }
        while segment < segments.count {
            let text = tokenizedWord(segments[segment].word).text
            // The segment's scalars, then the space before the next segment.
            let end = text.count + (segment + 1 < segments.count ? 1 : 0)
            var offset = position - segments[segment].start
            while offset < end {
                if position - m + 1 >= limit { return nil }
                let c = offset < text.count ? text[offset] : " "
                while matched > 0 && pattern[matched] != c { matched = failure[matched - 1] }
                if pattern[matched] == c { matched += 1 }
                if matched == m { return position - m + 1 }
                offset += 1
                position += 1
            }
            segment += 1
        }
        return nil
    }

    /// `failure[i]`: the length of the longest proper prefix of `pattern[...i]` that is also its suffix.
    private static func failureTable(_ pattern: [Unicode.Scalar]) -> [Int] {
        var failure = [Int](repeating: 0, count: pattern.count)
        var length = 0
        for i in pattern.indices.dropFirst() {
            while length > 0 && pattern[i] != pattern[length] { length = failure[length - 1] }
            if pattern[i] == pattern[length] { length += 1 }
            failure[i] = length
        }
        return failure
    }

    /// The number of non-space scalars before `position` of the tokenized original, or nil for a space.
    private mutating func strippedIndex(_ position: Int, in segments: [Segment]) -> Int? {
        guard let segment = segments.last(where: { $0.start <= position }) else { return nil }
        let tokenized = tokenizedWord(segment.word)
        let offset = position - segment.start
        guard offset < tokenized.text.count, tokenized.text[offset] != " " else { return nil }
        // Each token before the one holding `offset` is followed by one space.
        var low = 0
        var high = tokenized.tokenStarts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if tokenized.tokenStarts[middle] <= offset { low = middle } else { high = middle }
        }
        return segment.strippedStart + offset - low
    }

    /// The word and offset in it of the `stripped`-th non-space scalar of the original from `firstWord` on.
    private func originalPosition(_ stripped: Int, from firstWord: Int) -> (word: Int, offset: Int) {
        var word = firstWord
        var before = 0
        while before + words.wordRanges[word].count <= stripped {
            before += words.wordRanges[word].count
            word += 1
        }
        return (word, stripped - before)
    }
}

/// Answer texts, identified by content: a range seen before costs a lookup, a new one is hashed once and
/// compared only with earlier texts of the same hash. Id 0 is the empty text.
struct AnswerTexts {
    let joined: JoinedWords
    private var idOfRange: [Range<Int>: Int] = [:]
    private var idsOfHash: [Int: [Int]] = [:]
    private var representatives: [Range<Int>] = []

    static let emptyID = 0

    init(joined: JoinedWords) {
        self.joined = joined
        representatives.append(0..<0)
    }

    mutating func id(of range: Range<Int>) -> Int {
        if range.isEmpty { return Self.emptyID }
        if let id = idOfRange[range] { return id }
        let scalars = joined.scalars(range)
        var hasher = Hasher()
        for c in scalars { hasher.combine(c) }
        let hash = hasher.finalize()
        let sameHash = idsOfHash[hash, default: []]
        let id: Int
        if let equal = sameHash.first(where: { candidate in
            representatives[candidate].count == range.count && joined.scalars(representatives[candidate]) == scalars
        }) {
            id = equal
        } else {
            id = representatives.count
            representatives.append(range)
            idsOfHash[hash] = sameHash + [id]
        }
        idOfRange[range] = id
        return id
    }
}
