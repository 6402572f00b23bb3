#!/usr/bin/env bash
# Sets up a fresh machine, builds decant, and runs the main job on the sample shipped in samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product decant
decant=".build/release/decant"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
set -x
"$decant" decrypt --list samples/qa_megatron_tiny.tlt --key tlt_encode
"$decant" decrypt samples/qa_megatron_tiny.tlt --key tlt_encode -o "$out/qa_megatron_tiny.nemo"
