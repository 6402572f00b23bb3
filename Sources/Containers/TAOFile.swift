/// Telling TAO's file kinds apart (EFF or NeMo tar, raw blob, `.etlt`) and checking decrypted magic.
import Bytes
import Codec
import CZlib

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
    /// A plain tar (NeMo ≥ 1.7 `.nemo`, or an uncompressed EFF archive): `ustar` at 257, or a v7 header.
    case tar
    /// `.etlt`: int32 LE name length, that many ASCII bytes of input-tensor name, then one blob.
    case etlt(inputName: String, blobOffset: Int)
    /// TF1 `.tlt`, `.ckzip`: the whole file is one blob with the default salt.
    case rawBlob

    /// Decides from the first bytes; `.etlt` needs a plausible printable name followed by at least a nonce.
    public static func identify(_ view: ByteView) -> TAOFileKind {
        if view.matches([0x1f, 0x8b]) { return .gzipTar }
        if TarIndex.recognises(view) { return .tar }
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
    /// How many leading plaintext bytes `identify` needs to tell every format (a tar header block).
    public static let prefixLength = 512

    /// The format whose magic `prefix` (`prefixLength` bytes for tar, fewer otherwise) carries, or `nil`.
    public static func identify(_ prefix: [UInt8]) -> String? {
        if let torch = torchCheckpoint(prefix) { return torch }
        if prefix.starts(with: [0x1f, 0x8b]) { return "gzip" }
        if prefix.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return "HDF5" }
        return nil
    }

    /// The torch checkpoint format (zip, legacy pickle stream, or torch ≤ 0.3's tar) whose magic `prefix`
    /// carries, or `nil`: what a NeMo archive's `model_weights.ckpt` must start with.
    public static func torchCheckpoint(_ prefix: [UInt8]) -> String? {
        if prefix.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return "zip (torch checkpoint)" }
        if prefix.starts(with: [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]) {
            return "legacy torch pickle"
        }
        if prefix.withUnsafeBytes({ TarIndex.recognises($0) }) { return "tar" }
        return nil
    }

    /// How many leading plaintext bytes `isNoise` judges.
    public static let noiseSampleLength = 4096

    /// Whether `sample` looks like what a wrong key gives: AES-CTR turns a wrong key's output into keystream
    /// XOR ciphertext, which deflate cannot shrink, while real content (a torch file, a stand-in, text) shrinks.
    /// Samples under 64 bytes are too short to tell and count as noise.
    public static func isNoise(_ sample: [UInt8]) -> Bool {
        guard sample.count >= 64 else { return true }
        var packedLength = compressBound(uLong(sample.count))
        var packed = [UInt8](repeating: 0, count: Int(packedLength))
        guard compress2(&packed, &packedLength, sample, uLong(sample.count), Z_DEFAULT_COMPRESSION) == Z_OK else { return true }
        // Noise comes out a few bytes longer; anything structured saves far more than 1/16.
        return Int(packedLength) > sample.count - sample.count / 16
    }

    /// The first bytes as hex for an error line ("nothing" when there are none).
    public static func describe(_ prefix: some Collection<UInt8>) -> String {
        prefix.isEmpty ? "nothing" : hexString(prefix.prefix(8))
    }

    /// Decrypts the start of `blob` and names its format, or throws `unrecognisedPlaintext` (a wrong key).
    public static func check(_ blob: EncryptedBlob) throws -> String {
        let prefix = try blob.decrypt(offset: 0, length: min(blob.plaintextCount, prefixLength))
        guard let format = identify(prefix) else {
            throw TAOFileError.unrecognisedPlaintext(firstBytes: describe(prefix))
        }
        return format
    }
}
