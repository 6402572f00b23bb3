import Bytes
import Containers
import Pickle
import Tensors

/// A PyTorch checkpoint (zip, legacy stream or old tar) opened without running any of its pickle: the inert
/// object tree plus the weights as zero-copy `TensorView`s over the caller's bytes.
public struct TorchCheckpoint: Sendable {
    public enum Format: Sendable, Equatable {
        case zip(prefix: String), legacy, tar
    }

    public let format: Format
    /// The inert object tree.
    public let root: PickleValue
    /// The weights found, with dotted names, in file order.
    public let tensors: [TensorView]
    /// e.g. "top-level state dict", "state_dict (Lightning)", "model (Megatron)".
    public let weightsLocation: String
    /// Megatron's `checkpoint_version`, when present.
    public let megatronCheckpointVersion: Double?
    /// Megatron's `args` (an `argparse.Namespace` BUILD state), when present.
    public let megatronArgs: [String: PickleValue]
    /// The data pickle's PROTO version.
    public let pickleProtocol: Int
    private let storages: TorchStorages

    /// Reads a checkpoint held in `bytes` (a `MappedFile` view for plain files): every tensor stays in place,
    /// except in deflated zip records, which are inflated into an anonymous spool file in `spoolDirectory`
    /// (nil: `$TMPDIR` or `/tmp`) and mapped.
    public static func read(_ bytes: ByteView, options: PickleOptions = .init(), spoolDirectory: String? = nil) throws -> TorchCheckpoint {
        guard let format = sniff(bytes) else {
            let head = bytes.buffer.prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            throw TorchCheckpointError.notATorchCheckpoint(firstBytes: head.isEmpty ? "nothing (empty file)" : head)
        }
        switch format {
        case .zip:
            let zip = try TorchZipFormat(bytes, options: options, spoolDirectory: spoolDirectory)
            return try TorchCheckpoint(format: .zip(prefix: zip.prefix), document: zip.document, storages: zip.storages)
        case .legacy:
            let legacy = try TorchLegacyFormat(bytes, options: options)
            return try TorchCheckpoint(format: .legacy, document: legacy.document, storages: legacy.storages)
        case .tar:
            let tar = try TorchTarFormat(bytes, options: options)
            return try TorchCheckpoint(format: .tar, document: tar.document, storages: tar.storages)
        }
    }

    /// Which format the bytes look like, from magic numbers alone. For zip, the prefix is the first local
    /// header's top directory (torch writes `<prefix>/data.pkl` first); `read` confirms it from the central
    /// directory.
    public static func sniff(_ bytes: ByteView) -> Format? {
        if bytes.matches([0x50, 0x4B, 0x03, 0x04]), bytes.count >= 30 {
            let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
            guard let name = try? bytes.slice(offset: 30, length: nameLength) else { return .zip(prefix: "") }
            let text = String(decoding: name.buffer, as: UTF8.self)
            return .zip(prefix: text.firstIndex(of: "/").map { String(text[...$0]) } ?? "")
        }
        if bytes.count >= 14, bytes[0] == 0x80, bytes.matches([0x8A, 0x0A] + TorchLegacyFormat.magic, at: 2) {
            return .legacy
        }
        if TarIndex.recognises(bytes) { return .tar }
        return nil
    }

    init(format: Format, document: PickleDocument, storages: TorchStorages) throws {
        self.format = format
        self.root = document.root
        self.pickleProtocol = document.protocolVersion
        self.storages = storages
        let weights = try TorchWeights(root: document.root)
        weightsLocation = weights.location
        tensors = try weights.tensors.map { name, tensor in try storages.view(of: tensor, name: name) }
        megatronCheckpointVersion = weights.checkpointVersion
        megatronArgs = weights.megatronArgs
    }

    /// How the file is layered, outermost first, for `decant inspect`.
    public var layers: [String] {
        let container: String
        switch format {
        case let .zip(prefix): container = "torch zip (prefix \(prefix.isEmpty ? "none" : prefix))"
        case .legacy: container = "torch legacy stream (protocol 1001)"
        case .tar: container = "torch tar (torch ≤ 0.3)"
        }
        return [container, "pickle protocol \(pickleProtocol), \(tensors.count) tensors in the \(weightsLocation)"]
    }

    /// A tensor description anywhere in `root` (optimizer state, callbacks …) as a validated view.
    public func view(of tensor: TorchTensorRef, name: String) throws -> TensorView {
        try storages.view(of: tensor, name: name)
    }

    /// Every tensor in the object tree, named by its path (`optimizer_states.0.state.0.exp_avg`), in file order.
    public func allTensors() throws -> [TensorView] {
        try TorchWeights.tensorPaths(in: root).map { name, tensor in try view(of: tensor, name: name) }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
