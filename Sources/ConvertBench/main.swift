/// Benchmark driver for Tools/bench_convert.sh: how long opening a .decant file and reading one tensor takes.
///
///   ConvertBench FILE.decant TENSOR [ROUNDS]
///
/// Each round maps the file and validates its header (`NativeFile`), then decodes the tensor to f32 into a
/// buffer allocated once beforehand (as an inference workspace would be), touching every byte of the tensor.
/// Prints one JSON line: the first round apart (it pays for a fresh process's first mapping and first calls),
/// then the best and the median, in milliseconds, for open alone and for open + read.
import BenchSupport
import Foundation
import NativeFormat

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ConvertBench FILE.decant TENSOR [ROUNDS]\n".utf8))
    exit(2)
}
let (path, name) = (arguments[1], arguments[2])
let rounds = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20)
let probe = try NativeFile(path: path).tensor(named: name)
let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: probe.count)
buffer.initialize(repeating: 0)
let clock = ContinuousClock()
func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15 }
var opens: [Double] = []
var totals: [Double] = []
var checksum: Float = 0
for _ in 0..<rounds {
    let start = clock.now
    let file = try NativeFile(path: path)
    let opened = clock.now
    try file.tensor(named: name).dequantize(into: buffer)
    let done = clock.now
    checksum += buffer[buffer.count / 2]
    opens.append(milliseconds(opened - start))
    totals.append(milliseconds(done - start))
}
print(String(format: "{\"file\": \"%@\", \"tensor\": \"%@\", \"storage\": \"%@\", \"values\": %d, \"first_ms\": %.3f, "
             + "\"open_best_ms\": %.3f, \"best_ms\": %.3f, \"median_ms\": %.3f, \"checksum\": %g}",
             path, name, probe.storage.rawValue, probe.count, totals[0], opens.min()!, totals.min()!, median(totals), checksum))
