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

    static let weightsName = EFFArtifact.weightsName

    static func isWeights(_ path: String) -> Bool { basename(path) == weightsName }

    /// A plain tar in memory or mapped: every member is a slice of `view`. (Both tar readers refuse two members
    /// with one normalised path.)
    init(tar view: ByteView) throws {
        let index = try TarIndex(view: view)
        for entry in index.entries where entry.isFile {
            paths.append(entry.path)
            data[entry.path] = index.data(of: entry)
        }
    }

    /// A tar stream (e.g. gunzipped): one pass, constant memory apart from the spooled weights.
    init(tarStream source: ByteSource, options: NemoOptions) throws {
        let reader = TarStreamReader(source: source)
        var spooledWeights = false
        while let entry = try reader.next() {
            guard entry.isFile else { continue }
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

    /// The member whose basename is `name`; two in different folders (and not model-parallel ranks, which
    /// `NemoArchive` refuses first) would make the choice arbitrary.
    func member(named name: String) throws(NemoError) -> String? {
        try only(paths.filter { basename($0) == name }, for: name)
    }

    /// The member whose basename ends with the first of `suffixes` that any member's does (NeMo prefixes
    /// artifacts with a uuid); two with that suffix are ambiguous.
    func member(endingWith suffixes: [String]) throws(NemoError) -> String? {
        for suffix in suffixes {
            if let path = try only(paths.filter { basename($0).hasSuffix(suffix) }, for: "*" + suffix) { return path }
        }
        return nil
    }

    private func only(_ candidates: [String], for name: String) throws(NemoError) -> String? {
        guard candidates.count <= 1 else { throw .ambiguousMember(name: name, candidates: candidates) }
        return candidates.first
    }
}

func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
