/// Benchmark driver for Tools/bench_convert.sh: how long opening a .decant file and reading one tensor takes.
///
///   ConvertBench FILE.decant TENSOR [ROUNDS]
///
/// Each round maps the file, validates its header (NativeFile), and decodes the tensor to f32 (touching every
/// byte of it). Prints one JSON line with the best and median round in milliseconds; the first round is reported
/// apart because it pays the page faults of a fresh mapping.
import Foundation
import NativeFormat

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ConvertBench FILE.decant TENSOR [ROUNDS]\n".utf8))
    exit(2)
}
let (path, name) = (arguments[1], arguments[2])
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20
let clock = ContinuousClock()
var times: [Double] = []
var checksum: Float = 0
for _ in 0..<rounds {
    let start = clock.now
    let file = try NativeFile(path: path)
    let values = try file.tensor(named: name).toFloat32()
    let elapsed = clock.now - start
    checksum += values[values.count / 2]
    times.append(Double(elapsed.components.attoseconds) * 1e-15 + Double(elapsed.components.seconds) * 1e3)
}
let sorted = times.sorted()
let tensor = try NativeFile(path: path).tensor(named: name)
print(String(format: "{\"file\": \"%@\", \"tensor\": \"%@\", \"storage\": \"%@\", \"values\": %d, \"first_ms\": %.3f, \"best_ms\": %.3f, \"median_ms\": %.3f, \"checksum\": %g}",
             path, name, tensor.storage.rawValue, tensor.count, times[0], sorted[0], sorted[sorted.count / 2], checksum))
