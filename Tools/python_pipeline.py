#!/usr/bin/env python3
"""The conversion a user can do today in Python, for Tools/bench_convert.sh to race `decant convert` against.

  python3 Tools/python_pipeline.py MODEL.tlt KEY OUT.safetensors

EFF `.tlt` → `tarfile` (gzip) → manifest.yaml → decrypt `model_weights.ckpt` with TAO's codec (PBKDF2-HMAC-SHA256
via hashlib, AES-256-CTR via `cryptography`, nonce = the blob's first 16 bytes) while checking the manifest's
SHA-256 → `torch.load` → Hugging Face names, fused QKV split (v0 layout: rows [3][heads][d]), vocab padding
dropped → `.half()` → `safetensors.torch.save_file`. The codec salt table is read from decant's
Sources/Codec/CodecSalt.swift (NVIDIA's package, which ships the same table, is not on PyPI).
"""
import hashlib
import io
import pathlib
import re
import sys
import tarfile

import torch
import yaml
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent


def salts():
    text = (ROOT / "Sources/Codec/CodecSalt.swift").read_text()
    return dict(re.findall(r'\("([a-z]{10})", "([0-9a-f]{64})"\)', text))


def decrypt_weights(path, key):
    with tarfile.open(path, "r:*") as archive:
        manifest = yaml.safe_load(archive.extractfile("manifest.yaml").read())
        artifacts = manifest["artifacts"]
        vocab_name = next(n for n, a in artifacts.items() if a.get("conf_path") == "tokenizer.vocab_file")
        vocab_size = len(archive.extractfile("artifacts/" + vocab_name).read().decode().splitlines())
        artifact = artifacts["model_weights.ckpt"]
        salt = bytes.fromhex(salts()[artifact["encryption"]])
        aes_key = hashlib.pbkdf2_hmac("sha256", key.encode(), salt, 100_000, 32)
        blob = archive.extractfile("artifacts/model_weights.ckpt")
        nonce = blob.read(16)
        decryptor = Cipher(algorithms.AES(aes_key), modes.CTR(nonce)).decryptor()
        plaintext = io.BytesIO()
        digest = hashlib.sha256()
        while chunk := blob.read(16 << 20):
            clear = decryptor.update(chunk)
            digest.update(clear)
            plaintext.write(clear)
        if digest.hexdigest() != artifact["sha256"]:
            sys.exit("wrong load key")
        plaintext.seek(0)
        return plaintext, vocab_size


def canonical(state, vocab_size):
    lm = "bert_model.language_model."
    layers = 1 + max(int(k.split(".")[4]) for k in state if ".transformer.layers." in k)
    hidden = state[lm + "embedding.word_embeddings.weight"].shape[1]
    out = {
        "bert.embeddings.word_embeddings.weight": state[lm + "embedding.word_embeddings.weight"][:vocab_size],
        "bert.embeddings.position_embeddings.weight": state[lm + "embedding.position_embeddings.weight"],
        "bert.embeddings.token_type_embeddings.weight": state[lm + "embedding.tokentype_embeddings.weight"],
        "bert.encoder.ln.weight": state[lm + "transformer.final_layernorm.weight"],
        "bert.encoder.ln.bias": state[lm + "transformer.final_layernorm.bias"],
        "qa_outputs.weight": state["classifier.mlp.layer0.weight"],
        "qa_outputs.bias": state["classifier.mlp.layer0.bias"],
    }
    renames = {"input_layernorm": "attention.ln", "attention.dense": "attention.output.dense",
               "post_attention_layernorm": "ln", "mlp.dense_h_to_4h": "intermediate.dense",
               "mlp.dense_4h_to_h": "output.dense"}
    for i in range(layers):
        src, dst = f"{lm}transformer.layers.{i}.", f"bert.encoder.layer.{i}."
        for old, new in renames.items():
            for kind in ("weight", "bias"):
                out[f"{dst}{new}.{kind}"] = state[f"{src}{old}.{kind}"]
        for kind in ("weight", "bias"):
            fused = state[f"{src}attention.query_key_value.{kind}"]
            for j, part in enumerate(("query", "key", "value")):
                out[f"{dst}attention.self.{part}.{kind}"] = fused[j * hidden:(j + 1) * hidden]
    return out


def main():
    source, key, destination = sys.argv[1:4]
    weights, vocab_size = decrypt_weights(source, key)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    tensors = {name: tensor.half().contiguous() for name, tensor in canonical(state, vocab_size).items()}
    save_file(tensors, destination, metadata={"format": "pt"})
    print(f"wrote {destination}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
