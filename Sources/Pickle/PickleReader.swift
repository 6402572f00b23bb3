import Bytes

/// A pickle reader that builds an inert value tree and never executes anything.
///
/// `read` runs the opcodes (refusing globals outside the allowlist), then freezes the object graph into a
/// `PickleValue`. Consecutive pickles in one file (torch's legacy stream) are read by passing `endOffset`
/// of one as the start of the next.
public enum PickleReader {
    /// Turns a persistent id other than torch's `("storage", …)` tuples into a value, or nil to keep it inert.
    public typealias PersistentIDResolver = (PickleValue) -> PickleValue?

    public static func read(_ view: ByteView, at offset: Int = 0, options: PickleOptions = .init(),
                            resolvePersistentID: PersistentIDResolver? = nil) throws(PickleError) -> PickleDocument {
        var machine = PickleMachine(view, at: offset, options: options)
        let (root, end) = try machine.run()
        var freezer = PickleFreezer(graph: machine.graph, options: options, resolvePersistentID: resolvePersistentID)
        let value = try freezer.freeze(root)
        return PickleDocument(root: value, protocolVersion: machine.protocolVersion, startOffset: offset, endOffset: end,
                              storages: freezer.storages)
    }
}

/// One decoded pickle.
public struct PickleDocument: Sendable, Equatable {
    public let root: PickleValue
    /// The PROTO opcode's version (0 when the pickle has none).
    public let protocolVersion: Int
    public let startOffset: Int
    /// Just past the STOP opcode.
    public let endOffset: Int
    /// Every distinct torch storage named by a `("storage", …)` persistent id, in first-seen order.
    public let storages: [TorchStorageRef]
}
