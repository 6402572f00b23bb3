#!/usr/bin/env python3
"""Writes a full-size Megatron-BERT 345M QA `.nemo` with random f32 weights, laid out exactly like the tiny
fixtures in Tests/Fixtures/nemo/ (and like NeMo 1.0-1.4 itself), for benchmarks on realistic sizes.

Model: NeMo 1.0 naming (`bert_model.language_model.transformer.layers.{i}.attention.query_key_value.*`, see
nemo-megatron.md §2.2), 24 layers, hidden 1024, 16 heads, FFN 4096, word embeddings padded to 30592 rows for the
30522-token bert-large-uncased vocab, 512 positions, 2 token types, QA head Linear(1024 -> 2). 295 tensors,
334,166,018 parameters; the plain-tar .nemo is 1,337,610,240 bytes.

Archive, as `ModelPT._make_nemo_file_from_folder` writes it (`tar.add(folder, arcname=".")`): the directory
entry `.`, then `./<uuid>_tokenizer.vocab_file`, `./<uuid>_tokenizer_vocab_dict`,
`./<uuid>_megatron-bert-345m-uncased_encoder_config.json`, `./model_config.yaml` and `./model_weights.ckpt`
(torch.save of the state dict: a torch zip with the prefix `model_weights/`). The uuids are derived from the seed,
so the same options give the same member names. Plain tar (NeMo >= 1.7) by default, `--gzip` for tar.gz
(NeMo <= 1.6, compression level 9 as tarfile's default unless `--compresslevel` says otherwise).

Weights: normal(0, 0.02); LayerNorm weights 1 + normal(0, 0.02); biases normal(0, 0.02) except the K slice of
every fused QKV bias, which is zero as in a trained checkpoint (the K bias gets no gradient under softmax).
Vocab: Tests/Fixtures/qa/bert-base-uncased-vocab.txt (identical to bert-large-uncased).

Usage: python3 Tools/make_fullsize_model.py [--gzip] [--layers N] [--output PATH] [--seed S] [--compresslevel L]
Default output (git-ignored): bench/fullsize/qa_megatron_345m[_<N>layers].nemo or ….tar.gz.nemo with --gzip.
An existing output is kept; delete it to regenerate.
"""
import argparse
import collections
import json
import os
import pathlib
import random
import shutil
import tarfile
import uuid

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
VOCAB_FILE = ROOT / "Tests/Fixtures/qa/bert-base-uncased-vocab.txt"
HIDDEN, HEADS, FFN, VOCAB, PADDED, POSITIONS, TOKEN_TYPES = 1024, 16, 4096, 30522, 30592, 512, 2
MODEL_NAME = "megatron-bert-345m-uncased"


def state_dict(layers, seed):
    """NeMo 1.0 QAModel.state_dict() keys in module order (embedding, layers, final norm, classifier)."""
    g = torch.Generator().manual_seed(seed)

    def normal(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    lm = "bert_model.language_model."
    sd = collections.OrderedDict()
    sd[lm + "embedding.word_embeddings.weight"] = normal(PADDED, HIDDEN)
    sd[lm + "embedding.position_embeddings.weight"] = normal(POSITIONS, HIDDEN)
    sd[lm + "embedding.tokentype_embeddings.weight"] = normal(TOKEN_TYPES, HIDDEN)
    for i in range(layers):
        p = f"{lm}transformer.layers.{i}."
        qkv_bias = normal(3 * HIDDEN)
        qkv_bias[HIDDEN:2 * HIDDEN] = 0  # v0 layout [3][heads][head_dim]: the middle third is K
        tensors = [
            ("input_layernorm.weight", 1 + normal(HIDDEN)), ("input_layernorm.bias", normal(HIDDEN)),
            ("attention.query_key_value.weight", normal(3 * HIDDEN, HIDDEN)),
            ("attention.query_key_value.bias", qkv_bias),
            ("attention.dense.weight", normal(HIDDEN, HIDDEN)), ("attention.dense.bias", normal(HIDDEN)),
            ("post_attention_layernorm.weight", 1 + normal(HIDDEN)), ("post_attention_layernorm.bias", normal(HIDDEN)),
            ("mlp.dense_h_to_4h.weight", normal(FFN, HIDDEN)), ("mlp.dense_h_to_4h.bias", normal(FFN)),
            ("mlp.dense_4h_to_h.weight", normal(HIDDEN, FFN)), ("mlp.dense_4h_to_h.bias", normal(HIDDEN)),
        ]
        for name, tensor in tensors:
            sd[p + name] = tensor
    sd[lm + "transformer.final_layernorm.weight"] = 1 + normal(HIDDEN)
    sd[lm + "transformer.final_layernorm.bias"] = normal(HIDDEN)
    sd["classifier.mlp.layer0.weight"] = normal(2, HIDDEN)
    sd["classifier.mlp.layer0.bias"] = normal(2)
    return sd


def vocabulary():
    """The real uncased vocab; the synthetic stand-in keeps the special-token ids BERT tokenizers rely on."""
    if VOCAB_FILE.exists():
        tokens = VOCAB_FILE.read_text(encoding="utf-8").split("\n")
        if tokens[-1] == "":
            tokens.pop()
    else:
        tokens = (["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                  + [f"filler{i}" for i in range(VOCAB - 104)])
    assert len(tokens) == VOCAB, f"expected {VOCAB} tokens, found {len(tokens)}"
    return tokens


def model_config(layers, vocab_member, encoder_member, vocab_dict_member):
    """model_config.yaml as NeMo 1.0 saves a QA model (the tiny fixture's file with full-size numbers)."""
    splits = "".join(
        f"{split}:\n  file: null\n  batch_size: 12\n  shuffle: {'true' if split == 'train_ds' else 'false'}\n"
        f"  num_samples: -1\n  num_workers: 2\n  drop_last: false\n  pin_memory: false\n"
        for split in ["train_ds", "validation_ds", "test_ds"])
    return (
        "nemo_path: null\n"
        "dataset:\n  version_2_with_negative: true\n  doc_stride: 128\n  max_query_length: 64\n"
        "  max_seq_length: 384\n  max_answer_length: 30\n  null_score_diff_threshold: 0.0\n  n_best_size: 20\n"
        "  use_cache: true\n  do_lower_case: true\n  num_workers: 2\n  pin_memory: false\n  drop_last: false\n"
        + splits +
        f"tokenizer:\n  tokenizer_name: {MODEL_NAME}\n  vocab_file: nemo:{vocab_member}\n"
        "  tokenizer_model: null\n  special_tokens: null\n"
        f"language_model:\n  pretrained_model_name: {MODEL_NAME}\n  lm_checkpoint: null\n"
        f"  config_file: nemo:{encoder_member}\n"
        f"  config:\n    hidden_size: {HIDDEN}\n    num_attention_heads: {HEADS}\n    num_layers: {layers}\n"
        f"    max_position_embeddings: {POSITIONS}\n"
        "token_classifier:\n  num_layers: 1\n  dropout: 0.0\n  num_classes: 2\n  activation: relu\n"
        "  log_softmax: false\n  use_transformer_init: true\n"
        "optim:\n  name: adamw\n  lr: 3.0e-05\n  weight_decay: 0.0\n  sched:\n    name: SquareRootAnnealing\n"
        "    warmup_steps: null\n    warmup_ratio: 0.0\n    last_epoch: -1\n"
        "target: nemo.collections.nlp.models.question_answering.qa_model.QAModel\n"
        f"tokenizer_vocab_dict: nemo:{vocab_dict_member}\n")


def write_folder(folder, layers, seed):
    """The folder NeMo tars up: artifacts under `<uuid4 hex>_<basename>`, then the yaml and the weights."""
    rng = random.Random(seed)
    artifact = lambda basename: f"{uuid.UUID(int=rng.getrandbits(128), version=4).hex}_{basename}"
    vocab_member = artifact("tokenizer.vocab_file")
    vocab_dict_member = artifact("tokenizer_vocab_dict")
    encoder_member = artifact(f"{MODEL_NAME}_encoder_config.json")

    tokens = vocabulary()
    (folder / vocab_member).write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    (folder / vocab_dict_member).write_text(
        json.dumps({t: i for i, t in enumerate(tokens)}, indent=2, sort_keys=True), encoding="utf-8")
    encoder = {"hidden_size": HIDDEN, "lazy_mpu_init": True, "max_position_embeddings": POSITIONS,
               "num_attention_heads": HEADS, "num_layers": layers, "onnx_safe": True,
               "tokenizer_type": "BertWordPieceLowerCase",
               "vocab_file": f"/home/user/.cache/torch/megatron/{MODEL_NAME}_vocab"}
    (folder / encoder_member).write_text(json.dumps(encoder, indent=2, sort_keys=True), encoding="utf-8")
    (folder / "model_config.yaml").write_text(
        model_config(layers, vocab_member, encoder_member, vocab_dict_member), encoding="utf-8")
    weights = state_dict(layers, seed)
    torch.save(weights, folder / "model_weights.ckpt")
    return sum(t.numel() for t in weights.values()), len(weights)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gzip", action="store_true", help="tar.gz (NeMo <= 1.6) instead of plain tar")
    parser.add_argument("--layers", type=int, default=24, help="transformer layers (24 for the real 345M)")
    parser.add_argument("--output", type=pathlib.Path, help="the .nemo to write")
    parser.add_argument("--seed", type=int, default=345)
    parser.add_argument("--compresslevel", type=int, default=9, help="gzip level with --gzip (NeMo uses 9)")
    args = parser.parse_args()
    if args.layers < 1:
        parser.error("--layers must be at least 1")

    suffix = ("" if args.layers == 24 else f"_{args.layers}layers") + (".tar.gz.nemo" if args.gzip else ".nemo")
    output = args.output or ROOT / "bench/fullsize" / f"qa_megatron_345m{suffix}"
    if output.exists():
        print(f"{output} already exists")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    # Staged next to the output (same file system, no /tmp size limits), renamed into place when complete.
    staging = output.parent / f".staging-{os.getpid()}-{output.name}"
    folder = staging.with_suffix(".d")
    folder.mkdir(mode=0o700)  # NeMo tars up a TemporaryDirectory, so `.` is drwx------
    try:
        parameters, tensors = write_folder(folder, args.layers, args.seed)
        mode, options = ("w:gz", {"compresslevel": args.compresslevel}) if args.gzip else ("w:", {})
        with tarfile.open(staging, mode, **options) as tar:
            tar.add(folder, arcname=".")
        staging.rename(output)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        staging.unlink(missing_ok=True)
    print(f"wrote {output}: {tensors} tensors, {parameters:,} parameters, {output.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
