// Times the QA module in release mode: vocabulary load, tokenization throughput, SQuAD windows for a long
// context, and span decoding. Run through Tools/bench_qa.sh, which builds this against Sources/QA.
import Foundation
import QA

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs { fastest = min(fastest, try seconds(body)) }
    return fastest
}

let arguments = CommandLine.arguments
let vocabPath = arguments[1]
let text = try String(contentsOfFile: arguments[2], encoding: .utf8)
let context = try String(contentsOfFile: arguments[3], encoding: .utf8)

var vocabulary: Vocabulary!
let loadTime = try best(of: 5) { vocabulary = try Vocabulary(path: vocabPath) }
print(String(format: "vocabulary load (%d tokens): %.1f ms", vocabulary.count, loadTime * 1e3))

let tokenizer = BertTokenizer(vocabulary: vocabulary)
var tokenCount = 0
let tokenizeTime = best(of: 3) { tokenCount = tokenizer.tokenize(text).count }
let megabytes = Double(text.utf8.count) / 1e6
print(String(format: "tokenize %.2f MB (%d tokens): %.3f s = %.2f MB/s, %.0f k tokens/s",
             megabytes, tokenCount, tokenizeTime, megabytes / tokenizeTime, Double(tokenCount) / tokenizeTime / 1e3))

let contextTime = best(of: 5) { tokenCount = tokenizer.tokenize(context).count }
let contextMegabytes = Double(context.utf8.count) / 1e6
print(String(format: "tokenize English context %.3f MB (%d tokens): %.2f MB/s, %.0f k tokens/s", contextMegabytes,
             tokenCount, contextMegabytes / contextTime, Double(tokenCount) / contextTime / 1e3))

let processor = try SquadProcessor(vocabulary: vocabulary)
var example: QAExample!
let windowTime = try best(of: 5) { example = try processor.makeExample(question: "Who swore fealty?", context: context) }
print(String(format: "makeExample, %d-word context → %d windows: %.1f ms",
             example.words.count, example.features.count, windowTime * 1e3))

var generator = SystemRandomNumberGenerator()
let logits = example.features.map { feature in
    SpanLogits(start: feature.inputIDs.map { _ in Float.random(in: -5...5, using: &generator) },
               end: feature.inputIDs.map { _ in Float.random(in: -5...5, using: &generator) })
}
let decodeTime = try best(of: 5) { _ = try processor.predict(example, logits: logits) }
print(String(format: "predict over %d windows (n-best 20): %.1f ms", example.features.count, decodeTime * 1e3))
