/// Telling TAO's file kinds apart (EFF or NeMo tar, raw blob, `.etlt`) and checking decrypted magic.
import Bytes
import Codec

public enum TAOFileError: DecantError, Equatable {
    /// A raw blob decrypted to bytes that start with no known format: almost always a wrong key.
    case unrecognisedPlaintext(firstBytes: String)

    public var description: String {
        switch self {
        case let .unrecognisedPlaintext(firstBytes):
            return "wrong load key or not a TAO file: the decrypted data starts with \(firstBytes), not a zip, torch pickle, gzip, tar or HDF5 magic"
        }
    }
}

/// The outer framing of a file TAO produced.
public enum TAOFileKind: Sendable, Equatable {
    /// gzip magic: a tar.gz (EFF archive or NeMo ≤ 1.6 `.nemo`).
    case gzipTar
    /// `ustar` at 257: a plain tar (NeMo ≥ 1.7 `.nemo`, or an uncompressed EFF archive).
    case tar
    /// `.etlt`: int32 LE name length, that many ASCII bytes of input-tensor name, then one blob.
    case etlt(inputName: String, blobOffset: Int)
    /// TF1 `.tlt`, `.ckzip`: the whole file is one blob with the default salt.
    case rawBlob

    /// Decides from the first bytes; `.etlt` needs a plausible printable name followed by at least a nonce.
    public static func identify(_ view: ByteView) -> TAOFileKind {
        if view.matches([0x1f, 0x8b]) { return .gzipTar }
        if view.matches(Array("ustar".utf8), at: 257) { return .tar }
        if view.count >= 4 {
            let length = Int(view.buffer.loadUnaligned(as: UInt32.self).littleEndian)
            if (1...1024).contains(length), view.count >= 4 + length + 16,
               view.buffer[4..<(4 + length)].allSatisfy({ (0x20...0x7e).contains($0) }) {
                return .etlt(inputName: String(decoding: view.buffer[4..<(4 + length)], as: UTF8.self), blobOffset: 4 + length)
            }
        }
        return .rawBlob
    }
}

/// The formats a decrypted TAO payload can have, by magic.
public enum PlaintextMagic {
    /// The format whose magic `prefix` (at least 262 bytes for tar, fewer otherwise) carries, or `nil`.
    public static func identify(_ prefix: [UInt8]) -> String? {
        func at(_ offset: Int, _ magic: [UInt8]) -> Bool {
            prefix.count >= offset + magic.count && Array(prefix[offset..<(offset + magic.count)]) == magic
        }
        if at(0, [0x50, 0x4b, 0x03, 0x04]) { return "zip (torch checkpoint)" }
        if at(0, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]) { return "legacy torch pickle" }
        if at(0, [0x1f, 0x8b]) { return "gzip" }
        if at(257, Array("ustar".utf8)) { return "tar" }
        if at(0, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return "HDF5" }
        return nil
    }

    /// Decrypts the start of `blob` and names its format, or throws `unrecognisedPlaintext` (a wrong key).
    public static func check(_ blob: EncryptedBlob) throws -> String {
        let prefix = try blob.decrypt(offset: 0, length: min(blob.plaintextCount, 512))
        guard let format = identify(prefix) else {
            throw TAOFileError.unrecognisedPlaintext(firstBytes: hexString(prefix.prefix(8)).isEmpty ? "nothing" : hexString(prefix.prefix(8)))
        }
        return format
    }
}
