#!/usr/bin/env bash
# Torch reader benchmark: TorchCheckpoint.read on a full-size (1.34 GB f32, 295 tensors) Megatron-BERT 345M state
# dict in the zip and legacy formats, and PickleReader alone on a 10 MB opcode-heavy pickle; best of 5 runs each,
# page cache warm. Also times Python's torch.load(weights_only=True, mmap=True) and pickle.load for scale.
#
# Usage: Tools/bench_torch.sh   (inputs from Tools/make_torch_bench_files.py into bench/torch-345m)
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=bench/torch-345m
python3 Tools/make_torch_bench_files.py "$DIR" >&2
SCRATCH=${SCRATCH:-.build-bench-torch}
swift build -c release --scratch-path "$SCRATCH" --product TorchBench >&2

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
"$SCRATCH/release/TorchBench" 5 "$DIR/zip.pt" "$DIR/legacy.pt" "$DIR/big.pkl"
python3 - "$DIR" <<'PY'
import pickle, sys, time, torch
d = sys.argv[1]
def best(f, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return round(min(times) * 1000, 2)
print({"python": "torch.load(zip.pt, weights_only=True, mmap=True)",
       "best_ms": best(lambda: torch.load(f"{d}/zip.pt", weights_only=True, mmap=True))})
print({"python": "torch.load(legacy.pt, weights_only=True)",
       "best_ms": best(lambda: torch.load(f"{d}/legacy.pt", weights_only=True), 3)})
data = open(f"{d}/big.pkl", "rb").read()
print({"python": "pickle.loads(big.pkl) (C unpickler, runs constructors)", "best_ms": best(lambda: pickle.loads(data))})
PY
