/// Fuzzes the zip reader torch checkpoints use: end records, central directory, local headers, stored data.
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let archive = try ZipArchive(view)
        for entry in archive.entries {
            let bytes = try archive.data(of: entry)
            _ = bytes.isEmpty ? 0 : bytes[bytes.count - 1]
            _ = archive.entry(named: entry.name)
        }
    }
}
