/// Fuzzes EFF archives (`.tlt`, `.riva`) end to end: indexing from disk, manifest matching, streaming every artifact.
import Bytes
import Codec
import Containers
import FuzzSupport

private let scratch = ScratchFile(name: "archive.tlt")
private let key = try! LoadKey("nvidia_tlt")

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        scratch.write(view)
        let archive = try EFFArchive(path: scratch.path)
        try archive.readArtifacts(key: key) { _, source in
            try source.pump(into: DiscardingSink())
        }
    }
}
