#!/usr/bin/env python3
"""Writes the fixtures of files that peers accept although no common writer produces them (issue 10, item 13).

Only the standard library is used, and every output is byte-identical from run to run:

- torch/zip_fp32_state_dict_deflated.pt, torch/zip_dtypes_deflated.pt: the torch.save zips of the same name
  re-packed by Python's zipfile with ZIP_DEFLATED (torch.load reads them; torch never writes them). Entry names,
  order and timestamps are kept; only the compression changes.
- tar/v7_format.tar: a pre-POSIX (v7) tar as GNU tar --format=v7 writes one: no "ustar" magic, directories with
  type flag '5', files with type flag NUL, owner names and device fields empty.
- nemo/qa_megatron_tiny_nemo1.10style_v2layout_v7.nemo: the plain-tar NeMo fixture with every header rewritten as
  a v7 header (its PAX mtime records dropped: v7 has no extension records); member bytes unchanged.
- safetensors/f8_dtypes.safetensors: one tensor per 8-bit float dtype of the safetensors spec (F8_E4M3,
  F8_E5M2, F8_E8M0), each holding all 256 byte values in order, plus an F32 tensor.

    python3 Tools/make_compat_fixtures.py
"""
import io
import json
import os
import struct
import tarfile
import zipfile

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")


def path(*parts):
    return os.path.join(FIXTURES, *parts)


def deflate_zip(source, destination):
    out = io.BytesIO()
    with zipfile.ZipFile(path(*source)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.external_attr = info.external_attr
            new.writestr(copy, old.read(info), compresslevel=9)
    with open(path(*destination), "wb") as f:
        f.write(out.getvalue())


def v7_header(name, size, mtime, directory=False):
    """A v7 header: name, mode, uid, gid, size, mtime, checksum, type flag, link name; the rest zero."""
    if directory and not name.endswith("/"):
        name += "/"
    raw = name.encode()
    assert len(raw) < 100, name
    h = bytearray(512)
    h[0:len(raw)] = raw
    h[100:108] = b"0000755\0" if directory else b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % mtime
    h[156:157] = b"5" if directory else b"\0"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def v7_tar(members):
    """members: (name, data or None for a directory, mtime)."""
    out = bytearray()
    for name, data, mtime in members:
        out += v7_header(name, 0 if data is None else len(data), mtime, directory=data is None)
        if data is not None:
            out += data + b"\0" * ((-len(data)) % 512)
    # GNU tar pads to a 10 KiB record, as here.
    out += b"\0" * 1024
    out += b"\0" * ((-len(out)) % 10240)
    return bytes(out)


def make_v7():
    mtime = 1_700_000_000
    members = [("./", None, mtime), ("./d/", None, mtime), ("./d/a.txt", b"hello\n", mtime),
               ("./big.bin", bytes(range(256)) * 5, mtime), ("./empty", b"", mtime)]
    with open(path("tar", "v7_format.tar"), "wb") as f:
        f.write(v7_tar(members))

    members = []
    with tarfile.open(path("nemo", "qa_megatron_tiny_nemo1.10style_v2layout.nemo")) as t:
        for info in t.getmembers():
            data = None if info.isdir() else t.extractfile(info).read()
            members.append((info.name, data, int(info.mtime)))
    with open(path("nemo", "qa_megatron_tiny_nemo1.10style_v2layout_v7.nemo"), "wb") as f:
        f.write(v7_tar(members))


def make_f8():
    every_byte = bytes(range(256))
    tensors = [("e4m3", "F8_E4M3", every_byte), ("e5m2", "F8_E5M2", every_byte), ("e8m0", "F8_E8M0", every_byte),
               ("f32", "F32", struct.pack("<4f", 1.0, -2.0, 0.5, 448.0))]
    header, data = {}, b""
    for name, dtype, raw in tensors:
        count = len(raw) // (4 if dtype == "F32" else 1)
        header[name] = {"dtype": dtype, "shape": [count], "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-len(text)) % 8)
    with open(path("safetensors", "f8_dtypes.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    deflate_zip(("torch", "zip_fp32_state_dict.pt"), ("torch", "zip_fp32_state_dict_deflated.pt"))
    deflate_zip(("torch", "zip_dtypes.pt"), ("torch", "zip_dtypes_deflated.pt"))
    make_v7()
    make_f8()
