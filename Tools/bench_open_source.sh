#!/usr/bin/env bash
# Opening benchmark: ModelSource on a full-size (1.25 GiB f32) Megatron-BERT 345M QA model as a plain-tar .nemo
# (zero-copy), a tar.gz .nemo (streamed, weights spooled to an unlinked temp file) and an EFF .tlt (decrypted while
# spooling, SHA-256 checked), then architecture detection, mapping and materializing all 391 canonical tensors.
# Reports wall times and resident memory: RssAnon (heap) vs RssFile (mapped file pages, reclaimable).
#
# Usage: Tools/bench_open_source.sh   (writes bench/open_source_results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=bench/fullsize
RESULTS=bench/open_source_results.jsonl
PLAIN=$DIR/qa_megatron_345m.nemo
GZIP=$DIR/qa_megatron_345m_level1.tar.gz.nemo
TLT=$DIR/qa_megatron_345m.tlt
python3 Tools/make_fullsize_model.py --output "$PLAIN" >&2
# gzip level 1: what is measured is decant's streaming, not how hard the writer tried to compress random floats.
python3 Tools/make_fullsize_model.py --gzip --compresslevel 1 --output "$GZIP" >&2
SCRATCH=${SCRATCH:-.build-bench}
swift build -c release --scratch-path "$SCRATCH" --product SourceBench >&2
BENCH=$SCRATCH/release/SourceBench
[ -f "$TLT" ] || "$BENCH" encrypt "$PLAIN" "$TLT"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
: > "$RESULTS"
for file in "$PLAIN" "$GZIP" "$TLT"; do
    key=(); [ "$file" = "$TLT" ] && key=(tlt_encode)
    "$BENCH" "$file" "${key[@]}" | tee -a "$RESULTS"
done
