"""National scale: every figure of issue 11 beside its goal, its baseline and the ratio (whole processes, medians).

    .venv/bin/python benchmarks/bench_national.py [--national DIR] [--repeat N] [--only PARTS] [--rebuild]
    python -m shnor bench …                        (the same)

Parts (all by default):
- import    the real 26 000-row protocol vpr2021spring_ma5.xlsx (../shared/realdata) through the CLI into a database
            holding the region's registry, against reading the same file with python-calamine alone (same run,
            runs interleaved);
- report    a ФИС ОКО «Статистика по отметкам» report of the whole country (~39 000 school rows): the sandboxed parse
            (a whole child process) and the CLI import into a copy of the national database;
- identify  `python -m shnor identify` over the national database (40 000 schools), against
            benchmarks/baseline_rule_pandas.py reading the same results from a CSV (same run, interleaved);
- pages     every page's script cold and cached (AppTest) and the peak RSS of a `streamlit run` server
            (benchmarks/bench_pages.py --server);
- demo      `python -m shnor demo --scale national` (built when missing or with --rebuild; otherwise the time
            measured when it was built, read from build.json next to the files).
The national database is data/national.duckdb with its files in data/demo_files/national/ unless --national DIR
is given (DIR/national.duckdb, DIR/files/). Nothing here asserts a time: it prints, with the load average.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
REAL = ROOT.parent / "shared" / "realdata"
PROTOCOL = REAL / "fisoko_vpr_protocols_altai" / "vpr2021spring_ma5.xlsx"
REGISTRY = REAL / "fisoko_registry_altai" / "altai_school_logins_sch_2021.xlsx"
# what issue 11 measured before this work (same machine, whole processes, medians)
PREVIOUS = {"import": 2.1, "report": 6.5, "identify": 3.7, "calamine": 0.44, "pandas_rule": 0.63}
PARTS = ("import", "report", "identify", "pages", "demo")
ROWS: list[dict] = []
PREV: dict = {"root": None, "rev": None}     # --previous REV: that revision's tree, run beside this one


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def timed(cmd: list[str], **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its children, the completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def say(text: str = "") -> None:
    print(text, flush=True)


def previous_tree(rev: str, tmp: Path) -> Path:
    """The tree of an earlier revision (git archive), to run its `python -m shnor` beside this one."""
    root = tmp / "previous"
    root.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def run_previous(args: list[str]) -> tuple[float, float] | None:
    """(wall, CPU) of `python -m shnor ARGS` of the --previous revision, None without one."""
    if PREV["root"] is None:
        return None
    w, c, done = timed([PY, "-m", "shnor", *args], cwd=PREV["root"])
    return (w, c) if done.returncode == 0 else None


def row(figure: str, goal: str, wall: list[float], cpu: list[float] | None, loads: list[str], baseline: str = "",
        base: float | None = None, met: bool | None = None, note: str = "", previous: float | None = None,
        previous_runs: list[float] | None = None) -> None:
    if previous_runs:
        previous = med(previous_runs)
        note = (note + "; " if note else "") + f"«было» — ревизия {PREV['rev']} в этом же прогоне"
    value = med(wall)
    ROWS.append({"figure": figure, "goal": goal, "median_s": value, "cpu_s": med(cpu) if cpu else None,
                 "runs": len(wall), "min_s": min(wall) if wall else None, "max_s": max(wall) if wall else None,
                 "load": "/".join(loads), "baseline": baseline, "baseline_s": base,
                 "ratio": (value / base) if base else None, "previous_s": previous,
                 "vs_previous": (value / previous) if previous else None, "met": met, "note": note})
    r = ROWS[-1]
    say(f"  {figure}: {value:.2f} с (медиана {len(wall)}, {r['min_s']:.2f}–{r['max_s']:.2f}"
        + (f"; ЦП {r['cpu_s']:.2f} с" if r["cpu_s"] is not None else "") + f"; нагрузка {r['load']})"
        + (f"; база «{baseline}» {base:.2f} с, отношение {r['ratio']:.2f}" if base else "")
        + (f"; было {previous:.2f} с" if previous else "")
        + ("" if met is None else ("; цель достигнута" if met else "; ЦЕЛЬ НЕ ДОСТИГНУТА")) + (f" — {note}" if note else ""))


# ---------------------------------------------------------------------------------------------
# The real protocol through the CLI, against calamine alone
# ---------------------------------------------------------------------------------------------
def part_import(repeat: int, tmp: Path) -> None:
    say("== Импорт реального протокола ВПР (26 000 строк) через командную строку")
    if not PROTOCOL.is_file() or not REGISTRY.is_file():
        say(f"  нет файлов {PROTOCOL} и {REGISTRY} — часть пропущена")
        return
    base_db = tmp / "altai.duckdb"
    subprocess.run([PY, "-m", "shnor", "--db", str(base_db), "import", str(REGISTRY)], cwd=ROOT, check=True,
                   capture_output=True)
    raw_code = ("from python_calamine import CalamineWorkbook\n"
                f"wb = CalamineWorkbook.from_path({str(PROTOCOL)!r})\n"
                "rows = [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]")
    ours, ours_cpu, raw, raw_cpu, loads, prev = [], [], [], [], [], []
    for k in range(repeat):
        loads.append(load())
        w, c, _ = timed([PY, "-c", raw_code])
        raw.append(w)
        raw_cpu.append(c)
        db = tmp / f"altai_{k}.duckdb"
        shutil.copy(base_db, db)
        w, c, done = timed([PY, "-m", "shnor", "--db", str(db), "import", str(PROTOCOL), "--procedure", "VPR-MATH-5",
                            "--year", "2020/2021"], cwd=ROOT)
        if done.returncode != 0:
            say("  импорт не удался: " + done.stderr.decode()[-500:])
            return
        ours.append(w)
        ours_cpu.append(c)
        shutil.copy(base_db, db)
        old = run_previous(["--db", str(db), "import", str(PROTOCOL), "--procedure", "VPR-MATH-5", "--year",
                            "2020/2021"])
        if old:
            prev.append(old[0])
        db.unlink()
    row("чтение файла python-calamine (база)", "—", raw, raw_cpu, loads, previous=PREVIOUS["calamine"])
    ratio = med(ours) / med(raw)
    row("импорт протокола, весь процесс", "≤ 1,0 с и ≤ 2,3 × чтения calamine", ours, ours_cpu, loads,
        "чтение calamine", med(raw), met=med(ours) <= 1.0 and ratio <= 2.3, previous=PREVIOUS["import"],
        previous_runs=prev)


# ---------------------------------------------------------------------------------------------
# A report of the whole country
# ---------------------------------------------------------------------------------------------
def _extra_reports(files: Path, out: Path, count: int) -> list[Path]:
    """Reports of school years the national database does not hold yet (the last year's figures under a later
    year's title): each is a new file with ~39 000 new results."""
    from shnor.demo import national as nat_mod
    nat = nat_mod.generate_national()
    paths = []
    last = nat_mod.YEARS[-1]
    for k in range(count):
        proc = nat_mod.VPR_WORKS[k % len(nat_mod.VPR_WORKS)]
        year = last + 1 + k // len(nat_mod.VPR_WORKS)
        rows = nat_mod.report_rows(nat, proc, last)
        rows[0] = [f"Всероссийские проверочные работы {year + 1} ({proc.rsplit('-', 1)[1]} класс)"]
        path = out / f"vpr{year + 1}_{proc.lower()}_rf_report.xlsx"
        nat_mod.write_xlsx(path, "Статистика по отметкам", rows, merges=["D6:G6"], bold_rows={6, 7})
        paths.append(path)
    return paths


def part_report(repeat: int, tmp: Path, national_db: Path, files: Path) -> None:
    say("== Отчёт ФИС ОКО «Статистика по отметкам» по всей стране")
    from shnor.importing.model import Hints
    extra = _extra_reports(files, tmp, repeat)
    rows = None
    parse, parse_cpu, loads = [], [], []
    for path in extra:
        loads.append(load())
        payload = pickle.dumps((str(path), path.name, 3 << 30, "file")) + pickle.dumps((Hints(), {}))
        w, c, done = timed([PY, "-m", "shnor.importing.sandbox"], input=payload, cwd=ROOT)
        parsed = pickle.loads(done.stdout)
        rows = len(parsed.results)
        parse.append(w)
        parse_cpu.append(c)
    row(f"разбор отчёта ({rows} строк школ) в песочнице, весь процесс", "≤ 2 с", parse, parse_cpu, loads,
        met=med(parse) <= 2.0)
    db = tmp / "national_copy.duckdb"
    shutil.copy(national_db, db)
    old_db = tmp / "national_previous.duckdb"
    if PREV["root"] is not None:
        shutil.copy(national_db, old_db)
    full, full_cpu, loads, prev = [], [], [], []
    for path in extra:
        loads.append(load())
        w, c, done = timed([PY, "-m", "shnor", "--db", str(db), "import", str(path)], cwd=ROOT)
        if done.returncode != 0:
            say("  импорт не удался: " + done.stderr.decode()[-800:])
            return
        full.append(w)
        full_cpu.append(c)
        old = run_previous(["--db", str(old_db), "import", str(path)])
        if old:
            prev.append(old[0])
    row(f"импорт отчёта ({rows} строк школ) в национальную базу, весь процесс", "≤ 2 с", full, full_cpu, loads,
        met=med(full) <= 2.0, previous=PREVIOUS["report"], previous_runs=prev)
    db.unlink()
    if old_db.exists():
        old_db.unlink()


# ---------------------------------------------------------------------------------------------
# identify at 40 000 schools, against plain pandas
# ---------------------------------------------------------------------------------------------
def part_identify(repeat: int, tmp: Path, national_db: Path) -> None:
    say("== Выявление ШНОР по всей стране")
    from shnor.domain.rule import RuleSettings
    from shnor.read.analysis import counted_schools
    from shnor.store import Store
    db = tmp / "national_identify.duckdb"
    shutil.copy(national_db, db)
    store = Store.open(db, read_only=True)
    year = max(store.results.years()) + 1
    procs = list(RuleSettings().procedures)
    res = store.results.list(years=[year - 1, year - 2], procedures_=procs)
    res[["school_id", "procedure", "year", "participants", "low_count"]].to_csv(tmp / "results.csv", index=False)
    schools = counted_schools(store.schools.list(), year)
    schools[["id"]].to_csv(tmp / "schools.csv", index=False)
    store.close()
    label = f"{year}/{year + 1}"
    ours, ours_cpu, base, base_cpu, loads, prev = [], [], [], [], [], []
    same = True
    for _ in range(repeat):
        loads.append(load())
        w, c, done = timed([PY, str(ROOT / "benchmarks" / "baseline_rule_pandas.py"), str(tmp / "results.csv"),
                            str(tmp / "schools.csv"), str(year)])
        base.append(w)
        base_cpu.append(c)
        n_base = int(done.stdout.split(b"\n", 1)[0])
        w, c, done = timed([PY, "-m", "shnor", "--db", str(db), "identify", "--year", label, "--format", "csv"],
                           cwd=ROOT)
        if done.returncode != 0:
            say("  identify не удался: " + done.stderr.decode()[-500:])
            return
        ours.append(w)
        ours_cpu.append(c)
        n_ours = max(0, len(done.stdout.decode().strip().splitlines()) - 1)
        same &= n_ours == n_base
        old = run_previous(["--db", str(db), "identify", "--year", label, "--format", "csv"])
        if old:
            prev.append(old[0])
    row(f"правило на pandas по CSV (база, {len(schools)} школ)", "—", base, base_cpu, loads,
        previous=PREVIOUS["pandas_rule"])
    row(f"identify, {len(schools)} школ, весь процесс", "≤ 0,5 с и быстрее базы", ours, ours_cpu, loads,
        "правило на pandas", med(base), met=med(ours) <= 0.5 and med(ours) < med(base),
        note=f"ШНОР: {n_ours}, у базы {n_base}" + ("" if same else " — РАСХОДЯТСЯ"), previous=PREVIOUS["identify"],
        previous_runs=prev)
    db.unlink()


# ---------------------------------------------------------------------------------------------
# Pages and the server's memory
# ---------------------------------------------------------------------------------------------
def part_pages(repeat: int, national_db: Path) -> None:
    say("== Страницы в масштабе страны (AppTest) и память сервера")
    done = subprocess.run([PY, str(ROOT / "benchmarks" / "bench_pages.py"), "--db", str(national_db), "--repeat",
                           str(repeat), "--server", "--json"], cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write("".join("  " + line + "\n" for line in done.stderr.splitlines() if line.strip()))
    if done.returncode != 0:
        say("  замер страниц не удался")
        return
    res = json.loads(done.stdout.strip().splitlines()[-1])
    loads = [f"{res['load'][0]:.1f}", f"{res['load_end'][0]:.1f}"]
    for page, r in res["pages"].items():
        row(f"страница {page}: первый запуск", "≤ 2 с", [r["cold"]], None, loads, met=r["cold"] <= 2.0 and
            not r["exception"], note="исключение на странице" if r["exception"] else "")
        row(f"страница {page}: из кэша", "≤ 0,5 с", [r["cached"]], None, loads, met=r["cached"] <= 0.5)
    server = res.get("server") or {}
    peak = server.get("peak_rss_mb")
    if peak is not None:
        ROWS.append({"figure": "пиковая память сервера, МБ", "goal": "≤ 1024 МБ", "median_s": peak, "cpu_s": None,
                     "runs": 1, "min_s": peak, "max_s": peak, "load": "/".join(loads), "baseline": "",
                     "baseline_s": None, "ratio": None, "previous_s": None, "vs_previous": None,
                     "met": peak <= 1024, "note": server.get("how", "")})
        say(f"  пиковая память сервера: {peak:.0f} МБ ({server.get('how')}); цель ≤ 1024 МБ — "
            + ("достигнута" if peak <= 1024 else "НЕ ДОСТИГНУТА"))


# ---------------------------------------------------------------------------------------------
# The national demo's build
# ---------------------------------------------------------------------------------------------
def part_demo(national_db: Path, files: Path, rebuild: bool) -> None:
    say("== Построение национальной демонстрации: python -m shnor demo --scale national")
    record = files / "build.json"
    if rebuild or not national_db.exists():
        for p in (national_db, Path(str(national_db) + ".wal")):
            if p.exists():
                p.unlink()
        files.mkdir(parents=True, exist_ok=True)
        start_load = load()
        t0 = time.perf_counter()
        done = subprocess.run([PY, "-m", "shnor", "--db", str(national_db), "demo", "--scale", "national",
                               "--work-dir", str(files)], cwd=ROOT)
        if done.returncode != 0:
            say("  построение не удалось")
            sys.exit(1)
        seconds = time.perf_counter() - t0
        record.write_text(json.dumps({"seconds": seconds, "load": [start_load, load()],
                                      "when": dt.datetime.now().isoformat(timespec="seconds")}))
    if record.is_file():
        rec = json.loads(record.read_text())
        row("построение национальной демонстрации", "≤ 15 мин (900 с)", [rec["seconds"]], None, rec["load"],
            met=rec["seconds"] <= 900, note=f"замер {rec['when']}")
    else:
        say("  база построена раньше без замера времени (нет build.json): --rebuild, чтобы замерить")


def summary() -> None:
    say("\n== Итог (медианы; отношение — к базе того же прогона; «было» — замер до этой работы, задача 11)")
    say(f"{'показатель':64} {'цель':34} {'замер':>9} {'база':>8} {'отнош.':>7} {'было':>6}  итог")
    for r in ROWS:
        value = f"{r['median_s']:.2f}" + (" МБ" if "МБ" in r["figure"] else " с")
        say(f"{r['figure'][:64]:64} {r['goal'][:34]:34} {value:>9} "
            f"{'' if r['baseline_s'] is None else format(r['baseline_s'], '.2f'):>8} "
            f"{'' if r['ratio'] is None else format(r['ratio'], '.2f'):>7} "
            f"{'' if r['previous_s'] is None else format(r['previous_s'], '.2f'):>6}  "
            f"{'' if r['met'] is None else ('да' if r['met'] else 'НЕТ')}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--national", help="folder of the national database (national.duckdb, files/)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", help="comma-separated parts: " + ", ".join(PARTS))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--previous", metavar="REV", help="also run this git revision's `python -m shnor` (import, "
                    "report, identify) in the same run: «было» is then measured, not the figure of issue 11")
    args = ap.parse_args()
    parts = [p for p in (args.only.split(",") if args.only else PARTS) if p]
    if args.national:
        national_db, files = Path(args.national) / "national.duckdb", Path(args.national) / "files"
    else:
        national_db, files = ROOT / "data" / "national.duckdb", ROOT / "data" / "demo_files" / "national"
    say(f"Замеры в масштабе страны: {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} ядра, "
        f"нагрузка {' '.join(f'{x:.2f}' for x in os.getloadavg())}, повторов {args.repeat}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-national-"))
    try:
        if args.previous:
            PREV["root"], PREV["rev"] = previous_tree(args.previous, tmp), args.previous
            say(f"«было»: ревизия {args.previous}, запускается рядом в том же прогоне")
        needs_db = {"report", "identify", "pages", "demo"} & set(parts)
        if needs_db and ("demo" in parts or not national_db.exists()):
            part_demo(national_db, files, args.rebuild)
        if "import" in parts:
            part_import(args.repeat, tmp)
        if "report" in parts:
            part_report(args.repeat, tmp, national_db, files)
        if "identify" in parts:
            part_identify(args.repeat, tmp, national_db)
        if "pages" in parts:
            part_pages(1, national_db)
        summary()
        say(f"нагрузка в конце: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.json:
            Path(args.json).write_text(json.dumps(ROWS, ensure_ascii=False, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
