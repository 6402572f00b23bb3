#!/usr/bin/env python3
"""The PyTorch side of Tools/bench_inspect.sh: torch.load of the extracted model_weights.ckpt, default and with
mmap=True, alone and followed by the statistics `decant inspect --stats` computes (min, max, mean, std, NaN/Inf
counts per tensor, in float64 like decant). Each variant runs in a fresh process so its peak RSS is its own;
torch is limited to one thread, the unit decant's numbers are given in.

Usage: python3 Tools/bench_inspect.py model_weights.ckpt   (prints one JSON line per variant)
"""
import json
import resource
import subprocess
import sys
import time

VARIANTS = ["load", "load_mmap", "load_mmap_stats"]


def run(variant, path):
    import torch
    torch.set_num_threads(1)
    start = time.perf_counter()
    state = torch.load(path, mmap=variant != "load", weights_only=True)
    loaded = time.perf_counter() - start
    if variant.endswith("_stats"):
        for t in state.values():
            x = t.detach().to(torch.float64)
            finite = x[torch.isfinite(x)]
            _ = (finite.min(), finite.max(), finite.mean(), finite.std(correction=0), torch.isnan(x).sum(), torch.isinf(x).sum())
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"variant": variant, "tensors": len(state), "load_seconds": round(loaded, 3), "seconds": round(total, 3),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3), "max_rss_mib": round(usage.ru_maxrss / 1024),
            "major_faults": usage.ru_majflt}


def main():
    if len(sys.argv) == 3:
        print(json.dumps(run(sys.argv[1], sys.argv[2])))
        return
    for variant in VARIANTS:
        subprocess.run([sys.executable, __file__, variant, sys.argv[1]], check=True)


if __name__ == "__main__":
    main()
