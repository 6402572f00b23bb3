import Bytes

/// Compact, deterministic JSON text: object keys sorted by their UTF-8 bytes, numbers in shortest round-trip form.
extension JSONValue {
    public func serialized() throws(JSONError) -> String {
        var out = ""
        try write(into: &out)
        return out
    }

    func write(into out: inout String) throws(JSONError) {
        switch self {
        case .null: out += "null"
        case let .bool(value): out += value ? "true" : "false"
        case let .integer(value): out += String(value)
        case let .double(value):
            guard value.isFinite else { throw .nonFiniteNumber(value) }
            // Swift's description is the shortest text that round-trips ("0.1", "1e-05") and is valid JSON.
            out += value.description
        case let .string(value): out += JSONValue.quoted(value)
        case let .array(elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                try element.write(into: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            // Byte order, not `String <`, which compares by Unicode canonical equivalence.
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                out += JSONValue.quoted(key)
                out += ":"
                try members[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// `text` as a JSON string literal; non-ASCII stays raw UTF-8, except the characters that act on a display
    /// (`DisplayText.needsEscape`: controls, line separators, bidi controls), which are written as `\u` escapes.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where DisplayText.needsEscape(scalar): out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// JSON text from another writer (Foundation's `JSONEncoder`) with the characters `DisplayText.needsEscape`
    /// names that it leaves raw (DEL, C1, line separators, bidi controls) written as `\u` escapes. A writer escapes
    /// every C0 control inside strings, so a raw one is whitespace between tokens and stays; outside strings JSON
    /// text is otherwise ASCII, so every other such character is inside a string and the document still decodes to
    /// the same values.
    public static func escapingDisplayControls(inSerialized json: String) -> String {
        func rawInString(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x20 && DisplayText.needsEscape(scalar) }
        guard json.unicodeScalars.contains(where: rawInString) else { return json }
        var out = ""
        for scalar in json.unicodeScalars {
            if rawInString(scalar) { out += unicodeEscape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `\uXXXX` (every character `DisplayText.needsEscape` names is in the Basic Multilingual Plane).
    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
