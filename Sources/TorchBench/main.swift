/// Benchmark driver for the torch checkpoint and pickle readers (Tools/bench_torch.sh): reads each file given,
/// best of N runs, and prints one JSON line per file with the time, what was found and resident memory.
#if canImport(Glibc)
import Glibc
#endif
import Bytes
import Checkpoint
import BenchSupport
import Foundation
import Pickle

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, let runs = Int(arguments[0]) else {
    FileHandle.standardError.write("usage: TorchBench RUNS FILE... (.pkl files are read as bare pickles)\n".data(using: .utf8)!)
    exit(2)
}
for path in arguments.dropFirst() {
    let file = try MappedFile(path: path)
    var best = Double.infinity
    var fields: [String: Any] = ["file": (path as NSString).lastPathComponent, "bytes": file.count, "runs": runs]
    if path.hasSuffix(".pkl") {
        var document: PickleDocument?
        for _ in 0..<runs { best = min(best, try seconds { document = try PickleReader.read(file.view) }) }
        fields["pickle_MB_per_s"] = (Double(file.count) / best / 1e6 * 10).rounded() / 10
        fields["protocol"] = document!.protocolVersion
    } else {
        var checkpoint: TorchCheckpoint?
        for _ in 0..<runs { best = min(best, try seconds { checkpoint = try TorchCheckpoint.read(file.view) }) }
        fields["layers"] = checkpoint!.layers
        fields["tensor_bytes"] = checkpoint!.tensors.reduce(0) { $0 + $1.byteCount }
    }
    fields["best_ms"] = (best * 1e5).rounded() / 100
    fields.merge(residentMemory()) { $1 }
    emit(fields)
}
