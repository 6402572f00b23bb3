#!/usr/bin/env bash
# `decant inspect` on the full-size Megatron-BERT 345M QA .nemo (plain tar, 1.34 GB, f32) from
# Tools/make_fullsize_model.py: without --stats (target < 0.5 s, and no tensor data read: peak RSS stays far below
# the file size and no major faults), with --stats (target ≥ 1 GB/s per core), then torch.load of the extracted
# model_weights.ckpt (default and mmap=True, and mmap plus the same statistics), then the statistics kernel per
# path and dtype on 1 GiB in memory. The page cache is warmed first, so every run reads from memory.
#
# Usage: Tools/bench_inspect.sh   (release build in .build-G-release unless SCRATCH says otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=bench/fullsize/qa_megatron_345m.nemo
WEIGHTS=bench/fullsize/model_weights.ckpt
SCRATCH=${SCRATCH:-.build-G-release}
python3 Tools/make_fullsize_model.py
[ -f "$WEIGHTS" ] || tar -xOf "$MODEL" ./model_weights.ckpt > "$WEIGHTS"
swift build -c release --scratch-path "$SCRATCH" --product decant >&2
swift build -c release --scratch-path "$SCRATCH" --product InspectBench >&2
DECANT=$SCRATCH/release/decant

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "model: $MODEL ($(stat -c %s "$MODEL") bytes)"
cat "$MODEL" "$WEIGHTS" > /dev/null

FORMAT='wall %e s, user %U s, sys %S s, max RSS %M KiB, major faults %F, minor faults %R'
for run in 1 2 3; do
    /usr/bin/time -f "inspect:          $FORMAT" "$DECANT" inspect "$MODEL" 2>&1 > /dev/null
done
for run in 1 2 3; do
    /usr/bin/time -f "inspect --json:   $FORMAT" "$DECANT" inspect "$MODEL" --json 2>&1 > /dev/null
done
for run in 1 2 3; do
    /usr/bin/time -f "inspect --stats:  $FORMAT" "$DECANT" inspect "$MODEL" --stats 2>&1 > /dev/null
done
python3 Tools/bench_inspect.py "$WEIGHTS"
"$SCRATCH/release/InspectBench"
