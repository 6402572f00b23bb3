import Bytes
import Inference
import JSON

/// Reference logits computed elsewhere (`Tools/reference_inference.py`: transformers on an `hf` export, or a
/// NeMo-style forward in torch), one case per model input:
/// `{"cases": [{"input_ids", "token_type_ids", "attention_mask", "start_logits", "end_logits",
/// "question"?, "context"?}, …]}`.
public struct GoldenFile: Sendable {
    public struct Case: Sendable, Equatable {
        public let inputIds: [Int32]
        public let tokenTypeIds: [Int32]
        public let attentionMask: [Int32]
        public let startLogits: [Float]
        public let endLogits: [Float]
        public let question: String?
        public let context: String?
    }

    public let path: String
    public let cases: [Case]

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        try self.init(bytes: file.view, path: path)
    }

    public init(bytes: ByteView, path: String) throws {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes.buffer)
        } catch {
            throw VerificationError.goldenNotJSON(path: path, reason: "but the file is \(error.verdict) (\(error.description))")
        }
        guard let list = root["cases"]?.arrayValue else {
            throw VerificationError.goldenNotJSON(path: path, reason: "found \(root["cases"].map { "\"cases\" as \($0.kindDescription)" } ?? "no \"cases\" array")")
        }
        guard !list.isEmpty else { throw VerificationError.goldenNoCases(path: path) }
        cases = try list.enumerated().map { index, item in
            func numbers(_ field: String) throws -> [Double] {
                guard let values = item[field]?.arrayValue else {
                    throw VerificationError.goldenMissingField(path: path, caseIndex: index, field: field)
                }
                return try values.map { value in
                    guard let number = value.doubleValue else {
                        throw VerificationError.goldenMissingField(path: path, caseIndex: index, field: field)
                    }
                    return number
                }
            }
            func integers(_ field: String) throws -> [Int32] {
                try numbers(field).map { value in
                    guard let exact = Int32(exactly: value) else {
                        throw VerificationError.goldenMissingField(path: path, caseIndex: index, field: field)
                    }
                    return exact
                }
            }
            return Case(inputIds: try integers("input_ids"), tokenTypeIds: try integers("token_type_ids"),
                        attentionMask: try integers("attention_mask"), startLogits: try numbers("start_logits").map(Float.init),
                        endLogits: try numbers("end_logits").map(Float.init), question: item["question"]?.stringValue,
                        context: item["context"]?.stringValue)
        }
        self.path = path
    }

    /// Checks every case against the model that will run it, so a mismatch is reported as the golden file's
    /// fault, with the case and position, before any inference runs.
    public func validate(against config: BertConfig) throws(VerificationError) {
        for (index, item) in cases.enumerated() {
            let length = item.inputIds.count
            for (field, count) in [("token_type_ids", item.tokenTypeIds.count), ("attention_mask", item.attentionMask.count),
                                   ("start_logits", item.startLogits.count), ("end_logits", item.endLogits.count)]
                where count != length {
                throw .goldenLengthMismatch(caseIndex: index, field: field, expected: length, found: count)
            }
            guard length <= config.positions else {
                throw .goldenSequenceTooLong(caseIndex: index, length: length, positions: config.positions)
            }
            for position in 0..<length {
                let id = Int(item.inputIds[position]), type = Int(item.tokenTypeIds[position])
                let mask = Int(item.attentionMask[position])
                guard id >= 0, id < config.vocab else {
                    throw .goldenTokenIdOutOfRange(caseIndex: index, position: position, id: id, vocab: config.vocab)
                }
                guard type >= 0, type < config.tokenTypes else {
                    throw .goldenTokenTypeOutOfRange(caseIndex: index, position: position, tokenType: type,
                                                     tokenTypes: config.tokenTypes)
                }
                guard mask == 0 || mask == 1 else { throw .goldenInvalidMask(caseIndex: index, position: position, value: mask) }
            }
            guard item.attentionMask.contains(1) else { throw .goldenNoUnmaskedPosition(caseIndex: index) }
        }
    }
}
