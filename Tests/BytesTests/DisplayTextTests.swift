/// `DisplayText`: what text outputs do to strings from input files before a terminal sees them.
import Testing
@testable import Bytes

@Suite struct DisplayTextTests {
    @Test("each kind of character a terminal acts on has a readable escape", arguments: [
        ("tab\there", #"tab\there"#), ("new\nline", #"new\nline"#), ("cr\rx", #"cr\rx"#),
        ("\u{1B}]0;title\u{07}", #"\e]0;title\x07"#), ("\u{1B}[2J", #"\e[2J"#), ("nul\u{0}", #"nul\x00"#),
        ("del\u{7F}", #"del\x7f"#), ("c1\u{9B}2J", #"c1\x9b2J"#), ("\u{85}next", #"\x85next"#),
        ("rlo\u{202E}gnp.exe", #"rlo\u{202e}gnp.exe"#), ("lri\u{2066}x\u{2069}", #"lri\u{2066}x\u{2069}"#),
        ("lrm\u{200E}rlm\u{200F}alm\u{61C}", #"lrm\u{200e}rlm\u{200f}alm\u{61c}"#), ("a\u{2028}b\u{2029}", #"a\u{2028}b\u{2029}"#),
        (#"back\slash"#, #"back\\slash"#),
    ])
    func escapes(raw: String, shown: String) {
        #expect(DisplayText.escaped(raw) == shown)
    }

    @Test("printable text in any script is kept as it is, and needs no copy")
    func keepsPrintableText() {
        for text in ["bert.encoder.layer.0.weight", "权重 é ü ß", "日本語のテキスト", "emoji 😀👩‍👩‍👧", "arabic عربي", "zero\u{200B}width", ""] {
            #expect(DisplayText.escaped(text) == text)
            #expect(text.escapedForDisplay == text)
        }
    }

    @Test("no escaped text holds a character that needs escaping, whatever the input")
    func nothingRawSurvives() {
        var all = String.UnicodeScalarView()
        for value in UInt32(0)...0x3000 { if let scalar = Unicode.Scalar(value) { all.append(scalar) } }
        let shown = DisplayText.escaped(String(all))
        #expect(!shown.unicodeScalars.contains(where: DisplayText.needsEscape))
        #expect(shown.contains("权") == String(all).contains("权"))
    }

    @Test("the escaping is unambiguous: a literal backslash sequence and the character it names differ")
    func unambiguous() {
        let pairs = [("\n", #"\n"#), ("\u{1B}", #"\e"#), ("\u{7}", #"\x07"#), ("\u{202E}", #"\u{202e}"#)]
        for (character, lookalike) in pairs {
            #expect(DisplayText.escaped(character) != DisplayText.escaped(lookalike))
        }
    }
}
