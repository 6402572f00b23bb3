#!/usr/bin/env python3
"""Writes the bad-input fixtures of the conversion tests into Tests/Fixtures/conversion/.

Both start from the NeMo 1.10 style tiny fixture (plain tar, v2 QKV layout, hidden 64, 4 heads) and break one thing:
  bad_heads.nemo     model_config.yaml says num_attention_heads: 5, which does not divide hidden 64
  bad_qkv_rows.nemo  layer 1's fused query_key_value.weight has 190 rows instead of 3 x 64 = 192
  kbias_only_v2.nemo no megatron_legacy in model_config.yaml and the v2 K rows of every fused QKV bias zeroed, so
                     only the K-bias heuristic can tell the layout (v2); patched in place, every other byte as before
Usage: python3 Tools/make_conversion_fixtures.py [NAME.nemo ...]   (needs torch; no names: all of them)
"""
import io
import pathlib
import struct
import sys
import tarfile
import zipfile

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


def without_megatron_legacy(name, data):
    if name.endswith("model_config.yaml"):
        text = data.decode()
        assert "    megatron_legacy: false\n" in text
        return text.replace("    megatron_legacy: false\n", "").encode()
    if name.endswith("model_weights.ckpt"):
        return zero_v2_key_biases(data)
    return data


def zero_v2_key_biases(data, heads=4):
    """Zeroes rows head*3d + d + e (the v2 K slice) of every fused QKV bias, patching the stored records in place.

    A constant K bias adds the same amount to every score of a query, so softmax (and the logits) do not change; the
    record keeps its place and length, and only the CRC-32s of its local header and central-directory entry change.
    """
    state = torch.load(io.BytesIO(data), weights_only=True)
    out = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    records = {info.filename: info for info in archive.infolist() if "/data/" in info.filename}
    patched = 0
    for key, tensor in state.items():
        if not key.endswith("self_attention.query_key_value.bias"):
            continue
        original = tensor.numpy().tobytes()
        matches = [info for info in records.values() if archive.read(info) == original]
        assert len(matches) == 1, key
        info = matches[0]
        d = tensor.shape[0] // 3 // heads
        zeroed = tensor.clone()
        for head in range(heads):
            zeroed[head * 3 * d + d: head * 3 * d + 2 * d] = 0
        replacement = zeroed.numpy().tobytes()
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + name_length + extra_length
        out[start:start + len(replacement)] = replacement
        crc = zipfile.crc32(replacement)
        struct.pack_into("<I", out, info.header_offset + 14, crc)
        central = find_central_entry(data, info.filename)
        struct.pack_into("<I", out, central + 16, crc)
        patched += 1
    assert patched == 2
    return bytes(out)


def find_central_entry(data, filename):
    """Offset of the central-directory header naming `filename`."""
    encoded = filename.encode()
    at = data.index(b"PK\x01\x02")
    while at >= 0:
        name_length, = struct.unpack_from("<H", data, at + 28)
        if data[at + 46: at + 46 + name_length] == encoded:
            return at
        at = data.find(b"PK\x01\x02", at + 46)
    raise KeyError(filename)


FIXTURES = {
    "bad_heads.nemo": five_heads,
    "bad_qkv_rows.nemo": short_qkv,
    "kbias_only_v2.nemo": without_megatron_legacy,
}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:] or FIXTURES:
        rewrite(OUT / name, FIXTURES[name])
        print("wrote", name)
