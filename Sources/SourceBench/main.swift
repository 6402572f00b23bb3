/// Benchmark driver for `ModelSource` (Tools/bench_open_source.sh): opens a model file, then detects, plans and
/// materializes every canonical Megatron tensor, printing one JSON line with times and memory.
#if canImport(Glibc)
import Glibc
#endif
import Bytes
import Checkpoint
import Codec
import Containers
import BenchSupport
import Foundation
import Megatron
import Tensors

func now() -> Double { Date().timeIntervalSince1970 }

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "encrypt" {
    // encrypt IN.nemo OUT.tlt: TAO's layout, only the weights encrypted (key tlt_encode).
    let output = try AtomicOutputFile(destination: arguments[3])
    _ = try TAOConversion.encryptNemo(path: arguments[2], key: try LoadKey("tlt_encode"), to: output)
    try output.commit()
    exit(0)
}
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: SourceBench PATH [KEY] | SourceBench encrypt IN OUT\n".data(using: .utf8)!)
    exit(2)
}

let start = now()
let source = try ModelSource.open(path: arguments[1], key: arguments.count > 2 ? arguments[2] : nil)
let opened = now()
let afterOpen = residentMemory()
let architecture = try MegatronArchitecture.detect(tensors: source.tensors,
                                                   hints: try MegatronHints(settings: source.megatronSettings))
let plan = try MegatronMapping.plan(tensors: source.tensors.map(TensorSignature.init), architecture: architecture)
let byName = Dictionary(uniqueKeysWithValues: source.tensors.map { ($0.name, $0) })
var bytes = 0
var checksum: UInt64 = 0
for item in plan.tensors {
    let tensor = try MegatronMapping.materialize(item, source: byName[item.sourceNames[0]]!)
    // Touch every byte so lazy views and page faults are paid here.
    let contiguous = tensor.contiguousBytes()
    for word in stride(from: 0, to: contiguous.count - 7, by: 8) {
        checksum &+= contiguous.buffer.loadUnaligned(fromByteOffset: word, as: UInt64.self)
    }
    bytes += contiguous.count
}
let done = now()
var report: [String: Any] = [
    "file": arguments[1], "layers": source.layers, "tensors": source.tensors.count, "canonical": plan.tensors.count,
    "qkvLayout": architecture.qkvLayout.rawValue, "open_s": opened - start,
    "materialize_s": done - opened, "canonical_bytes": bytes, "checksum": String(checksum, radix: 16),
]
for (key, value) in afterOpen { report["after_open_" + key] = value }
for (key, value) in residentMemory() { report["end_" + key] = value }
let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
