"""What the «Показатели» page shows: every indicator of the catalogue (shnor/domain/indicators.py) for a
territory and school year — the actual, its target, the status, the change against the previous year, where
the value comes from — and each indicator's trend. No SQL and no writes here.

Where an actual comes from, in this order:
- computed from stored results (the share of ШНОР, the pass rate of ГИА, ОГЭ «4»+«5», ВПР quality and «2»), or
  from the partnerships (ШНОР in partnership) when any partnership of the territory's schools is recorded;
- otherwise the value entered (or uploaded) for the territory itself;
- otherwise, for a count, the sum of the values entered for its schools.
The share of ШНОР is the overview's own figure: analysis.share_by_year (the list formed for Y+1 from the
results of Y), its target the one of the «targets» table (overview.inherited_target), its verdict withheld by
the coverage rule. Other targets: the territory's own, else its parent's, else the region's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from shnor.domain import indicators as ind_
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.indicators import CATALOGUE, Indicator
from shnor.domain.rule import SHNOR
from shnor.domain.years import format_school_year
from shnor.read.analysis import compute_list, coverage_of_row, load_rule_settings, share_by_year
from shnor.read.overview import inherited_target
from shnor.store import Store

COMPUTED, ENTERED, SCHOOLS_SUM = "computed", "entered", "schools"
TABLE_COLUMNS = ["code", "name", "short", "unit", "direction", "origin", "actual", "actual_label", "target",
                 "target_label", "target_note", "status", "status_label", "previous", "change", "source",
                 "entered_by", "file", "level"]
TREND_COLUMNS = ["year", "year_label", "actual", "actual_label", "target", "target_label", "status",
                 "status_label", "source"]


@dataclass(frozen=True)
class Actual:
    value: float | None
    origin: str | None          # COMPUTED | ENTERED | SCHOOLS_SUM | None
    source: str                 # Russian: how it was computed, or who entered it and from which file
    withheld: str | None = None  # why no verdict on the target is given (the share of ШНОР, too few data)
    entered_by: str | None = None
    file: str | None = None


NONE = Actual(None, None, "нет значения")


def normalise_territory(store: Store, territory_id: int | None) -> int | None:
    """The region's own territory row and «no territory» are the same: the whole region (None)."""
    if territory_id is None or int(territory_id) == (store.territories.root_id() or -1):
        return None
    return int(territory_id)


def indicator_years(store: Store) -> list[int]:
    """School years that have results, indicator values or targets (of any indicator), oldest first."""
    targets = store.targets.list()
    return sorted(set(store.results.years()) | set(store.indicators.years())
                  | {int(y) for y in targets["year"]})


# ---------------------------------------------------------------------------------------------
# Computed from stored results
# ---------------------------------------------------------------------------------------------
def _kind(results: pd.DataFrame) -> pd.Series:
    """VPR / OGE / EGE of each row: the procedure's prefix, worked out once per distinct procedure."""
    proc = results["procedure"].astype(str)
    prefix = {p: p.split("-")[0] for p in pd.unique(proc)}
    return proc.map(prefix)


def _n_results(n: int) -> str:
    return f"{fmt_int(n)} {plural(n, 'результат', 'результата', 'результатов')}"


def _n_schools_of(n: int) -> str:
    return f"{fmt_int(n)} {plural(n, 'школы', 'школ', 'школ')}"


def results_figures(results: pd.DataFrame, year: int) -> dict[str, Actual]:
    """The indicators computed from one year's results (any rows of ResultRepo.list): ГИА pass rate, ОГЭ
    «4»+«5», ВПР quality and «2». An indicator whose results are missing is left out."""
    out: dict[str, Actual] = {}
    if results.empty:
        return out
    r = results[(results["year"] == year) & (results["participants"].fillna(0) > 0)]
    kind = _kind(r)

    def figure(rows: pd.DataFrame, numerator: pd.Series, what: str) -> Actual | None:
        total = int(rows["participants"].sum())
        if not total:
            return None
        value = float(numerator.sum()) / total
        source = (f"рассчитано по результатам {what} за {format_school_year(year)}: {_n_results(len(rows))} "
                  f"{_n_schools_of(rows['school_id'].nunique())}, участников {fmt_int(total)}")
        return Actual(value, COMPUTED, source)

    exams = r[kind.isin(["OGE", "EGE"])]
    if (a := figure(exams, exams["participants"] - exams["low_count"], "ОГЭ и ЕГЭ")) is not None:
        out[ind_.GIA_PASS] = a
    oge = r[(kind == "OGE") & r["mark4"].notna() & r["mark5"].notna()]
    if (a := figure(oge, oge["mark4"] + oge["mark5"], "ОГЭ с отметками")) is not None:
        out[ind_.OGE_GOOD] = a
    vpr = r[kind == "VPR"]
    vpr_marks = vpr[vpr["mark4"].notna() & vpr["mark5"].notna()]
    if (a := figure(vpr_marks, vpr_marks["mark4"] + vpr_marks["mark5"], "ВПР с отметками")) is not None:
        out[ind_.VPR_QUALITY] = a
    if (a := figure(vpr, vpr["low_count"], "ВПР")) is not None:
        out[ind_.VPR_FAIL] = a
    return out


def results_by_school(results: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    """One computed indicator per school for a year: school_id, value, participants (empty when the
    indicator is not computed from results)."""
    cols = ["school_id", "value", "participants"]
    if results.empty or code not in (ind_.GIA_PASS, ind_.OGE_GOOD, ind_.VPR_QUALITY, ind_.VPR_FAIL):
        return pd.DataFrame(columns=cols)
    r = results[(results["year"] == year) & (results["participants"].fillna(0) > 0)]
    kind = _kind(r)
    if code == ind_.GIA_PASS:
        r = r[kind.isin(["OGE", "EGE"])]
        num = r["participants"] - r["low_count"]
    elif code == ind_.VPR_FAIL:
        r = r[kind == "VPR"]
        num = r["low_count"]
    else:
        r = r[(kind == ("OGE" if code == ind_.OGE_GOOD else "VPR")) & r["mark4"].notna() & r["mark5"].notna()]
        num = r["mark4"] + r["mark5"]
    g = pd.DataFrame({"school_id": r["school_id"], "num": num, "participants": r["participants"]}) \
        .groupby("school_id", as_index=False).sum()
    g["value"] = g["num"] / g["participants"]
    return g[cols]


def shnor_share(store: Store, territory_id: int | None, years: list[int]) -> dict[int, Actual]:
    """The share of ШНОР by results year, as the overview computes it (coverage rule included)."""
    result_years = set(store.results.years())
    ys = [y for y in years if y in result_years]
    if not ys:
        return {}
    trend = share_by_year(store, territory_id, years=ys)
    out: dict[int, Actual] = {}
    for row in trend.itertuples(index=False):
        cov = coverage_of_row(row)
        if row.schools == 0 or cov.no_results or row.share is None or pd.isna(row.share):
            continue
        source = (f"рассчитано правилом: {fmt_int(row.shnor)} ШНОР из {_n_schools_of(int(row.schools))} "
                  f"(список на {format_school_year(int(row.year) + 1)}); {cov.sentence_ru().rstrip('.').lower()}")
        out[int(row.year)] = Actual(float(row.share), COMPUTED, source, cov.withheld_ru())
    return out


def school_year_days(year: int) -> tuple[dt.date, dt.date]:
    """The days of school year `year`: 1 September of `year` to 31 August of the next."""
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def shnor_in_partnership(store: Store, territory_id: int | None, years: list[int]) -> dict[int, Actual]:
    """ШНОР of the list for school year Y (the rule's computed list, results of Y-1 and Y-2) with a
    partnership in force during Y. Nothing when no partnership of the territory's schools is recorded at all
    (then the indicator is entered)."""
    all_schools = store.schools.list(territory_id=territory_id)
    ids = [int(i) for i in all_schools["id"]]
    if not ids or not store.indicators.partnered(ids, dt.date(1900, 1, 1), dt.date(2999, 12, 31)):
        return {}
    settings = load_rule_settings(store)
    results = store.results.list(procedures_=list(settings.procedures), territory_id=territory_id)
    result_years = set(store.results.years())
    out: dict[int, Actual] = {}
    for y in years:
        if y - 1 not in result_years:
            continue
        lst = compute_list(store, y, territory_id, settings, results=results, all_schools=all_schools)
        shnor = [int(i) for i in lst.bare.loc[lst.bare["status"] == SHNOR, "id"]]
        start, end = school_year_days(y)
        paired = store.indicators.partnered(shnor, start, end)
        out[y] = Actual(float(len(paired)), COMPUTED,
                        f"рассчитано: {fmt_int(len(paired))} из {fmt_int(len(shnor))} ШНОР списка на "
                        f"{format_school_year(y)} с действующим партнёрством")
    return out


# ---------------------------------------------------------------------------------------------
# Entered values and targets
# ---------------------------------------------------------------------------------------------
def _when(ts) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%d.%m.%Y %H:%M")


def entered_source(source, entered_by, entered_at) -> str:
    """«файл «показатели.xlsx» — ivanova, 12.03.2024 14:05» or «введено вручную — ivanova, 12.03.2024 14:05»."""
    who = ", ".join(x for x in (None if entered_by is None or pd.isna(entered_by) else str(entered_by),
                                _when(entered_at)) if x)
    head = f"файл «{source}»" if source is not None and not pd.isna(source) and str(source) else "введено вручную"
    return f"{head} — {who}" if who else head


def _entered(values: pd.DataFrame) -> dict[tuple[str, int], Actual]:
    out = {}
    for r in values.itertuples(index=False):
        file = None if r.source is None or pd.isna(r.source) else str(r.source)
        out[(str(r.indicator), int(r.year))] = Actual(
            float(r.value), ENTERED, entered_source(r.source, r.entered_by, r.entered_at),
            entered_by=None if r.entered_by is None or pd.isna(r.entered_by) else str(r.entered_by), file=file)
    return out


def _school_sums(values: pd.DataFrame) -> dict[tuple[str, int], Actual]:
    """Counts entered per school, summed (percentages are not: a mean of schools' shares would mislead)."""
    out = {}
    if values.empty:
        return out
    for (code, year), g in values.groupby(["indicator", "year"]):
        ind = CATALOGUE.get(str(code))
        if ind is None or ind.is_percent:
            continue
        n = len(g)
        out[(str(code), int(year))] = Actual(float(g["value"].sum()), SCHOOLS_SUM,
                                             f"сумма значений, введённых по {fmt_int(n)} "
                                             f"{plural(n, 'школе', 'школам', 'школам')}")
    return out


def _parents(store: Store) -> dict[int, int | None]:
    t = store.territories.list()
    return {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(t["id"], t["parent_id"])}


def target_of(targets: pd.DataFrame, parents: dict[int, int | None], code: str, territory_id: int | None,
              year: int) -> tuple[float | None, int | None, bool]:
    """(target, the territory it is set for, inherited?) for an indicator other than the share of ШНОР: the
    territory's own, else its parent's (a city district takes its city's), else the region's."""
    t = targets[(targets["indicator"] == code) & (targets["year"] == year)]
    own = {(None if pd.isna(k) else int(k)): float(v) for k, v in zip(t["territory_id"], t["target"])}
    tid, seen = territory_id, set()
    while tid is not None and tid not in seen:
        if tid in own:
            return own[tid], tid, tid != territory_id
        seen.add(tid)
        tid = parents.get(tid)
    if None in own:
        return own[None], None, territory_id is not None
    return None, None, False


# ---------------------------------------------------------------------------------------------
# The page's figures
# ---------------------------------------------------------------------------------------------
@dataclass
class IndicatorsData:
    territory_id: int | None
    year: int
    years: list[int]
    table: pd.DataFrame                                   # TABLE_COLUMNS, one row per indicator
    trends: dict[str, pd.DataFrame] = field(default_factory=dict)   # code -> TREND_COLUMNS by year
    messages: dict[str, str] = field(default_factory=dict)          # code -> the trend chart's title

    def summary(self) -> dict[str, int]:
        """Indicators per status (every status present)."""
        vc = self.table["status"].value_counts()
        return {s: int(vc.get(s, 0)) for s in ind_.STATUS_ORDER}


def actuals(store: Store, territory_id: int | None, years: list[int]) -> dict[tuple[str, int], Actual]:
    """Every indicator's actual for the territory by year (computed first, then entered, then schools' sum)."""
    territory_id = normalise_territory(store, territory_id)
    out: dict[tuple[str, int], Actual] = {}
    out.update(_school_sums(store.indicators.school_values(territory_id, years=years)))
    out.update(_entered(store.indicators.territory_values(territory_id)))
    results = store.results.list(territory_id=territory_id, years=list(years)) if years else pd.DataFrame()
    for y in years:
        for code, a in results_figures(results, y).items():
            out[(code, y)] = a
    for y, a in shnor_share(store, territory_id, years).items():
        out[(ind_.SHNOR_SHARE, y)] = a
    for y, a in shnor_in_partnership(store, territory_id, years).items():
        out[(ind_.SHNOR_PARTNERSHIP, y)] = a
    return {k: v for k, v in out.items() if k[1] in set(years)}


def targets_by_year(store: Store, territory_id: int | None, years: list[int]) -> dict[tuple[str, int], tuple]:
    """(code, year) -> (target, note): the note says where an inherited target is set («цель региона»)."""
    territory_id = normalise_territory(store, territory_id)
    targets = store.indicators.targets()
    parents = _parents(store)
    names = store.territories.list().set_index("id")["name"].to_dict()
    out: dict[tuple[str, int], tuple] = {}
    for y in years:
        share = inherited_target(store, territory_id, y)
        share_own = store.targets.own(territory_id, y)
        out[(ind_.SHNOR_SHARE, y)] = (share, "" if share is None or share_own is not None else
                                      "цель региона или вышестоящей территории")
        for code in CATALOGUE:
            if code == ind_.SHNOR_SHARE:
                continue
            value, where, inherited = target_of(targets, parents, code, territory_id, y)
            note = ""
            if value is not None and inherited:
                note = "цель региона" if where is None else f"цель территории «{names.get(where, where)}»"
            out[(code, y)] = (value, note)
    return out


def _status(ind: Indicator, a: Actual, target: float | None) -> str:
    if a.value is not None and a.withheld and target is not None:
        return ind_.WITHHELD
    return ind_.status(ind, a.value, target)


def trend_message(ind: Indicator, trend: pd.DataFrame, year: int) -> str:
    """The trend chart's title, stating the message: «Прохождение ГИА: рост с 92,0 % до 95,5 % (лучше) —
    цель 97 % не достигнута». Direction over the years with a value up to `year`; the verdict for the last."""
    t = trend[(trend["year"] <= year) & trend["actual"].notna()].sort_values("year")
    if t.empty:
        how = "нет результатов за эти годы" if ind.computed and not ind.enterable else \
            "значений нет — внесите их или загрузите шаблон"
        return f"{ind.short_ru}: {how}"
    first, last = t.iloc[0], t.iloc[-1]
    a, b = ind_.fmt_value(ind, first["actual"]), ind_.fmt_value(ind, last["actual"])
    if len(t) == 1:
        head = f"{ind.short_ru} за {last['year_label']} — {b}"
    elif a == b:
        head = f"{ind.short_ru}: без изменений, {b}"
    else:
        up = last["actual"] > first["actual"]
        better = up == (ind.direction == ind_.HIGHER)
        head = (f"{ind.short_ru}: {'рост' if up else 'снижение'} с {a} до {b} "
                f"({'лучше' if better else 'хуже'}, {first['year_label']} → {last['year_label']})")
    st = last["status"]
    if st == ind_.NO_TARGET:
        return head + f" — цель на {last['year_label']} не задана"
    if st == ind_.WITHHELD:
        return head + " — вывод о цели не делается: данных мало"
    goal = ind_.fmt_target(ind, last["target"])
    words = {ind_.REACHED: f"цель {goal} достигнута", ind_.CLOSE: f"цель {goal} почти достигнута",
             ind_.OFF: f"цель {goal} не достигнута"}[st]
    return head + " — " + words


def build_indicators(store: Store, territory_id: int | None, year: int) -> IndicatorsData:
    """Every indicator for a territory (None: the region) and school year, with its trend over the years."""
    territory_id = normalise_territory(store, territory_id)
    years = sorted(set(indicator_years(store)) | {int(year), int(year) - 1})
    acts = actuals(store, territory_id, years)
    targets = targets_by_year(store, territory_id, years)
    rows, trends, messages = [], {}, {}
    for code, ind in CATALOGUE.items():
        trend_rows = []
        for y in years:
            a = acts.get((code, y), NONE)
            target, _ = targets.get((code, y), (None, ""))
            st = _status(ind, a, target)
            trend_rows.append({"year": y, "year_label": format_school_year(y), "actual": a.value,
                               "actual_label": ind_.fmt_value(ind, a.value), "target": target,
                               "target_label": ind_.fmt_target(ind, target), "status": st,
                               "status_label": ind_.status_label(st), "source": a.source})
        trend = pd.DataFrame(trend_rows, columns=TREND_COLUMNS)
        trends[code] = trend
        messages[code] = trend_message(ind, trend, year)
        a = acts.get((code, year), NONE)
        before = acts.get((code, year - 1), NONE)
        target, note = targets.get((code, year), (None, ""))
        st = _status(ind, a, target)
        source = a.source + (f"; {a.withheld[0].lower()}{a.withheld[1:]}" if a.withheld else "")
        rows.append({
            "code": code, "name": ind.name_ru, "short": ind.short_ru, "unit": ind.unit,
            "direction": ind.direction_ru, "origin": ind.origin_ru, "actual": a.value,
            "actual_label": ind_.fmt_value(ind, a.value), "target": target,
            "target_label": ind_.fmt_target(ind, target) + (f" ({note})" if note and target is not None else ""),
            "target_note": note, "status": st, "status_label": ind_.status_label(st), "previous": before.value,
            "change": ind_.change(ind, a.value, before.value), "source": source, "entered_by": a.entered_by,
            "file": a.file, "level": ind_.LEVEL_RU[ind.level]})
    return IndicatorsData(territory_id, int(year), years, pd.DataFrame(rows, columns=TABLE_COLUMNS), trends,
                          messages)


SCHOOL_COLUMNS = ["school_id", "school", "territory", "value", "value_label", "source"]


def school_table(store: Store, territory_id: int | None, code: str, year: int) -> pd.DataFrame:
    """An indicator's values by school of the territory for a year: computed from results (for the computed
    ones) and entered. Columns: SCHOOL_COLUMNS; an entered value of a school with a computed one is shown
    beside it as a second row."""
    ind = ind_.get(code)
    territory_id = normalise_territory(store, territory_id)
    schools = store.schools.list(territory_id=territory_id).set_index("id")
    rows = []
    by_school = results_by_school(store.results.list(territory_id=territory_id), year, code)
    for r in by_school.itertuples(index=False):
        sid = int(r.school_id)
        if sid not in schools.index:
            continue
        rows.append({"school_id": sid, "school": schools.at[sid, "short_name"],
                     "territory": schools.at[sid, "territory"], "value": float(r.value),
                     "value_label": ind_.fmt_value(ind, float(r.value)),
                     "source": f"рассчитано по результатам: участников {fmt_int(int(r.participants))}"})
    entered = store.indicators.school_values(territory_id, [code], [year])
    for r in entered.itertuples(index=False):
        rows.append({"school_id": int(r.school_id), "school": r.school, "territory": r.territory,
                     "value": float(r.value), "value_label": ind_.fmt_value(ind, float(r.value)),
                     "source": entered_source(r.source, r.entered_by, r.entered_at)})
    df = pd.DataFrame(rows, columns=SCHOOL_COLUMNS)
    return df.sort_values(["territory", "school"]).reset_index(drop=True) if not df.empty else df


@dataclass(frozen=True)
class TemplateData:
    """What the downloadable template is filled with: the territories and schools the user may enter values
    for and the values already kept for the year (so a download, filled and uploaded, loses nothing)."""
    year: int
    territories: list[tuple[int | None, str]]                 # (id or None: the region, name)
    schools: list[tuple[int, str, str, str]]                   # (id, code, name, territory)
    values: dict[tuple[str, int | None, int | None], float]    # (code, territory id, school id) -> value


def template_data(store: Store, territory_id: int | None, year: int, with_schools: bool,
                  visible: list[int] | None) -> TemplateData:
    """The template's rows for a territory (None: the region) and year: the territory itself and, for the
    region, its municipalities (only `visible` ids for a bound user); with `with_schools`, every active
    school of the territory."""
    territory_id = normalise_territory(store, territory_id)
    terr = store.territories.list()
    names = terr.set_index("id")["name"].to_dict()
    rows: list[tuple[int | None, str]] = []
    if territory_id is None:
        if visible is None:
            rows.append((None, "Регион"))
        kids = terr[(terr["kind"] != "region")]
    else:
        rows.append((territory_id, str(names.get(territory_id, territory_id))))
        kids = terr[terr["parent_id"] == territory_id]
    for r in kids.itertuples(index=False):
        if (visible is None or int(r.id) in visible) and (int(r.id), str(r.name)) not in rows:
            rows.append((int(r.id), str(r.name)))
    schools: list[tuple[int, str, str, str]] = []
    if with_schools:
        s = store.schools.list(territory_id=territory_id, year=year)
        if visible is not None:
            keep = s["territory_id"].isin(visible) | s["district_id"].isin(visible)
            s = s[keep.to_numpy(dtype=bool)]
        schools = [(int(r.id), str(r.school_code), str(r.short_name), str(r.territory)) for r in s.itertuples()]
    values: dict[tuple[str, int | None, int | None], float] = {}
    for tid, _ in rows:
        for r in store.indicators.territory_values(tid).itertuples(index=False):
            if int(r.year) == int(year):
                values[(str(r.indicator), tid, None)] = float(r.value)
    if with_schools:
        for r in store.indicators.school_values(territory_id, years=[year]).itertuples(index=False):
            values[(str(r.indicator), None, int(r.school_id))] = float(r.value)
    return TemplateData(int(year), rows, schools, values)
