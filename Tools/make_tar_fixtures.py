#!/usr/bin/env python3
"""Writes the small tar fixtures in Tests/Fixtures/tar/ with Python's own tarfile (the reference writer).

gnu_longnames.tar  GNU format: a 150-byte name (typeflag L), a long symlink target (K), a hardlink, a directory
pax_records.tar    PAX format: a global record (g), a non-ASCII name and a long name (x records)
"""
import io
import pathlib
import tarfile

out = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "tar"
out.mkdir(parents=True, exist_ok=True)
long_name = "deep/" + "d" * 70 + "/" + "f" * 70 + ".bin"


def add(tar, name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = link
    info.mtime = 0
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


with tarfile.open(out / "gnu_longnames.tar", "w", format=tarfile.GNU_FORMAT) as tar:
    add(tar, "./", kind=tarfile.DIRTYPE)
    add(tar, long_name, b"long name payload\n")
    add(tar, "./short.txt", b"x" * 700)
    add(tar, "link_to_long", kind=tarfile.SYMTYPE, link="../" + long_name)
    add(tar, "hard.txt", kind=tarfile.LNKTYPE, link="short.txt")

with tarfile.open(out / "pax_records.tar", "w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "global"}) as tar:
    add(tar, "caf\u00e9.txt", "bonjour\n".encode())
    add(tar, long_name, b"pax long name payload\n")
    add(tar, "empty", b"")
