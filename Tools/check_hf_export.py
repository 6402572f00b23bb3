#!/usr/bin/env python3
"""Checks a `decant convert --format hf` export with the libraries a user would load it with (torch + transformers).

  python3 Tools/check_hf_export.py EXPORT_DIR FIXTURE_NAME [--dtype f32|f16|bf16]

FIXTURE_NAME is a key of Tests/Fixtures/nemo/expected_outputs.json (the .nemo the export was made from). Checks:
  1. MegatronBertForQuestionAnswering.from_pretrained(EXPORT_DIR, output_loading_info=True) reports no missing,
     unexpected or mismatched keys, and the weights have the dtype asked for;
  2. on the fixture's inputs, start/end logits match the independent Megatron-style reference on the positions
     where the attention mask is 1 (padded query rows are masked differently by Megatron and are not comparable);
     the model runs in float32 after loading, so the tolerance measures only what the storage dtype cost:
       f32: 1e-4 absolute (the reference itself differs from HF's erf GELU by 4.8e-6);
       f16/bf16: 4 · u · max|reference logit|, u = the dtype's unit roundoff (2^-11 for f16, 2^-8 for bf16):
       rounding every weight to relative precision u moves the logits by O(u · |logit|); on the fixtures the
       measured error is 1.1–1.6 · u · max|logit| (printed on success);
  3. AutoTokenizer on the export turns the fixture's question and context into exactly its input_ids.
Exits 1 with a one-line reason on the first failure.
"""
import argparse
import json
import pathlib
import sys

import torch
from transformers import AutoTokenizer, MegatronBertForQuestionAnswering

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "Tests/Fixtures/nemo/expected_outputs.json"
UNIT_ROUNDOFF = {"f16": 2.0 ** -11, "bf16": 2.0 ** -8}
TORCH_DTYPE = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
QUESTION = "what is the color of the sky ?"
CONTEXT = "the sky is blue on a clear day ."


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export")
    parser.add_argument("fixture")
    parser.add_argument("--dtype", choices=sorted(TORCH_DTYPE), default="f32")
    args = parser.parse_args()
    expected = json.loads(EXPECTED.read_text())[args.fixture]

    model, info = MegatronBertForQuestionAnswering.from_pretrained(args.export, output_loading_info=True)
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        if info.get(kind):
            fail(f"{kind}: {info[kind]}")
    stored = {p.dtype for p in model.parameters()}
    if stored != {TORCH_DTYPE[args.dtype]}:
        fail(f"expected every parameter in {TORCH_DTYPE[args.dtype]}, found {stored}")

    model = model.float().eval()
    ids = torch.tensor([expected["input_ids"]])
    mask = torch.tensor([expected["attention_mask"]])
    types = torch.tensor([expected["token_type_ids"]])
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
    keep = mask[0].bool()
    largest = max(torch.tensor(expected[name])[keep].abs().max().item() for name in ("start_logits", "end_logits"))
    tolerance = 1e-4 if args.dtype == "f32" else 4 * UNIT_ROUNDOFF[args.dtype] * largest
    worst = 0.0
    for name, logits in (("start_logits", out.start_logits), ("end_logits", out.end_logits)):
        want = torch.tensor(expected[name])[keep]
        worst = max(worst, (logits[0][keep] - want).abs().max().item())
    if worst > tolerance:
        fail(f"logits differ from the reference by {worst:.3g} > {tolerance:.3g} ({args.dtype})")

    tokenizer = AutoTokenizer.from_pretrained(args.export)
    encoded = tokenizer(QUESTION, CONTEXT, padding="max_length", max_length=len(expected["input_ids"]))
    if encoded["input_ids"] != expected["input_ids"]:
        fail(f"tokenizer gives {encoded['input_ids']}, expected {expected['input_ids']}")

    print(f"OK {args.export}: loads with no missing/unexpected keys, {args.dtype} logits within {worst:.3g} "
          f"(tolerance {tolerance:.3g}), tokenizer reproduces the fixture's input_ids")


if __name__ == "__main__":
    main()
