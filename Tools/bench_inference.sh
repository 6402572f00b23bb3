#!/usr/bin/env bash
# Inference benchmark: decant (InferenceBench, OpenBLAS) vs PyTorch + transformers on the full-size Megatron-BERT
# 345M QA model with random f32 weights, batch 1 x 384 and 1 x 128 tokens, 2 threads, in alternating rounds so
# both see the same machine load. Also measures cblas_sgemm GFLOP/s for each OPENBLAS_CORETYPE.
#
# Usage: Tools/bench_inference.sh [ROUNDS] [ITERATIONS]   (defaults 3 and 5; writes bench/inference_results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
ITERATIONS=${2:-5}
THREADS=2
MODEL=bench/megatron-bert-345m-random
RESULTS=bench/inference_results.jsonl
# The kernel set decant recommends on AVX-512 CPUs, then whatever this environment sets (if anything).
CORETYPES=(SkylakeX "${OPENBLAS_CORETYPE:-}")

python3 Tools/make_fullsize_hf_model.py "$MODEL"
swift build -c release --scratch-path .build-bench --product InferenceBench >&2
BENCH=.build-bench/release/InferenceBench

: > "$RESULTS"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo '?'); $(date -u +%Y-%m-%dT%H:%MZ)"
for coretype in Haswell SkylakeX Zen Cooperlake ""; do
    if [ -n "$coretype" ]; then
        OPENBLAS_CORETYPE=$coretype "$BENCH" sgemm 384 4096 1024 1
    else
        env -u OPENBLAS_CORETYPE "$BENCH" sgemm 384 4096 1024 1
    fi | sed "s/}$/, \"requested\": \"${coretype:-unset}\"}/" >> "$RESULTS"
done
for round in $(seq "$ROUNDS"); do
    echo "round $round/$ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    for coretype in "${CORETYPES[@]}"; do
        [ -n "$coretype" ] || continue
        [ "$coretype" != SkylakeX ] || [ "$coretype" == "${CORETYPES[0]}" ] || continue
        OPENBLAS_CORETYPE=$coretype "$BENCH" run "$MODEL" "$THREADS" "$ITERATIONS" 384 128 --logits bench/decant_logits.json >> "$RESULTS"
    done
    python3 Tools/bench_inference.py "$MODEL" "$THREADS" "$ITERATIONS" 384 128 --compare bench/decant_logits.json \
        2>/dev/null >> "$RESULTS"
done
python3 Tools/bench_inference.py --summarize "$RESULTS"
