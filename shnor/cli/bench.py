"""Command: bench — the national-scale benchmark (benchmarks/bench_national.py), each figure beside its goal,
its baseline and the ratio.

    python -m shnor bench [--national DIR] [--repeat N] [--only import,report,identify,pages,demo] [--rebuild]
                          [--previous REV]

The benchmark lives in the repository (benchmarks/), not in the package: the command runs it with this
interpreter and passes its output through. It prints figures and never fails on a slow machine; exit 2 only
when the benchmark cannot run (no benchmarks folder, an argument refused)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shnor.cli.common import EXIT_OK, Refused

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_national.py"
PARTS = ("import", "report", "identify", "pages", "demo")


def cmd_bench(args) -> int:
    if not SCRIPT.is_file():
        raise Refused(f"нет файла {SCRIPT}: замеры запускаются из папки проекта (git clone), а не из установленного "
                      "пакета.")
    only = [p.strip() for p in (args.only or "").split(",") if p.strip()]
    unknown = [p for p in only if p not in PARTS]
    if unknown:
        raise Refused(f"неизвестные части замера: {', '.join(unknown)}; допустимо: {', '.join(PARTS)}.")
    if args.repeat < 1:
        raise Refused("--repeat — число повторов, не меньше 1.")
    cmd = [sys.executable, str(SCRIPT), "--repeat", str(args.repeat)]
    if args.national:
        cmd += ["--national", args.national]
    if only:
        cmd += ["--only", ",".join(only)]
    if args.rebuild:
        cmd.append("--rebuild")
    if args.previous:
        cmd += ["--previous", args.previous]
    done = subprocess.run(cmd, cwd=ROOT)
    if done.returncode != 0:
        raise Refused(f"замер прерван (код выхода {done.returncode}); подробности выше.")
    return EXIT_OK


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
    b = sub.add_parser("bench", help="замеры скорости в масштабе страны: каждая цифра рядом с целью и базой")
    b.add_argument("--national", metavar="DIR", help="папка национальной демонстрационной базы (по умолчанию "
                   "data/national; строится, если её нет)")
    b.add_argument("--repeat", type=int, default=5, help="повторов каждого замера (берётся медиана), по умолчанию 5")
    b.add_argument("--only", metavar="ЧАСТИ", help=f"только эти части через запятую: {', '.join(PARTS)}")
    b.add_argument("--rebuild", action="store_true", help="построить национальную базу заново и замерить сборку")
    b.add_argument("--previous", metavar="REV", help="ревизия git, которую запустить рядом для столбца «было» "
                   "(по умолчанию — цифры из задачи 11)")
    b.set_defaults(func=cmd_bench)
