import CSignals

/// The bridge to the CLI's fatal-signal handlers (CSignals): mapped inputs and output temporaries register here,
/// so a signal that ends the process still removes every temporary, and a SIGBUS from an input that shrank
/// under its mapping ends with one `error:` line instead of a crash.
public enum SignalCleanup {
    /// Installs the handlers (SIGINT/SIGTERM/SIGHUP: exit 128 + signal; SIGBUS in an input: `inputShrankExitStatus`).
    public static func installHandlers() { decant_signals_install() }

    /// The exit status after an input shrank while being read.
    public static let inputShrankExitStatus = Int32(DECANT_EXIT_INPUT_SHRANK)

    /// The exit status after `signal` stopped the process.
    public static func exitStatus(stoppedBy signal: Int32) -> Int32 { 128 + signal }
}

/// A registered output temporary: removed by a fatal signal until `unregister()` (after its rename or removal).
public struct TemporaryRegistration: Sendable {
    private let slot: Int32

    public init(path: String, isDirectory: Bool) {
        slot = decant_temporary_register(path, isDirectory ? 1 : 0)
    }

    public func unregister() { decant_temporary_unregister(slot) }
}

/// A registered read-only mapping of an input, so a SIGBUS inside it is reported as the file shrinking.
struct MappingRegistration {
    private let slot: Int32

    init(base: UnsafeRawPointer, count: Int, path: String) {
        slot = decant_mapping_register(base, count, path)
    }

    func unregister() { decant_mapping_unregister(slot) }
}
