/// Inputs whose cost is far beyond their size (issue 10, items 6 and 7) end at once with one `error:` line naming
/// the limit, and leave nothing behind. Each run has a deadline, so a regression that starts materializing a
/// terabyte view fails instead of taking the machine down.
import Foundation
import Testing

@Suite("hostile inputs are refused before they cost memory or time", .serialized)
struct BoundsCLITests {
    /// A Megatron-BERT 345M-shaped `.nemo` (2 KB) whose every weight is a stride-0 view of one float.
    static let broadcast = fixtures.appendingPathComponent("adversarial/nemo-model/broadcast_weights.nemo").path

    @Test("a .nemo of broadcast weights fails fast in ask, convert and inspect --stats, leaving no output",
          .timeLimit(.minutes(2)), arguments: [
              ["ask", "@", "-q", "what is here?", "-c", "the answer is here."], ["convert", "@", "-o", "out"],
              ["convert", "@", "-o", "out", "--format", "hf"], ["inspect", "@", "--stats"],
          ])
    func broadcastWeights(arguments: [String]) throws {
        let folder = try ScratchFolder()
        let input = folder.file("broadcast.nemo")
        try FileManager.default.copyItem(atPath: Self.broadcast, toPath: input)
        let timed = try decant(arguments: arguments.map { $0 == "@" ? input : $0 == "out" ? folder.file("out") : $0 },
                               within: 60)
        try #require(!timed.timedOut && !timed.crashed, "decant ran on or crashed: \(timed.run.stderr)")
        #expect(timed.seconds < 10)
        expectCleanFailure(timed.run, mentioning: "addresses 31326208 elements but its storage holds 1", folder: folder,
                           inputs: ["broadcast.nemo"])
    }
}
