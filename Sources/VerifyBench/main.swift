/// Benchmark driver for QA models in any storage type (run by Tools/bench_verify.sh, not a user command).
///
///   VerifyBench MODEL THREADS ITERATIONS SEQ_LEN…
///       opens MODEL (.decant of any storage type, or a source checkpoint) as `decant ask` does, times batch-1
///       forwards (2 warm-ups, then the median), and prints one JSON line per length in InferenceBench's format
///       (engine "decant-<storage>"), with the load time, the f32 bytes the model owns and the peak RSS.
import BenchSupport
import Foundation
import Inference
import Verification

BLASRuntime.relaunchWithFasterKernelsIfUnset()
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 4, let threads = Int(arguments[1]), let iterations = Int(arguments[2]) else {
    fatalError("usage: VerifyBench MODEL THREADS ITERATIONS SEQ_LEN…")
}
BLASRuntime.setThreads(threads)
var model: QAModel!
let loadSeconds = try seconds { model = try QAModel.open(path: arguments[0]) }
let loadRSS = peakResidentMiB()
for length in arguments[3...].compactMap({ Int($0) }) {
    let input = benchmarkInputs(length: length)
    let forward = { _ = try model.engine.logits(inputIds: [input.ids], tokenTypeIds: [input.types], attentionMask: [input.mask]) }
    for _ in 0..<2 { try forward() }
    let times = try (0..<iterations).map { _ in try seconds(forward) }.sorted()
    let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    print(#"{"engine": "decant-\#(model.storage.rawValue)", "core": "\#(BLASRuntime.coreName)", "threads": \#(threads), "seq": \#(length), "#
          + #""median_ms": \#(String(format: "%.1f", median * 1000)), "min_ms": \#(String(format: "%.1f", times[0] * 1000)), "#
          + #""load_s": \#(String(format: "%.2f", loadSeconds)), "owned_weight_mib": \#(model.engine.ownedWeightBytes >> 20), "#
          + #""borrowed_weight_mib": \#(model.engine.borrowedWeightBytes >> 20), "load_peak_rss_mib": \#(String(format: "%.0f", loadRSS)), "#
          + #""peak_rss_mib": \#(String(format: "%.0f", peakResidentMiB()))}"#)
}
