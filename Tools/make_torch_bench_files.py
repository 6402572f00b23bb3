#!/usr/bin/env python3
"""Writes the inputs of Tools/bench_torch.sh into DIR (default bench/torch-345m, git-ignored):

  zip.pt      the state dict of a Megatron-BERT 345M QA model (NeMo 1.0 names, 295 f32 tensors, 1.34 GB of
              zeros), saved by torch.save: what model_weights.ckpt holds
  legacy.pt   the same dict with _use_new_zipfile_serialization=False (torch 0.4-1.5 stream format)
  big.pkl     a protocol-2 pickle heavy on opcodes rather than bytes: a 30522-entry vocab dict, a 1M-int list,
              200k floats, 50k small nested dicts (about 10 MB)

Usage: python3 Tools/make_torch_bench_files.py [DIR]
"""
import collections
import os
import pickle
import sys

import torch


def state_dict(hidden=1024, layers=24, vocab=30592, positions=512):
    shapes = collections.OrderedDict()
    base = "bert_model.language_model."
    shapes[base + "embedding.word_embeddings.weight"] = (vocab, hidden)
    shapes[base + "embedding.position_embeddings.weight"] = (positions, hidden)
    shapes[base + "embedding.tokentype_embeddings.weight"] = (2, hidden)
    for i in range(layers):
        layer = f"{base}transformer.layers.{i}."
        shapes[layer + "input_layernorm.weight"] = (hidden,)
        shapes[layer + "input_layernorm.bias"] = (hidden,)
        shapes[layer + "attention.query_key_value.weight"] = (3 * hidden, hidden)
        shapes[layer + "attention.query_key_value.bias"] = (3 * hidden,)
        shapes[layer + "attention.dense.weight"] = (hidden, hidden)
        shapes[layer + "attention.dense.bias"] = (hidden,)
        shapes[layer + "post_attention_layernorm.weight"] = (hidden,)
        shapes[layer + "post_attention_layernorm.bias"] = (hidden,)
        shapes[layer + "mlp.dense_h_to_4h.weight"] = (4 * hidden, hidden)
        shapes[layer + "mlp.dense_h_to_4h.bias"] = (4 * hidden,)
        shapes[layer + "mlp.dense_4h_to_h.weight"] = (hidden, 4 * hidden)
        shapes[layer + "mlp.dense_4h_to_h.bias"] = (hidden,)
    shapes[base + "transformer.final_layernorm.weight"] = (hidden,)
    shapes[base + "transformer.final_layernorm.bias"] = (hidden,)
    shapes["classifier.mlp.layer0.weight"] = (2, hidden)
    shapes["classifier.mlp.layer0.bias"] = (2,)
    return collections.OrderedDict((name, torch.zeros(shape)) for name, shape in shapes.items())


def big_pickle():
    return {
        "vocab": {f"token{i}": i for i in range(30522)},
        "ints": list(range(1_000_000)),
        "floats": [i * 0.5 for i in range(200_000)],
        "records": [{"id": i, "name": f"r{i}", "tags": ("a", "b"), "score": i / 7} for i in range(50_000)],
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench/torch-345m"
    os.makedirs(out, exist_ok=True)
    weights = state_dict()
    assert len(weights) == 295
    if not os.path.exists(os.path.join(out, "zip.pt")):
        torch.save(weights, os.path.join(out, "zip.pt"))
    if not os.path.exists(os.path.join(out, "legacy.pt")):
        torch.save(weights, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
    with open(os.path.join(out, "big.pkl"), "wb") as f:
        pickle.dump(big_pickle(), f, protocol=2)
    for name in ("zip.pt", "legacy.pt", "big.pkl"):
        print(f"{out}/{name}: {os.path.getsize(os.path.join(out, name))} bytes")


if __name__ == "__main__":
    main()
