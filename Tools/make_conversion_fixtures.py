#!/usr/bin/env python3
"""Writes the bad-input fixtures of the conversion tests into Tests/Fixtures/conversion/.

Both start from the NeMo 1.10 style tiny fixture (plain tar, v2 QKV layout, hidden 64, 4 heads) and break one thing:
  bad_heads.nemo     model_config.yaml says num_attention_heads: 5, which does not divide hidden 64
  bad_qkv_rows.nemo  layer 1's fused query_key_value.weight has 190 rows instead of 3 x 64 = 192
Usage: python3 Tools/make_conversion_fixtures.py   (needs torch)
"""
import io
import pathlib
import tarfile

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/Fixtures/nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo"
OUT = ROOT / "Tests/Fixtures/conversion"


def rewrite(target, edit_member):
    """Copies SOURCE to target, passing every member's bytes through edit_member(name, data)."""
    with tarfile.open(SOURCE) as src, tarfile.open(target, "w", format=tarfile.GNU_FORMAT) as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read() if info.isfile() else None
            if data is not None:
                data = edit_member(info.name, data)
                info.size = len(data)
            info.mtime = 0  # reproducible bytes
            dst.addfile(info, io.BytesIO(data) if data is not None else None)


def five_heads(name, data):
    if name.endswith("model_config.yaml"):
        text = data.decode()
        assert "num_attention_heads: 4" in text
        return text.replace("num_attention_heads: 4", "num_attention_heads: 5").encode()
    return data


def short_qkv(name, data):
    if not name.endswith("model_weights.ckpt"):
        return data
    state = torch.load(io.BytesIO(data), weights_only=True)
    key = next(k for k in state if k.endswith("layers.1.self_attention.query_key_value.weight"))
    state[key] = state[key][:190].clone()
    out = io.BytesIO()
    torch.save(state, out)
    return out.getvalue()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    rewrite(OUT / "bad_heads.nemo", five_heads)
    rewrite(OUT / "bad_qkv_rows.nemo", short_qkv)
    print("wrote", *(p.name for p in sorted(OUT.glob("*.nemo"))))
