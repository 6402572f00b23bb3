import Bytes

/// Strict UTF-8 decoding of files (vocabularies, contexts, SQuAD JSON), with the offset of the first bad byte.
///
/// Invalid input is an error, never replaced with U+FFFD: the BERT tokenizer silently drops U+FFFD, so a
/// replacement would change answers without anyone noticing. Python's `open(..., encoding="utf-8")`, which
/// NeMo uses, fails the same way.
public enum UTF8Text {
    /// Decodes `bytes` into Unicode scalars (the unit every offset in this module counts in).
    public static func scalars(_ bytes: ByteView, source: String) throws(QAError) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var iterator = bytes.buffer.makeIterator()
        var decoder = Unicode.UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar):
                scalars.append(scalar)
                offset += Unicode.UTF8.width(scalar)
            case .emptyInput:
                return scalars
            case .error:
                throw .invalidUTF8(source: source, byteOffset: offset)
            }
        }
    }

    /// Decodes `bytes` into a `String`, failing on the first invalid sequence.
    public static func string(_ bytes: ByteView, source: String) throws(QAError) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: try scalars(bytes, source: source))
        return String(text)
    }

    /// Reads a whole file as UTF-8 text.
    public static func string(contentsOf path: String) throws -> String {
        let file = try MappedFile(path: path)
        return try string(file.view, source: path)
    }
}
