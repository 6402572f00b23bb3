import Bytes
import Foundation
import JSON

/// A SQuAD-format file (`data[].paragraphs[].{context, qas[]}`), flattened to questions in file order.
///
/// Only what answering and scoring need is read. Whether a question has an answer is decided as the official
/// v2.0 script decides it: by a non-empty `answers` list (`is_impossible` is not consulted).
public struct SquadDataset: Sendable {
    public struct Question: Sendable, Equatable {
        public let id: String
        public let question: String
        public let context: String
        /// The gold answer texts; empty for an unanswerable question.
        public let answers: [String]
    }

    public let questions: [Question]

    /// Parses SQuAD JSON; ids must be unique, since scores are reported per id.
    public init(bytes: ByteView, source: String) throws(QAError) {
        let file: File = try decodeJSON(bytes, source: source)
        var questions: [Question] = []
        var seen: Set<String> = []
        for article in file.data {
            for paragraph in article.paragraphs {
                for qa in paragraph.qas {
                    guard seen.insert(qa.id).inserted else { throw .duplicateQuestionID(id: qa.id) }
                    questions.append(Question(id: qa.id, question: qa.question, context: paragraph.context,
                                              answers: qa.answers.map(\.text)))
                }
            }
        }
        self.questions = questions
    }

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        try self.init(bytes: file.view, source: path)
    }

    private struct File: Decodable { let data: [Article] }
    private struct Article: Decodable { let paragraphs: [Paragraph] }
    private struct Paragraph: Decodable { let context: String; let qas: [QA] }
    private struct QA: Decodable { let id: String; let question: String; let answers: [Answer] }
    private struct Answer: Decodable { let text: String }
}

/// A predictions file as the official script reads it: a JSON object from question id to answer text.
public func readSquadPredictions(bytes: ByteView, source: String) throws(QAError) -> [String: String] {
    try decodeJSON(bytes, source: source)
}

/// Decodes JSON after a strict UTF-8 check and the nesting limit every JSON input has, turning decoder errors into
/// one-line `malformedSquadJSON`s.
func decodeJSON<T: Decodable>(_ bytes: ByteView, source: String) throws(QAError) -> T {
    _ = try UTF8Text.scalars(bytes, source: source)
    do { try JSONParser.checkNesting(bytes.buffer) } catch {
        throw .malformedSquadJSON(source: source, reason: "\(error.verdict) (\(error))")
    }
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes.buffer))
    } catch let DecodingError.keyNotFound(key, context) {
        throw .malformedSquadJSON(source: source, reason: "missing key \"\(key.stringValue)\" at \(path(context))")
    } catch let DecodingError.typeMismatch(type, context) {
        throw .malformedSquadJSON(source: source, reason: "expected \(jsonKind(type)) at \(path(context))")
    } catch let DecodingError.valueNotFound(type, context) {
        throw .malformedSquadJSON(source: source, reason: "expected \(jsonKind(type)), found null at \(path(context))")
    } catch {
        throw .malformedSquadJSON(source: source, reason: "not valid JSON")
    }

    /// The decoder names Swift types (`Array<Any>`); a SQuAD file's author thinks in JSON kinds.
    func jsonKind(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("String") { return "a string" }
        if name.hasPrefix("Bool") { return "true or false" }
        return "a number"
    }

    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "the top level" : keys
    }
}
