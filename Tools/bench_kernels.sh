#!/usr/bin/env bash
# Builds KernelBench in release mode and times the CKernels loops on 1 GiB of f32 (pass --gib=N to change,
# --exhaustive to also compare the scalar and vector f32 -> f16 paths on all 2^32 inputs).
# Results go to BENCHMARKS.md by hand, with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${DECANT_BENCH_SCRATCH:-.build-bench-kernels}"
swift build -c release --scratch-path "$scratch" --product KernelBench >&2
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%d)"
"$scratch/release/KernelBench" "$@"
