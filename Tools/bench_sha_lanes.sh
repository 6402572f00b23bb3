#!/usr/bin/env bash
# Throughput of SHA-256 with SHA-NI hashing two streams one after the other vs interleaved in one thread (the idea
# left open in BENCHMARKS.md, "convert"), next to OpenSSL's single stream. Needs a C compiler and an x86 CPU with SHA-NI.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
${CC:-cc} -O2 -o "$bin" Tools/bench_c/sha256_lanes.c
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'); $(date -u +%Y-%m-%dT%H:%MZ)"
"$bin"
"$bin"
openssl speed -evp sha256 -bytes 1048576 -seconds 2 2>/dev/null | tail -1
