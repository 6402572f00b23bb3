#!/usr/bin/env bash
# Whole-process `decant ask` on the full-size Megatron-BERT 345M QA model (random weights, Tools/make_fullsize_model.py)
# in every storage type, one window of exactly 384 and of 64 real tokens, 2 threads; wall and CPU time and peak RSS
# from /usr/bin/time; against transformers' forward on the same tokens with the model already loaded
# (Tools/bench_ask.py torch). Rounds alternate everything so all runs see the same machine load; the summary shows
# medians over rounds. Run it on a quiet machine: with other work on the cores, walls are noise.
#
# Usage: Tools/bench_ask.sh [ROUNDS]   (default 5; results in bench/ask_results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
THREADS=2
NEMO=bench/fullsize/qa_megatron_345m.nemo
OUT=bench/verify
INPUTS=bench/ask
RESULTS=bench/ask_results.jsonl
STORAGES=(f32 f16 bf16 q8 q4)

python3 Tools/make_fullsize_model.py --output "$NEMO" >&2
swift build -c release --scratch-path .build-bench-verify --product decant >&2
DECANT=.build-bench-verify/release/decant
mkdir -p "$OUT"
for storage in "${STORAGES[@]}"; do
    [ -f "$OUT/345m_$storage.decant" ] || "$DECANT" convert "$NEMO" -o "$OUT/345m_$storage.decant" --dtype "$storage" >/dev/null
done
[ -d "$OUT/345m_hf" ] || "$DECANT" convert "$NEMO" -o "$OUT/345m_hf" --format hf >/dev/null
python3 Tools/bench_ask.py inputs "$INPUTS"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
: > "$RESULTS"
for round in $(seq "$ROUNDS"); do
    echo "round $round/$ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    for seq in 384 64; do
        for storage in "${STORAGES[@]}"; do
            file="$OUT/345m_$storage.decant"
            measured=$( { OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} OPENBLAS_NUM_THREADS=$THREADS /usr/bin/time -f "%e %U %S %M" \
                "$DECANT" ask "$file" -q "$(cat "$INPUTS/question.txt")" --context-file "$INPUTS/context_$seq.txt" \
                > /dev/null; } 2>&1 | tail -1)
            read -r wall user sys rss_kb <<< "$measured"
            python3 -c "import json, os, sys; w, u, s, r = map(float, sys.argv[1:5]); print(json.dumps({'engine': 'decant', 'storage': sys.argv[5], 'seq': int(sys.argv[6]), 'wall_s': w, 'cpu_s': u + s, 'rss_mb': r * 1024 / 1e6, 'file_mb': os.path.getsize(sys.argv[7]) / 1e6}))" \
                "$wall" "$user" "$sys" "$rss_kb" "$storage" "$seq" "$file" >> "$RESULTS"
        done
    done
    python3 Tools/bench_ask.py torch "$OUT/345m_hf" "$INPUTS" "$THREADS" 5 2>/dev/null >> "$RESULTS"
done
python3 Tools/bench_ask.py summarize "$RESULTS"
