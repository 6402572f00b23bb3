#!/usr/bin/env bash
# Benchmarks the QA module (release build) and, for scale, transformers' Python and Rust BERT tokenizers on the
# same text. Usage: bash Tools/bench_qa.sh   (from the repository root; needs python3 with transformers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vocab="$root/Tests/Fixtures/qa/bert-base-uncased-vocab.txt"

# ~1.5 MB of text: the tokenizer corpus (every script, emoji, controls) repeated; and a 5000-word context.
python3 - "$root" "$work" <<'PY'
import json, sys
root, work = sys.argv[1], sys.argv[2]
cases = json.load(open(f"{root}/Tests/Fixtures/qa/tokenizer_expected.json"))["cases"]
corpus = "\n".join(c["text"] for c in cases)
open(f"{work}/text.txt", "w", encoding="utf-8").write("\n".join([corpus] * 60))
words = ("The Normans were descended from Norse raiders who under their leader Rollo swore fealty to King "
         "Charles III of West Francia, and over generations they merged with the native populations.").split()
open(f"{work}/context.txt", "w", encoding="utf-8").write(" ".join(words[i % len(words)] for i in range(5000)))
PY

# A throwaway package over the real sources, so the benchmark needs no target in Package.swift.
mkdir -p "$work/pkg/Sources/Bench"
ln -s "$root/Sources/Bytes" "$work/pkg/Sources/Bytes"
ln -s "$root/Sources/QA" "$work/pkg/Sources/QA"
cp "$root/Tools/bench_qa/main.swift" "$work/pkg/Sources/Bench/main.swift"
cat > "$work/pkg/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "QABench", targets: [
    .target(name: "Bytes"), .target(name: "QA", dependencies: ["Bytes"]),
    .executableTarget(name: "Bench", dependencies: ["QA"]),
])
SWIFT
swift build -c release --package-path "$work/pkg" >/dev/null
echo "== Swift QA (release)"
"$work/pkg/.build/release/Bench" "$vocab" "$work/text.txt" "$work/context.txt"

echo "== transformers $(python3 -c 'import transformers; print(transformers.__version__)') for scale"
python3 - "$vocab" "$work/text.txt" <<'PY'
import sys, time
from transformers import BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy
vocab, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
mb = len(text.encode()) / 1e6
for name, tok in [("Python BertTokenizerLegacy (NeMo's)", BertTokenizerLegacy(vocab)), ("Rust BertTokenizer", BertTokenizer(vocab))]:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter(); n = len(tok.tokenize(text)); best = min(best, time.perf_counter() - start)
    print(f"{name}: tokenize {mb:.2f} MB ({n} tokens): {best:.3f} s = {mb / best:.2f} MB/s")
PY
