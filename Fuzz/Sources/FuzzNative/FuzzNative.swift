/// Fuzzes the `.decant` native reader: preamble, JSON metadata, tensor directory, offsets, checksums.
import Bytes
import FuzzSupport
import NativeFormat

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        // Mutations almost never keep the XXH64 header checksum right, which would stop every input at the
        // preamble; re-sealing the header lets them reach the metadata and directory parsers.
        var bytes = view.array
        resealHeader(&bytes)
        try bytes.withUnsafeBytes { buffer in
            let file = try NativeFile(view: ByteView(owner: nil, buffer: buffer))
            for name in file.names { _ = try file.tensor(named: name) }
            try file.verifyChecksums()
        }
    }
}

/// Writes the header checksum the preamble's lengths call for, when they lie inside the input.
private func resealHeader(_ bytes: inout [UInt8]) {
    guard bytes.count >= NativeLayout.preambleSize else { return }
    func u64(_ offset: Int) -> UInt64 { bytes[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
    let (metadata, directory) = (u64(16), u64(32))
    guard metadata <= UInt64(bytes.count), directory <= UInt64(bytes.count),
          NativeLayout.preambleSize + Int(metadata) + Int(directory) <= bytes.count else { return }
    let end = NativeLayout.preambleSize + Int(metadata) + Int(directory)
    var hasher = XXH64()
    bytes.withUnsafeBytes { buffer in
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<NativeLayout.headerChecksumOffset]))
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[NativeLayout.preambleSize..<end]))
    }
    withUnsafeBytes(of: hasher.digest().littleEndian) { checksum in
        bytes.replaceSubrange(NativeLayout.headerChecksumOffset..<NativeLayout.preambleSize, with: checksum)
    }
}
