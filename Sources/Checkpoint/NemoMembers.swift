import Bytes
import Containers

/// Collects a NeMo archive's members from a plain tar (zero-copy slices) or a tar stream (small members read
/// into memory, the weights spooled to an unlinked temporary file and mapped).
struct NemoMembers {
    /// Every member file, by normalised path, in archive order.
    var paths: [String] = []
    /// Member bytes by path; for streamed archives only members within the in-memory limit and the first weights.
    var data: [String: ByteView] = [:]
    /// Streamed members left unread because they exceed the in-memory limit, with their sizes.
    var oversized: [String: Int] = [:]

    static let weightsName = "model_weights.ckpt"

    static func isWeights(_ path: String) -> Bool { basename(path) == weightsName }

    /// A plain tar in memory or mapped: every member is a slice of `view`.
    init(tar view: ByteView) throws {
        let index = try TarIndex(view: view)
        var seen: Set<String> = []
        for entry in index.entries where entry.isFile {
            guard seen.insert(entry.path).inserted else { throw NemoError.duplicateMember(entry.path) }
            paths.append(entry.path)
            data[entry.path] = index.data(of: entry)
        }
    }

    /// A tar stream (e.g. gunzipped): one pass, constant memory apart from the spooled weights.
    init(tarStream source: ByteSource, options: NemoOptions) throws {
        let reader = TarStreamReader(source: source)
        var spooledWeights = false
        var seen: Set<String> = []
        while let entry = try reader.next() {
            guard entry.isFile else { continue }
            guard seen.insert(entry.path).inserted else { throw NemoError.duplicateMember(entry.path) }
            paths.append(entry.path)
            if Self.isWeights(entry.path) {
                // Further ranks are only counted (the archive is refused as model-parallel later).
                guard !spooledWeights else { continue }
                let spool = try SpoolFile(directory: options.spoolDirectory)
                try reader.data.pump(into: spool)
                data[entry.path] = try spool.map()
                spooledWeights = true
            } else if entry.size <= options.memberLimit {
                data[entry.path] = ByteView(copying: try reader.data.readAll(limit: options.memberLimit))
            } else {
                oversized[entry.path] = entry.size
            }
        }
    }

    /// Members as an EFF reader hands them over, already named by artifact.
    init(paths: [String], data: [String: ByteView]) {
        self.paths = paths
        self.data = data
    }

    /// The bytes of a member the caller needs in full.
    func bytes(of path: String, limit: Int) throws(NemoError) -> ByteView {
        if let size = oversized[path] { throw .memberTooLarge(member: path, size: size, limit: limit) }
        guard let view = data[path] else { throw .missingMember(path) }
        return view
    }

    /// The first member whose basename is `name`.
    func member(named name: String) -> String? { paths.first { basename($0) == name } }

    /// The first member whose basename ends with one of `suffixes` (NeMo prefixes artifacts with a uuid).
    func member(endingWith suffixes: [String]) -> String? {
        paths.first { path in suffixes.contains { basename(path).hasSuffix($0) } }
    }
}

func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
