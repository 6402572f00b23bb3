/// The shared error policy of every `decant` command: one `error: …` line on stderr, exit status 1.
///
/// Wrap a command's body: `func run() throws { try reportingErrors { … } }`. Any `DecantError` (and any
/// other non-ArgumentParser error) is printed as `error: <description>` — one line, no stack, no usage
/// text — and turned into `ExitCode(1)`. ArgumentParser's own errors (usage, `--help`, `ExitCode`) pass
/// through untouched so its usual messages and exit codes still apply.
import ArgumentParser
import Bytes
#if canImport(Glibc)
import Glibc
#endif

func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DecantError {
        printErrorLine(error.description)
        throw ExitCode(1)
    } catch let error where error is ExitCode || error is CleanExit || error is ValidationError {
        throw error
    } catch {
        printErrorLine(String(describing: error))
        throw ExitCode(1)
    }
}

/// Writes `error: <message>` to stderr, folding any newlines so the message stays one line.
func printErrorLine(_ message: String) {
    let line = "error: " + message.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n"
    var bytes = Array(line.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// `warning: …` on stderr, one line each.
func printWarningLine(_ message: String) {
    var bytes = Array(("warning: " + message + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
