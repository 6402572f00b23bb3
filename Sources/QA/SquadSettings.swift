/// The SQuAD pre- and post-processing knobs of a NeMo QA model (`model.dataset` in its model_config.yaml).
///
/// Defaults are those of the NeMo Megatron-BERT SQuAD 2.0 model.
public struct SquadSettings: Sendable, Equatable {
    /// Tokens per model input, `[CLS]` question `[SEP]` context `[SEP]` padding included.
    public var maxSeqLength = 384
    /// How far consecutive context windows start apart, in tokens (at most a full window).
    public var docStride = 128
    /// Question tokens kept; the rest is cut off.
    public var maxQueryLength = 64
    /// Longest answer span, in tokens.
    public var maxAnswerLength = 30
    /// How many top start and top end positions per window are paired into candidates.
    public var nBestSize = 20
    /// Answer "" when null score − best span score exceeds this.
    public var nullScoreDiffThreshold = 0.0
    public var doLowerCase = true
    /// SQuAD 2.0: questions may have no answer.
    public var version2WithNegative = true

    public init() {}

    /// Rejects values with which NeMo's code would loop forever, index out of range or answer nothing.
    public func validate() throws(QAError) {
        for (name, value) in [("maxSeqLength", maxSeqLength), ("docStride", docStride),
                              ("maxQueryLength", maxQueryLength), ("maxAnswerLength", maxAnswerLength),
                              ("nBestSize", nBestSize)] where value < 1 {
            throw .invalidSetting(name: name, value: value, requirement: "at least 1")
        }
    }
}
