"""Building the demo database through the importers (the same path as the CLI and the upload page)."""
from __future__ import annotations

import math
from pathlib import Path

from shnor.demo.files import write_files
from shnor.demo.generate import YEARS, DemoRegion, generate_region
from shnor.domain import events
from shnor.domain.permissions import SYSTEM, User
from shnor.domain.scales import is_low
from shnor.importing.model import Hints

# ---------------------------------------------------------------------------------------------
# Building the demo database through the importers
# ---------------------------------------------------------------------------------------------
def _create_territories(store, region: DemoRegion) -> None:
    """The region, its municipalities (with ФИС ОКО codes and short names) and Новокузнецк's districts —
    what an administrator sets up on the Settings page before the first upload."""
    with store.unit(SYSTEM) as u:
        u.territories.ensure(region.region.name, kind="region", code=region.region.code,
                             short_name=region.region.short_name)
        ids: dict[str, int] = {}
        for t in region.territories:
            parent = ids.get(t.parent) if t.kind == "district" else None
            ids[t.name] = u.territories.ensure(t.name, kind=t.kind, parent_id=parent, code=t.code,
                                               short_name=t.short_name)
        u.record(events.TERRITORY_ADDED, demo=True, territories=len(ids) + 1)


def load_files(store, files: list[tuple[Path, Hints]], actor: User = SYSTEM, progress=None) -> tuple[list[dict], dict]:
    """Import files in order exactly as the CLI and the upload page do (sandboxed parse, import service).
    Raises RuntimeError naming the file, its status and the issues when a file is refused or needs mapping.
    Returns one report per file and the seconds spent (parsing happens inside import_file). The next file's
    sandboxed child reads it while this one is stored (shnor/importing/sandbox.py `expect`); `progress(text)` is
    told each file stored."""
    import time

    from shnor.importing import sandbox
    from shnor.services.imports import import_file

    timings = {"import": 0.0}
    reports: list[dict] = []
    sandbox.expect([path for path, _ in files])
    for k, (path, hints) in enumerate(files, start=1):
        t0 = time.perf_counter()
        rep = import_file(store, path, actor, hints=hints)
        timings["import"] += time.perf_counter() - t0
        if progress is not None:
            progress(f"{k}/{len(files)} {path.name}: {rep.status}, {time.perf_counter() - t0:.1f} с")
        if rep.status not in ("stored", "duplicate"):
            details = "\n".join(i.text() for i in rep.issues[:20])
            raise RuntimeError(f"Демонстрационный файл {path.name} не загружен (статус «{rep.status}»):\n{details}")
        reports.append({"file": path.name, "status": rep.status, "layout": rep.layout, "procedure": rep.procedure,
                        "year": rep.year, "rows": rep.rows_stored, "issues": [i.text() for i in rep.issues]})
    return reports, timings


def build_demo(db_path, seed: int = 2024, work_dir=None) -> dict:
    """Create (or complete) the demo database: territories, ВПР scales, targets, then every demo file
    through the same importers that users use (`load_files`), then the plan of work (shnor/demo/plan.py:
    roadmaps for the school year of today, risk profiles, partners, indicators — through the services).
    Raises RuntimeError naming the file and the issues when a demo file is not stored. The files (and the
    roadmap documents) go to `work_dir` when given (kept), else to a temporary folder. Returns a summary:
    Russian keys for the scalar figures (the CLI prints them), `seconds` and `files` (one report per file)."""
    import tempfile
    import time
    from pathlib import Path

    from shnor.demo.plan import build_plan
    from shnor.services.settings import set_mark_scale, set_targets
    from shnor.store import Store

    started = time.perf_counter()
    region = generate_region(seed)
    store = Store.open(db_path)
    try:
        _create_territories(store, region)
        for scale in region.scales():
            set_mark_scale(store, SYSTEM, scale)
        tids = {t.name: store.territories.find(t.name) for t in region.territories}
        set_targets(store, SYSTEM, [(None if name is None else tids[name], year, share)
                                    for name, year, share in region.targets])
        with tempfile.TemporaryDirectory(prefix="shnor_demo_") as tmp:
            files = write_files(region, Path(work_dir) if work_dir is not None else Path(tmp))
            written = time.perf_counter()
            reports, timings = load_files(store, files)
        plan = build_plan(store, region, work_dir=work_dir)   # roadmaps, risk profiles, partners, indicators
        plan_seconds = plan.pop("seconds")
        return {
            "школ в реестре": len(store.schools.list()),
            "файлов загружено": sum(1 for r in reports if r["status"] == "stored"),
            "результатов": len(store.results.list()),
            "учебные годы": f"{YEARS[0]}/{YEARS[0] + 1}–{YEARS[-1]}/{YEARS[-1] + 1}",
            **plan,
            "время сборки, с": round(time.perf_counter() - started, 1),
            "seconds": {"generate_and_write": round(written - started, 1),
                        "import (sandboxed parse + store)": round(timings["import"], 1), **plan_seconds},
            "files": reports,
        }
    finally:
        store.close()


def demo_figures(store) -> dict:
    """The figures the demo is tuned to, computed from the database through the product's own rule:
    per ВПР work and year the share of "2" among pupils and of schools with a low result; per exam the share
    below the minimum; the share of ШНОР by school year (results of Y, list for Y+1) for the region and each
    municipality, with targets; stubborn ШНОР and schools that left the list; which procedures each year has."""
    from shnor.read.analysis import share_by_year
    from shnor.domain.rule import RuleSettings

    res = store.results.list()
    res = res.assign(low=is_low(res["low_count"], res["participants"], 30))
    works: dict[str, dict[int, dict]] = {}
    for (proc, year), g in res.groupby(["procedure", "year"]):
        works.setdefault(proc, {})[int(year)] = {
            "schools": int(len(g)), "participants": int(g["participants"].sum()),
            "share_low_pupils": round(float(g["low_count"].sum() / g["participants"].sum()), 4),
            "share_low_schools": round(float(g["low"].mean()), 4)}
    settings = RuleSettings()
    territories = store.territories.list()
    shares: dict[str, dict[int, dict]] = {}
    for tid, name in [(None, "region")] + [(int(r.id), r.name) for r in territories.itertuples()
                                          if r.kind == "municipality"]:
        df = share_by_year(store, tid, settings)
        shares[name] = {int(r.year): {"schools": int(r.schools), "shnor": int(r.shnor),
                                      "share": None if r.share is None else round(float(r.share), 4),
                                      "target": None if pd_isna(r.target) else float(r.target)}
                        for r in df.itertuples()}
    # which schools are ШНОР in each value year (region-wide)
    from shnor.read.analysis import compute_list
    years = store.results.years()
    listed: dict[int, set[int]] = {}
    for y in years[1:]:
        t = compute_list(store, y + 1, None, settings).table
        listed[y] = set(int(x) for x in t.loc[t["status"] == "shnor", "id"])
    first, last = years[1], years[-1]
    always = set.intersection(*listed.values()) if listed else set()
    calendar = {int(y): sorted(g["procedure"].unique().tolist()) for y, g in res.groupby("year")}
    return {"schools": len(store.schools.list()), "works": works, "shnor_share": shares,
            "stubborn": len(always), "left_list": len(listed.get(first, set()) - listed.get(last, set())),
            "entered_list": len(listed.get(last, set()) - listed.get(first, set())), "calendar": calendar}


def pd_isna(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_figures(fig: dict) -> str:
    """The figures as Russian text for the console."""
    from shnor.domain import procedures
    from shnor.domain.fmt import fmt_pct
    from shnor.domain.years import format_school_year
    lines = [f"Школ в реестре: {fig['schools']}", "", "ВПР и экзамены: доля «2» (ниже минимума) среди участников / "
             "доля школ с низким результатом (не менее 30 %)"]
    for proc in sorted(fig["works"]):
        cells = "; ".join(f"{format_school_year(y)}: {fmt_pct(v['share_low_pupils'])} / {fmt_pct(v['share_low_schools'])}"
                          for y, v in sorted(fig["works"][proc].items()))
        lines.append(f"  {procedures.name_ru(proc)}: {cells}")
    lines += ["", "Доля ШНОР по результатам учебного года (список на следующий год), факт / цель:"]
    for name, by_year in fig["shnor_share"].items():
        cells = "; ".join(f"{format_school_year(y)}: {fmt_pct(v['share'])}"
                          + (f" / {fmt_pct(v['target'], 0)}" if v["target"] is not None else "")
                          for y, v in sorted(by_year.items()) if v["share"] is not None)
        lines.append(f"  {'Регион' if name == 'region' else name}: {cells}")
    lines += ["", f"ШНОР во всех списках: {fig['stubborn']}; вышли из списка: {fig['left_list']}; "
                  f"вошли в список: {fig['entered_list']}"]
    lines += ["", "Процедуры по годам:"] + [f"  {format_school_year(y)}: {', '.join(p)}"
                                           for y, p in sorted(fig["calendar"].items())]
    return "\n".join(lines)
