#!/usr/bin/env python3
"""Writes Tests/Fixtures/qa/tokenizer_expected.json: WordPiece tokens and ids for a varied corpus.

The reference is the Python ("slow") BERT tokenizer, `BertTokenizerLegacy` in transformers 5.x, which is the
BasicTokenizer + WordpieceTokenizer that NeMo 1.0 used (AutoTokenizer with use_fast=False). The Rust-backed
`BertTokenizer` is run too and every line where it disagrees is recorded (`fast_differs`): the known case is
Python's final-sigma lower-casing, which the Rust normalizer does not do.

Two vocabularies: the tiny fixture vocab of the synthetic .nemo export and the real bert-base-uncased vocab
(identical to bert-large-uncased, the Megatron-BERT 345M uncased vocab), committed under Tests/Fixtures/qa/.

Random lines draw only code points that are assigned in the Unicode version of this Python (see
`unicode_version` in the output), so a newer Unicode in Swift cannot reclassify them.

Usage: python3 Tools/gen_tokenizer_expected.py   (from the repository root)
"""
import json
import random
import sys
import unicodedata
from pathlib import Path

import transformers
from transformers import BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
VOCABS = {
    "tiny": "nemo/hf_export_reference/vocab.txt",
    "bert-base-uncased": "qa/bert-base-uncased-vocab.txt",
}

HAND_WRITTEN = [
    "",
    " ",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "What is the capital of France? Paris is the capital of France.",
    "Super Bowl 50 was an American football game to determine the champion of the NFL for the 2015 season.",
    "Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title.",
    "unaffable unbelievably tokenization wordpieces antidisestablishmentarianism",
    "don't can't won't it's O'Neill rock'n'roll",
    "e-mail: someone@example.com, URL https://example.org/path?q=1&r=2#frag",
    "$100.00 €50 £3 ¥1000 12,345.67 3.14159 1e-10 0x1F 50% ±3°C",
    "ASCII punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "Unicode punctuation: «quotes» „low“ ‘single’ — en–dash … ¡hola! ¿qué? ‹›【】《》「」、。",
    "naïve café résumé Ångström Zürich façade jalapeño São Paulo Dvořák Łódź",
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ",
    "decomposed: cafe\u0301 nai\u0308ve A\u030angstro\u0308m",
    "combining marks stacked: a\u0301\u0302\u0303\u0304 x\u0336y\u0336z\u0336 Z\u0351\u0352\u0353a\u0354\u0355",
    "İstanbul ıi IĞDIR ǅ ǈ ǋ ǲ ﬁ ﬂ ß ẞ Å K Ω",
    "ΟΔΟΣ ΣΊΣΥΦΟΣ Σ ΑΣ. ΣΑ σοφός Ὀδυσσεύς",
    "Москва — столица России. Ёлка, йод, щука.",
    "Ελληνικά: Η Αθήνα είναι η πρωτεύουσα.",
    "עברית: ירושלים היא בירת ישראל.",
    "العربية: القاهرة هي عاصمة مصر.",
    "RTL mix: abc \u202eevil\u202c def \u200fمرحبا\u200e end",
    "हिन्दी: नई दिल्ली भारत की राजधानी है।",
    "ไทย: กรุงเทพมหานคร",
    "한국어: 서울은 대한민국의 수도이다.",
    "日本語: 東京は日本の首都です。カタカナ ひらがな",
    "中文：北京是中华人民共和国的首都。",
    "CJK extensions: 㐀㐁 𠀀𠀁 𪜀 𫝀 𫠠 丽 兀 丽",
    "emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ ☃ ⭐ 🎉",
    "zero width: a\u200bb c\u200cd e\u200df \ufefffoo bar\u2060baz soft\u00adhyphen",
    "controls: a\x00b c\x01d e\x07f g\x1bh i\x7fj k\x85l m\x9fn",
    "replacement char: a\ufffdb \ufffd",
    "mixed whitespace:\tTAB\nNL\rCR\r\nCRLF\x0bVT\x0cFF\u00a0NBSP\u2003EM\u3000IDEO\u2028LS\u2029PS\u202fNNBSP\u1680OGHAM end",
    "   leading and trailing   ",
    "digits 0123456789 ٠١٢٣٤٥٦٧٨٩ ０１２３ ①②③ Ⅻ ½ ¾",
    "fullwidth: ＡＢＣ ａｂｃ ！？",
    "math: ∑ ∫ √ ∞ ≠ ≤ ≥ ∂ ∇ ∈ ∉ ⊂ ⊃ ∧ ∨ × ÷ · • ° ′ ″",
    "symbols: © ® ™ § ¶ † ‡ ※ ♠ ♣ ♥ ♦ ♪ ☺",
    "special tokens in text: [CLS] question [SEP] context [SEP] [PAD] [UNK] [MASK]",
    "glued specials: foo[SEP]bar[MASK]baz [cls] [Sep] [[SEP]] [SEP[SEP]",
    "specials rebuilt by clean-up: [SE\x00P] [MA\u200bSK] x[SE\x00P]y [CL\ufffdS]",
    "a" * 100,
    "b" * 101,
    "é" * 100 + " " + "e\u0301" * 100,
    "supercalifragilisticexpialidocious" * 3,
    "x" * 99 + "!" + "y" * 102,
    "word" * 30 + " short",
    "##hash ## #### ##ing",
    "under_score snake_case CamelCase kebab-case dot.case slash/case back\\slash",
    "hyphen-ated non-trivial state-of-the-art e.g. i.e. U.S.A. Ph.D.",
    "1,000,000 1.000.000 1'000'000 10^6 2^32-1",
    "Quote \"double\" 'single' `back` ``latex'' ''",
    "tab\tseparated\tvalues\nnew line\n\nblank line",
    "ǰ ẖ ẗ ẘ ẙ ẚ ŉ",
    "ﬀ ﬃ ﬄ ﬅ ﬆ ﬓ ﬔ",
    "Ⓐⓑ ⅰⅱ ㎏ ㎞ ㈱",
    "Σ\u0301 ΑΣ\u0301 ΑΣ\u0301Α Α\u0345Σ ά\u0345σ Σ'Σ",
    "\u0300\u0301 leading combining",
    "Hangul jamo: \u1100\u1161\u11a8 \u3131\u314f",
    "Tibetan: བོད་ཡིག Ethiopic: ኢትዮጵያ Georgian: ქართული Armenian: Հայերեն",
    "Cherokee: ᏣᎳᎩ ꮳꮃꭹ",
    "private use: \ue000\uf8ff and noncharacters \ufdd0\uffff",
    "astral symbols: 𝐀𝐁𝐂 𝔸𝔹 𝟘𝟙 𐍈 𓀀",
    "variation selectors: ☃\ufe0f ☃\ufe0e 葛\U000e0100",
    "tag characters: 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
]

# Pools the random lines draw from: every class the tokenizer treats differently.
POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * 4,
    "0123456789",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "      \t\n\r",
    "àéîõüçñÀÉÎÕÜÇÑåøæœßÿ",
    "\u0300\u0301\u0302\u0308\u0327\u0345\u20dd",
    "ΑΒΓΔΣσςαβγδάέ",
    "абвгдеёжзийАБВГДЕЁ",
    "中文字日本語東京北京",
    "ひらがなカタカナ한국어",
    "مرحباשלום",
    "😀👍🏽❤️🇫🇷",
    "\u200b\u200c\u200d\ufeff\u00ad\u2060\u202e",
    "\x00\x01\x07\x1b\x7f\x85\x9f\ufffd",
    "\u00a0\u2003\u3000\u2028\u2029\u202f\u1680\x0b\x0c",
    "«»„“‘’—–…¡¿、。【】",
    "İıǅẞﬁΩÅ",
]


def assigned(ch):
    return unicodedata.category(ch) != "Cn"


def random_lines(count, seed=20240523):
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        length = rng.randint(1, 60)
        chars = []
        for _ in range(length):
            if rng.random() < 0.1:
                # Any assigned code point, astral included; surrogates cannot be in a str from JSON/UTF-8.
                while True:
                    cp = rng.choice([rng.randint(0x20, 0xFFFF), rng.randint(0x10000, 0x3FFFF)])
                    if not (0xD800 <= cp <= 0xDFFF) and assigned(chr(cp)):
                        break
                chars.append(chr(cp))
            else:
                chars.append(rng.choice(rng.choice(POOLS)))
        lines.append("".join(chars))
    return lines


def main():
    corpus = HAND_WRITTEN + random_lines(300)
    slow = {}
    fast = {}
    for name, rel in VOCABS.items():
        path = str(FIXTURES / rel)
        slow[name] = BertTokenizerLegacy(path, do_lower_case=True)
        fast[name] = BertTokenizer(path, do_lower_case=True)

    cases = []
    differing = 0
    for text in corpus:
        case = {"text": text}
        fast_differs = []
        for name in VOCABS:
            tokens = slow[name].tokenize(text)
            case[name] = {"tokens": tokens, "ids": slow[name].convert_tokens_to_ids(tokens)}
            if fast[name].tokenize(text) != tokens:
                fast_differs.append(name)
        if fast_differs:
            case["fast_differs"] = fast_differs
            differing += 1
        cases.append(case)

    special = {}
    for name in VOCABS:
        tok = slow[name]
        special[name] = {t: tok.convert_tokens_to_ids(t) for t in ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"]}

    out = {
        "generator": "Tools/gen_tokenizer_expected.py",
        "reference": f"transformers {transformers.__version__} BertTokenizerLegacy (do_lower_case=True)",
        "python": sys.version.split()[0],
        "unicode_version": unicodedata.unidata_version,
        "vocabs": VOCABS,
        "special_token_ids": special,
        "cases": cases,
    }
    target = FIXTURES / "qa" / "tokenizer_expected.json"
    target.write_text(json.dumps(out, ensure_ascii=True, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: {len(cases)} lines, {differing} where the Rust tokenizer differs")


if __name__ == "__main__":
    main()
