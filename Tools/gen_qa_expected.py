#!/usr/bin/env python3
"""Writes Tests/Fixtures/qa/squad_expected.json: NeMo's SQuAD features and predictions for fixed logits.

The functions below are a faithful port of NeMo 1.0's inference path
(nemo/collections/nlp/data/question_answering_squad/qa_dataset.py and qa_squad_processing.py:
`split_into_words`, `convert_examples_to_features`, `_check_is_max_context`, `get_predictions`,
`get_best_indexes`, `get_final_text`, `_compute_softmax`), with the tokenizer NeMo wraps (transformers' Python
BertTokenizer) and without the training-only label code. The one addition is `final_text_span`, the same
`get_final_text` alignment that also reports where the answer lies in the context (in Python `str` indices,
i.e. Unicode scalars), which NeMo computes but throws away.

Logits are synthetic: seeded float32 noise with planted peaks, serialised exactly (every float32 is a double).

Usage: python3 Tools/gen_qa_expected.py   (from the repository root)
"""
import collections
import json
import math
from pathlib import Path

import numpy as np
from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer, BertTokenizerLegacy

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
VOCAB = "qa/bert-base-uncased-vocab.txt"

DEFAULTS = dict(max_seq_length=384, doc_stride=128, max_query_length=64, max_answer_length=30, n_best_size=20,
                null_score_diff_threshold=0.0, do_lower_case=True, version_2_with_negative=True)


# ---- NeMo 1.0 preprocessing -------------------------------------------------------------------------------

def is_whitespace(c):
    return c == " " or c == "\t" or c == "\r" or c == "\n" or ord(c) == 0x202F


def split_into_words(context_text):
    doc_tokens, char_to_word_offset, word_starts = [], [], []
    prev_is_whitespace = True
    for i, c in enumerate(context_text):
        if is_whitespace(c):
            prev_is_whitespace = True
        else:
            if prev_is_whitespace:
                doc_tokens.append(c)
                word_starts.append(i)
            else:
                doc_tokens[-1] += c
            prev_is_whitespace = False
        char_to_word_offset.append(len(doc_tokens) - 1)
    return doc_tokens, char_to_word_offset, word_starts


DocSpan = collections.namedtuple("DocSpan", ["start", "length"])


def get_docspans(all_doc_tokens, max_tokens_for_doc, doc_stride):
    doc_spans = []
    start_offset = 0
    while start_offset < len(all_doc_tokens):
        length = len(all_doc_tokens) - start_offset
        if length > max_tokens_for_doc:
            length = max_tokens_for_doc
        doc_spans.append(DocSpan(start=start_offset, length=length))
        if start_offset + length == len(all_doc_tokens):
            break
        start_offset += min(length, doc_stride)
    return doc_spans


def check_is_max_context(doc_spans, cur_span_index, position):
    best_score = None
    best_span_index = None
    for span_index, doc_span in enumerate(doc_spans):
        end = doc_span.start + doc_span.length - 1
        if position < doc_span.start:
            continue
        if position > end:
            continue
        num_left_context = position - doc_span.start
        num_right_context = end - position
        score = min(num_left_context, num_right_context) + 0.01 * doc_span.length
        if best_score is None or score > best_score:
            best_score = score
            best_span_index = span_index
    return cur_span_index == best_span_index


def convert_example_to_features(question, doc_tokens, tokenizer, s):
    query_tokens = tokenizer.tokenize(question)[: s["max_query_length"]]
    tok_to_orig_index, all_doc_tokens = [], []
    for i, token in enumerate(doc_tokens):
        for sub_token in tokenizer.tokenize(token):
            tok_to_orig_index.append(i)
            all_doc_tokens.append(sub_token)
    max_tokens_for_doc = s["max_seq_length"] - len(query_tokens) - 3
    doc_spans = get_docspans(all_doc_tokens, max_tokens_for_doc, s["doc_stride"])
    features = []
    for doc_span_index, doc_span in enumerate(doc_spans):
        tokens = [tokenizer.cls_token] + query_tokens + [tokenizer.sep_token]
        segment_ids = [0 for _ in range(len(tokens))]
        token_is_max_context, token_to_orig_map = {}, {}
        for i in range(doc_span.length):
            split_token_index = doc_span.start + i
            token_to_orig_map[len(tokens)] = tok_to_orig_index[split_token_index]
            token_is_max_context[len(tokens)] = check_is_max_context(doc_spans, doc_span_index, split_token_index)
            tokens.append(all_doc_tokens[split_token_index])
            segment_ids.append(1)
        tokens.append(tokenizer.sep_token)
        segment_ids.append(1)
        input_ids = tokenizer.convert_tokens_to_ids(tokens)
        input_mask = [1] * len(input_ids)
        while len(input_ids) < s["max_seq_length"]:
            input_ids.append(tokenizer.convert_tokens_to_ids(tokenizer.pad_token))
            input_mask.append(0)
            segment_ids.append(0)
        features.append(dict(doc_span_index=doc_span_index, doc_span_start=doc_span.start, tokens=tokens,
                             token_to_orig_map=token_to_orig_map, token_is_max_context=token_is_max_context,
                             input_ids=input_ids, input_mask=input_mask, segment_ids=segment_ids))
    return query_tokens, all_doc_tokens, tok_to_orig_index, features


# ---- NeMo 1.0 postprocessing ------------------------------------------------------------------------------

def get_best_indexes(logits, n_best_size):
    index_and_score = sorted(enumerate(logits), key=lambda x: x[1], reverse=True)
    return [index_and_score[i][0] for i in range(min(n_best_size, len(index_and_score)))]


def final_text_span(pred_text, orig_text, do_lower_case):
    """`get_final_text`, returning (text, start, end) with orig_text[start:end] == text."""

    def _strip_spaces(text):
        ns_chars = []
        ns_to_s_map = collections.OrderedDict()
        for i, c in enumerate(text):
            if c == " ":
                continue
            ns_to_s_map[len(ns_chars)] = i
            ns_chars.append(c)
        return "".join(ns_chars), ns_to_s_map

    whole = (orig_text, 0, len(orig_text))
    tokenizer = BasicTokenizer(do_lower_case=do_lower_case)
    tok_text = " ".join(tokenizer.tokenize(orig_text))
    start_position = tok_text.find(pred_text)
    if start_position == -1:
        return whole
    end_position = start_position + len(pred_text) - 1
    orig_ns_text, orig_ns_to_s_map = _strip_spaces(orig_text)
    tok_ns_text, tok_ns_to_s_map = _strip_spaces(tok_text)
    if len(orig_ns_text) != len(tok_ns_text):
        return whole
    tok_s_to_ns_map = {tok_index: i for i, tok_index in tok_ns_to_s_map.items()}
    orig_start_position = None
    if start_position in tok_s_to_ns_map:
        ns_start_position = tok_s_to_ns_map[start_position]
        if ns_start_position in orig_ns_to_s_map:
            orig_start_position = orig_ns_to_s_map[ns_start_position]
    if orig_start_position is None:
        return whole
    orig_end_position = None
    if end_position in tok_s_to_ns_map:
        ns_end_position = tok_s_to_ns_map[end_position]
        if ns_end_position in orig_ns_to_s_map:
            orig_end_position = orig_ns_to_s_map[ns_end_position]
    if orig_end_position is None:
        return whole
    text = orig_text[orig_start_position : (orig_end_position + 1)]
    return text, orig_start_position, orig_start_position + len(text)


def compute_softmax(scores):
    if not scores:
        return []
    max_score = None
    for score in scores:
        if max_score is None or score > max_score:
            max_score = score
    exp_scores = []
    total_sum = 0.0
    for score in scores:
        x = math.exp(score - max_score)
        exp_scores.append(x)
        total_sum += x
    return [score / total_sum for score in exp_scores]


def get_prediction(doc_tokens, word_starts, features, start_logits, end_logits, s):
    """`get_predictions` for one example; also returns each n-best span's offsets in the context."""
    Prelim = collections.namedtuple("Prelim", ["feature_index", "start_index", "end_index", "start_logit", "end_logit"])
    prelim_predictions = []
    score_null = 1000000
    min_null_feature_index = 0
    null_start_logit = 0
    null_end_logit = 0
    for feature_index, feature in enumerate(features):
        starts, ends = start_logits[feature_index], end_logits[feature_index]
        start_indexes = get_best_indexes(starts, s["n_best_size"])
        end_indexes = get_best_indexes(ends, s["n_best_size"])
        if s["version_2_with_negative"]:
            feature_null_score = starts[0] + ends[0]
            if feature_null_score < score_null:
                score_null = feature_null_score
                min_null_feature_index = feature_index
                null_start_logit = starts[0]
                null_end_logit = ends[0]
        for start_index in start_indexes:
            for end_index in end_indexes:
                if start_index >= len(feature["tokens"]) or end_index >= len(feature["tokens"]):
                    continue
                if start_index not in feature["token_to_orig_map"] or end_index not in feature["token_to_orig_map"]:
                    continue
                if not feature["token_is_max_context"].get(start_index, False):
                    continue
                if end_index < start_index:
                    continue
                if end_index - start_index + 1 > s["max_answer_length"]:
                    continue
                prelim_predictions.append(Prelim(feature_index, start_index, end_index, starts[start_index],
                                                 ends[end_index]))
    if s["version_2_with_negative"]:
        prelim_predictions.append(Prelim(min_null_feature_index, 0, 0, null_start_logit, null_end_logit))
    prelim_predictions = sorted(prelim_predictions, key=lambda x: (x.start_logit + x.end_logit), reverse=True)

    seen_predictions = {}
    nbest = []  # (text, start_logit, end_logit, kind, start_offset, end_offset)
    for pred in prelim_predictions:
        if len(nbest) >= s["n_best_size"]:
            break
        feature = features[pred.feature_index]
        if pred.start_index > 0:
            tok_tokens = feature["tokens"][pred.start_index : (pred.end_index + 1)]
            orig_doc_start = feature["token_to_orig_map"][pred.start_index]
            orig_doc_end = feature["token_to_orig_map"][pred.end_index]
            orig_tokens = doc_tokens[orig_doc_start : (orig_doc_end + 1)]
            tok_text = " ".join(tok_tokens)
            tok_text = tok_text.replace(" ##", "")
            tok_text = tok_text.replace("##", "")
            tok_text = tok_text.strip()
            tok_text = " ".join(tok_text.split())
            orig_text = " ".join(orig_tokens)
            final_text, start, end = final_text_span(tok_text, orig_text, s["do_lower_case"])
            if final_text in seen_predictions:
                continue
            seen_predictions[final_text] = True
            nbest.append((final_text, pred.start_logit, pred.end_logit, "span",
                          context_offset(orig_tokens, word_starts[orig_doc_start:], start),
                          context_offset(orig_tokens, word_starts[orig_doc_start:], end - 1) + 1))
        else:
            seen_predictions[""] = True
            nbest.append(("", pred.start_logit, pred.end_logit, "noAnswer", None, None))
    if s["version_2_with_negative"]:
        if "" not in seen_predictions:
            nbest.append(("", null_start_logit, null_end_logit, "noAnswer", None, None))
        if len(nbest) == 1:
            nbest.insert(0, ("empty", 0.0, 0.0, "placeholder", None, None))
    if not nbest:
        nbest.append(("empty", 0.0, 0.0, "placeholder", None, None))

    total_scores = [e[1] + e[2] for e in nbest]
    best_non_null_entry = next((e for e in nbest if e[0]), None)
    probs = compute_softmax(total_scores)
    nbest_json = [dict(text=e[0], start_logit=float(e[1]), end_logit=float(e[2]), probability=p, kind=e[3],
                       start_offset=e[4], end_offset=e[5]) for e, p in zip(nbest, probs)]
    result = dict(nbest=nbest_json)
    if not s["version_2_with_negative"]:
        result.update(text=nbest[0][0], is_no_answer=False)
    else:
        score_diff = score_null - best_non_null_entry[1] - best_non_null_entry[2]
        result.update(null_score=float(score_null), score_difference=float(score_diff))
        if score_diff > s["null_score_diff_threshold"]:
            result.update(text="", is_no_answer=True)
        else:
            result.update(text=best_non_null_entry[0], is_no_answer=False)
    return result


def context_offset(orig_tokens, word_starts, position):
    """Maps a non-space position of " ".join(orig_tokens) to its index in the context."""
    for word, token in enumerate(orig_tokens):
        if position <= len(token):
            return word_starts[word] + position
        position -= len(token) + 1
    raise ValueError("position past the span")


# ---- Cases ------------------------------------------------------------------------------------------------

LONG_CONTEXT = (
    "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in "
    "France. They were descended from Norse raiders and pirates from Denmark, Iceland and Norway who, under their "
    "leader Rollo, agreed to swear fealty to King Charles III of West Francia. Through generations of "
    "assimilation and mixing with the native Frankish and Roman-Gaulish populations, their descendants would "
    "gradually merge with the Carolingian-based cultures of West Francia. The distinct cultural and ethnic "
    "identity of the Normans emerged initially in the first half of the 10th century, and it continued to "
    "evolve over the succeeding centuries."
)


def make_logits(rng, features, plant, s, scale=2.0, quantize=False):
    """Noise over every position, then `plant(feature_index, feature, start, end)` edits the rows."""
    starts, ends = [], []
    for index, feature in enumerate(features):
        start = (rng.standard_normal(s["max_seq_length"]) * scale).astype(np.float32)
        end = (rng.standard_normal(s["max_seq_length"]) * scale).astype(np.float32)
        if quantize:
            start, end = np.round(start).astype(np.float32), np.round(end).astype(np.float32)
        plant(index, feature, start, end)
        starts.append([float(x) for x in start])
        ends.append([float(x) for x in end])
    return starts, ends


def plant_answer(word_text, start_boost=9.0, end_boost=9.0, last_word_text=None):
    """Boosts the first context token of the word `word_text` and the last token of `last_word_text`."""

    def plant(index, feature, start, end):
        tokens = feature["tokens"]
        positions = sorted(feature["token_to_orig_map"])
        for p in positions:
            if tokens[p] == word_text:
                start[p] += np.float32(start_boost)
                break
        target = last_word_text or word_text
        for p in positions:
            if tokens[p] == target:
                end[p] += np.float32(end_boost)
                break

    return plant


def plant_null(boost):
    def plant(index, feature, start, end):
        start[0] += np.float32(boost)
        end[0] += np.float32(boost)

    return plant


def plant_null_above_answer(word_text, last_word_text, margin):
    """Plants an answer, then sets the null score `margin` above the planted span's score."""
    answer = plant_answer(word_text, last_word_text=last_word_text)

    def plant(index, feature, start, end):
        answer(index, feature, start, end)
        start[0] = start.max() + np.float32(margin / 2)
        end[0] = end.max() + np.float32(margin / 2)

    return plant


def plant_question_only(index, feature, start, end):
    """All mass on the question and padding: no valid span survives the n-best filter."""
    start[:] = np.float32(-10)
    end[:] = np.float32(-10)
    first_context = min(feature["token_to_orig_map"])
    start[1:first_context] = np.float32(5)
    end[1:first_context] = np.float32(5)
    start[0] = np.float32(1)
    end[0] = np.float32(-2)


def cases():
    small = dict(DEFAULTS, max_seq_length=40, doc_stride=8, max_query_length=8, n_best_size=5, max_answer_length=6)
    return [
        ("answer_in_one_window", "Who led the Norse raiders?", LONG_CONTEXT, DEFAULTS,
         plant_answer("roll", last_word_text="##o"), {}),
        ("possessive_trimmed", "Whose guitar was it?",
         "It was Steve Smith's guitar, bought in São Paulo for $1,000.", DEFAULTS,
         plant_answer("steve", last_word_text="smith"), {}),
        ("no_answer", "When did the Normans reach the Moon?", LONG_CONTEXT, DEFAULTS, plant_null(20.0), {}),
        ("many_windows", "Which king did they swear fealty to?", LONG_CONTEXT, small,
         plant_answer("charles", last_word_text="iii"), {}),
        ("many_windows_noise_only", "Where is Normandy?", LONG_CONTEXT, small, lambda *a: None, {}),
        ("tied_logits", "What region?", LONG_CONTEXT, dict(small, max_seq_length=64, doc_stride=16),
         lambda *a: None, dict(quantize=True)),
        ("long_question_truncated",
         "In the long and winding history of medieval Europe, which people gave their name to a region of "
         "France after generations of assimilation and mixing with the native populations?",
         LONG_CONTEXT, dict(DEFAULTS, max_query_length=12), plant_answer("norman", last_word_text="##s"), {}),
        ("whitespace_runs", "Which city?",
         "Tokyo\t\tand   Kyoto\n\nare\u202fcities;  Osaka  too.", DEFAULTS,
         plant_answer("kyoto", last_word_text="are"), {}),
        ("decomposed_accents_fall_back_to_words", "Which cafe?",
         "We met at the cafe\u0301 Ame\u0301lie (in Paris).", DEFAULTS,
         plant_answer("cafe", last_word_text="##lie"), {}),
        ("unknown_tokens_and_cjk", "What is written?",
         "The sign said 東京 and showed 😀 next to ∑ symbols.", DEFAULTS,
         plant_answer("東", last_word_text="[UNK]"), {}),
        ("squad_v1_mode", "Who led the Norse raiders?", LONG_CONTEXT, dict(DEFAULTS, version_2_with_negative=False),
         plant_answer("roll", last_word_text="##o"), {}),
        ("only_question_scores_v2", "Who?", "Rollo led them.", dict(DEFAULTS, n_best_size=4), plant_question_only,
         {}),
        ("only_question_scores_v1", "Who?", "Rollo led them.",
         dict(DEFAULTS, n_best_size=4, version_2_with_negative=False), plant_question_only, {}),
        ("threshold_keeps_span", "Who led the Norse raiders?", LONG_CONTEXT,
         dict(DEFAULTS, null_score_diff_threshold=5.0), plant_null_above_answer("roll", "##o", 2.5), {}),
        ("small_null_margin_default_threshold", "Who led the Norse raiders?", LONG_CONTEXT, DEFAULTS,
         plant_null_above_answer("roll", "##o", 2.5), {}),
    ]


def main():
    tokenizer = BertTokenizerLegacy(str(FIXTURES / VOCAB), do_lower_case=True)
    rng = np.random.default_rng(20240523)
    out_cases = []
    for name, question, context, settings, plant, options in cases():
        doc_tokens, char_to_word_offset, word_starts = split_into_words(context)
        query_tokens, all_doc_tokens, tok_to_orig_index, features = convert_example_to_features(
            question, doc_tokens, tokenizer, settings)
        start_logits, end_logits = make_logits(rng, features, plant, settings, **options)
        prediction = get_prediction(doc_tokens, word_starts, features, start_logits, end_logits, settings)
        out_cases.append(dict(
            name=name,
            question=question,
            context=context,
            settings=settings,
            char_to_word_offset=char_to_word_offset,
            question_ids=tokenizer.convert_tokens_to_ids(query_tokens),
            context_ids=tokenizer.convert_tokens_to_ids(all_doc_tokens),
            context_token_to_word=tok_to_orig_index,
            features=[dict(
                window_start=f["doc_span_start"],
                input_ids=f["input_ids"],
                input_mask=f["input_mask"],
                segment_ids=f["segment_ids"],
                token_to_orig=[f["token_to_orig_map"][p] for p in sorted(f["token_to_orig_map"])],
                is_max_context=[f["token_is_max_context"][p] for p in sorted(f["token_is_max_context"])],
                context_offset=min(f["token_to_orig_map"]),
            ) for f in features],
            start_logits=start_logits,
            end_logits=end_logits,
            prediction=prediction,
        ))
        print(f"{name}: {len(features)} window(s), answer {prediction['text']!r}, "
              f"null - best span = {prediction.get('score_difference')}")
    target = FIXTURES / "qa" / "squad_expected.json"
    target.write_text(json.dumps(dict(generator="Tools/gen_qa_expected.py", vocab=VOCAB, cases=out_cases),
                                 ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
