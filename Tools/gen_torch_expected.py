#!/usr/bin/env python3
"""Writes Tests/Fixtures/expected/torch_samples.json: what torch itself reads from every sample checkpoint.

For each file in Tests/Fixtures/torch/ (loaded with torch.load(weights_only=False), which is safe here because
these files are ours) it records:
  - every tensor reachable through dicts, lists and tuples, by dotted path (`state_dict.model.w`,
    `optimizer_states.0.state.0.exp_avg`): dtype, shape, stride, storage_offset and the values in row-major
    order as decimal strings (floats by repr, exact; bf16/f16 widened; ints and bools as ints), and the
    paths in file order;
  - every scalar leaf reachable the same way (int and float as decimal strings so 2**70 and every double
    survive, str, bool, None,
    bytes as a byte list, set/frozenset as item lists in iteration order, which is pickle order) and the
    torch.Size / torch.device / dtype values;
  - the attributes of a Megatron `args` Namespace.
For the two .nemo samples it loads model_weights.ckpt (extracted with tarfile) and records each tensor's name,
dtype, shape and float64 sum and sum of squares, under the "nemo" key.

Usage: python3 Tools/gen_torch_expected.py
"""
import argparse
import io
import json
import os
import tarfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_DIR = os.path.join(ROOT, "Tests", "Fixtures", "torch")
NEMO_DIR = os.path.join(ROOT, "Tests", "Fixtures", "nemo")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "expected", "torch_samples.json")

DTYPES = {
    torch.float64: "float64", torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
    torch.bool: "bool", torch.uint16: "uint16", torch.uint32: "uint32", torch.uint64: "uint64",
}


def tensor_record(t):
    t = t.detach()
    # Values are decimal strings (repr round-trips a double exactly; JSON number parsers need not).
    if t.dtype.is_floating_point:
        values = [repr(v) for v in t.to(torch.float64).flatten().tolist()]
    elif t.dtype in (torch.uint16, torch.uint32, torch.uint64):
        values = [str(int(v)) for v in t.to(torch.int64).flatten().tolist()]
    else:
        values = [str(int(v)) for v in t.flatten().tolist()]
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "stride": list(t.stride()),
            "storage_offset": t.storage_offset(), "values": values}


def scalar_record(value):
    """Plain Python scalars and the torch value types the reader interprets; None for anything else (numpy
    scalars, Namespaces, …), which the Swift side keeps as opaque objects."""
    kind = type(value)
    if value is None:
        return {"kind": "none"}
    if kind is bool:
        return {"kind": "bool", "value": value}
    if kind is int:
        return {"kind": "int", "value": str(value)}
    if kind is float:
        return {"kind": "float", "value": repr(value)}
    if kind is str:
        return {"kind": "str", "value": value}
    if kind is bytes:
        return {"kind": "bytes", "value": list(value)}
    if kind in (set, frozenset):
        items = [scalar_record(item) for item in value]
        if all(item is not None for item in items):
            return {"kind": "set", "value": items}
    if kind is torch.Size:
        return {"kind": "size", "value": list(value)}
    if kind is torch.device:
        return {"kind": "device", "value": str(value)}
    if kind is torch.dtype:
        return {"kind": "dtype", "value": str(value).removeprefix("torch.")}
    return None


def walk(value, path, tensors, scalars, order):
    if isinstance(value, torch.Tensor):
        tensors[path] = tensor_record(value)
        order.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            walk(item, f"{path}.{key}" if path else str(key), tensors, scalars, order)
    elif type(value) in (list, tuple):
        for index, item in enumerate(value):
            walk(item, f"{path}.{index}" if path else str(index), tensors, scalars, order)
    else:
        record = scalar_record(value)
        if record is not None:
            scalars[path] = record


def sample(path):
    obj = torch.load(path, weights_only=False)
    tensors, scalars, order = {}, {}, []
    walk(obj, "", tensors, scalars, order)
    entry = {"tensors": tensors, "tensor_order": order, "scalars": scalars}
    if isinstance(obj, dict) and isinstance(obj.get("args"), argparse.Namespace):
        entry["megatron_args"] = {k: scalar_record(v) for k, v in vars(obj["args"]).items()
                                  if scalar_record(v) is not None}
    return entry


def nemo_sample(path):
    with tarfile.open(path) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("model_weights.ckpt"))
        state = torch.load(io.BytesIO(archive.extractfile(member).read()), weights_only=True)
    tensors = []
    for name, t in state.items():
        wide = t.detach().to(torch.float64)
        tensors.append({"name": name, "dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "sum": wide.sum().item(), "sum_of_squares": (wide * wide).sum().item()})
    return {"weights_member": member.name, "tensors": tensors}


def main():
    result = {"generator": f"Tools/gen_torch_expected.py with torch {torch.__version__}", "files": {}, "nemo": {}}
    for name in sorted(os.listdir(TORCH_DIR)):
        if name.endswith((".pt", ".ckpt")):
            result["files"][name] = sample(os.path.join(TORCH_DIR, name))
    for name in sorted(os.listdir(NEMO_DIR)):
        if name.endswith(".nemo"):
            result["nemo"][name] = nemo_sample(os.path.join(NEMO_DIR, name))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    counts = {name: len(entry["tensors"]) for name, entry in result["files"].items()}
    print(f"wrote {OUT}: {counts}; nemo: {[len(v['tensors']) for v in result['nemo'].values()]}")


if __name__ == "__main__":
    main()
