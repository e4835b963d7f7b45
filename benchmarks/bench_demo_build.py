"""Benchmark: build the demo region through the importers and print where the time goes.

    .venv/bin/python benchmarks/bench_demo_build.py

Prints wall and CPU seconds for: generating and writing the files, importing them (sandboxed parse and store,
the import service), and computing the figures with the rule."""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shnor.demo import build_demo, demo_figures  # noqa: E402
from shnor.store import Store  # noqa: E402


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        t0, c0 = time.perf_counter(), cpu()
        summary = build_demo(db)
        t1, c1 = time.perf_counter(), cpu()
        store = Store.open(db, read_only=True)
        demo_figures(store)
        store.close()
        t2, c2 = time.perf_counter(), cpu()
    print(f"schools: {summary['школ в реестре']}, files: {summary['файлов загружено']}, "
          f"results: {summary['результатов']}")
    print(f"build: {t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU; phases (wall): {summary['seconds']}")
    print(f"figures: {t2 - t1:.1f} s wall, {c2 - c1:.1f} s CPU")


if __name__ == "__main__":
    main()
