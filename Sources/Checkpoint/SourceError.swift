import Bytes

/// Why a file could not be opened as a model source at all (format-specific problems have their own errors).
public enum SourceError: DecantError, Equatable {
    /// The first bytes match no format Decant reads; without a key an encrypted TAO blob looks like this too.
    case unrecognised(path: String, firstBytes: String, keyGiven: Bool)
    /// A tar that is neither a NeMo archive, an EFF archive nor an old torch checkpoint.
    case unrecognisedTar(path: String, members: [String])
    /// A TAO payload that decrypted to a format that holds no PyTorch weights (a TF1 HDF5 model).
    case unsupportedPayload(path: String, format: String)
    /// An archive's weights member that is intact (clear, or its SHA-256 matched) but not a torch checkpoint.
    case weightsNotATorchCheckpoint(path: String, member: String, firstBytes: String)
    /// An archive member decrypted to another size than its entry declared.
    case memberSizeMismatch(member: String, declared: Int, found: Int)
    /// A checkpoint converted while it was still being decrypted did not, once complete, put a tensor where the
    /// streamed read found it (the conversion is discarded).
    case streamedLayoutMismatch(tensor: String, reason: String)
    /// A tensor of a streamed source was asked for after its bytes were released (`ArrivingWeights.release`).
    case bytesReleased(tensor: String)
    /// The caller stopped a background read (`ArrivingWeights.cancel()`) before the weights were complete.
    case readCancelled

    public var description: String {
        switch self {
        case let .unrecognised(path, firstBytes, keyGiven):
            let hint = keyGiven ? "" : "; if it is an encrypted TAO file, pass its load key"
            return "\(path): expected a .nemo/.tlt archive, a torch checkpoint or safetensors, found bytes \(firstBytes)\(hint)"
        case let .unrecognisedTar(path, members):
            return "\(path): a tar with neither model_weights.ckpt, manifest.yaml nor torch members (found \(members.prefix(5).joined(separator: ", ")))"
        case let .unsupportedPayload(path, format):
            return "\(path): the decrypted payload is \(format), which holds no PyTorch weights"
        case let .weightsNotATorchCheckpoint(path, member, firstBytes):
            let found = firstBytes.isEmpty ? "found an empty member" : "found bytes \(firstBytes)"
            return "\(path): expected \(member) to be a torch checkpoint (zip, legacy or tar), \(found)"
        case let .memberSizeMismatch(member, declared, found):
            return "\(member): expected \(declared) bytes of plaintext, found \(found)"
        case let .bytesReleased(tensor):
            return "tensor \(tensor): its decrypted bytes were already released; open the source again to read it"
        case .readCancelled:
            return "reading the weights was cancelled before they were complete"
        case let .streamedLayoutMismatch(tensor, reason):
            return "tensor \(tensor): the checkpoint read while decrypting disagrees with the complete one (\(reason))"
        }
    }
}
