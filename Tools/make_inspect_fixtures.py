#!/usr/bin/env python3
"""Writes the fixtures of the `decant inspect` tests into Tests/Fixtures/inspect/:

- malicious_callback.pt: a real torch.save zip of {"state_dict": {"w": tensor([1., 2., 3.])}, "callback": X}, where
  X pickles as os.system("touch /tmp/decant_malicious_pickle_ran") (GLOBAL posix.system + REDUCE). The script proves
  the file is live: torch.load(weights_only=False) in a throwaway subprocess creates the marker.
- stats_samples.pt: a torch.save zip whose tensors exercise the statistics (f32 with a large mean, f16 and bf16 with
  NaN and ±inf, an all-NaN tensor, f64, int64, a strided view, an empty tensor), and
- stats_expected.json: numpy float64 statistics of exactly those stored values over their finite elements:
  min, max, mean, population std (ddof 0), the NaN / +inf / −inf counts and the first four values.

Usage: python3 Tools/make_inspect_fixtures.py
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/inspect"
MARKER = "/tmp/decant_malicious_pickle_ran"


class RunsACommand:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def malicious():
    path = OUT / "malicious_callback.pt"
    torch.save({"state_dict": {"w": torch.tensor([1.0, 2.0, 3.0])}, "callback": RunsACommand()}, path)
    if os.path.exists(MARKER):
        os.remove(MARKER)
    load = f"import torch; torch.load({str(path)!r}, weights_only=False)"
    subprocess.run([sys.executable, "-c", load], check=True)
    assert os.path.exists(MARKER), "the malicious checkpoint did not run its command"
    os.remove(MARKER)


def json_number(value):
    """Non-finite values as `decant inspect --json` writes them: the strings "nan", "inf" and "-inf"."""
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def samples():
    g = torch.Generator().manual_seed(2024)
    big_mean = 1000 + 0.01 * torch.randn(10_000, generator=g)
    f16 = torch.randn(3, 1500, generator=g).to(torch.float16)
    f16[0, 0], f16[1, 7], f16[2, 1499] = float("nan"), float("inf"), float("-inf")
    bf16 = (torch.randn(9000, generator=g) * 5).to(torch.bfloat16)
    bf16[4096], bf16[17] = float("inf"), float("nan")
    base = torch.randn(6, 8, generator=g)
    tensors = {
        "f32_big_mean": big_mean,
        "f32_matrix": torch.randn(64, 100, generator=g) * 0.02,
        "f16_nonfinite": f16,
        "bf16_with_inf": bf16,
        "f32_all_nan": torch.full((5,), float("nan")),
        "f64": torch.randn(300, generator=g, dtype=torch.float64) * 1e10,
        "i64_steps": torch.arange(-50, 250, 3, dtype=torch.int64),
        "f32_transposed": base.t(),
        "f32_empty": torch.zeros(0, 4),
    }
    torch.save(tensors, OUT / "stats_samples.pt")
    expected = {}
    for name, t in tensors.items():
        values = t.contiguous().to(torch.float64).numpy().reshape(-1) if t.dtype != torch.int64 else t.numpy().astype(np.float64).reshape(-1)
        finite = values[np.isfinite(values)]
        some = finite.size > 0
        expected[name] = {
            "dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape), "elements": int(values.size),
            "finite": int(finite.size), "nan": int(np.isnan(values).sum()),
            "positive_infinity": int(np.isposinf(values).sum()), "negative_infinity": int(np.isneginf(values).sum()),
            "min": float(finite.min()) if some else None, "max": float(finite.max()) if some else None,
            "mean": float(finite.mean()) if some else None, "std": float(finite.std()) if some else None,
            "first_values": [json_number(v) for v in values[:4]],
        }
    (OUT / "stats_expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    malicious()
    samples()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
