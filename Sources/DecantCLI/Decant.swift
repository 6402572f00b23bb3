import ArgumentParser
import Bytes

/// `decant`: the command line. Each subcommand is a type; all real work lives in the library modules.
@main
struct Decant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decant",
        abstract: "Take checkpoints out of locked or unsafe containers into a fast, memory-mappable format.",
        version: "0.1.0",
        // In the order a user meets them: look inside, unlock, convert, check, prove, use.
        subcommands: [InspectCommand.self, DecryptCommand.self, EncryptCommand.self, ConvertCommand.self, CheckCommand.self,
                      VerifyCommand.self, AskCommand.self, EvalCommand.self, CleanCommand.self]
    )

    /// Every command stops at once on SIGINT, SIGTERM or SIGHUP (exit 128 + signal, temporaries removed), and
    /// an input truncated while mapped ends with one `error:` line (exit 1) instead of a SIGBUS crash.
    static func main() {
        SignalCleanup.installHandlers()
        main(nil)
    }
}
