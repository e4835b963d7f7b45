"""Benchmark: parse the real ВПР 2021 protocols (layout 1B) and print time and peak memory per file.

Run from the project root:  .venv/bin/python benchmarks/bench_import_vpr.py [folder]
Each file is parsed in a fresh child process so that its peak RSS is its own. Prints figures; never fails
on a slow machine.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / ".." / "shared" / "realdata" / "fisoko_vpr_protocols_altai"
WORKS = {"ma5": "VPR-MATH-5", "ru5": "VPR-RUS-5", "ma6": "VPR-MATH-6", "ru6": "VPR-RUS-6"}


def _child(path: str, procedure: str) -> None:
    sys.path.insert(0, str(ROOT))
    from shnor.importing.layouts import vpr_protocol
    from shnor.importing.model import Hints, MarkScale
    from shnor.importing.reading import read_sheets
    from shnor.domain.scales import VPR_SCALES_2021

    scales = {(p, 2020): MarkScale(p, 2020, b) for p, b in VPR_SCALES_2021.items()}
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    sheets = read_sheets(path)
    t1 = time.perf_counter()
    assert vpr_protocol.detect(sheets)
    pf = vpr_protocol.parse(sheets, Path(path).name, Hints(procedure=procedure, year=2020), scales)
    t2 = time.perf_counter()
    print(json.dumps({
        "read_s": t1 - t0, "parse_s": t2 - t1, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "base_rss_mb": base_rss / 1024, "pupil_rows": pf.pupil_rows, "schools": len(pf.results),
        "participants": sum(r.participants for r in pf.results), "refused": pf.refused,
    }))


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    files = sorted(folder.glob("vpr2021spring_*.xlsx"))
    if not files:
        print(f"Нет файлов vpr2021spring_*.xlsx в {folder}")
        return
    print(f"{'file':<24}{'size MB':>8}{'read s':>8}{'parse s':>9}{'total s':>9}{'peak RSS MB':>13}{'before MB':>11}"
          f"{'pupils':>8}{'schools':>9}")
    for f in files:
        tag = f.stem.split("_")[-1]
        out = subprocess.run([sys.executable, __file__, "--child", str(f), WORKS[tag]],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{f.name:<24}{f.stat().st_size / 1e6:>8.1f}{r['read_s']:>8.2f}{r['parse_s']:>9.2f}"
              f"{r['read_s'] + r['parse_s']:>9.2f}{r['peak_rss_mb']:>13.0f}{r['base_rss_mb']:>11.0f}{r['pupil_rows']:>8}{r['schools']:>9}")
    print("read = python-calamine via shnor.importing.reading.read_sheets; parse = vpr_protocol.parse "
          "(one pass, aggregation per school); «before» = RSS after imports (duckdb, pandas), before reading.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
