/// The character predicates of Hugging Face's Python BERT tokenizer and of Python's `str`, on Unicode scalars.
///
/// Each predicate copies the definition Python uses, not the nearest Swift property: the tokenizer's ids and the
/// SQuAD metric depend on these exact sets (for instance Python's `str.split()` splits on U+001C–U+001F and
/// U+0085 but not on U+200B, and the tokenizer counts `$` and `` ` `` as punctuation although Unicode does not).
/// General categories come from Swift's Unicode tables; the committed expectations were made with Python's
/// Unicode 14 tables and use only characters assigned there.
enum CharacterClasses {
    /// BERT `_is_whitespace`: space, tab, newline, carriage return, or category Zs.
    static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        case 0..<0x80: return false
        default: return c.properties.generalCategory == .spaceSeparator
        }
    }

    /// BERT `_is_control`: any category C* (control, format, surrogate, private use, unassigned) except tab,
    /// newline and carriage return, which count as whitespace.
    static func isBertControl(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0..<0x20, 0x7F: return true
        case 0x20..<0x7F: return false
        default:
            switch c.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    /// BERT `_is_punctuation`: the four ASCII non-alphanumeric ranges, or category P*.
    static func isBertPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<0x80: return false
        default:
            switch c.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation:
                return true
            default: return false
            }
        }
    }

    /// BERT `_is_chinese_char`: the CJK Unified Ideographs blocks (not Hangul, kana or CJK punctuation).
    static func isCJKIdeograph(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }

    /// Python `str.isspace()`, which `str.split()` splits on.
    static func isPythonWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default: return false
        }
    }

    /// Python `re`'s `\w` on `str`: alphanumeric (`str.isalnum()`) or underscore.
    static func isPythonWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return c.properties.numericType != nil
        }
    }

    /// Python `str.split()` with no argument: runs of `isPythonWhitespace` separate, empty pieces are dropped.
    static func splitOnPythonWhitespace(_ text: some Collection<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for c in text {
            if isPythonWhitespace(c) {
                if !current.isEmpty { pieces.append(current); current = [] }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
