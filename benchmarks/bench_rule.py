"""The rule at national scale: identify_shnor over N schools × the nine procedures × two years.

    .venv/bin/python benchmarks/bench_rule.py [N ...]     (default: 300 1500 40000)

Synthetic results (about 15 % "2" per result, some procedures missing); prints seconds and peak RSS."""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from shnor.domain.procedures import DEFAULT_SET  # noqa: E402
from shnor.domain.rule import RuleSettings, identify_shnor  # noqa: E402


def synthetic(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sid = np.repeat(np.arange(1, n + 1), len(DEFAULT_SET) * 2)
    proc = np.tile(np.repeat(np.array(DEFAULT_SET), 2), n)
    year = np.tile(np.array([2022, 2023] * len(DEFAULT_SET)), n)
    part = rng.integers(3, 120, sid.size)
    low = rng.binomial(part, rng.beta(2, 11, sid.size))
    keep = rng.random(sid.size) > 0.2  # some results missing
    res = pd.DataFrame({"school_id": sid, "procedure": proc, "year": year, "participants": part,
                        "low_count": low})[keep]
    return res, pd.DataFrame({"id": np.arange(1, n + 1)})


def main() -> None:
    sizes = [int(x) for x in sys.argv[1:]] or [300, 1500, 40000]
    print(f"{'schools':>8} {'results':>9} {'seconds':>8} {'ШНОР':>6}")
    for n in sizes:
        res, schools = synthetic(n)
        t0 = time.perf_counter()
        ident = identify_shnor(res, schools, 2024, RuleSettings())
        dt = time.perf_counter() - t0
        print(f"{n:8d} {len(res):9d} {dt:8.2f} {len(ident.shnor()):6d}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
