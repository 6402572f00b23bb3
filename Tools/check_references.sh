#!/usr/bin/env bash
# Regenerates every expected-value fixture that comes from torch / transformers and fails if any differs from
# the committed copy: the Swift tests compare against these files, so this is what ties them to the libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
generators=(gen_torch_expected gen_tokenizer_expected gen_inference_golden gen_safetensors_expected gen_qa_expected)
for generator in "${generators[@]}"; do
    python3 "Tools/$generator.py" > /dev/null
done
if ! git diff --quiet -- Tests/Fixtures; then
    echo "check_references: regenerated fixtures differ from the committed ones:" >&2
    git diff --stat -- Tests/Fixtures >&2
    exit 1
fi
echo "check_references: ${#generators[@]} generators reproduce the committed fixtures"
