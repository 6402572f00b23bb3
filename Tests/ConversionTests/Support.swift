/// Fixture paths, scratch folders and the reference export for the conversion tests.
import Bytes
import Codec
import Conversion
import Foundation
import Safetensors
import Tensors
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")
let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("samples")

let v0Nemo = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.0style_v0layout.nemo").path
let v2Nemo = fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path
let tinyTLT = samples.appendingPathComponent("qa_megatron_tiny.tlt").path
let referenceDirectory = fixtures.appendingPathComponent("nemo/hf_export_reference").path

/// Every source the converter must handle, with the key it needs.
struct Source: CustomTestStringConvertible, Sendable {
    let path: String
    let key: String?
    var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }
}

let allSources = [Source(path: v0Nemo, key: nil), Source(path: v2Nemo, key: nil), Source(path: tinyTLT, key: "tlt_encode")]

/// The reference Hugging Face export's tensors, by name.
func referenceTensors() throws -> [String: TensorView] {
    let file = try SafetensorsFile(path: referenceDirectory + "/model.safetensors")
    return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0) })
}

/// A fresh empty folder, removed at deinit.
final class ScratchFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "decant-conversion-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
}

func bytes(of path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

func sha256Hex(of path: String) -> String? {
    guard let file = try? MappedFile(path: path), let digest = try? SHA256Hasher.digest(file.view.buffer) else { return nil }
    return hexString(digest)
}
