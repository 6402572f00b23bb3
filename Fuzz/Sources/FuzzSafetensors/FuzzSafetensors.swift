/// Fuzzes the safetensors reader: header length, JSON header, dtypes, shapes and data offsets.
import Bytes
import FuzzSupport
import Safetensors
import Tensors

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let file = try SafetensorsFile(view: view)
        for name in file.names {
            let tensor = try file.tensor(named: name)
            if tensor.count <= 4096 { _ = try tensor.toFloat32() }
        }
    }
}
