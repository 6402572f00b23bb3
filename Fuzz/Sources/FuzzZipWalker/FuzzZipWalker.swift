/// Fuzzes the front-to-back zip walker a `.tlt` conversion uses while the weights are still being decrypted:
/// local headers, data descriptors found by search or checked against a known size, and the bytes it hands out.
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        // Sizes as a caller would know them: from the central directory when there is one, else a guess taken
        // from the input itself, so wrong "known" sizes get exercised too.
        let known = (try? ZipArchive(view)).map { Dictionary($0.entries.map { ($0.name, $0.uncompressedSize) }, uniquingKeysWith: { a, _ in a }) }
        let guess = view.count > 0 ? Int(view[view.count / 2]) * 97 : 0
        for useKnown in [false, true] {
            var reached = 0
            var walker = ZipLocalWalker(view: view) { end in reached = max(reached, end) }
            var count = 0
            while let entry = try walker.next(knownSize: { name in useKnown ? (known?[name] ?? guess) : nil }) {
                let bytes = try view.slice(offset: entry.dataOffset, length: entry.size)
                _ = bytes.isEmpty ? 0 : bytes[bytes.count - 1]
                count += 1
                if count > 100_000 { break }
            }
            precondition(reached <= view.count, "the walker waited for bytes past the end")
        }
    }
}
