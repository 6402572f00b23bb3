/// Fuzzes the zip reader torch checkpoints use: end records, central directory, local headers, stored data, and
/// inflating deflated entries (size bound, stream end, CRC-32).
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let archive = try ZipArchive(view)
        for entry in archive.entries {
            if entry.method == 0 {
                let bytes = try archive.data(of: entry)
                _ = bytes.isEmpty ? 0 : bytes[bytes.count - 1]
            } else {
                try archive.inflate(entry, into: DiscardingSink())
            }
            _ = archive.entry(named: entry.name)
        }
    }
}
