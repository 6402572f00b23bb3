/// The options of every command that reads a source checkpoint (inspect, convert, verify, ask, eval): what the
/// checkpoint does not tell, and how far its pickles are trusted. Detection and pickle errors suggest them by name,
/// so each command that can raise those errors takes them.
import ArgumentParser
import Checkpoint
import Megatron
import Pickle

extension QKVLayout: ExpressibleByArgument {}

struct SourceOptionsGroup: ParsableArguments {
    @Option(help: "Attention heads, for checkpoints without a config (wins over the config).")
    var heads: Int?

    @Option(help: "Fused-QKV row order (v0, v1, v2), for checkpoints whose metadata and K biases do not tell.")
    var qkvLayout: QKVLayout?

    @Flag(help: "Read pickled globals outside the allowlist as inert data (nothing is ever called).")
    var allowOpaque = false

    func validate() throws {
        if let heads, heads < 1 { throw ValidationError("--heads must be at least 1") }
    }

    var overrides: ArchitectureOverrides { ArchitectureOverrides(heads: heads, qkvLayout: qkvLayout) }
    var source: SourceOptions { SourceOptions(pickle: PickleOptions(allowOpaque: allowOpaque)) }
}
