/// Fuzzes the `.decant` native reader: preamble, JSON metadata, tensor directory, offsets, checksums.
import Bytes
import FuzzSupport
import NativeFormat

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let file = try NativeFile(view: view)
        for name in file.names { _ = try file.tensor(named: name) }
        try file.verifyChecksums()
    }
}
