#!/usr/bin/env python3
"""Writes the hand-made attacks of Tests/Fixtures/adversarial/<reader>/ (replayed by HardeningTests).

Each file is small (a bomb declares its size, it does not have it) and is named after the attack. Expected errors
live in Tests/Fixtures/adversarial/expected.json, kept by hand: a new attack without an entry fails the test.

    python3 Tools/make_adversarial.py            # rewrites the generated files (fuzzer findings are left alone)
"""
import gzip
import io
import json
import os
import pickle
import struct
import tarfile
import zipfile
import zlib

import xxhash

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "adversarial")


def write(reader, name, data):
    folder = os.path.join(ROOT, reader)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- tar

def tar_header(name, size=0, typeflag=b"0", linkname="", size_field=None):
    """A ustar header; `size_field` overrides the 12-byte size for out-of-range values."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size_field if size_field is not None else b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname.encode()
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def tar_member(name, data=b"", **kw):
    pad = (-len(data)) % 512
    return tar_header(name, len(data), **kw) + data + b"\0" * pad


def tar_end():
    return b"\0" * 1024


def make_tar():
    # A member that declares 8 GiB (base-256 size field) in a 3 KB file.
    huge = bytes([0x80]) + (8 << 30).to_bytes(11, "big")
    write("tar", "huge_declared_size.tar", tar_header("model_weights.ckpt", size_field=huge) + tar_end())
    # Octal size past the end of the archive.
    write("tar", "size_past_end.tar", tar_header("a.bin", 1 << 30) + b"\0" * 512)
    # Header checksum wrong.
    bad = bytearray(tar_member("a.txt", b"hello") + tar_end())
    bad[148:156] = b"000000\0 "
    write("tar", "bad_checksum.tar", bytes(bad))
    # Cut inside a member's data.
    write("tar", "truncated_member.tar", tar_member("a.txt", b"x" * 1000)[:700])
    # No end-of-archive marker.
    write("tar", "no_end_marker.tar", tar_member("a.txt", b"hello"))


# ---------------------------------------------------------------- nemo (tar + yaml policy)

CONFIG = b"""
language_model:
  num_layers: 1
  hidden_size: 8
  num_attention_heads: 2
"""


def nemo(*members):
    return b"".join(members) + tar_end()


def make_nemo():
    write("nemo", "absolute_path.nemo", nemo(tar_member("/etc/model_config.yaml", CONFIG)))
    write("nemo", "dotdot_path.nemo", nemo(tar_member("../model_config.yaml", CONFIG)))
    write("nemo", "symlink_weights.nemo", nemo(tar_member("model_config.yaml", CONFIG),
                                               tar_member("model_weights.ckpt", typeflag=b"2", linkname="/etc/passwd")))
    write("nemo", "hardlink_weights.nemo", nemo(tar_member("model_config.yaml", CONFIG),
                                                tar_member("model_weights.ckpt", typeflag=b"1", linkname="../../secret")))
    write("nemo", "duplicate_members.nemo", nemo(tar_member("model_config.yaml", CONFIG),
                                                 tar_member("model_weights.ckpt", b"A" * 64),
                                                 tar_member("./model_weights.ckpt", b"B" * 64)))
    write("nemo", "no_weights.nemo", nemo(tar_member("model_config.yaml", CONFIG)))
    laughs = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        laughs += b"%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((cur.encode(), cur.encode()) + (prev.encode(),) * 10)
    write("nemo", "billion_laughs_config.nemo", nemo(tar_member("model_config.yaml", laughs),
                                                     tar_member("model_weights.ckpt", b"A" * 64)))
    # The same configs fed to `decant encrypt`, which reads model_config.yaml to fill the manifest.
    deep = b"a: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"
    for name, config in [("billion_laughs_config.nemo", laughs), ("deep_config.nemo", deep),
                         ("unterminated_config.nemo", b"a: [1, 2\n")]:
        write("nemo-encrypt", name, nemo(tar_member("model_config.yaml", config), tar_member("model_weights.ckpt", b"A" * 64)))
    # Many members, gzip-compressed: 50,000 headers (25 MB of tar) in ~110 KB.
    body = tar_header("d", typeflag=b"5") * 50_000 + tar_end()
    write("nemo", "many_members.nemo", gzip.compress(body, 9, mtime=0))
    # A member declaring 16 EiB - 1 through a PAX size record.
    pax = b"29 size=18446744073709551615\n"
    write("nemo", "pax_huge_size.nemo", nemo(tar_member("PaxHeaders/x", pax, typeflag=b"x"),
                                             tar_header("model_weights.ckpt", 0)))


# ---------------------------------------------------------------- zip

def zip_local(name, data, method=0, size_override=None):
    size = len(data) if size_override is None else size_override
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, zlib.crc32(data), size, size,
                       len(name), 0) + name + data


def zip_central(name, offset, data, method=0, size_override=None, extra=b""):
    size = len(data) if size_override is None else size_override
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, zlib.crc32(data), size, size,
                       len(name), len(extra), 0, 0, 0, 0, offset) + name + extra


def zip_end(count, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


def zip_file(entries, central_offsets=None, size_overrides=None, count_override=None, cd_offset_override=None):
    body, offsets = b"", []
    for name, data in entries:
        offsets.append(len(body))
        body += zip_local(name, data)
    cd = b"".join(zip_central(name, (central_offsets or offsets)[i], data,
                              size_override=(size_overrides or {}).get(i))
                  for i, (name, data) in enumerate(entries))
    count = len(entries) if count_override is None else count_override
    return body + cd + zip_end(count, len(cd), len(body) if cd_offset_override is None else cd_offset_override)


def make_zip():
    a, b = (b"archive/data.pkl", b"\x80\x02}q\x00."), (b"archive/data/0", b"\0" * 16)
    write("zip", "overlapping_entries.zip", zip_file([a, b], central_offsets=[0, 0]))
    write("zip", "offset_out_of_range.zip", zip_file([a, b], central_offsets=[0, 1 << 30]))
    write("zip", "huge_declared_size.zip", zip_file([a, b], size_overrides={1: 0xFFFFFFF0}))
    write("zip", "entry_count_past_directory.zip", zip_file([a, b], count_override=65535))
    write("zip", "directory_offset_past_end.zip", zip_file([a, b], cd_offset_override=0x7FFFFFFF))
    # zip64 extra field declaring 2^63 - 1 bytes.
    name, data = b"archive/data/0", b"\0" * 16
    extra = struct.pack("<HHQQ", 1, 16, (1 << 63) - 1, (1 << 63) - 1)
    local = zip_local(name, data)
    cd = zip_central(name, 0, data, size_override=0xFFFFFFFF, extra=extra)
    write("zip", "zip64_huge_size.zip", local + cd + zip_end(1, len(cd), len(local)))
    write("zip", "deflated_entry.zip", zip_local(a[0], zlib.compress(a[1]), method=8)
          + zip_central(a[0], 0, zlib.compress(a[1]), method=8)
          + zip_end(1, 46 + len(a[0]), len(zip_local(a[0], zlib.compress(a[1]), method=8))))


# ---------------------------------------------------------------- pickle

def make_pickle():
    P = pickle
    # 4 GiB string lengths, declared not present.
    write("pickle", "binunicode_4gb.pkl", b"\x80\x02X" + struct.pack("<I", 0xFFFFFFFF) + b"abc.")
    write("pickle", "binunicode8_huge.pkl", b"\x80\x04\x8d" + struct.pack("<Q", 1 << 62) + b"abc.")
    write("pickle", "binbytes8_negative.pkl", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 63) + b".")
    write("pickle", "long4_huge.pkl", b"\x80\x02\x8b" + struct.pack("<i", 1 << 30) + b"\x01.")
    # Deep nesting: 100,000 nested lists (MARK-free EMPTY_LIST + APPEND chains built bottom up).
    write("pickle", "nesting_bomb.pkl", b"\x80\x02" + b"]" * 100_000 + b"a" * 99_999 + b".")
    # MARK bomb.
    write("pickle", "mark_bomb.pkl", b"\x80\x02" + b"(" * 100_000 + b".")
    # Memo bomb: 12,000 LONG_BINPUT slots, past the 10,000 the replay test allows (the default is 4,000,000).
    memo = b"\x80\x02N" + b"".join(b"r" + struct.pack("<I", i) for i in range(12_000)) + b"."
    write("pickle", "memo_bomb.pkl", memo)
    # Billion laughs: each list holds ten references to the previous one (10^30 values when expanded).
    laughs = bytearray(b"\x80\x02]q\x00")
    for level in range(1, 31):
        laughs += b"](" + (b"h" + bytes([level - 1])) * 10 + b"eq" + bytes([level])
    laughs += b"."
    write("pickle", "billion_laughs.pkl", bytes(laughs))
    # A list containing itself (cycle through the memo).
    write("pickle", "cyclic_list.pkl", b"\x80\x02]q\x00h\x00a.")
    # A dict containing itself as a value.
    write("pickle", "cyclic_dict.pkl", b"\x80\x02}q\x00X\x01\x00\x00\x00kh\x00s.")
    # DUP bomb: 20,000 copies on the stack, past the replay test's 10,000.
    write("pickle", "dup_bomb.pkl", b"\x80\x02N" + b"2" * 20_000 + b".")
    # Memo read of a slot never written.
    write("pickle", "memo_get_missing.pkl", b"\x80\x02h\x07.")
    # Stack underflow, no STOP, unknown opcode.
    write("pickle", "stack_underflow.pkl", b"\x80\x02a.")
    write("pickle", "no_stop.pkl", b"\x80\x02]")
    write("pickle", "unknown_opcode.pkl", b"\x80\x02\xff.")
    # REDUCE on an allowed data class with a self-referencing argument.
    write("pickle", "reduce_cycle.pkl",
          b"\x80\x02ccollections\nOrderedDict\nq\x00h\x00\x85q\x01R.")
    del P


# ---------------------------------------------------------------- torch (zip state dicts with bad tensor records)

class _Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride)

    def __reduce__(self):
        import collections
        import torch
        storage, offset, size, stride = self.args
        return torch._utils._rebuild_tensor_v2, (storage, offset, size, stride, False, collections.OrderedDict())


def torch_zip(tensors, storages):
    import torch

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
            return None

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(tensors)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        # Fixed timestamps keep the files byte-identical from run to run.
        def put(name, data):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        put("archive/data.pkl", buf.getvalue())
        for key, data in storages.items():
            put("archive/data/" + key, data)
        put("archive/version", "3\n")
    return out.getvalue()


def make_torch():
    import collections
    s = _Storage("0", 4)
    data = {"0": struct.pack("<4f", 1, 2, 3, 4)}

    def one(name, size, stride, offset=0, storage=s, storages=data):
        write("torch", name, torch_zip(collections.OrderedDict(w=_Tensor(storage, offset, size, stride)), storages))

    one("negative_shape.pt", (-1, 4), (4, 1))
    one("huge_shape.pt", (1 << 40, 1 << 40), (1 << 40, 1))
    one("numel_overflow.pt", (1 << 31, 1 << 31, 1 << 31), (1 << 62, 1 << 31, 1))
    one("negative_stride.pt", (4,), (-1,))
    one("negative_offset.pt", (2,), (1,), offset=-2)
    one("view_past_storage.pt", (2, 4), (4, 1))
    one("storage_numel_overflow.pt", (1,), (1,), storage=_Storage("0", 1 << 62))
    one("storage_record_missing.pt", (1,), (1,), storage=_Storage("7", 4))
    one("storage_shorter_than_declared.pt", (1,), (1,), storage=_Storage("0", 1000))


# ---------------------------------------------------------------- safetensors

def safetensors(header, data=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def make_safetensors():
    w = lambda name, blob: write("safetensors", name, blob)  # noqa: E731
    f32 = lambda shape, offsets: {"dtype": "F32", "shape": shape, "data_offsets": offsets}  # noqa: E731
    w("header_length_huge.safetensors", safetensors(b"{}", length=(1 << 63) + 5))
    w("header_length_past_end.safetensors", safetensors(b"{}", length=4096))
    w("negative_shape.safetensors", safetensors({"w": f32([-1, 4], [0, 16])}, b"\0" * 16))
    w("numel_overflow.safetensors", safetensors({"w": f32([1 << 32, 1 << 32, 1 << 2], [0, 16])}, b"\0" * 16))
    w("offsets_out_of_range.safetensors", safetensors({"w": f32([4], [0, 1 << 40])}, b"\0" * 16))
    w("offsets_reversed.safetensors", safetensors({"w": f32([0], [16, 0])}, b"\0" * 16))
    w("overlapping_tensors.safetensors", safetensors({"a": f32([4], [0, 16]), "b": f32([4], [0, 16])}, b"\0" * 16))
    w("size_mismatch.safetensors", safetensors({"w": f32([3], [0, 16])}, b"\0" * 16))
    w("unknown_dtype.safetensors", safetensors({"w": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}, b"\0" * 16))
    w("duplicate_keys.safetensors", safetensors(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                                b'"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
    w("nesting_bomb.safetensors", safetensors(b"[" * 10_000 + b"]" * 10_000))
    w("huge_number.safetensors", safetensors({"w": f32([10 ** 30], [0, 4])}, b"\0" * 4))
    w("not_utf8.safetensors", safetensors(b'{"\xff\xfe":1}'))


# ---------------------------------------------------------------- native (.decant)

def native(metadata, directory, tensor_count, data=b"", alignment=64, data_offset=None, file_length=None):
    m, d = metadata, directory
    offset = data_offset if data_offset is not None else -(-(64 + len(m) + len(d)) // alignment) * alignment
    length = file_length if file_length is not None else offset + len(data)
    pre = b"DECANT\x00\x1a" + struct.pack("<IIQQQQQ", 1, alignment, len(m), tensor_count, len(d), offset, length)
    checksum = xxhash.xxh64(pre + m + d).intdigest()
    head = pre + struct.pack("<Q", checksum) + m + d
    # A data offset past the bytes written is left as declared (the file ends after the header).
    return head + b"\0" * (offset - len(head)) + data if len(head) <= offset <= 1 << 20 else head + data


def entry(name, storage, shape, offset, length, checksum=0):
    return (struct.pack("<H", len(name)) + name + bytes([storage, len(shape)])
            + b"".join(struct.pack("<Q", d & 0xFFFFFFFFFFFFFFFF) for d in shape)
            + struct.pack("<QQQ", offset, length, checksum))


def make_native():
    w = lambda name, blob: write("native", name, blob)  # noqa: E731
    data = b"\0" * 16
    good = entry(b"w", 0, [4], 0, 16, xxhash.xxh64(data).intdigest())
    w("tensor_count_huge.decant", native(b"{}", good, 1 << 62, data))
    w("shape_overflow.decant", native(b"{}", entry(b"w", 0, [1 << 32, 1 << 32], 0, 16), 1, data))
    w("shape_negative.decant", native(b"{}", entry(b"w", 0, [-4], 0, 16), 1, data))
    w("offset_out_of_range.decant", native(b"{}", entry(b"w", 0, [4], 1 << 40, 16), 1, data))
    w("rank_too_high.decant", native(b"{}", entry(b"w", 0, [1] * 200, 0, 16), 1, data))
    w("duplicate_names.decant", native(b"{}", good + entry(b"w", 0, [4], 64, 16, xxhash.xxh64(data).intdigest()), 2,
                                       data + b"\0" * 48 + data))
    w("metadata_nesting_bomb.decant", native(b"[" * 10_000 + b"]" * 10_000, b"", 0))
    w("alignment_not_power_of_two.decant", native(b"{}", b"", 0, alignment=96))
    w("data_offset_past_end.decant", native(b"{}", good, 1, data, data_offset=1 << 40))
    w("q8_shape_not_blocks.decant", native(b"{}", entry(b"w", 3, [3], 0, 34), 1, b"\0" * 34))
    w("bad_tensor_checksum.decant", native(b"{}", entry(b"w", 0, [4], 0, 16, 12345), 1, data))


# ---------------------------------------------------------------- EFF manifests and archives

SHA = "0" * 64
MANIFEST = """artifacts:
  model_weights.ckpt: {encryption: wogsoimicu, sha256: %s}
metadata: {format_version: 3, origin: NeMo}
""" % SHA


def make_eff_manifest():
    w = lambda name, text: write("eff-manifest", name, text.encode() if isinstance(text, str) else text)  # noqa: E731
    laughs = "lol0: &lol0 [lol]\n"
    for i in range(1, 20):
        laughs += "lol%d: &lol%d [%s]\n" % (i, i, ", ".join(["*lol%d" % (i - 1)] * 10))
    w("billion_laughs.yaml", laughs + "metadata: {format_version: *lol19}\n")
    w("billion_laughs_metadata.yaml", laughs + "metadata:\n  format_version: 3\n  bomb: *lol19\n")
    w("nesting_bomb.yaml", "metadata: " + "[" * 50_000 + "]" * 50_000 + "\n")
    w("nesting_bomb_block.yaml", "metadata:\n" + "".join(" " * i + "k:\n" for i in range(1, 400)))
    w("not_a_mapping.yaml", "- 1\n- 2\n")
    w("tabs_and_garbage.yaml", "\t\x00\x01: [\n")
    w("format_version_huge.yaml", "metadata:\n  format_version: 99999999999999999999999\n")
    w("unknown_codec.yaml", MANIFEST.replace("wogsoimicu", "rot13"))
    w("unsafe_artifact_name.yaml", MANIFEST.replace("model_weights.ckpt", "../../etc/cron.d/x"))
    w("encrypted_without_sha256.yaml", MANIFEST.replace(", sha256: " + SHA, ""))


def make_eff():
    def eff(members, manifest):
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed, \
                tarfile.open(fileobj=packed, mode="w", format=tarfile.GNU_FORMAT) as t:
            for name, data, kind in members + [("manifest.yaml", manifest.encode(), tarfile.REGTYPE)]:
                info = tarfile.TarInfo(name)
                info.type = kind
                if kind == tarfile.SYMTYPE:
                    info.linkname = "/etc/passwd"
                info.size = len(data) if kind == tarfile.REGTYPE else 0
                t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
        return out.getvalue()

    weights = "artifacts/model_weights.ckpt"
    write("eff", "dotdot_member.tlt", eff([(weights, b"\0" * 64, tarfile.REGTYPE),
                                           ("../../model_weights.ckpt", b"\0" * 64, tarfile.REGTYPE)], MANIFEST))
    write("eff", "absolute_member.tlt", eff([(weights, b"\0" * 64, tarfile.REGTYPE),
                                             ("/etc/cron.d/x", b"\0" * 64, tarfile.REGTYPE)], MANIFEST))
    write("eff", "blob_too_short.tlt", eff([(weights, b"\0" * 8, tarfile.REGTYPE)], MANIFEST))
    write("eff", "unlisted_member.tlt", eff([(weights, b"\0" * 64, tarfile.REGTYPE),
                                             ("artifacts/extra.bin", b"x", tarfile.REGTYPE)], MANIFEST))
    write("eff", "symlink_member.tlt", eff([(weights, b"", tarfile.SYMTYPE)], MANIFEST))
    write("eff", "missing_member.tlt", eff([], MANIFEST))
    write("eff", "sha256_mismatch.tlt", eff([(weights, bytes(range(256)) * 4, tarfile.REGTYPE)], MANIFEST))


# ---------------------------------------------------------------- gzip

def make_gzip():
    body = gzip.compress(b"hello world" * 100, mtime=0)
    bad_crc = bytearray(body)
    bad_crc[-8] ^= 0xFF
    write("gzip", "bad_crc.gz", bytes(bad_crc))
    bad_length = bytearray(body)
    bad_length[-1] ^= 0xFF
    write("gzip", "bad_length.gz", bytes(bad_length))
    write("gzip", "truncated.gz", body[: len(body) // 2])
    write("gzip", "fextra_past_end.gz", b"\x1f\x8b\x08\x04\0\0\0\0\0\xff" + struct.pack("<H", 0xFFFF) + b"ab")
    write("gzip", "fname_unterminated.gz", b"\x1f\x8b\x08\x08\0\0\0\0\0\xff" + b"a" * 100)
    write("gzip", "bad_method.gz", b"\x1f\x8b\x07\0\0\0\0\0\0\xff" + b"\0" * 20)
    write("gzip", "corrupt_deflate.gz", body[:10] + b"\xff" * 20 + body[-8:])
    write("gzip", "trailing_garbage.gz", body + b"garbage!")


# ---------------------------------------------------------------- codec (raw blobs, .etlt framing)

def make_codec():
    write("codec", "blob_too_short.bin", b"\x01" * 15)
    write("codec", "etlt_name_past_end.etlt", struct.pack("<I", 1000) + b"input_1" + b"\0" * 40)
    write("codec", "random_blob.bin", bytes((i * 131 + 7) % 256 for i in range(600)))


# ---------------------------------------------------------------- tokenizer vocabularies

def make_tokenizer():
    w = lambda name, data: write("tokenizer", name, data)  # noqa: E731
    w("empty_vocab.txt", b"")
    w("no_unk_vocab.txt", b"[PAD]\n[CLS]\n[SEP]\n[MASK]\nthe\n")
    w("not_utf8_vocab.txt", b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\xff\xfe\n")
    w("duplicate_tokens_vocab.txt", b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nthe\n")


# ---------------------------------------------------------------- names and metadata that a terminal acts on
# (issue 10, item 11). Every reader rightly accepts them: names are data. What must hold is that text outputs
# escape them and JSON outputs keep them exact (Tests/CLITests/HostileTextCLITests.swift, on the convertible
# model of Tools/make_hostile_fixtures.py).

HOSTILE = ["title\x1b]0;pwned\x07", "clear\x1b[2J\nforged.row  f32  [1]  4", "bidi\u202egnp.exe", "c1\x9b2J\u2028\u2066",
           "del\x7f\ttab\rcr\\backslash", "\u6743\u91cd\u00e9"]


def make_hostile_text():
    import collections
    s = _Storage("0", 4)
    tensors = collections.OrderedDict((name, _Tensor(s, 0, (4,), (1,))) for name in HOSTILE)
    write("torch", "hostile_tensor_names.pt", torch_zip(tensors, {"0": struct.pack("<4f", 1, 2, 3, 4)}))
    write("safetensors", "hostile_names.safetensors",
          safetensors({"__metadata__": {name: name for name in HOSTILE},
                       **{name: {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
                          for i, name in enumerate(HOSTILE)}}, b"\0" * 4 * len(HOSTILE)))
    metadata = "".join("  %s: %s\n" % (json.dumps(name), json.dumps(name)) for name in HOSTILE)
    write("eff-manifest", "hostile_metadata.yaml",
          MANIFEST.replace("metadata: {format_version: 3, origin: NeMo}\n", "metadata:\n  format_version: 3\n" + metadata).encode())
    config = CONFIG + b"target: " + json.dumps(HOSTILE[0] + HOSTILE[2]).encode() + b"\n"
    out = io.BytesIO()
    # tarfile, since tar_header measures names in characters, not UTF-8 bytes.
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [("model_config.yaml", config), ("notes\x1b[2J\n\u202e.txt", b"x"), ("model_weights.ckpt", b"A" * 64)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    write("nemo", "hostile_member_names.nemo", out.getvalue())


if __name__ == "__main__":
    for make in (make_tar, make_nemo, make_zip, make_pickle, make_torch, make_safetensors, make_native,
                 make_eff_manifest, make_eff, make_gzip, make_codec, make_tokenizer, make_hostile_text):
        make()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print("adversarial corpus: %d bytes under %s" % (total, os.path.relpath(ROOT)))


# ---------------------------------------------------------------- issue 10: archives (wrong keys, ambiguity, deflate)
# EFF v1/v2 weights that a wrong key turns into noise; manifests and tars that name one file twice; weights in two
# folders; a torch storage read with two dtypes; deflated zip entries that lie about their size, CRC or end.

def _noise(length, seed=b"decant"):
    """Deterministic bytes that look random (a SHA-256 chain)."""
    import hashlib
    out, block = b"", seed
    while len(out) < length:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:length]


def _eff_archive(members, manifest, version_tar=tarfile.GNU_FORMAT):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed, \
            tarfile.open(fileobj=packed, mode="w", format=version_tar) as t:
        for name, data in members + [("manifest.yaml", manifest.encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _torch_pickle(tensors):
    """A protocol-2 state dict, written opcode by opcode (no torch needed): tensors are
    (name, storage class, storage key, storage numel, shape) rebuilt with _rebuild_tensor_v2."""
    def text(s):
        raw = s.encode()
        return b"X" + struct.pack("<I", len(raw)) + raw

    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"

    out = b"\x80\x02ccollections\nOrderedDict\n)R("
    for name, storage_class, key, numel, shape in tensors:
        strides = [1] * len(shape)
        for i in range(len(shape) - 2, -1, -1):
            strides[i] = strides[i + 1] * shape[i + 1]
        out += text(name) + b"ctorch._utils\n_rebuild_tensor_v2\n("
        out += b"(" + text("storage") + b"ctorch\n" + storage_class.encode() + b"\n" + text(key) + text("cpu")
        out += b"J" + struct.pack("<i", numel) + b"tQ"
        out += b"J\0\0\0\0" + ints(shape) + ints(strides) + b"\x89ccollections\nOrderedDict\n)RtR"
    return out + b"u."


def _torch_zip_stdlib(pickle_bytes, storages):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        def put(name, data):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        put("archive/data.pkl", pickle_bytes)
        for key, data in storages.items():
            put("archive/data/" + key, data)
        put("archive/version", "3\n")
    return out.getvalue()


def _deflated_zip(name, data, declared=None, crc=None, trailing=b"", compressed=None):
    """One deflated entry with its central directory; `declared`, `crc`, `trailing`, `compressed` break it."""
    if compressed is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        compressed = packer.compress(data) + packer.flush()
    compressed += trailing
    size = len(data) if declared is None else declared
    checksum = zlib.crc32(data) if crc is None else crc
    name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, checksum, len(compressed), size,
                        len(name), 0) + name + compressed
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, checksum, len(compressed), size,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    return local + central + zip_end(1, len(central), len(local))


def make_issue10_archives():
    # Item 3: EFF v1 and v2 whose "ciphertext" decrypts to noise under any key: a wrong key, for the reader.
    v1 = ("files:\n  model_config.yaml: {description: cfg, encrypted: false}\n"
          "  model_weights.ckpt: {description: w, encrypted: true}\n"
          "metadata: {format_version: 1, origin: NeMo}\n")
    v2 = v1.replace("format_version: 1", "format_version: 2, encryption: zjercilrdy")
    for name, manifest in [("v1_wrong_key.tlt", v1), ("v2_wrong_key.tlt", v2)]:
        write("eff", name, _eff_archive([("model_config.yaml", CONFIG),
                                         ("encrypted_model_weights.ckpt", _noise(16 + 4096))], manifest))

    # Item 5a: one artifact listed under two spellings; the clear one would shadow the encrypted, checksummed one.
    twice = MANIFEST.replace("metadata:", "  ./model_weights.ckpt: {encryption: false}\nmetadata:")
    write("eff", "weights_listed_twice.tlt", _eff_archive([("artifacts/model_weights.ckpt", b"\0" * 64)], twice))
    write("eff-manifest", "weights_listed_twice.yaml", twice.encode())
    write("eff-manifest", "double_slash_spelling.yaml",
          MANIFEST.replace("metadata:", "  .//model_weights.ckpt: {encryption: false}\nmetadata:").encode())
    # v1: encrypted `x` lives in member `encrypted_x`, which a clear artifact `encrypted_x` also claims.
    write("eff-manifest", "encrypted_member_clash.yaml",
          b"files:\n  x: {encrypted: true}\n  encrypted_x: {encrypted: false}\nmetadata: {format_version: 1}\n")
    write("eff-manifest", "artifact_named_dot.yaml",
          b"artifacts:\n  ./: {encryption: false}\nmetadata: {format_version: 3}\n")

    # Item 5a, tar side: two members that normalise to one path.
    write("tar", "duplicate_member_spellings.tar", tar_member("a.txt", b"one") + tar_member("./a.txt", b"two") + tar_end())
    write("tar", "file_and_directory_same_path.tar", tar_member("a", b"one") + tar_header("a/", typeflag=b"5") + tar_end())
    write("nemo", "double_slash_duplicate.nemo", nemo(tar_member("model_config.yaml", CONFIG),
                                                      tar_member("w/model_weights.ckpt", b"A" * 64),
                                                      tar_member("w//model_weights.ckpt", b"B" * 64)))

    # Item 5b: weights in two folders, in a plain tar, a tar.gz and an EFF archive.
    two = nemo(tar_member("model_config.yaml", CONFIG), tar_member("a/model_weights.ckpt", b"A" * 64),
               tar_member("b/model_weights.ckpt", b"B" * 64))
    write("nemo", "weights_in_two_folders.nemo", two)
    write("nemo", "weights_in_two_folders_gzip.nemo", gzip.compress(two, 9, mtime=0))
    write("nemo", "config_in_two_folders.nemo", nemo(tar_member("a/model_config.yaml", CONFIG),
                                                     tar_member("b/model_config.yaml", CONFIG),
                                                     tar_member("model_weights.ckpt", b"A" * 64)))
    clear = ("artifacts:\n  model_config.yaml: {encryption: false}\n  a/model_weights.ckpt: {encryption: false}\n"
             "  b/model_weights.ckpt: {encryption: false}\nmetadata: {format_version: 3}\n")
    write("eff-nemo", "weights_in_two_folders.tlt", _eff_archive([("artifacts/model_config.yaml", CONFIG),
                                                                  ("artifacts/a/model_weights.ckpt", b"A" * 64),
                                                                  ("artifacts/b/model_weights.ckpt", b"B" * 64)], clear))

    # Item 5c: storage "0" read as 4 int64 and as 8 float32 (the same 32 bytes); and as 4 and as 8 float32.
    write("torch", "storage_read_as_two_dtypes.pt", _torch_zip_stdlib(
        _torch_pickle([("a", "LongStorage", "0", 4, [4]), ("b", "FloatStorage", "0", 8, [8])]), {"0": b"\0" * 32}))
    write("torch", "storage_read_with_two_sizes.pt", _torch_zip_stdlib(
        _torch_pickle([("a", "FloatStorage", "0", 4, [4]), ("b", "FloatStorage", "0", 8, [8])]), {"0": b"\0" * 32}))

    # Item 13a: deflated entries that lie.
    data = bytes(range(256)) * 4
    write("zip", "deflated_size_understated.zip", _deflated_zip("archive/data/0", data, declared=100))
    write("zip", "deflated_size_overstated.zip", _deflated_zip("archive/data/0", data, declared=2000))
    write("zip", "deflated_bad_crc.zip", _deflated_zip("archive/data/0", data, crc=0x12345678))
    write("zip", "deflated_trailing_bytes.zip", _deflated_zip("archive/data/0", data, trailing=b"junk"))
    write("zip", "deflated_cut_short.zip", _deflated_zip("archive/data/0", data,
                                                         compressed=zlib.compress(data, 9)[2:-4][:40]))
    # 4 GiB declared from a 4-byte deflate stream (deflate reaches ~1032:1): refused before inflating anything.
    write("zip", "deflated_implausible_size.zip", _deflated_zip("archive/data/0", b"\0" * 10, declared=0xFFFFFFFE))


if __name__ == "__main__":
    make_issue10_archives()


# ---------------------------------------------------------------- issue 10 (items 2 and 4): numbers that mean nothing
# `convert/`: tiny Megatron-BERT QA .nemo archives (NeMo 1.0 naming, hidden 4, one layer) that plan cleanly but for
# one config number; replayed through `ConversionPlan`, where convert (and ask on a source) reads the config.
# `qa-model/`: .decant files carrying only megatron-bert-qa metadata with one bad number; replayed through
# `QAModel.open`, as ask and verify read them (the metadata is refused before any tensor is asked for).

def tiny_megatron_checkpoint():
    import collections
    hidden, ffn, vocab, positions = 4, 8, 8, 8
    shapes = [("embedding.word_embeddings.weight", (vocab, hidden)),
              ("embedding.position_embeddings.weight", (positions, hidden)),
              ("embedding.tokentype_embeddings.weight", (2, hidden))]
    layer = "transformer.layers.0."
    shapes += [(layer + "input_layernorm.weight", (hidden,)), (layer + "input_layernorm.bias", (hidden,)),
               (layer + "attention.query_key_value.weight", (3 * hidden, hidden)),
               (layer + "attention.query_key_value.bias", (3 * hidden,)),
               (layer + "attention.dense.weight", (hidden, hidden)), (layer + "attention.dense.bias", (hidden,)),
               (layer + "post_attention_layernorm.weight", (hidden,)), (layer + "post_attention_layernorm.bias", (hidden,)),
               (layer + "mlp.dense_h_to_4h.weight", (ffn, hidden)), (layer + "mlp.dense_h_to_4h.bias", (ffn,)),
               (layer + "mlp.dense_4h_to_h.weight", (hidden, ffn)), (layer + "mlp.dense_4h_to_h.bias", (hidden,)),
               ("transformer.final_layernorm.weight", (hidden,)), ("transformer.final_layernorm.bias", (hidden,))]
    tensors, storages = collections.OrderedDict(), {}
    for index, (name, shape) in enumerate(shapes + [("classifier.mlp.layer0.weight", (2, hidden)),
                                                    ("classifier.mlp.layer0.bias", (2,))]):
        numel = 1
        for size in shape:
            numel *= size
        stride = (shape[1], 1) if len(shape) == 2 else (1,)
        key = str(index)
        full = name if name.startswith("classifier.") else "bert_model.language_model." + name
        tensors[full] = _Tensor(_Storage(key, numel), 0, shape, stride)
        storages[key] = b"\0" * (4 * numel)
    return torch_zip(tensors, storages)


TINY_QA_CONFIG = """dataset:
  version_2_with_negative: true
  doc_stride: 4
  max_query_length: 4
  max_seq_length: 8
  max_answer_length: 4
  null_score_diff_threshold: 0.0
  n_best_size: 4
  do_lower_case: true
tokenizer:
  tokenizer_name: megatron-bert-345m-uncased
language_model:
  pretrained_model_name: megatron-bert-345m-uncased
  config:
    hidden_size: 4
    num_attention_heads: 2
    num_layers: 1
    max_position_embeddings: 8
"""


def make_config_numbers():
    weights = tiny_megatron_checkpoint()

    def hostile(name, old, new):
        assert old in TINY_QA_CONFIG, old
        config = TINY_QA_CONFIG.replace(old, new).encode()
        write("convert", name, nemo(tar_member("model_config.yaml", config), tar_member("model_weights.ckpt", weights)))

    # The control: every number as NeMo writes it plans cleanly.
    write("convert", "control_plans.nemo", nemo(tar_member("model_config.yaml", TINY_QA_CONFIG.encode()),
                                                tar_member("model_weights.ckpt", weights)))
    eps = "    max_position_embeddings: 8\n"
    hostile("layernorm_epsilon_1e-300.nemo", eps, eps + "    layernorm_epsilon: 1.0e-300\n")
    hostile("layernorm_epsilon_negative.nemo", eps, eps + "    layernorm_epsilon: -1\n")
    hostile("layernorm_epsilon_nan.nemo", eps, eps + "    layernorm_epsilon: .nan\n")
    hostile("layernorm_epsilon_inf.nemo", eps, eps + "    layernorm_epsilon: inf\n")
    hostile("hidden_size_nan.nemo", "    hidden_size: 4\n", "    hidden_size: nan\n")
    hostile("num_layers_1e20.nemo", "    num_layers: 1\n", "    num_layers: 1e20\n")
    hostile("null_score_nan.nemo", "null_score_diff_threshold: 0.0", "null_score_diff_threshold: nan")
    hostile("null_score_yaml_nan.nemo", "null_score_diff_threshold: 0.0", "null_score_diff_threshold: .nan")
    hostile("null_score_inf.nemo", "null_score_diff_threshold: 0.0", "null_score_diff_threshold: -.inf")
    hostile("max_seq_length_1e20.nemo", "max_seq_length: 8", "max_seq_length: 1e20")
    hostile("max_seq_length_past_int64.nemo", "max_seq_length: 8", "max_seq_length: 100000000000000000000")
    hostile("max_seq_length_2e6.nemo", "max_seq_length: 8", "max_seq_length: 2000000")
    hostile("doc_stride_zero.nemo", "doc_stride: 4", "doc_stride: 0")
    hostile("doc_stride_whole_window.nemo", "doc_stride: 4", "doc_stride: 8")
    hostile("max_query_length_negative.nemo", "max_query_length: 4", "max_query_length: -1")
    hostile("max_answer_length_fraction.nemo", "max_answer_length: 4", "max_answer_length: 2.5")
    hostile("n_best_size_list.nemo", "n_best_size: 4", "n_best_size: [4]")
    hostile("version_2_not_a_flag.nemo", "version_2_with_negative: true", "version_2_with_negative: maybe")
    hostile("do_lower_case_not_a_flag.nemo", "do_lower_case: true", "do_lower_case: 2")

    def metadata(model=None, qa=None, tokenizer=None):
        document = {
            "family": "megatron-bert-qa",
            "model": dict({"layers": 1, "hidden": 4, "heads": 2, "ffn": 8, "vocab": 8, "positions": 8, "token_types": 2,
                           "layer_norm_eps": 1e-05, "activation": "megatron-erf"}, **(model or {})),
            "tokenizer": dict({"type": "wordpiece", "vocab": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"],
                               "do_lower_case": True}, **(tokenizer or {})),
            "qa": dict({"max_seq_length": 8, "doc_stride": 4, "max_query_length": 4, "max_answer_length": 4,
                        "n_best_size": 4, "null_score_diff_threshold": 0.0, "version_2_with_negative": True,
                        "defaulted": []}, **(qa or {})),
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

    w = lambda name, **edits: write("qa-model", name, native(metadata(**edits), b"", 0))  # noqa: E731
    w("layer_norm_eps_1e-300.decant", model={"layer_norm_eps": 1e-300})
    w("layer_norm_eps_negative.decant", model={"layer_norm_eps": -1.0})
    w("layer_norm_eps_zero.decant", model={"layer_norm_eps": 0.0})
    w("max_seq_length_1e20.decant", qa={"max_seq_length": 1e20})
    w("doc_stride_zero.decant", qa={"doc_stride": 0})
    w("doc_stride_whole_window.decant", qa={"doc_stride": 8})
    w("n_best_size_huge.decant", qa={"n_best_size": 1 << 40})
    w("null_score_not_a_number.decant", qa={"null_score_diff_threshold": "nan"})
    w("lowercasing_contradiction.decant", qa={"do_lower_case": True}, tokenizer={"do_lower_case": False})


if __name__ == "__main__":
    make_config_numbers()


# ---------------------------------------------------------------- issue 10: bounds per input (items 6 and 7)
# Views that address more elements than their storage holds (stride 0, overlapping strides), and archives that cost
# far more than their size: members of zeros nobody reads, artifacts that together pass the in-memory budget, and a
# vocabulary token of kilobytes. The writers live in Tools/hostile_inputs.py, which also writes the full-size inputs
# the issue measured; the copies here are scaled down, and the corpus replays them with limits scaled to match
# (CorpusReader.nemoOptions in Tests/HardeningTests/AdversarialCorpusTests.swift).

def make_issue10_bounds():
    import hostile_inputs as h

    write("torch", "broadcast_1tib.pt", h.broadcast_checkpoint(1 << 38))
    # A 3 × 2 view with strides (1, 1) of 4 floats: within the storage's bytes, but 6 elements read from 4.
    write("torch", "overlapping_view.pt", h.torch_zip(h.torch_state_dict([("w", "0", 4, 0, (3, 2), (1, 1))]),
                                                      {"0": struct.pack("<4f", 1, 2, 3, 4)}))
    write("nemo-model", "broadcast_weights.nemo", gzip.compress(h.broadcast_nemo(), 9, mtime=0))
    # 48 MiB of zeros in 48 KB of gzip, past the corpus's 32 × compressed + 32 MiB (the default allowance is 1 GiB).
    write("nemo", "zero_members.nemo", h.tar_gz(h.zero_members(24, 2 << 20)))
    members = [("artifacts/" + name, data) for name, data in h.zero_members(24, 2 << 20)]
    write("eff-nemo", "zero_artifacts.tlt",
          h.tar_gz(members + [("manifest.yaml", h.eff_manifest([name for name, _ in members]))]))
    # Three artifacts NemoArchive reads, each within the corpus's 1 MiB member limit, together past its 2 MiB budget.
    padded_vocab = h.VOCAB + b"the\n" * 225_000
    encoder = b'{"hidden_size": 32' + b" " * 900_000 + b"}"
    version = b'{"checkpoint_version": 2.0' + b" " * 900_000 + b"}"
    write("nemo", "members_over_budget.nemo",
          h.tar_gz(h.tiny_qa_members(padded_vocab) + [("7b2c_megatron_encoder_config.json", encoder),
                                                      ("megatron_checkpoint_version.json", version)]))
    write("nemo", "long_token.nemo", h.tar_gz(h.long_token_members(2_000)))
    write("tokenizer", "long_token_vocab.txt", h.VOCAB + b"a" * 2_000 + b"\n")


if __name__ == "__main__":
    make_issue10_bounds()
