/// Fuzzes the pickle reader: every opcode, the memo, marks, globals policy and the freezer that builds the tree.
import Bytes
import FuzzSupport
import Pickle

/// Limits scaled down from the defaults so a bomb is caught in milliseconds, not seconds; the checks are the same.
private let options = PickleOptions(maxMemoEntries: 100_000, maxStackDepth: 100_000, maxStringBytes: 1 << 20,
                                    maxOperations: 1_000_000, maxTreeValues: 1_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        var offset = 0
        // Consecutive pickles, as in torch's legacy stream.
        while offset < view.count {
            let document = try PickleReader.read(view, at: offset, options: options)
            guard document.endOffset > offset else { break }
            offset = document.endOffset
        }
    }
}
