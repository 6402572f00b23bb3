import Bytes

/// Why a pickle was refused; offsets are byte positions inside the pickle.
public enum PickleError: DecantError, Equatable {
    case truncated(TruncatedError)
    case unknownOpcode(opcode: UInt8, offset: Int)
    /// A real pickle opcode outside the subset (protocol 0/1 text, EXT*, protocol-5 buffers).
    case unsupportedOpcode(name: String, offset: Int)
    case unsupportedProtocol(version: Int, offset: Int)
    case stackUnderflow(opcode: String, offset: Int)
    case missingMark(opcode: String, offset: Int)
    /// An opcode met an operand of the wrong kind, e.g. APPEND onto a dict or STACK_GLOBAL on ints.
    case wrongOperand(opcode: String, expected: String, found: String, offset: Int)
    case missingMemo(index: Int, offset: Int)
    case invalidUTF8(opcode: String, offset: Int)
    case negativeLength(opcode: String, length: Int, offset: Int)
    case invalidGlobalName(offset: Int)
    /// A global outside the allowlist; `path` is where in the object it sits, when the stack tells.
    case forbiddenGlobal(symbol: String, offset: Int, path: String?)
    /// A symbol the reader interprets was called with arguments it cannot make sense of.
    case invalidArguments(callee: String, reason: String, offset: Int, path: String)
    case invalidPersistentID(reason: String, offset: Int, path: String)
    case limitExceeded(PickleLimit, limit: Int, offset: Int)
    /// Two persistent ids name one storage key with different element types or sizes: torch keeps the first
    /// and reads every tensor of that key through it, so the second description is a lie one way or the other.
    case conflictingStorage(key: String, first: String, second: String, offset: Int, path: String)

    public var description: String {
        switch self {
        case let .truncated(error):
            return "pickle ends early: \(error.description)"
        case let .unknownOpcode(opcode, offset):
            return "pickle: unknown opcode 0x\(String(opcode, radix: 16)) at byte \(offset)"
        case let .unsupportedOpcode(name, offset):
            return "pickle: opcode \(name) at byte \(offset) is outside the supported protocol 2-5 subset"
        case let .unsupportedProtocol(version, offset):
            return "pickle: protocol \(version) at byte \(offset) is newer than 5"
        case let .stackUnderflow(opcode, offset):
            return "pickle: \(opcode) at byte \(offset) needs more values than the stack holds"
        case let .missingMark(opcode, offset):
            return "pickle: \(opcode) at byte \(offset) needs a MARK but none is open"
        case let .wrongOperand(opcode, expected, found, offset):
            return "pickle: \(opcode) at byte \(offset) expected \(expected) but found \(found)"
        case let .missingMemo(index, offset):
            return "pickle: memo slot \(index) read at byte \(offset) was never written"
        case let .invalidUTF8(opcode, offset):
            return "pickle: \(opcode) at byte \(offset) holds text that is not valid UTF-8"
        case let .negativeLength(opcode, length, offset):
            return "pickle: \(opcode) at byte \(offset) declares a negative length \(length)"
        case let .invalidGlobalName(offset):
            return "pickle: GLOBAL at byte \(offset) is not two newline-terminated ASCII names"
        case let .forbiddenGlobal(symbol, offset, path):
            let place = path.map { " under \($0)" } ?? ""
            return "pickle names \(symbol) at byte \(offset)\(place), which is not an allowed data class; refusing to read it (it could run code in Python; --allow-opaque reads it as inert data)"
        case let .invalidArguments(callee, reason, offset, path):
            return "pickle: \(callee) at byte \(offset) (\(path.isEmpty ? "top level" : path)): \(reason)"
        case let .invalidPersistentID(reason, offset, path):
            return "pickle: persistent id at byte \(offset) (\(path.isEmpty ? "top level" : path)): \(reason)"
        case let .conflictingStorage(key, first, second, offset, path):
            return "pickle: storage \(key) is declared as \(first), then as \(second) at byte \(offset) (\(path.isEmpty ? "top level" : path)); expected one element type and size per storage"
        case let .limitExceeded(limit, value, offset):
            return "pickle: \(limit.rawValue) exceeds the limit of \(value) at byte \(offset)"
        }
    }
}
