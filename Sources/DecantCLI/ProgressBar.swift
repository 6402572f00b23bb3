/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
import Bytes
import Conversion
#if canImport(Glibc)
import Glibc
#endif

final class ProgressBar {
    private var lastDrawn = -1

    /// nil when stderr is not a terminal (pipes, CI logs, tests): nothing is drawn at all.
    static func forStandardError() -> ProgressBar? { isatty(2) == 1 ? ProgressBar() : nil }

    func update(_ step: ConversionProgress) {
        let permille = step.bytesTotal > 0 ? step.bytesDone * 1000 / step.bytesTotal : 1000
        guard permille != lastDrawn else { return }
        lastDrawn = permille
        let width = 30
        let filled = permille * width / 1000
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let tensor = step.lastTensor.escapedForDisplay
        let name = tensor.count > 40 ? "…" + tensor.suffix(39) : tensor
        draw("\r\u{1B}[2K\(bar) \(permille / 10)% \(step.tensorsDone)/\(step.tensorCount) \(name)")
    }

    func finish() { draw("\r\u{1B}[2K") }

    private func draw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
