/// Architecture detection on a `.tlt` converted while it is decrypted reads the K biases' real bytes, and the
/// decision is taken again from the complete, verified checkpoint before anything is committed.
import Bytes
import Checkpoint
import Codec
import Containers
import Foundation
import JSON
import Megatron
import NativeFormat
import Testing
@testable import Conversion

@Suite struct StreamedDetectionTests {
    /// The v2 fixture without `megatron_legacy` and with the v2 K rows of every fused QKV bias zeroed
    /// (Tools/make_conversion_fixtures.py): only the K-bias heuristic can tell its layout.
    static let kBiasOnly = fixtures.appendingPathComponent("conversion/kbias_only_v2.nemo").path

    static func encrypted(_ nemo: String, in folder: ScratchFolder) throws -> String {
        let sink = CollectingSink()
        _ = try TAOConversion.encryptNemo(path: nemo, key: try LoadKey("tlt_encode"), to: sink)
        let tlt = folder.file("kbias_only_v2.tlt")
        try Data(sink.bytes).write(to: URL(fileURLWithPath: tlt))
        return tlt
    }

    /// Before, the heuristic read the streamed placeholders (the start of the spool) and refused with norms of
    /// about 1e33; slightly different garbage would have picked a layout silently.
    @Test("convert x.tlt and convert x.nemo decide the same QKV layout and write the same tensors")
    func streamedAndPlainConvertAlike() throws {
        let folder = try ScratchFolder()
        let tlt = try Self.encrypted(Self.kBiasOnly, in: folder)
        let streamed = try Converter.convert(input: tlt, output: folder.file("tlt.decant"),
                                             options: ConversionOptions(storage: .f32, key: "tlt_encode"))
        let plain = try Converter.convert(input: Self.kBiasOnly, output: folder.file("nemo.decant"),
                                          options: ConversionOptions(storage: .f32))
        #expect(plain.model.qkvLayout == .v2)
        #expect(plain.model.rules["qkv_layout"]?.hasPrefix("K-bias heuristic") == true)
        #expect(streamed.model == plain.model)

        let fromTLT = try NativeFile(path: folder.file("tlt.decant"))
        let fromNemo = try NativeFile(path: folder.file("nemo.decant"))
        #expect(fromTLT.names == fromNemo.names)
        for name in fromNemo.names {
            let a = try fromTLT.tensor(named: name), b = try fromNemo.tensor(named: name)
            #expect(a.storage == b.storage && a.shape == b.shape, "\(name)")
            #expect(a.bytes.buffer.elementsEqual(b.bytes.buffer), "\(name)")
        }
        var a = fromTLT.metadata, b = fromNemo.metadata
        #expect(a.removeValue(forKey: "provenance") != nil && b.removeValue(forKey: "provenance") != nil)
        #expect(a == b)
        #expect(a["model"]?.objectValue?["qkv_layout"] == .string("v2"))
    }

    /// Every decision taken from values is taken again once the source is complete; one that comes out otherwise
    /// refuses the conversion (here the first decision is forged, as bytes read before their checksum could be).
    @Test("a decision from streamed values that the complete source does not repeat is refused")
    func changedDecisionIsRefused() throws {
        let folder = try ScratchFolder()
        let source = try ModelSource.openStreaming(path: try Self.encrypted(Self.kBiasOnly, in: folder), key: "tlt_encode")
        defer { source.arriving?.cancel() }
        var plan = try ConversionPlan(source: source)
        #expect(plan.decidingTensors.count == 2)
        #expect(plan.decidingTensors.allSatisfy { $0.hasSuffix("self_attention.query_key_value.bias") })
        try source.finish()
        try plan.confirmDecisions()
        let complete = try #require(plan.detection).architecture
        plan.detection?.architecture.qkvLayout = .v0
        plan.detection?.architecture.qkvLayoutRule = "K-bias heuristic: forged"
        #expect(throws: ConversionError.decisionChanged(decision: "qkv_layout", first: "v0 (K-bias heuristic: forged)",
                                                        complete: "v2 (\(complete.qkvLayoutRule))")) {
            try plan.confirmDecisions()
        }
    }

    /// The tensors a decision was read from stay readable until it is confirmed (a streamed source refuses to
    /// read a released tensor again), and a source whose layout comes from metadata reads no values at all.
    @Test("only value-reading rules keep tensors back; metadata-decided sources read no values")
    func decidingTensorsAreOnlyThoseReadForValues() throws {
        #expect(try ConversionPlan(source: try ModelSource.open(path: v2Nemo)).decidingTensors.isEmpty)
        #expect(try ConversionPlan(source: try ModelSource.open(path: v0Nemo)).decidingTensors.isEmpty)
        #expect(try ConversionPlan(source: try ModelSource.open(path: Self.kBiasOnly)).decidingTensors.count == 2)
    }
}
