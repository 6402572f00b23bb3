/// Fuzzes the EFF `manifest.yaml` parser (YAML or JSON text, including anchors and aliases).
import Bytes
import Containers
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzz(data, size) { view in
        let manifest = try EFFManifest(yaml: String(decoding: view.buffer, as: UTF8.self))
        _ = try manifest.yamlVersion3()
    }
}
