/// Every storage type passes its default tolerances against the f32 source; numeric damage does not.
import Foundation
import NativeFormat
import Quantization
import Testing
@testable import Verification

@Suite struct NativeVerificationTests {
    static let cases: [(Tiny, StorageType)] = Tiny.allCases.flatMap { tiny in StorageType.allCases.map { (tiny, $0) } }

    @Test("a .decant of each storage type passes against its source checkpoint", arguments: cases)
    func storageTypePasses(tiny: Tiny, storage: StorageType) throws {
        let scratch = try Scratch()
        try writeNative(tiny, storage: storage, to: scratch.file("m.decant"))
        let candidate = try QAModel.open(path: scratch.file("m.decant"))
        #expect(candidate.storage == storage)
        let report = try Verifier.compare(candidate: candidate, reference: QAModel.open(path: tiny.path),
                                          inputs: VerificationInput.builtIn, processor: candidate.processor(),
                                          tolerance: .defaults(for: storage))
        #expect(report.passed, "\(tiny) \(storage): \(report.violations)")
        #expect(report.answers?.total == VerificationInput.builtIn.count)
        if storage == .f32 {
            #expect(report.start.maxAbsError == 0 && report.end.maxAbsError == 0, "same f32 weights, same engine")
        } else {
            #expect(report.start.maxAbsError > 0, "\(storage) should differ from f32 at all")
        }
    }

    /// f32 must catch a single flipped 32-value block; the looser quantized limits catch a flipped 4096-value page
    /// (a quarter of the matrix) on q8, and a whole flipped matrix on q4.
    @Test("a flipped weight block fails verification even though every checksum is valid",
          arguments: [(StorageType.f32, 32), (.q8, 4096), (.q4, 16384)])
    func flippedBlockFails(storage: StorageType, flipped: Int) throws {
        let scratch = try Scratch()
        let path = scratch.file("damaged.decant")
        try writeNative(.v0, storage: storage, to: path,
                        damage: ("bert.encoder.layer.1.output.dense.weight", { values in
                            for i in 0..<flipped { values[i] = -values[i] }
                        }))
        try NativeFile(path: path).verifyChecksums()
        let candidate = try QAModel.open(path: path)
        let report = try Verifier.compare(candidate: candidate, reference: QAModel.open(path: Tiny.v0.path),
                                          inputs: VerificationInput.builtIn, processor: candidate.processor(),
                                          tolerance: .defaults(for: storage))
        #expect(!report.passed)
        #expect(report.violations.contains { $0.contains("max abs error") }, "\(report.violations)")
    }

    @Test("the v2 archive's weights read with the v0 archive's meaning fail (a wrong QKV layout)")
    func wrongLayoutFails() throws {
        let scratch = try Scratch()
        try writeNative(.v2, storage: .f32, to: scratch.file("v2.decant"))
        let candidate = try QAModel.open(path: scratch.file("v2.decant"))
        let report = try Verifier.compare(candidate: candidate, reference: QAModel.open(path: Tiny.v0.path),
                                          inputs: VerificationInput.builtIn, processor: candidate.processor(),
                                          tolerance: .defaults(for: .f32))
        #expect(!report.passed)
        #expect(report.start.cosineSimilarity < 0.99)
    }
}
