/// Fuzzes torch checkpoints in all three layouts (zip, legacy stream, tar) down to validated tensor views.
import Bytes
import Checkpoint
import FuzzSupport
import Pickle
import Tensors

private let options = PickleOptions(maxMemoEntries: 100_000, maxStackDepth: 100_000, maxStringBytes: 1 << 20,
                                    maxOperations: 1_000_000, maxTreeValues: 1_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let checkpoint = try TorchCheckpoint.read(view, options: options)
        _ = checkpoint.layers
        for tensor in try checkpoint.allTensors() where tensor.count <= 4096 {
            _ = try tensor.toFloat32()
        }
    }
}
