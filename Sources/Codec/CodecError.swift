/// The ways a load key, a codec name or an encrypted blob can be unusable.
import Bytes

public enum CodecError: DecantError, Equatable {
    /// NVIDIA's C++ path cuts a passphrase at its first NUL while the Python path does not, so such a key
    /// would decrypt differently depending on the tool: refuse it.
    case keyContainsNul
    /// An empty passphrase is always a mistake (an unset variable, a missing argument); encrypting with it would
    /// produce a file anyone can open while looking protected.
    case emptyKey
    /// A blob is a 16-byte nonce followed by the ciphertext; anything shorter has no nonce.
    case blobTooShort(length: Int)
    /// A manifest or a caller named a codec that is not one of TAO's 32.
    case unknownCodec(name: String)
    /// A random-access read asked for bytes past the end of the plaintext.
    case rangeOutOfBounds(offset: Int, length: Int, plaintextLength: Int)
    /// OpenSSL refused an operation that cannot fail on valid input (out of memory, broken library).
    case cryptoFailure(operation: String)

    public var description: String {
        switch self {
        case .keyContainsNul:
            return "invalid load key: it contains a NUL byte (TAO tools disagree on such keys)"
        case .emptyKey:
            return "invalid load key: it is empty (give the model's load key, e.g. --key tlt_encode)"
        case let .blobTooShort(length):
            return "encrypted blob too short: expected at least the 16-byte nonce, found \(length) bytes"
        case let .unknownCodec(name):
            return "unknown codec name '\(name)': expected one of TAO's 32 codec names"
        case let .rangeOutOfBounds(offset, length, plaintextLength):
            return "decryption range \(offset)..<\(offset + length) is outside the \(plaintextLength)-byte plaintext"
        case let .cryptoFailure(operation):
            return "OpenSSL failed in \(operation)"
        }
    }
}
