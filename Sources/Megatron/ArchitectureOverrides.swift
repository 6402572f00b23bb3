/// The architecture facts a user can state for a checkpoint that does not tell them (`--heads`, `--qkv-layout`).
///
/// Every command that detects an architecture takes them, since detection's errors ask for them by these names.
public struct ArchitectureOverrides: Sendable, Equatable {
    /// Attention heads; shapes never show them.
    public var heads: Int?
    /// The fused-QKV row order.
    public var qkvLayout: QKVLayout?

    /// The option names, as detection's rules and errors cite them.
    public static let headsOption = "--heads"
    public static let qkvLayoutOption = "--qkv-layout"

    public init(heads: Int? = nil, qkvLayout: QKVLayout? = nil) {
        self.heads = heads
        self.qkvLayout = qkvLayout
    }

    /// `hints` with the stated values winning over whatever the checkpoint says.
    public func applied(to hints: MegatronHints) -> MegatronHints {
        var hints = hints
        if let heads { hints.heads = Sourced(heads, source: Self.headsOption) }
        if let qkvLayout { hints.qkvLayout = Sourced(qkvLayout, source: Self.qkvLayoutOption) }
        return hints
    }
}
