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

/// Writes `error: <message>` to stderr as one line.
func printErrorLine(_ message: String) { printDiagnosticLine("error", message) }

/// Writes `warning: <message>` to stderr as one line.
func printWarningLine(_ message: String) { printDiagnosticLine("warning", message) }

/// Messages quote names and values from input files, so the whole message is escaped for the terminal: a newline
/// in it shows as `\n` and cannot start a second line.
private func printDiagnosticLine(_ label: String, _ message: String) {
    var bytes = Array((label + ": " + message.escapedForDisplay + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
