#!/usr/bin/env python3
"""Writes a full-size Megatron-BERT 345M QA model with random f32 weights for the inference benchmark:
24 layers, hidden 1024, 16 heads, FFN 4096, vocab 30522, 512 positions, canonical Hugging Face names.

Output (about 1.3 GB, git-ignored): bench/megatron-bert-345m-random/{config.json, model.safetensors}.
Usage: python3 Tools/make_fullsize_hf_model.py [output_dir]
"""
import pathlib
import sys

import torch
from transformers import MegatronBertConfig, MegatronBertForQuestionAnswering

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    output = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/megatron-bert-345m-random"
    if (output / "model.safetensors").exists():
        print(f"{output} already exists")
        return
    torch.manual_seed(345)
    config = MegatronBertConfig(vocab_size=30522, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                                intermediate_size=4096, hidden_act="gelu", max_position_embeddings=512,
                                type_vocab_size=2, layer_norm_eps=1e-5, initializer_range=0.02)
    config.architectures = ["MegatronBertForQuestionAnswering"]
    model = MegatronBertForQuestionAnswering(config).eval()
    # Random LayerNorm parameters too, so a transposed or swapped norm would show in the logits.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ".ln." in name or name.startswith("bert.encoder.ln."):
                parameter.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(parameter))
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output, safe_serialization=True)
    count = sum(p.numel() for p in model.parameters())
    print(f"wrote {output} ({count:,} parameters)")


if __name__ == "__main__":
    main()
