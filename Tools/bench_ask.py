#!/usr/bin/env python3
"""Helpers for Tools/bench_ask.sh.

  bench_ask.py inputs DIR
      writes DIR/question.txt and DIR/context_<N>.txt for N in 384 and 64: a question and a context that
      `[CLS] question [SEP] context [SEP]` turns into exactly N tokens (bert-large-uncased vocabulary, lower-cased,
      as the .decant tokenizer does), so `decant ask` runs one window of N real tokens.
  bench_ask.py torch MODEL_DIR DIR THREADS ITERATIONS
      transformers MegatronBertForQuestionAnswering (f32, eager, inference_mode, torch.set_num_threads) on the
      same tokens: model loaded once, 2 warm-ups, then one JSON line per length with the median forward time.
  bench_ask.py summarize RESULTS_JSONL
      the table of BENCHMARKS.md: per storage type and length, the medians over rounds, peak RSS, ratios.
"""
import json
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
VOCAB = ROOT / "Tests/Fixtures/qa/bert-base-uncased-vocab.txt"
QUESTION = "Which leader did the Normans swear fealty to, and in what century did they first settle in France?"
WORDS = ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in "
         "France. They were descended from Norse raiders and pirates from Denmark, Iceland and Norway who, under "
         "their leader Rollo, agreed to swear fealty to King Charles III of West Francia.").split()
LENGTHS = (384, 64)


def tokenizer():
    from transformers import BertTokenizer
    return BertTokenizer(str(VOCAB), do_lower_case=True)


def encode(tok, question, context):
    return tok(question, context, return_tensors="pt")


def inputs(directory):
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    (directory / "question.txt").write_text(QUESTION)
    for length in LENGTHS:
        words = []
        while len(encode(tok, QUESTION, " ".join(words + [WORDS[len(words) % len(WORDS)]]))["input_ids"][0]) <= length:
            words.append(WORDS[len(words) % len(WORDS)])
        while len(encode(tok, QUESTION, " ".join(words))["input_ids"][0]) < length:
            words.append("the")  # one token each
        context = " ".join(words)
        assert len(encode(tok, QUESTION, context)["input_ids"][0]) == length
        (directory / f"context_{length}.txt").write_text(context)


def run_torch(model_dir, directory, threads, iterations):
    import resource
    import time
    import torch
    from transformers import MegatronBertForQuestionAnswering
    torch.set_num_threads(threads)
    tok = tokenizer()
    question = (pathlib.Path(directory) / "question.txt").read_text()
    model = MegatronBertForQuestionAnswering.from_pretrained(model_dir).eval()
    with torch.inference_mode():
        for length in LENGTHS:
            batch = encode(tok, question, (pathlib.Path(directory) / f"context_{length}.txt").read_text())
            for _ in range(2):
                model(**batch)
            times = []
            for _ in range(iterations):
                start = time.perf_counter()
                model(**batch)
                times.append(time.perf_counter() - start)
            print(json.dumps({"engine": "torch", "seq": length, "tokens": int(batch["input_ids"].shape[1]),
                              "forward_s": statistics.median(times),
                              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}), flush=True)


def summarize(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    torch_forward = {seq: statistics.median(r["forward_s"] for r in rows if r["engine"] == "torch" and r["seq"] == seq)
                     for seq in LENGTHS if any(r["engine"] == "torch" and r["seq"] == seq for r in rows)}
    ask = {}
    for r in rows:
        if r["engine"] == "decant":
            ask.setdefault((r["storage"], r["seq"]), []).append(r)
    f32 = {seq: statistics.median(r["wall_s"] for r in ask[("f32", seq)]) for seq in LENGTHS if ("f32", seq) in ask}
    print("| storage | file MB | tokens | `ask` wall, median | CPU (user+sys) | vs f32 | vs torch forward | peak RSS MB | RSS − file |")
    print("|---|---|---|---|---|---|---|---|---|")
    order = ["f32", "f16", "bf16", "q8", "q4"]
    for (storage, seq), runs in sorted(ask.items(), key=lambda item: (-item[0][1], order.index(item[0][0]))):
        wall = statistics.median(r["wall_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        size = runs[0]["file_mb"]
        versus_f32 = f"{wall / f32[seq]:.2f}×" if seq in f32 else "-"
        versus_torch = f"{wall / torch_forward[seq]:.2f}×" if seq in torch_forward else "-"
        print(f"| {storage} | {size:.0f} | {seq} | {wall:.2f} s | {cpu:.2f} s | {versus_f32} | {versus_torch} | {rss:.0f} | {rss - size:+.0f} |")
    for seq, seconds in torch_forward.items():
        print(f"torch forward, {seq} tokens (model loaded): {seconds * 1000:.0f} ms median")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "inputs":
        inputs(sys.argv[2])
    elif command == "torch":
        run_torch(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif command == "summarize":
        summarize(sys.argv[2])
    else:
        sys.exit(__doc__)
