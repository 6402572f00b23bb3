import Bytes
import Containers

/// Decides what a model file is from its content (never its extension).
enum SourceKind: Equatable {
    /// A NeMo archive; `gzip` for NeMo ≤ 1.6.
    case nemo(gzip: Bool)
    /// An EFF archive (a TAO `.tlt` of a NeMo or PyTorch model).
    case eff
    case torch
    case safetensors
    /// Anything else: possibly a raw TAO blob (whole file encrypted with the default salt) or `.etlt`.
    case unknown

    static func identify(_ view: ByteView, path: String) throws -> SourceKind {
        guard view.count > 0 else { throw IOError.emptyFile(path: path) }
        if view.matches([0x1f, 0x8b]) {
            let reader = TarStreamReader(source: try GunzipSource(upstream: ViewSource(view)))
            return try classifyTar(path: path, gzip: true) {
                while let entry = try reader.next() {
                    if entry.isFile { return entry.path }
                }
                return nil
            }
        }
        if TarIndex.recognises(view) {
            var files = try TarIndex(view: view).entries.filter(\.isFile).map(\.path).makeIterator()
            return try classifyTar(path: path, gzip: false) { files.next() }
        }
        // zip (torch ≥ 1.6) or the legacy stream's pickled magic number.
        if TorchCheckpoint.sniff(view) != nil { return .torch }
        if isSafetensors(view) { return .safetensors }
        return .unknown
    }

    /// safetensors: a little-endian u64 header length that fits the file, then a JSON object.
    static func isSafetensors(_ view: ByteView) -> Bool {
        guard view.count >= 10 else { return false }
        let length = view.buffer.loadUnaligned(as: UInt64.self).littleEndian
        return length >= 2 && length <= UInt64(view.count - 8) && view[8] == UInt8(ascii: "{")
    }

    /// The first member that tells the layouts apart decides, so a tar.gz is only inflated up to it:
    /// EFF has `manifest.yaml`, `artifacts/…` or `encrypted_…`; NeMo has `model_weights.ckpt` (maybe under
    /// `mp_rank_XX/`); torch's old tar format has `sys_info`, `pickle`, `storages`, `tensors`.
    static func classifyTar(path: String, gzip: Bool, nextMember: () throws -> String?) throws -> SourceKind {
        var seen: [String] = []
        while let member = try nextMember() {
            if member == "manifest.yaml" || member.hasPrefix("artifacts/") || member.hasPrefix("encrypted_") { return .eff }
            if basename(member) == NemoMembers.weightsName { return .nemo(gzip: gzip) }
            if ["sys_info", "pickle", "storages", "tensors"].contains(member) { return .torch }
            seen.append(member)
        }
        throw SourceError.unrecognisedTar(path: path, members: seen)
    }
}
