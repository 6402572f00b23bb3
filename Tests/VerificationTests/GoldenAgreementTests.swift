/// f32 inference agrees with Python references (transformers, and a NeMo-style torch forward) within 1e-4.
import Foundation
import Quantization
import Testing
@testable import Verification

@Suite struct GoldenAgreementTests {
    @Test("the v0 source checkpoint matches transformers on the reference HF export",
          arguments: ["golden/tiny_hf_golden.json", "golden/tiny_v0_hf_squad_golden.json"])
    func sourceMatchesTransformers(golden: String) throws {
        let model = try QAModel.open(path: Tiny.v0.path)
        let report = try Verifier.compare(candidate: model, golden: GoldenFile(path: fixture(golden)),
                                          processor: try model.processor(), tolerance: .defaults(for: .f32))
        #expect(report.passed, "\(report.violations)")
        #expect(report.start.maxAbsError < 1e-4 && report.end.maxAbsError < 1e-4)
        #expect(report.start.positions > 0)
    }

    @Test("each source checkpoint and its f32 .decant match the NeMo-style torch forward", arguments: Tiny.allCases)
    func nativeF32MatchesNemoForward(tiny: Tiny) throws {
        let scratch = try Scratch()
        try writeNative(tiny, storage: .f32, to: scratch.file("m.decant"))
        for path in [tiny.path, scratch.file("m.decant")] {
            let model = try QAModel.open(path: path)
            let report = try Verifier.compare(candidate: model, golden: GoldenFile(path: tiny.nemoGolden),
                                              processor: try model.processor(), tolerance: .defaults(for: .f32))
            #expect(report.passed, "\(path): \(report.violations)")
            #expect(report.start.maxAbsError < 1e-4 && report.end.maxAbsError < 1e-4)
            // Every golden case carries its question and context, and our windows reproduce them exactly.
            #expect(report.answers?.total == 9 && report.answers?.matches == 9)
        }
    }
}
