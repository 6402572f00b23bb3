#!/usr/bin/env bash
# Why decant's streamed conversion punches written storages out of its spool (BENCHMARKS.md, "convert"): writes
# 1.3 GB through a temporary file in $TMPDIR (default /tmp) with and without punching, after an idle spell each
# time, so that the memory being written into has gone cold. Needs a C compiler (gcc or cc).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
${CC:-cc} -O2 -o "$bin" Tools/bench_c/spool_pages.c
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
for punch in 1 0 1 0; do
    sleep "${IDLE:-15}"
    "$bin" "$punch"
done
