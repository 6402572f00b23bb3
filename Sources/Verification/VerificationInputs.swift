import QA

/// The question/context pairs `decant verify` runs when no `--inputs` file is given.
///
/// Chosen to exercise every path of the pipeline, not to be answered well: a short factoid, a number, a
/// question with no answer in its context, non-ASCII text (accents, CJK, an emoji), a context long enough to
/// need several 384-token windows (and many more on a small model), and punctuation-heavy text.
public struct VerificationInput: Sendable, Equatable {
    public let id: String
    public let question: String
    public let context: String

    public init(id: String, question: String, context: String) {
        self.id = id
        self.question = question
        self.context = context
    }

    /// Every question of a SQuAD-format dataset, in file order.
    public static func from(_ dataset: SquadDataset) -> [VerificationInput] {
        dataset.questions.map { VerificationInput(id: $0.id, question: $0.question, context: $0.context) }
    }

    public static let builtIn: [VerificationInput] = [
        VerificationInput(id: "short", question: "What color is the sky?",
                          context: "On a clear day the sky is blue, and at sunset it turns red and orange."),
        VerificationInput(id: "number", question: "How many people live in the city?",
                          context: "The city was founded in 1642. By the 2021 census it had 1,762,949 inhabitants, "
                              + "making it the second largest in the country after the capital."),
        VerificationInput(id: "unanswerable", question: "Who invented the telephone?",
                          context: "Penguins are flightless birds that live almost exclusively in the Southern "
                              + "Hemisphere. They are highly adapted for life in the water."),
        VerificationInput(id: "non-ascii", question: "Où se trouve le café Müller?",
                          context: "Le café Müller se trouve à Zürich, près de la gare. 東京 is Tokyo in Japanese; "
                              + "the café's sign shows a ☕ and the word «Grüße»."),
        VerificationInput(id: "date", question: "When did the first moon landing happen?",
                          context: "Apollo 11 was the American spaceflight that first landed humans on the Moon. "
                              + "Commander Neil Armstrong and pilot Buzz Aldrin landed the lunar module Eagle on "
                              + "July 20, 1969, at 20:17 UTC."),
        VerificationInput(id: "long-multi-window", question: "Which river flows through the old town?",
                          context: longContext),
        VerificationInput(id: "punctuation", question: "What does the acronym C.P.U. stand for?",
                          context: "A C.P.U. (central processing unit) -- sometimes called the \"brain\" of a "
                              + "computer -- executes instructions; e.g., add, load/store & branch."),
        VerificationInput(id: "yes-no", question: "Is water wet?",
                          context: "Water is a chemical substance with the formula H2O. At room temperature it "
                              + "is a liquid; below 0 °C it freezes into ice."),
    ]

    /// About 1,400 words (1,620 WordPiece tokens): eleven 384-token windows with a stride of 128 on the full-size model.
    static let longContext: String = {
        let paragraphs = [
            "The old town grew up on both banks of the river Aare, which loops around the hill on three sides.",
            "Merchants built stone houses with arcades along the main street, and the guild halls still stand today.",
            "In the fifteenth century a fire destroyed most of the wooden buildings, and the council ordered sandstone.",
            "The cathedral took almost two hundred years to finish; its tower was completed only in 1893.",
            "Bridges connect the old town with the newer districts on the plateau, where the university moved in 1903.",
            "Tourists visit the clock tower, whose astronomical clock has shown the hours since 1530.",
        ]
        var sentences: [String] = []
        for round in 0..<12 {
            for (index, paragraph) in paragraphs.enumerated() {
                sentences.append("Part \(round * paragraphs.count + index + 1). " + paragraph)
            }
        }
        return sentences.joined(separator: " ")
    }()
}
