/// Strings from input files (tensor and member names, YAML and JSON values, pickle globals) are shown on a terminal,
/// which acts on some characters instead of showing them: an escape sequence can clear the screen or set the window
/// title, a newline forges a table row, a bidi override reorders what is shown around it. Text outputs escape those
/// characters once, where the text is printed; JSON outputs write them as `\u` escapes, so both show the same set.
public enum DisplayText {
    /// Whether `scalar` acts on the display instead of being shown: C0 controls, DEL, C1 controls, the line and
    /// paragraph separators, and the bidi controls (marks, embeddings, overrides, isolates).
    @inline(__always)
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        guard value >= 0x061C else { return false }
        switch value {
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `text` with every character `needsEscape` names written as an escape (`\n`, `\r`, `\t`, `\e` for ESC,
    /// `\x07` for other controls below U+0100, `\u{202e}` above) and each backslash doubled, so that the escaped
    /// form is unambiguous. Other characters, in any script, are kept; text that needs nothing is returned as is.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || needsEscape($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\u{1B}": out.append(contentsOf: #"\e"#.unicodeScalars)
            case _ where needsEscape(scalar):
                let hex = String(scalar.value, radix: 16)
                let escape = scalar.value < 0x100
                    ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : "\\u{" + hex + "}"
                out.append(contentsOf: escape.unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}

extension String {
    /// This text as it may be printed on a terminal (`DisplayText.escaped`).
    public var escapedForDisplay: String { DisplayText.escaped(self) }
}
