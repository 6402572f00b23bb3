/// Benchmark driver for the inference engine (run by Tools/bench_inference.sh, not a user command).
///
///   InferenceBench sgemm M N K THREADS              GFLOP/s of cblas_sgemm (C = A·Bᵀ, the Linear shape)
///   InferenceBench run MODEL_DIR THREADS ITERATIONS SEQ_LEN… [--logits FILE]
///       loads config.json + model.safetensors, times batch-1 forwards (warm-up, then median), prints one JSON
///       line per length; --logits writes the logits of each length for comparison with PyTorch.
import CBLAS
import BenchSupport
import Foundation
import Inference
import Safetensors
import Tensors

func sgemm(_ arguments: [String]) {
    let sizes = arguments.compactMap { Int($0) }
    guard sizes.count == 4 else { fatalError("usage: InferenceBench sgemm M N K THREADS") }
    let (m, n, k) = (sizes[0], sizes[1], sizes[2])
    BLASRuntime.setThreads(sizes[3])
    let a = (0..<(m * k)).map { Float($0 % 7) * 0.1 }, b = (0..<(n * k)).map { Float($0 % 5) * 0.1 }
    var c = [Float](repeating: 0, count: m * n)
    let run = {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0,
                    &c, Int32(n))
    }
    run()
    let times = (0..<7).map { _ in seconds(run) }
    let gflops = 2 * Double(m * n * k) / median(times) / 1e9
    print(#"{"core": "\#(BLASRuntime.coreName)", "m": \#(m), "n": \#(n), "k": \#(k), "threads": \#(sizes[3]), "gflops": \#(String(format: "%.1f", gflops))}"#)
}

func run(_ arguments: [String]) throws {
    var arguments = arguments
    var logitsPath: String?
    if let flag = arguments.firstIndex(of: "--logits") {
        logitsPath = arguments[flag + 1]
        arguments.removeSubrange(flag...(flag + 1))
    }
    guard arguments.count >= 4, let threads = Int(arguments[1]), let iterations = Int(arguments[2]) else {
        fatalError("usage: InferenceBench run MODEL_DIR THREADS ITERATIONS SEQ_LEN… [--logits FILE]")
    }
    let directory = URL(fileURLWithPath: arguments[0])
    let lengths = arguments[3...].compactMap { Int($0) }
    BLASRuntime.setThreads(threads)

    var model: BertQAModel!
    let loadSeconds = try seconds {
        let config = try BertConfig(huggingFaceConfigJSON: Data(contentsOf: directory.appendingPathComponent("config.json")))
        let file = try SafetensorsFile(path: directory.appendingPathComponent("model.safetensors").path)
        let weights = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0) })
        model = try BertQAModel(config: config, weights: weights)
    }
    var logits: [String: [String: [Float]]] = [:]
    for length in lengths {
        let input = benchmarkInputs(length: length)
        let forward = { try model.logits(inputIds: [input.ids], tokenTypeIds: [input.types], attentionMask: [input.mask]) }
        var output = try forward()
        for _ in 0..<2 { output = try forward() }
        let times = try (0..<iterations).map { _ in try seconds { output = try forward() } }
        logits[String(length)] = ["start": output[0].start, "end": output[0].end]
        print(#"{"engine": "decant", "core": "\#(BLASRuntime.coreName)", "threads": \#(threads), "seq": \#(length), "#
              + #""median_ms": \#(String(format: "%.1f", median(times) * 1000)), "min_ms": \#(String(format: "%.1f", times.min()! * 1000)), "#
              + #""load_s": \#(String(format: "%.2f", loadSeconds)), "owned_weight_mib": \#(model.ownedWeightBytes >> 20), "#
              + #""borrowed_weight_mib": \#(model.borrowedWeightBytes >> 20), "peak_rss_mib": \#(String(format: "%.0f", peakResidentMiB()))}"#)
    }
    if let logitsPath {
        try JSONSerialization.data(withJSONObject: logits).write(to: URL(fileURLWithPath: logitsPath))
    }
}

BLASRuntime.relaunchWithFasterKernelsIfUnset()
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "sgemm": sgemm(Array(arguments.dropFirst()))
case "run": try run(Array(arguments.dropFirst()))
default: fatalError("usage: InferenceBench sgemm … | run …")
}
