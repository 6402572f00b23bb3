/// The strict JSON parser and the deterministic writer shared by the tensor-file headers.
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
}
