#!/usr/bin/env python3
"""Writes Tests/Fixtures/hostile/: a tiny, convertible Megatron-BERT QA model whose names and metadata carry text
that a terminal acts on, for the tests that every text output escapes what came from a file, and the same model
with a pickle that runs a command, for the tests that `--allow-opaque` reads it as data everywhere.

- hostile_names.nemo: NeMo 1.10 names, 1 layer, hidden 8, 2 heads, FFN 32, 16 vocabulary rows, 32 positions (random
  weights, seed 0). Three extra tensors under `…pooler…` (dropped by `convert`, so their names reach its summary)
  are named with an OSC "set window title" (ESC ] 0 ; … BEL), a clear screen (ESC [2J) with a newline forging a
  table row, and a right-to-left override (U+202E), a C1 CSI (U+009B) and a line separator (U+2028). The same
  strings are in model_config.yaml (target, tokenizer name, language model name), in the encoder config's JSON keys
  and values, and in an archive member name (the vocabulary file).
- hostile_names.tlt: the same members as a TAO EFF v3 archive (gzip tar) in clear, whose manifest metadata keys and
  values and an extra artifact's name carry the same strings.

- opaque_callback.nemo: the same model (plain names and config) whose state dict also holds `callback`, an object
  that pickles as os.system("touch /tmp/decant_malicious_pickle_ran") (GLOBAL posix.system + REDUCE). The script
  proves it live: torch.load(weights_only=False) in a throwaway subprocess creates the marker.

Valid printable text (Chinese, accents) is mixed in: it must come out unchanged. Byte-identical from run to run
(fixed seed and timestamps).

Usage: python3 Tools/make_hostile_fixtures.py
"""
import collections
import gzip
import io
import json
import os
import pathlib
import subprocess
import sys
import tarfile

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/hostile"
MARKER = "/tmp/decant_malicious_pickle_ran"


class RunsACommand:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
FORGED_ROW = "\nforged.row  f32  [1]  4"
BIDI = "\u202egnp.exe"
C1_AND_SEPARATOR = "\x9b2J\u2028"
HOSTILE_TENSORS = [
    "bert_model.model.language_model.pooler.dense" + TITLE + ".weight",
    "bert_model.model.language_model.pooler." + CLEAR + FORGED_ROW,
    "bert_model.model.language_model.pooler.权重é" + BIDI + C1_AND_SEPARATOR,
]
VOCAB_MEMBER = "vocab" + CLEAR + BIDI + ".txt"
PREFIX = "bert_model.model.language_model."
HIDDEN, HEADS, FFN, VOCAB_ROWS, POSITIONS = 8, 2, 32, 16, 32
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "sky", "is", "blue", "what", "color", "?", ".", "a", "day",
         "clear"]


def weights(hostile=True, callback=False):
    g = torch.Generator().manual_seed(0)

    def randn(*shape):
        return (0.2 * torch.randn(*shape, generator=g)).float()

    sd = collections.OrderedDict()
    sd[PREFIX + "embedding.word_embeddings.weight"] = randn(VOCAB_ROWS, HIDDEN)
    sd[PREFIX + "embedding.position_embeddings.weight"] = randn(POSITIONS, HIDDEN)
    sd[PREFIX + "embedding.tokentype_embeddings.weight"] = randn(2, HIDDEN)
    layer = PREFIX + "encoder.layers.0."
    for name, shape in [("input_layernorm", None), ("self_attention.query_key_value", (3 * HIDDEN, HIDDEN)),
                        ("self_attention.dense", (HIDDEN, HIDDEN)), ("post_attention_layernorm", None),
                        ("mlp.dense_h_to_4h", (FFN, HIDDEN)), ("mlp.dense_4h_to_h", (HIDDEN, FFN))]:
        if shape is None:
            sd[layer + name + ".weight"] = 1 + randn(HIDDEN)
            sd[layer + name + ".bias"] = randn(HIDDEN)
        else:
            sd[layer + name + ".weight"] = randn(*shape)
            sd[layer + name + ".bias"] = randn(shape[0])
    sd[PREFIX + "encoder.final_layernorm.weight"] = 1 + randn(HIDDEN)
    sd[PREFIX + "encoder.final_layernorm.bias"] = randn(HIDDEN)
    sd["classifier.mlp.layer0.weight"] = randn(2, HIDDEN)
    sd["classifier.mlp.layer0.bias"] = randn(2)
    for name in HOSTILE_TENSORS if hostile else []:
        sd[name] = randn(HIDDEN)
    if callback:
        sd["callback"] = RunsACommand()
    buffer = io.BytesIO()
    torch.save(sd, buffer)
    return buffer.getvalue()


def yaml_quoted(text):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=True)


def members():
    encoder = {"hidden_size": HIDDEN, "num_attention_heads": HEADS, "num_layers": 1,
               "max_position_embeddings": POSITIONS, "onnx_safe": True,
               "note" + TITLE: CLEAR + FORGED_ROW, "tokenizer_type": "BertWordPieceLowerCase" + BIDI}
    config = "\n".join([
        "dataset:",
        "  version_2_with_negative: true",
        "  do_lower_case: true",
        "  max_seq_length: %d" % POSITIONS,
        "  doc_stride: 8",
        "  max_query_length: 8",
        "tokenizer:",
        "  tokenizer_name: " + yaml_quoted("bert" + CLEAR + FORGED_ROW),
        "  vocab_file: " + yaml_quoted("nemo:" + VOCAB_MEMBER),
        "language_model:",
        "  pretrained_model_name: " + yaml_quoted("megatron" + TITLE + "权重é"),
        "  config_file: nemo:encoder_config.json",
        "  config:",
        "    hidden_size: %d" % HIDDEN,
        "    num_attention_heads: %d" % HEADS,
        "    num_layers: 1",
        "    max_position_embeddings: %d" % POSITIONS,
        "    megatron_legacy: false",
        "target: " + yaml_quoted("nemo.collections.nlp.models.QAModel" + TITLE + BIDI + C1_AND_SEPARATOR),
        "nemo_version: 1.10.0",
        "",
    ])
    return [
        (VOCAB_MEMBER, ("\n".join(VOCAB) + "\n").encode()),
        ("encoder_config.json", json.dumps(encoder, indent=2).encode()),
        ("model_config.yaml", config.encode()),
        ("model_weights.ckpt", weights()),
    ]


def plain_members():
    config = "\n".join([
        "dataset:",
        "  max_seq_length: %d" % POSITIONS,
        "  doc_stride: 8",
        "  max_query_length: 8",
        "tokenizer:",
        "  tokenizer_name: bert",
        "  vocab_file: nemo:vocab.txt",
        "language_model:",
        "  config:",
        "    hidden_size: %d" % HIDDEN,
        "    num_attention_heads: %d" % HEADS,
        "    num_layers: 1",
        "    max_position_embeddings: %d" % POSITIONS,
        "    megatron_legacy: false",
        "    onnx_safe: true",
        "target: nemo.collections.nlp.models.QAModel",
        "",
    ])
    return [("vocab.txt", ("\n".join(VOCAB) + "\n").encode()), ("model_config.yaml", config.encode()),
            ("model_weights.ckpt", weights(hostile=False, callback=True))]


def prove_live(checkpoint):
    """torch.load(weights_only=False) of `checkpoint` in a throwaway subprocess must create the marker."""
    path = OUT / "opaque_callback_weights.tmp"
    path.write_bytes(checkpoint)
    if os.path.exists(MARKER):
        os.remove(MARKER)
    try:
        load = f"import torch; torch.load({str(path)!r}, weights_only=False)"
        subprocess.run([sys.executable, "-c", load], check=True)
        assert os.path.exists(MARKER), "the malicious checkpoint did not run its command"
        os.remove(MARKER)
    finally:
        path.unlink()


def tar_bytes(entries, compress):
    out = io.BytesIO()
    target = gzip.GzipFile(fileobj=out, mode="wb", mtime=0) if compress else out
    with tarfile.open(fileobj=target, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    if compress:
        target.close()
    return out.getvalue()


def manifest(artifact_names):
    metadata = {
        "format_version": 3, "obj_cls": "nemo.collections.nlp.models.QAModel" + TITLE, "origin": "NeMo",
        "has_nemo_config": "true", "has_pytorch_checkpoint": "true",
        "title" + TITLE: CLEAR + FORGED_ROW, "bidi": BIDI, "c1" + C1_AND_SEPARATOR: "中文 é",
    }
    return json.dumps({"artifacts": {name: {"encryption": False} for name in artifact_names}, "metadata": metadata},
                      ensure_ascii=True, indent=1).encode()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    nemo_members = members()
    (OUT / "hostile_names.nemo").write_bytes(tar_bytes(nemo_members, compress=False))
    artifacts = nemo_members + [("notes" + CLEAR + FORGED_ROW + BIDI + ".txt", b"hello\n")]
    eff = [("artifacts/" + name, data) for name, data in artifacts]
    eff.append(("manifest.yaml", manifest([name for name, _ in artifacts])))
    (OUT / "hostile_names.tlt").write_bytes(tar_bytes(eff, compress=True))
    opaque = plain_members()
    prove_live(dict(opaque)["model_weights.ckpt"])
    (OUT / "opaque_callback.nemo").write_bytes(tar_bytes(opaque, compress=False))


if __name__ == "__main__":
    main()
