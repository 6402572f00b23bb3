#!/usr/bin/env python3
"""Writes Tests/Fixtures/golden/tiny_hf_golden.json: start/end logits that Hugging Face transformers'
MegatronBertForQuestionAnswering computes for the tiny reference export, the ground truth the Inference tests
compare against (f32, unmasked positions, 1e-4).

Cases: the fixture question padded to 24, a single unpadded sequence, a sequence padded in the middle of a batch,
and a batch of 3 with different padding. Run from the repository root:
    python3 Tools/gen_inference_golden.py
"""
import json
import pathlib

import torch
from transformers import MegatronBertForQuestionAnswering

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "Tests/Fixtures/nemo/hf_export_reference"
EXPECTED = ROOT / "Tests/Fixtures/nemo/expected_outputs.json"
OUTPUT = ROOT / "Tests/Fixtures/golden/tiny_hf_golden.json"


def batches(fixture):
    generator = torch.Generator().manual_seed(20240605)

    def random_sequence(length, padded_to):
        ids = [101] + torch.randint(103, 120, (length - 2,), generator=generator).tolist() + [102]
        split = length // 2
        types = [0] * split + [1] * (length - split)
        pad = padded_to - length
        return ids + [0] * pad, types + [0] * pad, [1] * length + [0] * pad

    fixture_case = (fixture["input_ids"], fixture["token_type_ids"], fixture["attention_mask"])
    yield [fixture_case]
    yield [random_sequence(32, 32)]
    yield [random_sequence(7, 7)]
    yield [random_sequence(12, 20), random_sequence(20, 20)]
    yield [random_sequence(5, 16), random_sequence(16, 16), random_sequence(9, 16)]


def main():
    torch.manual_seed(0)
    model = MegatronBertForQuestionAnswering.from_pretrained(MODEL_DIR, attn_implementation="eager").eval()
    fixture = json.loads(EXPECTED.read_text())["qa_megatron_tiny_nemo1.0style_v0layout.nemo"]
    cases = []
    with torch.inference_mode():
        for batch_index, batch in enumerate(batches(fixture)):
            ids, types, mask = (torch.tensor([row[k] for row in batch]) for k in range(3))
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            for i in range(len(batch)):
                cases.append({
                    "batch": batch_index,
                    "input_ids": ids[i].tolist(),
                    "token_type_ids": types[i].tolist(),
                    "attention_mask": mask[i].tolist(),
                    "start_logits": [round(v, 7) for v in out.start_logits[i].tolist()],
                    "end_logits": [round(v, 7) for v in out.end_logits[i].tolist()],
                })
    document = {
        "generator": "Tools/gen_inference_golden.py",
        "model": "Tests/Fixtures/nemo/hf_export_reference (transformers MegatronBertForQuestionAnswering, f32, eager)",
        "note": "cases with the same batch index were run together as one padded batch",
        "cases": cases,
    }
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
