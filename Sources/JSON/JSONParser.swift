import Bytes

/// A strict RFC 8259 parser over raw bytes: rejects duplicate keys, bounds nesting depth, reports byte offsets.
public struct JSONParser {
    /// Deeper nesting than this is refused (recursion must not be steerable by input).
    public static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Parses exactly one value; whitespace may surround it, nothing else.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw .trailingBytes(offset: parser.position) }
        return value
    }

    /// Checks only how deeply `bytes` nest (brackets outside strings) against `maximumDepth`, for documents that
    /// another parser reads, so that every JSON input has one depth limit and too deep nesting is reported as such.
    public static func checkNesting(_ bytes: UnsafeRawBufferPointer) throws(JSONError) {
        var depth = 0
        var inString = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth, offset: offset) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        var copy = text
        // `withUTF8` rethrows untyped errors, so the typed result travels out as a `Result`.
        return try copy.withUTF8 { utf8 in Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8)) } }.get()
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var atEnd: Bool { position >= bytes.count }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek() throws(JSONError) -> UInt8 {
        guard position < bytes.count else { throw .unexpectedEnd(offset: position) }
        return bytes[position]
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        let found = try peek()
        guard found == byte else { throw .unexpectedByte(found, offset: position, expected: what) }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let other: throw .unexpectedByte(other, offset: position, expected: "a JSON value")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONError) {
        let start = position
        let utf8 = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for expected in utf8 {
            guard position < bytes.count else { throw .unexpectedEnd(offset: position) }
            guard bytes[position] == expected else {
                throw .unexpectedByte(bytes[position], offset: position, expected: "`\(word)` (started at \(start))")
            }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw .tooDeep(limit: JSONParser.maximumDepth, offset: position) }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard try peek() == UInt8(ascii: "\"") else {
                throw .unexpectedByte(bytes[position], offset: position, expected: "a string key")
            }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "`:` after an object key")
            skipWhitespace()
            let value = try parseValue(depth: depth)
            guard members.updateValue(value, forKey: key) == nil else {
                throw .duplicateKey(key, depth: depth, offset: keyOffset)
            }
            skipWhitespace()
            let separator = try peek()
            position += 1
            if separator == UInt8(ascii: "}") { return .object(members) }
            guard separator == UInt8(ascii: ",") else {
                throw .unexpectedByte(separator, offset: position - 1, expected: "`,` or `}` in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw .tooDeep(limit: JSONParser.maximumDepth, offset: position) }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            let separator = try peek()
            position += 1
            if separator == UInt8(ascii: "]") { return .array(elements) }
            guard separator == UInt8(ascii: ",") else {
                throw .unexpectedByte(separator, offset: position - 1, expected: "`,` or `]` in an array")
            }
        }
    }

    private mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        // int = "0" / digit1-9 *DIGIT
        guard !atEnd, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while !atEnd, isDigit(bytes[position]) { position += 1 }
        }
        if !atEnd, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard !atEnd, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
            while !atEnd, isDigit(bytes[position]) { position += 1 }
        }
        if !atEnd, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if !atEnd, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard !atEnd, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
            while !atEnd, isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { throw .invalidNumber(offset: start) }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func parseString() throws(JSONError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, so the bytes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return try decodeUTF8(raw, offset: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw .controlCharacterInString(offset: position) }
            position += 1
        }
        var utf8 = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw .unexpectedEnd(offset: position) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                return string
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw .controlCharacterInString(offset: position)
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONError) {
        let escapeOffset = position
        position += 1
        guard position < bytes.count else { throw .unexpectedEnd(offset: position) }
        let code = bytes[position]
        position += 1
        switch code {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw .loneSurrogate(offset: escapeOffset)
                }
                position += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw .loneSurrogate(offset: escapeOffset) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw .loneSurrogate(offset: escapeOffset)
            }
            utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            throw .invalidEscape(offset: escapeOffset)
        }
    }

    private mutating func parseHex4() throws(JSONError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw .unexpectedEnd(offset: bytes.count) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidEscape(offset: position)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private func decodeUTF8(_ raw: UnsafeRawBufferPointer, offset: Int) throws(JSONError) -> String {
        guard let string = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(offset: offset) }
        return string
    }
}

/// Why some bytes are not the JSON they should be.
public enum JSONError: DecantError, Equatable {
    case unexpectedEnd(offset: Int)
    case unexpectedByte(UInt8, offset: Int, expected: String)
    case invalidNumber(offset: Int)
    case invalidEscape(offset: Int)
    case loneSurrogate(offset: Int)
    case controlCharacterInString(offset: Int)
    case invalidUTF8(offset: Int)
    /// `depth` 1 is the outermost object.
    case duplicateKey(String, depth: Int, offset: Int)
    case tooDeep(limit: Int, offset: Int)
    case trailingBytes(offset: Int)
    /// The writer was handed NaN or an infinity, which JSON cannot express.
    case nonFiniteNumber(Double)

    public var description: String {
        switch self {
        case let .unexpectedEnd(offset): return "JSON ends early at byte \(offset)"
        case let .unexpectedByte(byte, offset, expected):
            return "JSON: expected \(expected) at byte \(offset), found \(describe(byte))"
        case let .invalidNumber(offset): return "JSON: malformed or out-of-range number at byte \(offset)"
        case let .invalidEscape(offset): return "JSON: invalid escape sequence at byte \(offset)"
        case let .loneSurrogate(offset): return "JSON: \\u escape at byte \(offset) is an unpaired UTF-16 surrogate"
        case let .controlCharacterInString(offset): return "JSON: unescaped control character in a string at byte \(offset)"
        case let .invalidUTF8(offset): return "JSON: string starting at byte \(offset) is not valid UTF-8"
        case let .duplicateKey(key, depth, offset): return "JSON: key \"\(key)\" appears twice in one object (depth \(depth), byte \(offset))"
        case let .tooDeep(limit, offset): return "JSON nested deeper than \(limit) levels at byte \(offset)"
        case let .trailingBytes(offset): return "JSON: expected the end of input at byte \(offset), found more bytes"
        case let .nonFiniteNumber(value): return "JSON cannot represent the number \(value)"
        }
    }

    /// What is wrong with the document as a whole, for the messages of the formats that hold JSON ("the header is
    /// …"): its nesting is past the limit, or it is not JSON at all.
    public var verdict: String {
        if case .tooDeep = self { return "nested too deeply" }
        return "not valid JSON"
    }
}

private func describe(_ byte: UInt8) -> String {
    if byte >= 0x21, byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
}
