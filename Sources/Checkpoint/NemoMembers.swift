import Bytes
import Containers

/// Collects a NeMo archive's members from a plain tar (zero-copy slices) or a tar stream (the members NeMo archives
/// are read for kept in memory, the weights spooled to an unlinked temporary file and mapped, the rest skipped).
struct NemoMembers {
    /// Every member file, by normalised path, in archive order.
    var paths: [String] = []
    /// Member bytes by path; for streamed archives only the members `StreamedMembers` kept and the first weights.
    var data: [String: ByteView] = [:]
    /// Streamed members `NemoArchive` may read that were left unread, and why.
    var unread: [String: Unread] = [:]
    /// `model_config.yaml` as parsed while streaming, by path, so it is parsed once.
    var parsedConfigs: [String: ConfigValue] = [:]

    enum Unread: Equatable {
        /// Larger than `NemoOptions.memberLimit`.
        case tooLarge(size: Int)
        /// Would have taken the members held in memory (`buffered` bytes) past `NemoOptions.bufferLimit`.
        case overBudget(size: Int, buffered: Int)
    }

    static let weightsName = EFFArtifact.weightsName

    static func isWeights(_ path: String) -> Bool { basename(path) == weightsName }

    init() {}

    /// A plain tar in memory or mapped: every member is a slice of `view`. (Both tar readers refuse two members
    /// with one normalised path.)
    init(tar view: ByteView) throws {
        let index = try TarIndex(view: view)
        for entry in index.entries where entry.isFile {
            paths.append(entry.path)
            data[entry.path] = index.data(of: entry)
        }
    }

    /// A tar stream (e.g. gunzipped): one pass, bounded memory apart from the spooled weights.
    init(tarStream source: ByteSource, options: NemoOptions) throws {
        let reader = TarStreamReader(source: source)
        var streamed = StreamedMembers(options: options)
        while let entry = try reader.next() {
            guard entry.isFile else { continue }
            streamed.list(entry.path)
            if Self.isWeights(entry.path) {
                // Further ranks are only counted (the archive is refused as model-parallel later).
                guard !streamed.holdsWeights else { continue }
                let spool = try SpoolFile(directory: options.spoolDirectory)
                try reader.data.pump(into: spool)
                streamed.keep(entry.path, spooled: try spool.map())
            } else {
                try streamed.read(entry.path, size: entry.size, from: reader.data)
            }
        }
        self = streamed.members
    }

    /// The bytes of a member the caller needs in full.
    func bytes(of path: String, options: NemoOptions) throws(NemoError) -> ByteView {
        switch unread[path] {
        case let .tooLarge(size)?:
            throw .memberTooLarge(member: path, size: size, limit: options.memberLimit)
        case let .overBudget(size, buffered)?:
            throw .memberBudgetExceeded(member: path, size: size, buffered: buffered, limit: options.bufferLimit)
        case nil:
            guard let view = data[path] else { throw .missingMember(path) }
            return view
        }
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

/// Decides, member by member as a stream (a tar.gz, an EFF archive's artifacts) passes, which members to keep in
/// memory: the ones `NemoArchive` reads, within `NemoOptions.memberLimit` each and `NemoOptions.bufferLimit`
/// together. Every other member is skipped, so the stream only passes over its bytes.
///
/// Which artifact `model_config.yaml` names is only known once it has passed, and NeMo writes the uuid-prefixed
/// artifacts before it (tarfile adds a folder in sorted order). So until then, members whose names could be an
/// artifact the config names are kept provisionally, within the same budget, and dropped once the config has passed
/// and named others; a member that does not fit is noted as unread and only fails the archive if it is needed.
struct StreamedMembers {
    private(set) var members = NemoMembers()
    private let options: NemoOptions
    /// Member names an EFF manifest's `conf_path` fields give to artifact keys (known before any member passes).
    private let manifestNames: Set<String>
    /// Member names the first `model_config.yaml` gives to artifact keys; nil until it has passed and parsed.
    private var configNames: Set<String>?
    /// Bytes of each member held in memory (not the spooled weights), and their sum.
    private var buffered: [String: Int] = [:]
    private var bufferedBytes = 0

    init(options: NemoOptions, references: [String: String] = [:]) {
        self.options = options
        manifestNames = Set(references.values.map(NemoArchive.memberName(reference:)))
    }

    /// Whether the first weights member has been kept.
    var holdsWeights: Bool { members.data.keys.contains(where: NemoMembers.isWeights) }

    /// Lists a member in archive order; every member is listed once, before `keep` or `read`.
    mutating func list(_ path: String) { members.paths.append(path) }

    /// Keeps bytes that live outside memory (the weights, spooled and mapped).
    mutating func keep(_ path: String, spooled bytes: ByteView) { members.data[path] = bytes }

    /// Reads `source` (the `size` bytes of member `path`) into memory if `NemoArchive` may need it and it fits;
    /// otherwise leaves it for the stream to pass over.
    mutating func read(_ path: String, size: Int, from source: ByteSource) throws {
        guard wants(path) else { return }
        guard size <= options.memberLimit else {
            members.unread[path] = .tooLarge(size: size)
            return
        }
        guard size <= options.bufferLimit - bufferedBytes else {
            members.unread[path] = .overBudget(size: size, buffered: bufferedBytes)
            return
        }
        let bytes = ByteView(copying: try source.readAll(limit: min(size, options.memberLimit)))
        members.data[path] = bytes
        buffered[path] = bytes.count
        bufferedBytes += bytes.count
        if configNames == nil, basename(path) == NemoArchive.configName { learnArtifactNames(fromConfig: path, bytes) }
    }

    /// Whether `NemoArchive` may read member `path`, as far as the members seen so far tell.
    private func wants(_ path: String) -> Bool {
        let name = basename(path)
        // Only the first model_config.yaml counts.
        if name == NemoArchive.configName { return configNames == nil }
        if NemoArchive.artifactSuffixes.contains(where: { name.hasSuffix($0) }) || manifestNames.contains(name) { return true }
        guard let configNames else { return true }
        return configNames.contains(name)
    }

    /// Parses the config, notes which members it names, and drops the provisional members it does not. A config that
    /// does not parse leaves everything provisional: `NemoArchive` reports it the ordinary way.
    private mutating func learnArtifactNames(fromConfig path: String, _ bytes: ByteView) {
        guard let text = try? NemoArchive.text(bytes, member: path, limit: options.memberLimit),
              let root = try? ConfigValue.parse(text, member: path) else { return }
        members.parsedConfigs[path] = root
        let config = NemoConfig(root: root)
        configNames = Set(NemoArchive.artifactKeys.compactMap { config.reference($0).map(NemoArchive.memberName(reference:)) })
        for (member, count) in buffered where !wants(member) && member != path {
            members.data[member] = nil
            buffered[member] = nil
            bufferedBytes -= count
        }
        for member in members.unread.keys where !wants(member) { members.unread[member] = nil }
    }
}

func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
