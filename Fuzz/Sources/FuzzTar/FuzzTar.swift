/// Fuzzes both tar readers on the same bytes: the in-place `TarIndex` and the streaming `TarStreamReader`.
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        defer {
            // The streaming reader must not depend on the index having succeeded.
            let reader = TarStreamReader(source: ViewSource(view))
            while let entry = try? reader.next() {
                if entry.isFile { _ = try? reader.data.readAll(limit: 1 << 20) }
            }
        }
        let index = try TarIndex(view: view)
        for entry in index.entries where entry.isFile {
            _ = index.data(of: entry).array.last
            _ = index.entry(entry.path)
        }
    }
}
