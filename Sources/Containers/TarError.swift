/// What can be wrong with a tar archive (read) or a member handed to the tar writer.
import Bytes

public enum TarError: DecantError, Equatable {
    /// The archive ends inside a header, an extension record or a member's data.
    case truncated(what: String, offset: Int)
    /// A header block whose checksum field disagrees with its bytes (corruption, or not a tar at all).
    case badChecksum(offset: Int, stored: Int, computed: Int)
    /// A numeric header field that is neither octal nor GNU base-256.
    case badNumericField(field: String, offset: Int)
    /// A PAX extended header record that does not follow `<length> <key>=<value>\n`.
    case badPaxRecord(offset: Int)
    /// A member name that would escape the extraction folder (absolute, or with a `..` component).
    case unsafePath(String)
    /// Two members with one path once `./` and repeated slashes are dropped (and not both directories): an
    /// extractor keeps the last, a reader that stops at the first sees other bytes, so the archive is ambiguous.
    case duplicateMember(path: String, first: String, second: String)
    /// The writer was told one size and given another number of bytes.
    case sizeMismatch(path: String, declared: Int, actual: Int)

    public var description: String {
        switch self {
        case let .truncated(what, offset):
            return "truncated tar archive: expected \(what) at offset \(offset), the archive ends first"
        case let .badChecksum(offset, stored, computed):
            return "corrupt tar header at offset \(offset): checksum field says \(stored), the header sums to \(computed)"
        case let .badNumericField(field, offset):
            return "corrupt tar header at offset \(offset): the \(field) field is not an octal or base-256 number"
        case let .badPaxRecord(offset):
            return "corrupt PAX extended header at offset \(offset): expected '<length> <key>=<value>\\n' records"
        case let .unsafePath(path):
            return "unsafe member path '\(path)': expected a relative path without '..' components"
        case let .duplicateMember(path, first, second):
            let spellings = first == second ? "twice as '\(first)'" : "as '\(first)' and as '\(second)'"
            return "tar archive holds \(path) \(spellings): expected each member once"
        case let .sizeMismatch(path, declared, actual):
            return "tar member \(path): declared \(declared) bytes, the data had \(actual)"
        }
    }
}
