#!/usr/bin/env bash
# Sets up a fresh machine, builds decant, and runs the main job on the sample shipped in samples/:
# a TAO .tlt (encrypted with the published load key) → inspect → convert to a native f16 file → check →
# verify against the encrypted source in f32 → ask a question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product decant
decant=".build/release/decant"
sample="samples/qa_megatron_tiny.tlt"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step "$decant" decrypt --list "$sample" --key tlt_encode
step "$decant" inspect "$sample" --key tlt_encode
step "$decant" convert "$sample" --key tlt_encode --dtype f16 -o "$out/qa_megatron_tiny.decant"
step "$decant" check "$out/qa_megatron_tiny.decant"
step "$decant" verify "$out/qa_megatron_tiny.decant" --reference "$sample" --key tlt_encode
step "$decant" ask "$out/qa_megatron_tiny.decant" -q "what is the color of the sky?" -c "the sky is blue on a clear day."
echo
echo "demo: all steps succeeded (the sample has tiny random weights, so the answer itself is arbitrary)"
