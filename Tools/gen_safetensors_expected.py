#!/usr/bin/env python3
"""Writes the expectations SafetensorsTests checks the Swift reader against.

For Tests/Fixtures/nemo/hf_export_reference/model.safetensors, records every tensor's dtype, shape and
data_offsets (from the raw header) and, read through the `safetensors` package, its first three values, its
last value and its float64 sum. Run from the repository root:
    python3 Tools/gen_safetensors_expected.py
"""
import json
import struct
from pathlib import Path

from safetensors.numpy import load_file

root = Path(__file__).resolve().parent.parent
source = root / "Tests/Fixtures/nemo/hf_export_reference/model.safetensors"
target = root / "Tests/Fixtures/safetensors/hf_export_reference_expected.json"

raw = source.read_bytes()
(header_length,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + header_length])
arrays = load_file(str(source))

tensors = []
for name, entry in sorted(header.items()):
    if name == "__metadata__":
        continue
    values = arrays[name].reshape(-1)
    tensors.append({
        "name": name,
        "dtype": entry["dtype"],
        "shape": entry["shape"],
        "data_offsets": entry["data_offsets"],
        "first": [float(v) for v in values[:3]],
        "last": float(values[-1]),
        "sum": float(values.astype("float64").sum()),
    })

result = {
    "source": "Tests/Fixtures/nemo/hf_export_reference/model.safetensors",
    "header_length": header_length,
    "metadata": header.get("__metadata__", {}),
    "tensors": tensors,
}
target.write_text(json.dumps(result, indent=1) + "\n")
print(f"wrote {target.relative_to(root)}: {len(tensors)} tensors")
