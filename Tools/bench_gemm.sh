#!/usr/bin/env bash
# The products of the forward pass, by library and kernel, at the Linear shapes of Megatron-BERT 345M (M = 384 and 64
# tokens; N × K = 3072 × 1024 (fused QKV), 1024 × 1024, 4096 × 1024, 1024 × 4096), 2 threads, C = A·Wᵀ:
#   OpenBLAS sgemm (f32), oneDNN 2.6 matmul (f32, bf16, u8×s8 with per-output-channel scales; weights in place
#   and reordered into oneDNN's blocked layout), Decant's own kernels for f16/bf16/q8/q4 (Sources/CKernels/weight_gemm.c).
# Rounds alternate the programs so they see the same machine load; the tables show the median over rounds, by wall
# time and by process CPU time. With THREADS=1 the CPU-time table is the kernels' own speed even on a busy machine
# (a descheduled thread does not count); with 2 threads only a quiet machine gives meaningful walls.
#
# Usage: Tools/bench_gemm.sh [ROUNDS] [ITERATIONS] [THREADS]   (defaults 3, 9, 2; needs libdnnl-dev;
#        writes bench/gemm_results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
ITERATIONS=${2:-9}
THREADS=${3:-2}
RESULTS=bench/gemm_results.jsonl
mkdir -p bench/gemm
CFLAGS=(-O3 -ISources/CKernels -ISources/CKernels/include -I/usr/include/x86_64-linux-gnu/openblas-pthread)
clang "${CFLAGS[@]}" -o bench/gemm/dnnl_matmul Tools/bench_c/dnnl_matmul.c -ldnnl -lopenblas -lm
# clang, as SwiftPM compiles CKernels.
clang "${CFLAGS[@]}" -o bench/gemm/weight_gemm Tools/bench_c/weight_gemm.c Sources/CKernels/weight_gemm.c \
    Sources/CKernels/half_conversion.c Sources/CKernels/block_quantization.c Sources/CKernels/cpu.c -lpthread -lm

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; oneDNN $(dpkg-query -W -f='${Version}' libdnnl2 2>/dev/null || echo '?'); OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo '?'); $(date -u +%Y-%m-%dT%H:%MZ)"
: > "$RESULTS"
SHAPES=("384 3072 1024" "384 1024 1024" "384 4096 1024" "384 1024 4096" "64 3072 1024" "64 1024 1024" "64 4096 1024" "64 1024 4096")
for round in $(seq "$ROUNDS"); do
    echo "round $round/$ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    for shape in "${SHAPES[@]}"; do
        # shellcheck disable=SC2086
        OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} \
            bench/gemm/dnnl_matmul $shape "$ITERATIONS" >> "$RESULTS"
        # shellcheck disable=SC2086
        bench/gemm/weight_gemm $shape "$ITERATIONS" "$THREADS" >> "$RESULTS"
    done
done
python3 - "$RESULTS" "$THREADS" <<'PY'
import collections, json, statistics, sys
for field, title in (("gflops", "wall time"), ("cpu_gflops", "process CPU time")):
    runs = collections.defaultdict(list)
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if field in r:
            runs[(r["variant"], r["m"], r["n"], r["k"])].append(r[field])
    shapes = sorted({key[1:] for key in runs}, key=lambda s: (-s[0], s[1] * s[2]))
    variants = sorted({key[0] for key in runs}, key=lambda v: (not v.startswith("openblas"), not v.startswith("dnnl"), v))
    print(f"GFLOP/s by {title} (2·M·N·K per product, {sys.argv[2]} threads), median over rounds of the per-round medians")
    print("| variant | " + " | ".join(f"{m}×{n}×{k}" for m, n, k in shapes) + " |")
    print("|---|" + "---|" * len(shapes))
    for v in variants:
        cells = [f"{statistics.median(runs[(v, *s)]):.0f}" if (v, *s) in runs else "-" for s in shapes]
        print(f"| {v} | " + " | ".join(cells) + " |")
    print()
PY
