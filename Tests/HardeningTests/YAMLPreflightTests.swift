/// The YAML bounds applied before Yams composes an archive's manifest or config: exact at the boundaries, and
/// silent on ordinary documents, including ones that use anchors and aliases modestly.
import Containers
import Testing

@Suite("YAML preflight")
struct YAMLPreflightTests {
    @Test("ordinary documents, anchors and aliases included, pass")
    func ordinaryDocumentsPass() {
        let config = """
            trainer: {devices: 1, precision: 16}
            defaults: &optim {name: adamw, lr: 3.0e-05, betas: [0.9, 0.999]}
            model:
              optim: *optim
              language_model: {num_layers: 24, hidden_size: 1024, num_attention_heads: 16}
              tokenizer: {vocab_file: nemo:bert_vocab.txt}
            """
        #expect(YAMLPreflight.refusal(config) == nil)
        // Syntax errors are the real parser's to report, with its position.
        #expect(YAMLPreflight.refusal("a: [1, 2") == nil)
    }

    @Test("nesting: 64 levels pass, 65 are refused", arguments: [(64, true), (65, false)])
    func nestingBoundary(levels: Int, passes: Bool) {
        let text = String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
        #expect((YAMLPreflight.refusal(text) == nil) == passes)
        if !passes { #expect(YAMLPreflight.refusal(text) == "nesting deeper than 64 levels") }
    }

    @Test("block nesting counts like flow nesting")
    func blockNesting() {
        let text = (0..<70).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n") + " 1\n"
        #expect(YAMLPreflight.refusal(text) == "nesting deeper than 64 levels")
    }

    @Test("aliases count as the nodes they stand for: 10^5 expanded pass, 10^6 are refused")
    func aliasExpansion() {
        func laughs(_ levels: Int) -> String {
            var text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
            for level in 1..<levels {
                text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
            }
            return text
        }
        #expect(YAMLPreflight.refusal(laughs(4)) == nil)
        #expect(YAMLPreflight.refusal(laughs(6)) == "more than 1000000 nodes once aliases are expanded")
    }
}
