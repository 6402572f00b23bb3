import Bytes

/// A WordPiece vocabulary (`vocab.txt`: one token per line, the line number is the id) and its prefix trie.
///
/// Tokens are compared as Unicode scalar sequences, as Python compares strings; Swift `String` equality would
/// merge canonically equivalent tokens. The trie answers WordPiece's "longest vocabulary entry that starts
/// here" in one walk instead of one hash lookup per candidate length.
public struct Vocabulary: Sendable {
    /// Token text by id.
    public let tokens: [String]
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    public let unkID: Int32
    public let maskID: Int32

    private let trie: Trie
    /// The trie node reached by "##", where continuation pieces start; nil if no token begins with "##".
    private let continuationNode: Int32?

    /// The special tokens BERT's tokenizer never splits and never lower-cases.
    static let specialTokens = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"]

    /// Parses `vocab.txt` bytes the way `transformers.load_vocab` reads them: UTF-8, universal newlines
    /// (`\n`, `\r\n` and `\r` all end a line), no trailing empty token, and a duplicate token keeps its last id.
    /// `limits` are checked on the bytes first, before the trie (tens of bytes per scalar) is built.
    public init(bytes: ByteView, source: String, limits: VocabularyLimits = VocabularyLimits()) throws(QAError) {
        if let violation = limits.violation(in: bytes.buffer) {
            throw .vocabularyTooLarge(source: source, violation: violation)
        }
        let text = try UTF8Text.scalars(bytes, source: source)
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var index = 0
        while index < text.count {
            let c = text[index]
            if c == "\n" || c == "\r" {
                lines.append(current)
                current = []
                if c == "\r", index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            } else {
                current.append(c)
            }
            index += 1
        }
        if !current.isEmpty { lines.append(current) }
        guard !lines.isEmpty else { throw .emptyVocabulary(source: source) }

        var trie = Trie()
        for (id, line) in lines.enumerated() { trie.insert(line, id: Int32(id)) }
        self.trie = trie
        self.tokens = lines.map { String(String.UnicodeScalarView($0)) }
        continuationNode = trie.walk(from: 0, Array("##".unicodeScalars))

        func specialID(_ token: String) throws(QAError) -> Int32 {
            guard let id = trie.id(of: Array(token.unicodeScalars)) else {
                throw .missingSpecialToken(token: token, source: source)
            }
            return id
        }
        clsID = try specialID("[CLS]")
        sepID = try specialID("[SEP]")
        padID = try specialID("[PAD]")
        unkID = try specialID("[UNK]")
        maskID = try specialID("[MASK]")
    }

    /// Reads `vocab.txt` from a file.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        try self.init(bytes: file.view, source: path)
    }

    public var count: Int { tokens.count }

    /// The id of an exact token, or nil.
    public func id(of token: [Unicode.Scalar]) -> Int32? { trie.id(of: token) }

    /// The longest vocabulary entry matching `word[start...]`: a word-initial entry when `start == 0`, a `##`
    /// continuation otherwise. Returns its id and length in scalars.
    func longestPiece(in word: [Unicode.Scalar], from start: Int) -> (id: Int32, length: Int)? {
        var node: Int32
        if start == 0 {
            node = 0
        } else if let continuationNode {
            node = continuationNode
        } else {
            return nil
        }
        var best: (id: Int32, length: Int)?
        var position = start
        while position < word.count, let next = trie.child(of: node, word[position]) {
            node = next
            position += 1
            if let id = trie.terminal(node) { best = (id, position - start) }
        }
        return best
    }
}

/// A prefix tree over Unicode scalars with every edge in one hash table keyed by (parent node, scalar).
private struct Trie: Sendable {
    private var edges: [UInt64: Int32] = [:]
    /// The token id ending at each node, or -1.
    private var terminals: [Int32] = [-1]

    mutating func insert(_ token: [Unicode.Scalar], id: Int32) {
        var node: Int32 = 0
        for c in token {
            let key = Self.key(node, c)
            if let next = edges[key] {
                node = next
            } else {
                let next = Int32(terminals.count)
                terminals.append(-1)
                edges[key] = next
                node = next
            }
        }
        terminals[Int(node)] = id
    }

    func child(of node: Int32, _ c: Unicode.Scalar) -> Int32? { edges[Self.key(node, c)] }

    func terminal(_ node: Int32) -> Int32? {
        let id = terminals[Int(node)]
        return id >= 0 ? id : nil
    }

    func walk(from node: Int32, _ path: [Unicode.Scalar]) -> Int32? {
        var node = node
        for c in path {
            guard let next = child(of: node, c) else { return nil }
            node = next
        }
        return node
    }

    func id(of token: [Unicode.Scalar]) -> Int32? { walk(from: 0, token).flatMap(terminal) }

    private static func key(_ node: Int32, _ c: Unicode.Scalar) -> UInt64 { UInt64(node) << 21 | UInt64(c.value) }
}
