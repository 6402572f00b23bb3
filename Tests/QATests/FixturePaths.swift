import Foundation
@testable import QA

/// Where the committed fixtures live, and the vocabularies most tests share.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(relative)))
    }

    static let bertVocabulary: Vocabulary = try! Vocabulary(path: path("qa/bert-base-uncased-vocab.txt"))
    static let tinyVocabulary: Vocabulary = try! Vocabulary(path: path("nemo/hf_export_reference/vocab.txt"))
}
