/// SQuAD 2.0 exact match and F1, computed exactly as the official `evaluate-v2.0.py` computes them.
///
/// Answers are normalized with Python semantics: `str.lower()` (final sigma included), ASCII punctuation
/// (`string.punctuation`) removed, the words a/an/the removed where `re`'s `\b` sees word boundaries
/// (a combining mark is not a word character, so the "the" of "thé" written decomposed is removed), and
/// `str.split()` whitespace collapsed. Tokens are compared as scalar sequences, as Python compares strings.
public enum SquadMetric {
    /// The official `normalize_answer`.
    public static func normalize(_ answer: String) -> String {
        String(String.UnicodeScalarView(normalizedScalars(Array(answer.unicodeScalars))))
    }

    /// The official `compute_exact`: 1 when the normalized texts are identical.
    public static func exactMatch(gold: String, predicted: String) -> Int {
        normalizedScalars(Array(gold.unicodeScalars)) == normalizedScalars(Array(predicted.unicodeScalars)) ? 1 : 0
    }

    /// The official `compute_f1`: harmonic mean of token precision and recall over normalized token bags;
    /// when either side has no token, 1 if both have none, else 0.
    public static func f1(gold: String, predicted: String) -> Double {
        let goldTokens = tokens(gold)
        let predictedTokens = tokens(predicted)
        if goldTokens.isEmpty || predictedTokens.isEmpty { return goldTokens == predictedTokens ? 1 : 0 }
        var goldCounts: [[Unicode.Scalar]: Int] = [:]
        for token in goldTokens { goldCounts[token, default: 0] += 1 }
        var same = 0
        for token in predictedTokens where goldCounts[token, default: 0] > 0 {
            goldCounts[token]! -= 1
            same += 1
        }
        if same == 0 { return 0 }
        let precision = 1.0 * Double(same) / Double(predictedTokens.count)
        let recall = 1.0 * Double(same) / Double(goldTokens.count)
        return (2 * precision * recall) / (precision + recall)
    }

    /// Exact and F1 over a set of questions, as percentages.
    public struct Score: Sendable, Equatable {
        public let exact: Double
        public let f1: Double
        public let total: Int
    }

    /// The official script's output: overall, and split by whether the gold `answers` list is empty.
    public struct Evaluation: Sendable, Equatable {
        public let overall: Score
        public let hasAnswer: Score?
        public let noAnswer: Score?
        /// Per question id, in dataset order.
        public let perQuestion: [(id: String, exact: Int, f1: Double)]

        public static func == (a: Self, b: Self) -> Bool {
            a.overall == b.overall && a.hasAnswer == b.hasAnswer && a.noAnswer == b.noAnswer
                && a.perQuestion.elementsEqual(b.perQuestion) { $0.id == $1.id && $0.exact == $1.exact && $0.f1 == $1.f1 }
        }
    }

    /// Scores every dataset question; predictions for ids not in the dataset are ignored, as officially.
    ///
    /// The official script cannot finish with a prediction missing (its breakdown raises `KeyError`), so a
    /// missing prediction is an error here. Sums run in dataset order so the numbers match to the last bit.
    public static func evaluate(_ dataset: SquadDataset, predictions: [String: String]) throws(QAError) -> Evaluation {
        var perQuestion: [(id: String, exact: Int, f1: Double)] = []
        var hasAnswer: [Bool] = []
        for question in dataset.questions {
            guard let predicted = predictions[question.id] else { throw .missingPrediction(id: question.id) }
            var golds = question.answers.filter { !normalizedScalars(Array($0.unicodeScalars)).isEmpty }
            if golds.isEmpty { golds = [""] }
            let bestExact = golds.map { Self.exactMatch(gold: $0, predicted: predicted) }.max()!
            let bestF1 = golds.map { Self.f1(gold: $0, predicted: predicted) }.max()!
            perQuestion.append((question.id, bestExact, bestF1))
            hasAnswer.append(!question.answers.isEmpty)
        }
        func score(_ selected: [Bool]) -> Score? {
            var exactSum = 0
            var f1Sum = 0.0
            var total = 0
            for (entry, isSelected) in zip(perQuestion, selected) where isSelected {
                exactSum += entry.exact
                f1Sum += entry.f1
                total += 1
            }
            guard total > 0 else { return nil }
            return Score(exact: 100.0 * Double(exactSum) / Double(total), f1: 100.0 * f1Sum / Double(total), total: total)
        }
        return Evaluation(overall: score(hasAnswer.map { _ in true }) ?? Score(exact: 0, f1: 0, total: 0),
                          hasAnswer: score(hasAnswer), noAnswer: score(hasAnswer.map { !$0 }),
                          perQuestion: perQuestion)
    }

    static func tokens(_ answer: String) -> [[Unicode.Scalar]] {
        CharacterClasses.splitOnPythonWhitespace(normalizedScalars(Array(answer.unicodeScalars)))
    }

    static func normalizedScalars(_ answer: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let lowered = PythonLowercase.lowercased(answer)
        let withoutPunctuation = lowered.filter { !isASCIIPunctuation($0) }
        let withoutArticles = removingArticles(withoutPunctuation)
        return Array(CharacterClasses.splitOnPythonWhitespace(withoutArticles).joined(separator: [" "]))
    }

    /// Python's `string.punctuation`.
    private static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: return false
        }
    }

    private static let articles: [[Unicode.Scalar]] = ["a", "an", "the"].map { Array($0.unicodeScalars) }

    /// `re.sub(r"\b(a|an|the)\b", " ", text)`: alternatives tried in order at each word start, matches never
    /// overlap, and boundaries are judged on the original text.
    private static func removingArticles(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        func isWord(_ i: Int) -> Bool { i >= 0 && i < text.count && CharacterClasses.isPythonWordCharacter(text[i]) }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let article = isWord(i) && !isWord(i - 1) ? articles.first { article in
                i + article.count <= text.count && text[i..<(i + article.count)].elementsEqual(article)
                    && !isWord(i + article.count)
            } : nil
            if let article {
                result.append(" ")
                i += article.count
            } else {
                result.append(text[i])
                i += 1
            }
        }
        return result
    }
}
