@testable import Inference
import Testing

/// End-to-end logits of the tiny reference export against independent forward passes.
@Suite struct ReferenceLogitsTests {
    @Test func matchesMegatronStyleForwardWithMegatronGELU() throws {
        let expected = try Fixtures.megatronCase()
        let model = try Fixtures.model(activation: .megatronErf)
        let result = try model.logits(inputIds: [expected.input_ids], tokenTypeIds: [expected.token_type_ids],
                                      attentionMask: [expected.attention_mask])
        #expect(result.count == 1)
        #expect(maxUnmaskedDifference(result[0].start, expected.start_logits, mask: expected.attention_mask) < 1e-4)
        #expect(maxUnmaskedDifference(result[0].end, expected.end_logits, mask: expected.attention_mask) < 1e-4)
    }

    @Test func matchesTransformersOnEveryGoldenBatch() throws {
        let cases = try Fixtures.goldenCases()
        let model = try Fixtures.model()
        let batches = Dictionary(grouping: cases, by: { $0.batch! })
        #expect(batches.values.contains { $0.count == 3 })
        for (_, batch) in batches {
            let result = try model.logits(inputIds: batch.map(\.input_ids), tokenTypeIds: batch.map(\.token_type_ids),
                                          attentionMask: batch.map(\.attention_mask))
            for (logits, golden) in zip(result, batch) {
                #expect(maxUnmaskedDifference(logits.start, golden.start_logits, mask: golden.attention_mask) < 1e-4)
                #expect(maxUnmaskedDifference(logits.end, golden.end_logits, mask: golden.attention_mask) < 1e-4)
            }
        }
    }

    /// The export says hidden_act "gelu" (exact erf); Megatron's 1.41421 moves the logits by a few 1e-6, tanh by
    /// ~1e-4, so the variant really reaches the MLP.
    @Test func geluVariantChangesTheLogits() throws {
        let golden = try Fixtures.goldenCases()[0]
        func startLogits(_ variant: GELUVariant) throws -> [Float] {
            try Fixtures.model(activation: variant).logits(inputIds: [golden.input_ids], tokenTypeIds: [golden.token_type_ids],
                                                           attentionMask: [golden.attention_mask])[0].start
        }
        let erf = try startLogits(.erf), megatron = try startLogits(.megatronErf), tanh = try startLogits(.tanh)
        let toMegatron = maxUnmaskedDifference(erf, megatron, mask: golden.attention_mask)
        let toTanh = maxUnmaskedDifference(erf, tanh, mask: golden.attention_mask)
        #expect(toMegatron > 1e-7 && toMegatron < 2e-5)
        #expect(toTanh > toMegatron)
    }

    /// Different row counts change OpenBLAS blocking, so "equal" means equal to a few ulp of the logits.
    @Test func batchEqualsOneByOne() throws {
        let cases = try Fixtures.goldenCases().filter { $0.batch == 4 }
        let model = try Fixtures.model()
        let together = try model.logits(inputIds: cases.map(\.input_ids), tokenTypeIds: cases.map(\.token_type_ids),
                                        attentionMask: cases.map(\.attention_mask))
        for (index, single) in cases.enumerated() {
            let alone = try model.logits(inputIds: [single.input_ids], tokenTypeIds: [single.token_type_ids],
                                         attentionMask: [single.attention_mask])[0]
            #expect(maxUnmaskedDifference(alone.start, together[index].start, mask: single.attention_mask) < 1e-5)
            #expect(maxUnmaskedDifference(alone.end, together[index].end, mask: single.attention_mask) < 1e-5)
        }
    }

    /// Whatever sits at masked positions (token ids, token types, extra padding) must not reach unmasked logits.
    @Test func maskedPositionsAreIgnored() throws {
        let golden = try Fixtures.goldenCases()[0]
        let model = try Fixtures.model()
        let length = golden.attention_mask.filter { $0 == 1 }.count
        var ids = golden.input_ids, types = golden.token_type_ids
        for position in length..<ids.count {
            ids[position] = 117
            types[position] = 1
        }
        let scrambled = try model.logits(inputIds: [ids], tokenTypeIds: [types], attentionMask: [golden.attention_mask])[0]
        let unpadded = try model.logits(inputIds: [Array(golden.input_ids[..<length])],
                                        tokenTypeIds: [Array(golden.token_type_ids[..<length])],
                                        attentionMask: [Array(repeating: 1, count: length)])[0]
        #expect(scrambled.start.count == golden.input_ids.count)
        #expect(unpadded.start.count == length)
        #expect(maxUnmaskedDifference(scrambled.start, golden.start_logits, mask: golden.attention_mask) < 1e-4)
        #expect(maxUnmaskedDifference(Array(scrambled.start[..<length]), unpadded.start,
                                      mask: Array(golden.attention_mask[..<length])) < 1e-5)
        #expect(maxUnmaskedDifference(Array(scrambled.end[..<length]), unpadded.end,
                                      mask: Array(golden.attention_mask[..<length])) < 1e-5)
    }

    @Test func sequencesOfDifferentLengthsShareABatch() throws {
        let cases = try Fixtures.goldenCases().filter { $0.batch == 1 || $0.batch == 2 }
        let model = try Fixtures.model()
        let result = try model.logits(inputIds: cases.map(\.input_ids), tokenTypeIds: cases.map(\.token_type_ids),
                                      attentionMask: cases.map(\.attention_mask))
        #expect(result.map(\.start.count) == [32, 7])
        for (logits, golden) in zip(result, cases) {
            #expect(maxUnmaskedDifference(logits.start, golden.start_logits, mask: golden.attention_mask) < 1e-4)
        }
    }

    /// Short batches multiply f32 weights with Decant's kernel, long ones with OpenBLAS; both give the same logits.
    @Test func f32ProductsAgreeOnBothSidesOfTheOpenBLASThreshold() throws {
        let golden = try Fixtures.goldenCases()[0]
        let model = try Fixtures.model()
        let copies = BertQAModel.openBLASMinimumRows / golden.input_ids.count + 1
        #expect(golden.input_ids.count < BertQAModel.openBLASMinimumRows && copies * golden.input_ids.count >= BertQAModel.openBLASMinimumRows)
        let alone = try model.logits(inputIds: [golden.input_ids], tokenTypeIds: [golden.token_type_ids],
                                     attentionMask: [golden.attention_mask])[0]
        let many = try model.logits(inputIds: Array(repeating: golden.input_ids, count: copies),
                                    tokenTypeIds: Array(repeating: golden.token_type_ids, count: copies),
                                    attentionMask: Array(repeating: golden.attention_mask, count: copies))
        for logits in many {
            #expect(maxUnmaskedDifference(logits.start, alone.start, mask: golden.attention_mask) < 1e-5)
            #expect(maxUnmaskedDifference(logits.end, alone.end, mask: golden.attention_mask) < 1e-5)
        }
        #expect(maxUnmaskedDifference(alone.start, golden.start_logits, mask: golden.attention_mask) < 1e-4)
    }

    @Test func emptyBatchGivesNoLogits() throws {
        #expect(try Fixtures.model().logits(inputIds: [], tokenTypeIds: [], attentionMask: []).isEmpty)
    }

    /// Q, K and V are not adjacent in a safetensors file (their biases sit between them): they stay three
    /// matrices in place, and the model owns only their stacked biases.
    @Test func safetensorsWeightsAreUsedInPlace() throws {
        let model = try Fixtures.model()
        #expect(model.ownedWeightBytes == 2 * 3 * 64 * 4)
        #expect(model.borrowedWeightBytes > 0)
    }
}
