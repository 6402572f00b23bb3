#!/usr/bin/env bash
# QA inference from .decant files of every storage type vs PyTorch + transformers, on the full-size Megatron-BERT
# 345M QA model (random f32 weights, Tools/make_fullsize_model.py): batch 1 x 384 and 1 x 128 tokens, 2 threads,
# alternating rounds so every engine sees the same machine load; time to open each file, f32 bytes the engine owns,
# peak RSS; and the accuracy of every storage type against the f32 source (`decant verify --reference`).
# decant runs with OpenBLAS's SkylakeX kernels (set OPENBLAS_CORETYPE_BENCH to choose others): this environment
# exports OPENBLAS_CORETYPE=Haswell, which halves GEMM throughput on AVX-512 CPUs (BENCHMARKS.md, Inference).
#
# Usage: Tools/bench_verify.sh [ROUNDS] [ITERATIONS]   (defaults 3 and 5; results in bench/verify_*.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
ITERATIONS=${2:-5}
THREADS=2
NEMO=bench/fullsize/qa_megatron_345m.nemo
OUT=bench/verify
RESULTS=bench/verify_results.jsonl
ACCURACY=bench/verify_accuracy.jsonl
STORAGES=(f32 f16 bf16 q8 q4)

python3 Tools/make_fullsize_model.py --output "$NEMO" >&2
swift build -c release --scratch-path .build-bench-verify --product decant >&2
swift build -c release --scratch-path .build-bench-verify --product VerifyBench >&2
DECANT=.build-bench-verify/release/decant
BENCH=.build-bench-verify/release/VerifyBench
mkdir -p "$OUT"
for storage in "${STORAGES[@]}"; do
    [ -f "$OUT/345m_$storage.decant" ] || "$DECANT" convert "$NEMO" -o "$OUT/345m_$storage.decant" --dtype "$storage" >/dev/null
done
[ -d "$OUT/345m_hf" ] || "$DECANT" convert "$NEMO" -o "$OUT/345m_hf" --format hf >/dev/null

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
ls -l "$OUT"/*.decant "$NEMO" | awk '{print $5, $9}'
: > "$ACCURACY"
for storage in "${STORAGES[@]}"; do
    OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE_BENCH:-SkylakeX} "$DECANT" verify "$OUT/345m_$storage.decant" --reference "$NEMO" --json >> "$ACCURACY" || true
done
python3 - "$ACCURACY" <<'PY'
import json, sys
print("| storage | start max abs | end max abs | start rel L2 | end rel L2 | min cosine | argmax agree | answers agree | verdict |")
print("|---|---|---|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    s, e = r["start_logits"], r["end_logits"]
    print(f"| {r['storage']} | {s['max_abs_error']:.3g} | {e['max_abs_error']:.3g} | {s['relative_l2_error']:.3g} | "
          f"{e['relative_l2_error']:.3g} | {min(s['cosine_similarity'], e['cosine_similarity']):.8f} | "
          f"{s['argmax_matches'] + e['argmax_matches']}/{s['windows'] + e['windows']} | "
          f"{r['answers']['matches']}/{r['answers']['total']} | {'pass' if r['passed'] else 'FAIL'} |")
PY

: > "$RESULTS"
for round in $(seq "$ROUNDS"); do
    echo "round $round/$ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    for storage in "${STORAGES[@]}"; do
        OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE_BENCH:-SkylakeX} "$BENCH" "$OUT/345m_$storage.decant" "$THREADS" "$ITERATIONS" 384 128 >> "$RESULTS"
    done
    python3 Tools/bench_inference.py "$OUT/345m_hf" "$THREADS" "$ITERATIONS" 384 128 2>/dev/null >> "$RESULTS"
done
python3 Tools/bench_inference.py --summarize "$RESULTS"

