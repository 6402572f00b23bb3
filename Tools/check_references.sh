#!/usr/bin/env bash
# Regenerates every expected-value fixture that comes from torch / transformers and fails if any differs from
# the committed copy: the Swift tests compare against these files, so this is what ties them to the libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
generators=(gen_torch_expected gen_tokenizer_expected gen_inference_golden gen_safetensors_expected gen_qa_expected)
for generator in "${generators[@]}"; do
    python3 "Tools/$generator.py" > /dev/null
done
# A line that only names the library version that made a file (PyPI serves newer releases over time) is provenance,
# not a value: a newer torch/transformers that reproduces every value passes.
version_line='(torch|transformers) [0-9]+\.[0-9]+'
if ! git diff --quiet -I "$version_line" -- Tests/Fixtures; then
    echo "check_references: regenerated fixtures differ from the committed ones:" >&2
    git diff --stat -I "$version_line" -- Tests/Fixtures >&2
    exit 1
fi
echo "check_references: ${#generators[@]} generators reproduce the committed fixtures"
