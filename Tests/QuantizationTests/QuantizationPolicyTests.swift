/// Which tensors the policy quantizes, and the report's ordering and renderings.
import Quantization
import JSON
import Testing

@Suite struct QuantizationPolicyTests {
    let policy = QuantizationPolicy(target: .q8)

    @Test func quantizesMatrixWeights() {
        #expect(policy.storage(name: "bert.encoder.layer.0.attention.self.query.weight", shape: [1024, 1024]) == .q8)
        #expect(policy.storage(name: "bert.encoder.layer.3.output.dense.weight", shape: [1024, 4096]) == .q8)
    }

    @Test func keepsBiasesNormsAndVectorsInF32() {
        #expect(policy.storage(name: "bert.encoder.layer.0.attention.self.query.bias", shape: [1024]) == .f32)
        #expect(policy.storage(name: "bert.encoder.layer.0.attention.ln.weight", shape: [1024]) == .f32)
        #expect(policy.storage(name: "bert.encoder.ln.bias", shape: [1024]) == .f32)
        #expect(policy.storage(name: "model.final_layernorm.weight", shape: [64, 64]) == .f32)
        #expect(policy.storage(name: "odd.bias", shape: [64, 64]) == .f32)
    }

    @Test func embeddingsOnlyWhenAsked() {
        let name = "bert.embeddings.word_embeddings.weight"
        #expect(policy.storage(name: name, shape: [30522, 1024]) == .f32)
        #expect(QuantizationPolicy(target: .q4, quantizeEmbeddings: true).storage(name: name, shape: [30522, 1024]) == .q4)
        // Two token types are a head-sized matrix even when embeddings are requested.
        #expect(QuantizationPolicy(target: .q4, quantizeEmbeddings: true).storage(name: "bert.embeddings.token_type_embeddings.weight", shape: [2, 1024]) == .f32)
    }

    @Test func keepsTheQAHeadInF32() {
        let decision = policy.decision(name: "qa_outputs.weight", shape: [2, 1024])
        #expect(decision.storage == .f32)
        #expect(decision.reason == "head with 2 rows (< 32)")
    }

    @Test func fallsBackWhenBlocksDoNotFit() {
        #expect(policy.storage(name: "w.weight", shape: [64, 48]) == .f32)
        #expect(QuantizationPolicy(target: .f16).storage(name: "w.weight", shape: [64, 48]) == .f16)
        #expect(QuantizationPolicy(target: .f32).storage(name: "w.weight", shape: [64, 64]) == .f32)
    }

    @Test func reportPutsTheWorstTensorFirstAndRendersBothWays() throws {
        let report = QuantizationReport([
            QuantizationMeasurement(name: "b", storage: .q8, relativeRMS: 0.005, maxAbsError: 0.01, comparedCount: 10),
            QuantizationMeasurement(name: "a", storage: .q4, relativeRMS: 0.1, maxAbsError: 0.2, comparedCount: 10),
            QuantizationMeasurement(name: "c", storage: .f16, relativeRMS: .infinity, maxAbsError: .infinity, overflowCount: 3, comparedCount: 10),
            QuantizationMeasurement(name: "d", storage: .q8, relativeRMS: 0.005, maxAbsError: 0.02, comparedCount: 10),
        ])
        #expect(report.measurements.map(\.name) == ["c", "a", "d", "b"])
        #expect(report.totalOverflows == 3)
        let table = report.table().split(separator: "\n")
        #expect(table.count == 5)
        #expect(table[1].hasPrefix("c       f16") && table[1].contains("inf"))
        #expect(table[2].contains("10.00%") && table[2].contains("2.00e-1"))
        #expect(report.table(limit: 1).hasSuffix("… 3 more tensors"))
        let json = try JSONParser.parse(report.json())
        let first = try #require(json["tensors"]?.arrayValue?.first)
        #expect(first["name"] == "c" && first["relative_rms"] == .null && first["overflow_count"] == 3)
        #expect(json["tensors"]?.arrayValue?[1]["relative_rms"] == 0.1)
    }

    @Test func tableEscapesNamesAndKeepsItsColumns() throws {
        let report = QuantizationReport([
            QuantizationMeasurement(name: "w\n\u{1B}[2J", storage: .q8, relativeRMS: 0.1, maxAbsError: 0.2, comparedCount: 10),
            QuantizationMeasurement(name: "plain", storage: .q8, relativeRMS: 0.05, maxAbsError: 0.1, comparedCount: 10),
        ])
        let table = report.table().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(table.count == 3)
        #expect(table[1].hasPrefix(#"w\n\e[2J  q8"#) && table[2].hasPrefix("plain     q8"), "\(table)")
    }
}
