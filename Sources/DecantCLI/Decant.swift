import ArgumentParser

/// `decant`: the command line. Each subcommand is a type; all real work lives in the library modules.
@main
struct Decant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decant",
        abstract: "Take checkpoints out of locked or unsafe containers into a fast, memory-mappable format.",
        version: "0.1.0",
        subcommands: [DecryptCommand.self, EncryptCommand.self, CheckCommand.self, ConvertCommand.self,
                      AskCommand.self, VerifyCommand.self, EvalCommand.self, InspectCommand.self]
    )
}
