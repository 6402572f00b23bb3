/// The strict JSON parser and the deterministic writer shared by the tensor-file headers.
import Foundation
import JSON
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#)
        #expect(value == ["a": [1, -2500.0, true, false, nil, "x\né😀"], "b": [:]])
    }

    @Test func keepsLargeIntegersApartFromDoubles() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .integer(Int.max))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("1.0") == .double(1))
    }

    @Test(arguments: [
        ("[1,]", JSONError.unexpectedByte(UInt8(ascii: "]"), offset: 3, expected: "a JSON value")),
        ("01", JSONError.trailingBytes(offset: 1)),
        ("-", JSONError.invalidNumber(offset: 0)),
        ("1e999", JSONError.invalidNumber(offset: 0)),
        (#""\x""#, JSONError.invalidEscape(offset: 1)),
        (#""\ud800""#, JSONError.loneSurrogate(offset: 1)),
        (#""\udc00""#, JSONError.loneSurrogate(offset: 1)),
        ("\"a\u{01}\"", JSONError.controlCharacterInString(offset: 2)),
        (#"{"k":1,"k":2}"#, JSONError.duplicateKey("k", depth: 1, offset: 7)),
        (#"{"k" 1}"#, JSONError.unexpectedByte(UInt8(ascii: "1"), offset: 5, expected: "`:` after an object key")),
        ("tru", JSONError.unexpectedEnd(offset: 3)),
        ("nul!", JSONError.unexpectedByte(UInt8(ascii: "!"), offset: 3, expected: "`null` (started at 0)")),
        ("{1:2}", JSONError.unexpectedByte(UInt8(ascii: "1"), offset: 1, expected: "a string key")),
    ])
    func rejectsMalformedInput(text: String, error: JSONError) {
        #expect(throws: error) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONError.invalidUTF8(offset: 1)) {
            try [UInt8]([0x22, 0xC3, 0x28, 0x22]).withUnsafeBytes { try JSONParser.parse($0) }
        }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONError.tooDeep(limit: JSONParser.maximumDepth, offset: JSONParser.maximumDepth)) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func writesSortedCompactText() throws {
        let value: JSONValue = ["b": [1, 0.1, 1e-5, "q\"\\\u{01}"], "a": nil, "é": true]
        #expect(try value.serialized() == #"{"a":null,"b":[1,0.1,1e-05,"q\"\\\u0001"],"é":true}"#)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test func refusesToWriteNonFiniteNumbers() {
        #expect(throws: JSONError.nonFiniteNumber(.infinity)) { try JSONValue.array([.double(.infinity)]).serialized() }
    }

    @Test("characters that act on a display are written as \\u escapes and read back exactly")
    func escapesDisplayControls() throws {
        let text = "esc\u{1B}[2J del\u{7F} c1\u{9B}\u{85} ls\u{2028} ps\u{2029} rlo\u{202E} lri\u{2066} lrm\u{200E} 权重é 😀"
        let quoted = JSONValue.quoted(text)
        #expect(quoted == #""esc\u001b[2J del\u007f c1\u009b\u0085 ls\u2028 ps\u2029 rlo\u202e lri\u2066 lrm\u200e 权重é 😀""#)
        #expect(try JSONParser.parse(quoted) == .string(text))
        #expect(try JSONValue.object([text: .string(text)]).serialized() == "{\(quoted):\(quoted)}")
    }

    @Test("another writer's JSON gets the same escapes, keeps its layout, and decodes to the same strings")
    func escapesForeignJSON() throws {
        let names = ["a\u{9B}b", "c\u{2028}d", "e\u{202E}f", "g\u{1B}h\ni", "权重é"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let foreign = String(decoding: try encoder.encode(["names": names]), as: UTF8.self)
        let escaped = JSONValue.escapingDisplayControls(inSerialized: foreign)
        #expect(escaped.contains(#""a\u009bb""#) && escaped.contains(#""c\u2028d""#) && escaped.contains(#""e\u202ef""#))
        #expect(escaped.split(separator: "\n").count == foreign.split(separator: "\n").count)
        #expect(!escaped.unicodeScalars.contains { $0.value >= 0x7F && $0.value <= 0x9F || $0 == "\u{2028}" || $0 == "\u{202E}" })
        let decoded = try JSONDecoder().decode([String: [String]].self, from: Data(escaped.utf8))
        #expect(decoded["names"] == names)
        #expect(JSONValue.escapingDisplayControls(inSerialized: "{\n  \"plain\" : \"权重\"\n}") == "{\n  \"plain\" : \"权重\"\n}")
    }

    @Test("too deep nesting says so, with the limit, from the parser and from the nesting check alone")
    func tooDeepSaysSo() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        let error = try #require(throws: JSONError.self) { try JSONParser.parse(deep) }
        #expect(error.verdict == "nested too deeply")
        #expect(error.description == "JSON nested deeper than 64 levels at byte 64")
        #expect(throws: JSONError.tooDeep(limit: 64, offset: 64)) {
            try Array(deep.utf8).withUnsafeBytes { try JSONParser.checkNesting($0) }
        }
        let ok = String(repeating: "[", count: 64) + #""[[[[\"]]""# + String(repeating: "]", count: 64)
        try Array(ok.utf8).withUnsafeBytes { try JSONParser.checkNesting($0) }
        #expect(JSONError.unexpectedEnd(offset: 0).verdict == "not valid JSON")
    }
}
