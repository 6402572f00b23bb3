/// Extractive question answering: WordPiece tokenizer, SQuAD windows, span decoding, and SQuAD v2 EM/F1.
///
/// See README.md for where this module sits in the data flow.
public enum QAModule {}
