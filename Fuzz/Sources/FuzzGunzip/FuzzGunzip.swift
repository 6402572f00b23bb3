/// Fuzzes the streaming gzip reader: header fields, deflate data, CRC-32 and length trailer, concatenated members.
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        // Small input chunks make the reader cross chunk boundaries inside headers and trailers.
        let gunzip = try GunzipSource(upstream: ViewSource(view), inputChunkSize: 7)
        // Deflate expands at most 1032:1; a sink cap keeps a compression bomb from stalling the fuzzer.
        var buffer = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < 64 << 20 {
            let count = try buffer.withUnsafeMutableBytes { try gunzip.read(into: $0) }
            if count == 0 { break }
            total += count
        }
    }
}
