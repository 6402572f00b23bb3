/// Fuzzes `.nemo` archives: tar or tar.gz members, `model_config.yaml`, artifact references, vocab and versions.
import Bytes
import Checkpoint
import FuzzSupport

/// The shipped limits (member, buffer, inflation, vocabulary), so what the fuzzer finds is what `decant` does.
private let options = NemoOptions(spoolDirectory: "/tmp")

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let archive = try NemoArchive.open(view, options: options)
        _ = archive.config.reference("tokenizer.vocab_file")
    }
}
