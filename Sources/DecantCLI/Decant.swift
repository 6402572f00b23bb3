import ArgumentParser

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
}
