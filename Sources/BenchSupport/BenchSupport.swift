/// What the benchmark drivers (`*Bench` executables run by the `Tools/bench_*.sh` scripts) share: a monotonic
/// timer, medians, memory readings and the deterministic token ids the Python side of the inference benchmarks
/// uses too. Not part of DecantKit.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Seconds `body` takes on the monotonic clock.
public func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The median (the mean of the middle two for an even count).
public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The process's peak resident set so far, in MiB (`getrusage`).
public func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Resident memory from /proc/self/status, in MiB: anonymous (heap) and file-backed (mapped) pages, and the peak,
/// as `VmHWM_MiB`, `RssAnon_MiB` and `RssFile_MiB`.
public func residentMemory() -> [String: Double] {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
    var out: [String: Double] = [:]
    for line in status.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
        if parts.count >= 2, ["VmHWM", "RssAnon", "RssFile"].contains(String(parts[0])), let kb = Double(parts[1]) {
            out[String(parts[0]) + "_MiB"] = (kb / 1024).rounded()
        }
    }
    return out
}

/// The token ids Tools/bench_inference.py uses too: deterministic, spread over the vocabulary, two segments.
public func benchmarkInputs(length: Int) -> (ids: [Int32], types: [Int32], mask: [Int32]) {
    let ids = (0..<length).map { Int32(1000 + ($0 * 7919) % 29000) }
    let types = (0..<length).map { Int32($0 < length / 2 ? 0 : 1) }
    return (ids, types, Array(repeating: 1, count: length))
}
