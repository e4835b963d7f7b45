"""What the identification page shows around the list: the change since last year's list, the data missing
for the years the list uses (with the calendar gaps that explain some of it), and the heat map of shares.

Pure functions over `ListResult` and the store; no Streamlit.
"""
from __future__ import annotations

import pandas as pd

from shnor.domain.scales import is_low
from shnor.domain import procedures
from shnor.read.analysis import ListResult
from shnor.domain.rule import NO_DATA, RISK, SHNOR, STATUS_RU
from shnor.store import Store
from shnor.domain.years import format_school_year

ENTERED, LEFT, STAYED = "вошли", "вышли", "остались"


def compare_with_previous(current: ListResult, previous: ListResult) -> pd.DataFrame:
    """Schools that entered, left or stayed in the list compared with the previous year's list (same
    territory and settings). Columns: school_id, territory, short_name, change, status_now, reasons_now,
    reasons_then."""
    cols = ["school_id", "territory", "short_name", "change", "status_now", "reasons_now", "reasons_then"]
    now = current.table.set_index("id")
    then = previous.table.set_index("id")
    now_ids = set(now.index[now["status"] == SHNOR])
    then_ids = set(then.index[then["status"] == SHNOR])
    rows = []
    for sid in sorted(now_ids | then_ids):
        src = now.loc[sid] if sid in now.index else then.loc[sid]
        change = STAYED if sid in now_ids and sid in then_ids else (ENTERED if sid in now_ids else LEFT)
        status_now = now.loc[sid, "status_ru"] if sid in now.index else "школа не действует"
        rows.append({"school_id": int(sid), "territory": src["territory"], "short_name": src["short_name"],
                     "change": change, "status_now": status_now,
                     "reasons_now": now.loc[sid, "reasons"] if sid in now.index else "",
                     "reasons_then": then.loc[sid, "reasons"] if sid in then.index else ""})
    order = {ENTERED: 0, LEFT: 1, STAYED: 2}
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df = df.sort_values(["change", "territory", "short_name"],
                            key=lambda c: c.map(order) if c.name == "change" else c).reset_index(drop=True)
    return df


# ---------------------------------------------------------------------------------------------
# Calendar gaps (FORMATS.md §6)
# ---------------------------------------------------------------------------------------------
def calendar_gap(procedure: str, year: int) -> str | None:
    """Why a procedure had no results at all in a school year (None when it was held)."""
    p = procedures.CATALOGUE.get(procedure)
    if p is None:
        return None
    if year == 2019 and p.kind == "OGE":
        return "ОГЭ в 2019/2020 учебном году отменён"
    if year == 2019 and procedure == "EGE-MATH-BASE":
        return "ЕГЭ по базовой математике в 2019/2020 не проводился (ЕГЭ сдавали только поступающие в вузы)"
    if year == 2020 and procedure == "EGE-MATH-BASE":
        return "ЕГЭ по базовой математике в 2020/2021 не проводился"
    if year == 2020 and p.kind == "OGE" and p.subject not in ("RUS", "MATH"):
        return "в 2020/2021 ОГЭ проводился только по русскому языку и математике"
    return None


def calendar_note(procedure: str, year: int) -> str | None:
    """A calendar fact that changes how a year's results read (held, but differently)."""
    p = procedures.CATALOGUE.get(procedure)
    if p is None:
        return None
    if year in (2019, 2020) and p.kind == "EGE" and not calendar_gap(procedure, year):
        return f"в {format_school_year(year)} ЕГЭ сдавали только поступающие в вузы"
    if year == 2019 and p.kind == "VPR":
        return "весенние ВПР 2020 отменены: работу писали осенью 2020 ученики следующего класса"
    if year == 2022 and p.kind == "VPR":
        return "часть ВПР 2022 перенесена на осень (19.09–24.10.2022)"
    return None


# grades a school type teaches (default: 1–11)
_TYPE_GRADES = {"НОШ": range(1, 5), "ООШ": range(1, 10)}


def applicable(procedure: str, school_type: str | None) -> bool:
    """Whether a school of this type takes the procedure at all (an ООШ has no ЕГЭ, an НОШ no ВПР 5–6)."""
    p = procedures.CATALOGUE.get(procedure)
    grades = _TYPE_GRADES.get(school_type or "", range(1, 12))
    if p is None:
        return True
    if p.kind == "VPR":
        return p.grade in grades
    return (9 if p.kind == "OGE" else 11) in grades


def missing_by_procedure(current: ListResult) -> pd.DataFrame:
    """Per procedure and year the list uses: how many schools have a result and how many lack it; of those,
    how many do not take it by their type (ООШ and ЕГЭ, НОШ and ВПР 5–6), and the calendar gap if the
    procedure was not held. Columns: procedure, procedure_ru, year, year_ru, with_result, missing,
    missing_expected, not_applicable, calendar."""
    y1, y2 = current.year - 1, current.year - 2
    settings = current.identification.settings
    types = dict(zip(current.schools["id"].astype(int), current.schools.get("school_type", pd.Series(dtype=object))))
    total = len(current.table)
    miss: dict[tuple[str, int], list[int]] = {}
    for s in current.identification.statuses:
        for key in s.missing:
            miss.setdefault(key, []).append(s.school_id)
    rows = []
    for year in (y2, y1):
        for proc in settings.procedures:
            lacking = miss.get((proc, year), [])
            na = sum(1 for sid in lacking if not applicable(proc, types.get(sid)))
            gap = calendar_gap(proc, year)
            rows.append({"procedure": proc, "procedure_ru": procedures.name_ru(proc), "year": year,
                         "year_ru": format_school_year(year), "with_result": total - len(lacking),
                         "missing": len(lacking), "not_applicable": na,
                         "missing_expected": 0 if gap else len(lacking) - na,
                         "calendar": gap or calendar_note(proc, year) or ""})
    return pd.DataFrame(rows, columns=["procedure", "procedure_ru", "year", "year_ru", "with_result", "missing",
                                       "missing_expected", "not_applicable", "calendar"])


def missing_matrix(current: ListResult, only_expected: bool = True) -> pd.DataFrame:
    """Schools × (procedure, year) with no result, one row per school: territory, short_name, status_ru,
    missing (count), what (the gaps in words). Calendar gaps and procedures a school does not take by its type
    are left out when `only_expected`."""
    t = current.table.set_index("id")
    types = dict(zip(current.schools["id"].astype(int), current.schools.get("school_type", pd.Series(dtype=object))))
    rows = []
    for s in current.identification.statuses:
        gaps = [(p, y) for p, y in s.missing
                if not only_expected or (not calendar_gap(p, y) and applicable(p, types.get(s.school_id)))]
        if not gaps:
            continue
        what = "; ".join(f"{procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p} "
                         f"{format_school_year(y)}" for p, y in sorted(gaps, key=lambda g: (g[1], g[0])))
        rows.append({"school_id": s.school_id, "territory": t.loc[s.school_id, "territory"],
                     "short_name": t.loc[s.school_id, "short_name"], "status_ru": STATUS_RU[s.status],
                     "missing": len(gaps), "what": what})
    df = pd.DataFrame(rows, columns=["school_id", "territory", "short_name", "status_ru", "missing", "what"])
    return df.sort_values(["missing", "territory", "short_name"], ascending=[False, True, True]).reset_index(drop=True)


def status_lists(current: ListResult) -> dict[str, pd.DataFrame]:
    """Tables for the page: ШНОР, the risk group, stably high, no data (territory, short_name, school_code,
    criteria, reasons, small_group)."""
    t = current.table
    cols = ["id", "territory", "short_name", "school_code", "criteria", "reasons", "small_group"]
    return {
        "shnor": t[t["status"] == SHNOR][cols].reset_index(drop=True),
        "risk": t[t["status"] == RISK][cols].reset_index(drop=True),
        "high": t[t["stably_high"].fillna(False).astype(bool)][cols].reset_index(drop=True),
        "no_data": t[t["status"] == NO_DATA][cols].reset_index(drop=True),
    }


def heatmap_frame(store: Store, current: ListResult, school_ids: list[int],
                  years: list[int] | None = None) -> pd.DataFrame:
    """Share of "2" / below the minimum per school × procedure × year, for the heat map. Columns: school_id,
    procedure, procedure_ru, year, year_ru, column (procedure and year, sortable), participants, low_count,
    share (fraction), label (the value printed in the cell), low (bool: at or above the threshold)."""
    settings = current.identification.settings
    years = years or [current.year - 2, current.year - 1]
    res = store.results.list(years=years, procedures_=list(settings.procedures), territory_id=current.territory_id)
    res = res[res["school_id"].isin(school_ids) & (res["participants"] > 0)].copy()
    cols = ["school_id", "procedure", "procedure_ru", "year", "year_ru", "column", "order", "participants",
            "low_count", "share", "label", "low"]
    if res.empty:
        return pd.DataFrame(columns=cols)
    from shnor.domain.fmt import fmt_share
    order = {p: i for i, p in enumerate(settings.procedures)}
    res["procedure_ru"] = res["procedure"].map(
        lambda p: procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p)
    res["year_ru"] = res["year"].map(lambda y: f"{y % 100:02d}/{(y + 1) % 100:02d}")
    res["column"] = res["procedure_ru"] + " " + res["year_ru"]
    res["order"] = res["procedure"].map(order) * 100 + res["year"] - min(years)
    res["share"] = res["low_count"] / res["participants"]
    res["label"] = [fmt_share(int(lo), int(n), 0).replace("\u00a0%", "") for lo, n in
                    zip(res["low_count"], res["participants"])]
    res["low"] = is_low(res["low_count"], res["participants"], settings.threshold_pct)
    return res[cols].reset_index(drop=True)
