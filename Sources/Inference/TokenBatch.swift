/// A validated batch: every id, type and mask value in range, and where each sequence sits among the stacked rows.
struct TokenBatch {
    struct Sequence {
        let firstRow: Int
        let length: Int
        let inputIds: [Int32]
        let tokenTypeIds: [Int32]
        /// 0 for keys attention may use, `BertQAModel.maskedKeyBias` for padding.
        let keyBias: [Float]
    }

    let sequences: [Sequence]
    let rows: Int
    let longest: Int

    init(inputIds: [[Int32]], tokenTypeIds: [[Int32]], attentionMask: [[Int32]], config: BertConfig) throws(InferenceError) {
        guard inputIds.count == tokenTypeIds.count, inputIds.count == attentionMask.count else {
            throw .batchSizeMismatch(inputIds: inputIds.count, tokenTypeIds: tokenTypeIds.count,
                                     attentionMask: attentionMask.count)
        }
        var sequences: [Sequence] = []
        var rows = 0
        for index in inputIds.indices {
            let ids = inputIds[index], types = tokenTypeIds[index], mask = attentionMask[index]
            guard ids.count == types.count, ids.count == mask.count else {
                throw .sequenceLengthMismatch(sequence: index, inputIds: ids.count, tokenTypeIds: types.count,
                                              attentionMask: mask.count)
            }
            guard !ids.isEmpty else { throw .emptySequence(sequence: index) }
            guard ids.count <= config.positions else {
                throw .sequenceTooLong(sequence: index, length: ids.count, maxPositions: config.positions)
            }
            for position in ids.indices {
                guard ids[position] >= 0, Int(ids[position]) < config.vocab else {
                    throw .tokenIdOutOfRange(sequence: index, position: position, id: ids[position], vocab: config.vocab)
                }
                guard types[position] >= 0, Int(types[position]) < config.tokenTypes else {
                    throw .tokenTypeOutOfRange(sequence: index, position: position, tokenType: types[position],
                                               tokenTypes: config.tokenTypes)
                }
                guard mask[position] == 0 || mask[position] == 1 else {
                    throw .invalidMaskValue(sequence: index, position: position, value: mask[position])
                }
            }
            sequences.append(Sequence(firstRow: rows, length: ids.count, inputIds: ids, tokenTypeIds: types,
                                      keyBias: mask.map { $0 == 1 ? 0 : BertQAModel.maskedKeyBias }))
            rows += ids.count
        }
        self.sequences = sequences
        self.rows = rows
        self.longest = sequences.map(\.length).max() ?? 0
    }
}
