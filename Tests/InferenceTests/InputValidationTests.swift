import Inference
import Testing

/// Every malformed batch is refused before any arithmetic, with the sequence and position that broke the rule.
@Suite struct InputValidationTests {
    let model: BertQAModel
    init() throws { model = try Fixtures.model() }

    func run(_ ids: [[Int32]], _ types: [[Int32]], _ mask: [[Int32]]) throws {
        _ = try model.logits(inputIds: ids, tokenTypeIds: types, attentionMask: mask)
    }

    @Test func batchSizesMustAgree() {
        #expect(throws: InferenceError.batchSizeMismatch(inputIds: 2, tokenTypeIds: 1, attentionMask: 2)) {
            try run([[101], [101]], [[0]], [[1], [1]])
        }
    }

    @Test func sequenceLengthsMustAgree() {
        #expect(throws: InferenceError.sequenceLengthMismatch(sequence: 1, inputIds: 2, tokenTypeIds: 2, attentionMask: 1)) {
            try run([[101], [101, 102]], [[0], [0, 0]], [[1], [1]])
        }
    }

    @Test func sequencesMustNotBeEmpty() {
        #expect(throws: InferenceError.emptySequence(sequence: 0)) { try run([[]], [[]], [[]]) }
    }

    @Test func sequencesMustFitThePositionTable() {
        let long = [Int32](repeating: 101, count: 33)
        #expect(throws: InferenceError.sequenceTooLong(sequence: 0, length: 33, maxPositions: 32)) {
            try run([long], [long.map { _ in 0 }], [long.map { _ in 1 }])
        }
    }

    @Test func tokenIdsMustBeInTheVocabulary() {
        #expect(throws: InferenceError.tokenIdOutOfRange(sequence: 0, position: 1, id: 120, vocab: 120)) {
            try run([[101, 120]], [[0, 0]], [[1, 1]])
        }
        #expect(throws: InferenceError.tokenIdOutOfRange(sequence: 0, position: 0, id: -1, vocab: 120)) {
            try run([[-1]], [[0]], [[1]])
        }
    }

    @Test func tokenTypesMustBeInRange() {
        #expect(throws: InferenceError.tokenTypeOutOfRange(sequence: 0, position: 0, tokenType: 2, tokenTypes: 2)) {
            try run([[101]], [[2]], [[1]])
        }
    }

    @Test func maskValuesMustBeZeroOrOne() {
        #expect(throws: InferenceError.invalidMaskValue(sequence: 0, position: 1, value: 2)) {
            try run([[101, 102]], [[0, 0]], [[1, 2]])
        }
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [InferenceError] = [
            .shapeMismatch(name: "w", expected: [-1, 64], found: [10, 64]),
            .tokenIdOutOfRange(sequence: 0, position: 3, id: 999, vocab: 120),
        ]
        #expect(errors[0].description == "tensor w: expected shape [≥configured, 64], found [10, 64]")
        #expect(errors.allSatisfy { !$0.description.contains("\n") })
    }
}
