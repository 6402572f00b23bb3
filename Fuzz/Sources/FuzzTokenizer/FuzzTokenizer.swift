/// Fuzzes the WordPiece tokenizer: the input's first line-block is a vocab, the rest is text to tokenize.
import Bytes
import FuzzSupport
import QA

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        // A NUL byte separates vocab from text; without one the whole input is text for a fixed vocab.
        let split = view.buffer.firstIndex(of: 0)
        let vocabBytes = split.map { try? view.slice(offset: 0, length: $0) } ?? nil
        let text = split.map { view.buffer[($0 + 1)...] } ?? view.buffer[...]
        let vocabulary = try Vocabulary(bytes: vocabBytes ?? ByteView(copying: Array(defaultVocab.utf8)), source: "fuzz")
        let tokenizer = BertTokenizer(vocabulary: vocabulary)
        for token in tokenizer.tokenize(String(decoding: text, as: UTF8.self)) {
            precondition(Int(token) < vocabulary.count, "token id \(token) outside a vocab of \(vocabulary.count)")
        }
    }
}

private let defaultVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n##s\nun\n##able\n##aff\n##able\na\nb\n!\n"
