/// Helpers shared by the safetensors tests: fixture paths, hand-built files and temporary outputs.
import Bytes
import Foundation
import Safetensors

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// A safetensors image: the length prefix, `header` verbatim, then `dataBytes` bytes counting up from 0.
func craftedFile(header: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) -> ByteView {
    craftedFile(headerBytes: Array(header.utf8), dataBytes: dataBytes, declaredLength: declaredLength)
}

func craftedFile(headerBytes json: [UInt8], dataBytes: Int = 0, declaredLength: UInt64? = nil) -> ByteView {
    var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) }
    bytes += json
    bytes += (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0) }
    return ByteView(copying: bytes)
}

/// Opens a crafted file and returns the error it was rejected with (nil when it opened).
func openingError(_ view: ByteView) -> SafetensorsError? {
    do {
        _ = try SafetensorsFile(view: view)
        return nil
    } catch {
        return error
    }
}

/// A fresh path in a fresh temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("decant-st-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}
