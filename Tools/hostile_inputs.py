#!/usr/bin/env python3
"""Hostile inputs that cost a reader far more than their size (issue 10, items 6 and 7), written by hand: no torch.

make_adversarial.py imports the writers below for the small corpus copies (Tests/Fixtures/adversarial/); run this
file to write the full-size inputs the issue measured (up to 3 MB on disk, but gigabytes once read):

    python3 Tools/hostile_inputs.py OUTDIR

    OUTDIR/broadcast_1tib.pt        521 bytes: a 1 TiB f32 tensor as a stride-0 view of a 4-byte storage
    OUTDIR/broadcast_4gib.pt        a 4 GiB one
    OUTDIR/broadcast_weights.nemo   a Megatron-BERT 345M-shaped .nemo whose every weight is a broadcast of one float
    OUTDIR/zero_members.nemo        3 MB tar.gz: config, weights, then 50 members of 60 MiB of zeros
    OUTDIR/zero_artifacts.tlt       2.5 MB EFF: the same, as 40 clear 60 MiB artifacts
    OUTDIR/long_token.nemo          131 KB tar.gz whose vocabulary holds one 60 MB token

Every file is byte-identical from run to run (fixed timestamps, names and owners).
"""
import gzip
import io
import math
import os
import struct
import sys
import tarfile
import zipfile

# ---------------------------------------------------------------- pickle opcodes, protocol 2


def p_int(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    if -(1 << 31) <= n < (1 << 31):
        return b"J" + struct.pack("<i", n)
    size = (n.bit_length() + 8) // 8
    return b"\x8a" + bytes([size]) + n.to_bytes(size, "little", signed=True)


def p_str(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_tuple(items):
    return b"(" + b"".join(items) + b"t"


def torch_state_dict(tensors, storage_class="FloatStorage"):
    """data.pkl of an OrderedDict name → torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, {}).

    `tensors` holds (name, storage key, storage numel, storage offset, shape, strides)."""
    memo = {}

    def g(module, name):
        # Each global once, then fetched from the memo: a few bytes per tensor instead of ~100.
        if (module, name) in memo:
            return b"h" + bytes([memo[(module, name)]])
        memo[(module, name)] = len(memo)
        return p_global(module, name) + b"q" + bytes([memo[(module, name)]])

    out = bytearray(b"\x80\x02" + g("collections", "OrderedDict") + b")R")
    for name, key, numel, offset, shape, strides in tensors:
        storage = p_tuple([p_str("storage"), g("torch", storage_class), p_str(key), p_str("cpu"), p_int(numel)]) + b"Q"
        args = p_tuple([storage, p_int(offset), p_tuple([p_int(d) for d in shape]), p_tuple([p_int(s) for s in strides]),
                        b"\x89", g("collections", "OrderedDict") + b")R"])
        out += p_str(name) + g("torch._utils", "_rebuild_tensor_v2") + args + b"Rs"
    return bytes(out + b".")


def torch_zip(pickle_bytes, storages, prefix="archive"):
    """A torch ≥ 1.6 zip checkpoint: `<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        def put(name, data):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        put(prefix + "/data.pkl", pickle_bytes)
        for key, data in storages.items():
            put(prefix + "/data/" + key, data)
        put(prefix + "/version", "3\n")
    return out.getvalue()


def broadcast_checkpoint(elements):
    """One f32 tensor `w` of `elements` elements, every one the single float of its 4-byte storage."""
    return torch_zip(torch_state_dict([("w", "0", 1, 0, (elements,), (0,))]), {"0": struct.pack("<f", 0.5)})


# ---------------------------------------------------------------- tar, tar.gz, EFF


class Zeros(io.RawIOBase):
    """`size` zero bytes, read in chunks, so gigabyte members never sit in memory."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def tar_into(fileobj, members):
    """Writes a ustar archive of (name, bytes or (size, zero reader)) with fixed owners and times."""
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = 0, 0o644, 0, 0, "", ""
            if isinstance(data, bytes):
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                info.size = data
                t.addfile(info, Zeros(data))


def tar(members):
    out = io.BytesIO()
    tar_into(out, members)
    return out.getvalue()


def tar_gz(members, path=None):
    """The tar of `members`, gzip-compressed (written to `path` as it goes, or returned)."""
    out = open(path, "wb") if path else io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=6, mtime=0) as packed:
        tar_into(packed, members)
    if path:
        out.close()
        return None
    return out.getvalue()


def eff_manifest(clear_names):
    """An EFF v3 manifest listing `clear_names` as unencrypted artifacts, without checksums."""
    lines = ["artifacts:"] + ["  %s: {encryption: false}" % name for name in clear_names]
    lines += ["metadata: {format_version: 3, origin: NeMo}", ""]
    return "\n".join(lines).encode()


# ---------------------------------------------------------------- a Megatron-BERT QA .nemo

VOCAB = b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nanswer\nis\nhere\n.\n"
VOCAB_MEMBER = "95d0e144da9546e2bd40cf3e39953089_tokenizer.vocab_file"


def qa_config(layers, hidden, heads, positions):
    return ("""dataset:
  version_2_with_negative: true
  doc_stride: 128
  max_query_length: 64
  max_seq_length: 384
  max_answer_length: 30
  n_best_size: 20
  do_lower_case: true
tokenizer:
  tokenizer_name: megatron-bert-345m-uncased
  vocab_file: nemo:%s
language_model:
  pretrained_model_name: megatron-bert-345m-uncased
  config:
    hidden_size: %d
    num_attention_heads: %d
    num_layers: %d
    max_position_embeddings: %d
    megatron_legacy: false
target: nemo.collections.nlp.models.question_answering.qa_model.QAModel
nemo_version: 1.10.0
""" % (VOCAB_MEMBER, hidden, heads, layers, positions)).encode()


def megatron_qa_shapes(layers, hidden, vocab_rows, positions):
    """(name, shape) of a NeMo 1.10 Megatron-BERT QA checkpoint, in state-dict order."""
    lm = "bert_model.model.language_model."
    shapes = [(lm + "embedding.word_embeddings.weight", (vocab_rows, hidden)),
              (lm + "embedding.position_embeddings.weight", (positions, hidden)),
              (lm + "embedding.tokentype_embeddings.weight", (2, hidden))]
    for i in range(layers):
        p = lm + "encoder.layers.%d." % i
        shapes += [(p + "input_layernorm.weight", (hidden,)), (p + "input_layernorm.bias", (hidden,)),
                   (p + "self_attention.query_key_value.weight", (3 * hidden, hidden)),
                   (p + "self_attention.query_key_value.bias", (3 * hidden,)),
                   (p + "self_attention.dense.weight", (hidden, hidden)), (p + "self_attention.dense.bias", (hidden,)),
                   (p + "post_attention_layernorm.weight", (hidden,)), (p + "post_attention_layernorm.bias", (hidden,)),
                   (p + "mlp.dense_h_to_4h.weight", (4 * hidden, hidden)), (p + "mlp.dense_h_to_4h.bias", (4 * hidden,)),
                   (p + "mlp.dense_4h_to_h.weight", (hidden, 4 * hidden)), (p + "mlp.dense_4h_to_h.bias", (hidden,))]
    shapes += [(lm + "encoder.final_layernorm.weight", (hidden,)), (lm + "encoder.final_layernorm.bias", (hidden,)),
               ("classifier.mlp.layer0.weight", (2, hidden)), ("classifier.mlp.layer0.bias", (2,))]
    return shapes


def broadcast_nemo(layers=24, hidden=1024, heads=16, vocab_rows=30592, positions=512):
    """A plain-tar .nemo whose every weight is a stride-0 view of one float: a 345M model's shapes in a few KB."""
    tensors = [(name, "0", 1, 0, shape, (0,) * len(shape))
               for name, shape in megatron_qa_shapes(layers, hidden, vocab_rows, positions)]
    weights = torch_zip(torch_state_dict(tensors), {"0": struct.pack("<f", 0.01)}, prefix="model_weights")
    return tar([(VOCAB_MEMBER, VOCAB), ("model_config.yaml", qa_config(layers, hidden, heads, positions)),
                ("model_weights.ckpt", weights)])


def tiny_qa_weights(layers=1, hidden=32, vocab_rows=128, positions=32):
    """A small but complete Megatron-BERT QA checkpoint (one storage per tensor, deterministic values), so the
    inputs built around it convert and answer when their hostile part is handled."""
    tensors, storages = [], {}
    for index, (name, shape) in enumerate(megatron_qa_shapes(layers, hidden, vocab_rows, positions)):
        count = math.prod(shape)
        if name.endswith("layernorm.weight"):
            values = [1.0] * count
        else:
            values = [((i * 7 + index) % 17 - 8) / 64 for i in range(count)]
        strides = tuple(math.prod(shape[k + 1:]) for k in range(len(shape)))
        tensors.append((name, str(index), count, 0, shape, strides))
        storages[str(index)] = struct.pack("<%df" % count, *values)
    return torch_zip(torch_state_dict(tensors), storages, prefix="model_weights")


def tiny_qa_members(vocab=VOCAB):
    """Vocabulary, config and weights of the tiny model, in the order NeMo writes them (uuid names first)."""
    return [(VOCAB_MEMBER, vocab), ("model_config.yaml", qa_config(1, 32, 2, 32)), ("model_weights.ckpt", tiny_qa_weights())]


def zero_members(count, size):
    """The tiny model (so the file is recognised and converts), then `count` members of `size` zeros nobody reads."""
    return tiny_qa_members() + [("zeros_%03d.bin" % i, size) for i in range(count)]


def long_token_members(token_bytes):
    """The tiny model, whose vocabulary holds one more token, of `token_bytes` bytes."""
    return tiny_qa_members(VOCAB + b"a" * token_bytes + b"\n")


def main(folder):
    os.makedirs(folder, exist_ok=True)

    def write(name, data):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)

    write("broadcast_1tib.pt", broadcast_checkpoint(1 << 38))
    write("broadcast_4gib.pt", broadcast_checkpoint(1 << 30))
    write("broadcast_weights.nemo", broadcast_nemo())
    tar_gz(zero_members(50, 60 << 20), os.path.join(folder, "zero_members.nemo"))
    members = zero_members(40, 60 << 20)
    tar_gz([("artifacts/" + name, data) for name, data in members]
           + [("manifest.yaml", eff_manifest([name for name, _ in members]))], os.path.join(folder, "zero_artifacts.tlt"))
    write("long_token.nemo", tar_gz(long_token_members(60_000_000)))
    for name in sorted(os.listdir(folder)):
        print("%10d  %s" % (os.path.getsize(os.path.join(folder, name)), name))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile")
