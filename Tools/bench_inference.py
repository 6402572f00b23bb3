#!/usr/bin/env python3
"""PyTorch side of the inference benchmark: transformers MegatronBertForQuestionAnswering on the same model and
the same tokens as InferenceBench, f32, torch.set_num_threads(THREADS), inference_mode, warm-up then median.

Usage: python3 Tools/bench_inference.py MODEL_DIR THREADS ITERATIONS SEQ_LEN... [--compare DECANT_LOGITS_JSON]
Prints one JSON line per length; with --compare also the largest |decant - torch| logit difference.
       python3 Tools/bench_inference.py --summarize RESULTS_JSONL
Summarises the lines of several alternating rounds: per engine, kernel and length, the median of the round
medians, the fastest run, peak RSS, and decant's time relative to torch's.
"""
import json
import resource
import statistics
import sys
import time

import torch
from transformers import MegatronBertForQuestionAnswering


def benchmark_inputs(length):
    """The same deterministic tokens as InferenceBench's benchmarkInputs."""
    ids = [1000 + (i * 7919) % 29000 for i in range(length)]
    types = [0 if i < length // 2 else 1 for i in range(length)]
    return torch.tensor([ids]), torch.tensor([types]), torch.ones(1, length, dtype=torch.long)


def summarize(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    groups = {}
    for row in rows:
        if "seq" in row:
            groups.setdefault((row["engine"], row.get("core", "mkl"), row["seq"]), []).append(row)
    torch_median = {seq: statistics.median(r["median_ms"] for r in runs)
                    for (engine, _, seq), runs in groups.items() if engine == "torch"}
    print("| engine | BLAS kernels | tokens | median ms (of round medians) | fastest ms | vs torch | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for (engine, core, seq), runs in sorted(groups.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])):
        median = statistics.median(r["median_ms"] for r in runs)
        fastest = min(r["min_ms"] for r in runs)
        ratio = f"{median / torch_median[seq]:.2f}x" if seq in torch_median else "-"
        rss = max(r["peak_rss_mib"] for r in runs)
        print(f"| {engine} | {core} | 1 x {seq} | {median:.1f} | {fastest:.1f} | {ratio} | {rss} |")
    for row in rows:
        if "gflops" in row:
            print(f"sgemm {row['m']}x{row['n']}x{row['k']}, {row['threads']} threads, {row['core']}: {row['gflops']} GFLOP/s"
                  f" (OPENBLAS_CORETYPE={row.get('requested', '?')})")
    diffs = [row["max_abs_logit_diff_vs_decant"] for row in rows if "max_abs_logit_diff_vs_decant" in row]
    if diffs:
        print(f"largest |decant - torch| logit difference: {max(diffs):.2e}")


def main():
    arguments = sys.argv[1:]
    if arguments[0] == "--summarize":
        summarize(arguments[1])
        return
    compare = None
    if "--compare" in arguments:
        index = arguments.index("--compare")
        compare = json.load(open(arguments[index + 1]))
        del arguments[index:index + 2]
    model_dir, threads, iterations = arguments[0], int(arguments[1]), int(arguments[2])
    lengths = [int(a) for a in arguments[3:]]
    torch.set_num_threads(threads)
    start = time.perf_counter()
    model = MegatronBertForQuestionAnswering.from_pretrained(model_dir).eval()
    load_seconds = time.perf_counter() - start
    with torch.inference_mode():
        for length in lengths:
            ids, types, mask = benchmark_inputs(length)
            for _ in range(2):
                output = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            times = []
            for _ in range(iterations):
                start = time.perf_counter()
                output = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
                times.append(time.perf_counter() - start)
            result = {
                "engine": "torch", "version": torch.__version__, "threads": threads, "seq": length,
                "attention": model.config._attn_implementation,
                "median_ms": round(statistics.median(times) * 1000, 1), "min_ms": round(min(times) * 1000, 1),
                "load_s": round(load_seconds, 2),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            if compare is not None and str(length) in compare:
                theirs = compare[str(length)]
                result["max_abs_logit_diff_vs_decant"] = max(
                    (torch.tensor(theirs["start"]) - output.start_logits[0]).abs().max().item(),
                    (torch.tensor(theirs["end"]) - output.end_logits[0]).abs().max().item())
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
