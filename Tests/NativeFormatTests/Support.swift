/// A test-side .decant builder written straight from formats/native.md (independent of NativeFileWriter), so
/// each test can break exactly one field of an otherwise consistent file.
import Bytes
import Foundation
import NativeFormat
import Quantization

struct CraftedEntry {
    var name: [UInt8]
    var code: UInt8
    var dimensions: [UInt64]
    var offset: UInt64
    var length: UInt64
    var checksum: UInt64 = 0
    var rank: UInt8? = nil

    init(_ name: String, code: UInt8, dimensions: [UInt64], offset: UInt64, length: UInt64) {
        self.name = Array(name.utf8)
        self.code = code
        self.dimensions = dimensions
        self.offset = offset
        self.length = length
    }

    var bytes: [UInt8] {
        var out = le(UInt16(name.count)) + name + [code, rank ?? UInt8(dimensions.count)]
        for d in dimensions { out += le(d) }
        return out + le(offset) + le(length) + le(checksum)
    }
}

struct CraftedFile {
    var magic = NativeLayout.magic
    var version: UInt32 = 1
    var alignment: UInt32 = 64
    var metadata = Array(#"{"k":"v"}"#.utf8)
    var entries: [CraftedEntry] = [
        CraftedEntry("a", code: 0, dimensions: [2, 3], offset: 0, length: 24),
        CraftedEntry("b", code: 3, dimensions: [1, 32], offset: 64, length: 34),
    ]
    var dataBytes = 64 + 34
    var directoryExtra: [UInt8] = []
    /// Keeps only this many directory bytes (an entry cut short).
    var directoryPrefix: Int? = nil
    /// Fields left nil are computed consistently.
    var tensorCount: UInt64? = nil
    var directoryLength: UInt64? = nil
    var dataOffset: UInt64? = nil
    var fileLength: UInt64? = nil
    var fixChecksums = true

    func build() -> [UInt8] {
        let data = (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        var entries = self.entries
        if fixChecksums {
            for i in entries.indices {
                let start = Int(entries[i].offset), end = start + Int(entries[i].length)
                if end <= data.count { entries[i].checksum = data[start..<end].withUnsafeBytes { XXH64.hash($0) } }
            }
        }
        let fullDirectory = entries.flatMap(\.bytes) + directoryExtra
        let directory = Array(fullDirectory.prefix(directoryPrefix ?? fullDirectory.count))
        let headerLength = 64 + metadata.count + directory.count
        let a = Int(alignment)
        let computedDataOffset = (headerLength + a - 1) / a * a
        var bytes = magic + le(version) + le(alignment) + le(UInt64(metadata.count)) + le(tensorCount ?? UInt64(entries.count))
        bytes += le(directoryLength ?? UInt64(directory.count)) + le(dataOffset ?? UInt64(computedDataOffset))
        bytes += le(fileLength ?? UInt64(computedDataOffset + dataBytes)) + le(UInt64(0))
        bytes += metadata + directory
        bytes += [UInt8](repeating: 0, count: max(0, computedDataOffset - headerLength))
        if fixChecksums { rehash(&bytes, headerLength: headerLength) }
        data.withUnsafeBytes { bytes += $0 }
        return bytes
    }
}

func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

/// Recomputes the header checksum, as a deliberately crafted (not accidentally corrupted) file would.
func rehash(_ bytes: inout [UInt8], headerLength: Int) {
    var hasher = XXH64()
    bytes.withUnsafeBytes {
        hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<56]))
        hasher.update(UnsafeRawBufferPointer(rebasing: $0[64..<headerLength]))
    }
    bytes.replaceSubrange(56..<64, with: le(hasher.digest()))
}

func openingError(_ bytes: [UInt8], limits: NativeFormatLimits = NativeFormatLimits()) -> NativeFormatError? {
    do {
        _ = try NativeFile(view: ByteView(copying: bytes), limits: limits)
        return nil
    } catch {
        return error
    }
}

func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("decant-nf-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}
