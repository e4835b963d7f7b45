"""Task-level analysis («поэлементный анализ»): the completion of each task of a ВПР work per school against
its territory and the region, the tasks that went worst first.

Kept per result (shnor/importing/layouts/vpr_protocol.py): `task_points` — the mean points per participant
of each task, `task_max` — each task's maximum when the protocol's headers give it (new platform, `6 (2б)`).
Completion of a task = mean points / the task's maximum; the territory's and the region's completion pool
their schools weighted by participants (sum of points / sum of participants / maximum).

The task maxima, in this order:
1. the protocol's headers (stored `task_max`);
2. `KNOWN_TASK_MAX`: the works whose protocols do not carry them (spring 2021, layout 1B) — the highest points
   of each task in the real Алтай 2021 protocols, whose sum is the work's maximum (20, 45, 16, 51);
3. inferred from the stored means: each task's highest school mean rounded up (or the 99th percentile, against
   single mistyped cells), accepted only when the tasks' maxima add up to the work's maximum (its mark scale);
4. otherwise unknown: completion is not computed and the table says so.
Pure: no database.
"""
from __future__ import annotations

import math
import re

import pandas as pd

from shnor.domain import procedures

# (procedure, school year) -> the maxima of tasks "1", "2", … in order
KNOWN_TASK_MAX: dict[tuple[str, int], tuple[int, ...]] = {
    ("VPR-MATH-5", 2020): (1, 1, 1, 1, 1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2),                          # 20
    ("VPR-RUS-5", 2020): (4, 3, 2, 3, 3, 3, 3, 2, 3, 2, 2, 2, 2, 1, 2, 1, 2, 2, 1, 1, 1),             # 45
    ("VPR-MATH-6", 2020): (1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2),                                  # 16
    ("VPR-RUS-6", 2020): (4, 3, 2, 3, 3, 3, 3, 1, 1, 2, 3, 2, 1, 1, 2, 1, 2, 3, 2, 1, 2, 1, 1, 2, 2),  # 51
}

SRC_HEADERS = "по заголовкам протокола"
SRC_KNOWN = "максимальные баллы заданий работы этого года"
SRC_INFERRED = "оценены по наибольшим средним баллам школ (их сумма равна максимуму работы)"
SRC_UNKNOWN = ("максимальные баллы заданий неизвестны (их нет в протоколе, а по данным они не сходятся с "
               "максимумом работы) — процент выполнения не вычисляется")

COLUMNS = ["school_id", "territory_id", "procedure", "year", "task", "max_points", "participants", "points",
           "school_pct", "territory_pct", "region_pct", "gap_territory_pp", "gap_region_pp"]


def task_key(label: str) -> tuple:
    """Natural order of task labels: 2 < 10, 12.1 < 12.2."""
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"\d+|\D+", str(label)))


def _valid_points(points: pd.DataFrame) -> pd.DataFrame:
    p = points[points["participants"].fillna(0) > 0]
    return p[p["points"].notna()]


def work_maxima(points: pd.DataFrame, work_max: dict[tuple[str, int], int] | None = None
                ) -> dict[tuple[str, int], tuple[dict[str, float] | None, str]]:
    """The task maxima of each work (procedure, year) in `points` (columns procedure, year, task, points,
    max_points, participants) with where they come from (SRC_*). `work_max`: the work's maximum score
    by (procedure, year), from its mark scale, used to check inferred maxima."""
    out = {}
    work_max = work_max or {}
    for (proc, year), g in _valid_points(points).groupby(["procedure", "year"]):
        key = (proc, int(year))
        tasks = sorted(set(g["task"]), key=task_key)
        stored = g.dropna(subset=["max_points"])
        if not stored.empty and set(stored["task"]) == set(tasks):
            mx = {t: float(s.mode().iloc[0]) for t, s in stored.groupby("task")["max_points"]}
            out[key] = (mx, SRC_HEADERS)
            continue
        known = KNOWN_TASK_MAX.get(key)
        if known and tasks == [str(i) for i in range(1, len(known) + 1)]:
            out[key] = ({str(i + 1): float(m) for i, m in enumerate(known)}, SRC_KNOWN)
            continue
        total = work_max.get(key)
        found = None
        if total:
            for q in (1.0, 0.99):
                mx = {t: float(max(1, math.ceil(float(s.quantile(q)) - 1e-9)))
                      for t, s in g.groupby("task")["points"]}
                if sum(mx.values()) == total:
                    found = mx
                    break
        out[key] = (found, SRC_INFERRED) if found else (None, SRC_UNKNOWN)
    return out


def _pooled(g: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    x = g.assign(total=g["points"] * g["participants"])
    s = x.groupby(by)[["total", "participants"]].sum()
    return (s["total"] / s["participants"]).rename("mean")


def task_table(points: pd.DataFrame, region: pd.DataFrame | None = None,
               maxima: dict[tuple[str, int], tuple[dict[str, float] | None, str]] | None = None,
               work_max: dict[tuple[str, int], int] | None = None) -> pd.DataFrame:
    """Per school, work and task of `points` (columns school_id, territory_id, procedure, year, participants,
    task, points, max_points): completion in % of the school, its territory and the region (pooled over
    `region`, default `points`), and the gaps in percentage points (school minus territory / region).
    Completion is NaN where the task maxima are unknown."""
    region = points if region is None else region
    p, rg = _valid_points(points), _valid_points(region)
    if p.empty:
        return pd.DataFrame(columns=COLUMNS)
    maxima = maxima if maxima is not None else work_maxima(rg, work_max)
    terr = _pooled(rg, ["territory_id", "procedure", "year", "task"]).rename("t_mean").reset_index()
    reg = _pooled(rg, ["procedure", "year", "task"]).rename("r_mean").reset_index()
    mx = pd.DataFrame([(proc, y, task, m) for (proc, y), (tm, _) in maxima.items() if tm for task, m in tm.items()],
                      columns=["procedure", "year", "task", "max_points"])
    t = p.drop(columns=["max_points"], errors="ignore").astype({"year": int})
    t = t.merge(mx.astype({"year": int}), on=["procedure", "year", "task"], how="left")
    t = t.merge(terr.astype({"year": int}), on=["territory_id", "procedure", "year", "task"], how="left")
    t = t.merge(reg.astype({"year": int}), on=["procedure", "year", "task"], how="left")
    m = t["max_points"] = pd.to_numeric(t["max_points"], errors="coerce").astype(float)
    t["school_pct"] = t["points"] / m * 100
    t["territory_pct"] = t["t_mean"] / m * 100
    t["region_pct"] = t["r_mean"] / m * 100
    t["gap_territory_pp"] = t["school_pct"] - t["territory_pct"]
    t["gap_region_pp"] = t["school_pct"] - t["region_pct"]
    t["participants"] = t["participants"].astype(int)
    t["school_id"] = t["school_id"].astype(int)
    return t[COLUMNS].reset_index(drop=True)


def worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted with the tasks that went worst first: lowest completion, then the largest gap below the
    region, then the task's number; `rank` from 1. Rows without completion go last in task order."""
    t = table.copy()
    t["_known"] = t["school_pct"].notna()
    t["_pct"] = t["school_pct"].fillna(0.0)
    t["_gap"] = t["gap_region_pp"].fillna(0.0)
    t["_task"] = [task_key(x) for x in t["task"]]
    t = t.sort_values(["_known", "_pct", "_gap", "_task"], ascending=[False, True, True, True], kind="stable")
    t = t.drop(columns=["_known", "_pct", "_gap", "_task"]).reset_index(drop=True)
    t.insert(0, "rank", range(1, len(t) + 1))
    return t


def school_tasks(table: pd.DataFrame, school_id: int, procedure: str, year: int) -> pd.DataFrame:
    """One school's tasks of one work (task_table rows), worst first."""
    t = table[(table["school_id"] == school_id) & (table["procedure"] == procedure) & (table["year"] == year)]
    return worst_first(t)


REGION_COLUMNS = ["procedure", "name", "year", "task", "max_points", "schools", "participants", "pct"]


def region_tasks(points: pd.DataFrame, maxima: dict[tuple[str, int], tuple[dict[str, float] | None, str]] | None = None,
                 work_max: dict[tuple[str, int], int] | None = None) -> pd.DataFrame:
    """Completion of each task pooled over all schools of `points`, per work, worst first (lowest `pct`;
    tasks with unknown maxima last). Columns: procedure, name, year, task, max_points, schools, participants, pct."""
    p = _valid_points(points)
    if p.empty:
        return pd.DataFrame(columns=REGION_COLUMNS)
    maxima = maxima if maxima is not None else work_maxima(p, work_max)
    mean = _pooled(p, ["procedure", "year", "task"])
    counts = p.groupby(["procedure", "year", "task"]).agg(schools=("school_id", "nunique"),
                                                          participants=("participants", "sum"))
    rows = []
    for (proc, year, task), v in mean.items():
        mx = (maxima.get((proc, int(year))) or (None, ""))[0]
        m = mx.get(task) if mx else None
        c = counts.loc[(proc, year, task)]
        rows.append({"procedure": proc, "name": procedures.name_ru(proc), "year": int(year), "task": task,
                     "max_points": m, "schools": int(c["schools"]), "participants": int(c["participants"]),
                     "pct": None if m is None else float(v) / m * 100})
    df = pd.DataFrame(rows, columns=REGION_COLUMNS)
    df["_known"] = df["pct"].notna()
    df["_pct"] = df["pct"].fillna(0.0)
    df["_task"] = [task_key(x) for x in df["task"]]
    return df.sort_values(["_known", "_pct", "_task"], ascending=[False, True, True], kind="stable").drop(
        columns=["_known", "_pct", "_task"]).reset_index(drop=True)
