"""What the Overview and School pages show, computed without Streamlit: the target indicator against the
target (and the gap in schools), the list's changes since last year, which procedures drive the low
results, territories side by side, and one school's history, per-procedure trends and marks.

Pure functions over the store and DataFrames (the pages only render them). Years are school years by
their start year; a *list year* L is the year the list is formed for, from the results of L-1 and L-2.
The target indicator for school year Y is the share of the list formed for Y+1 (SPEC.md), so the list of
year L is measured against the target set for L-1.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from shnor.domain.coverage import Coverage
from shnor.domain.scales import is_low
from shnor.domain import procedures
from shnor.read.analysis import (SHARE_COLUMNS, ListResult, compute_list, counted_schools, coverage_of_row,
                                 share_by_year)
from shnor.store import active_in
from shnor.domain.fmt import fmt_int, fmt_pct, fmt_share, plural
from shnor.domain.rule import NO_DATA, RISK, SHNOR, STATUS_RU, RuleSettings, identify_shnor
from shnor.store import Store
from shnor.domain.codes import login_key
from shnor.domain.years import format_school_year

NOT_ACTIVE_RU = "не действовала"


# ---------------------------------------------------------------------------------------------
# Years
# ---------------------------------------------------------------------------------------------

def list_years(store: Store) -> list[int]:
    """List years that have results to be formed from (newest first): every results year + 1."""
    return sorted({y + 1 for y in store.results.years()}, reverse=True)


def default_list_year(store: Store) -> int | None:
    """The latest year with results + 1 — the list officials are working with now."""
    years = list_years(store)
    return years[0] if years else None


# ---------------------------------------------------------------------------------------------
# The target indicator and the gap in schools
# ---------------------------------------------------------------------------------------------

def allowed_shnor(target_share: float, schools: int) -> int:
    """The largest number of ШНОР that keeps the share within the target: floor(target × schools),
    computed in decimals so that 0.29 × 100 is 29, not 28.999…"""
    return int((Decimal(str(target_share)) * schools).to_integral_value(rounding="ROUND_FLOOR"))


@dataclass(frozen=True)
class TargetFigures:
    """The headline figures of a list against the target indicator. With too little data (the coverage
    rule, shnor/domain/coverage.py) or no schools at all, no verdict is given: `gap` and `met` are None and
    `withheld` says why."""
    list_year: int
    schools: int
    shnor: int
    target: float | None       # the target share for the results year (list_year - 1); None: not set
    coverage: Coverage | None = None

    @property
    def results_year(self) -> int:
        return self.list_year - 1

    @property
    def withheld(self) -> str | None:
        """Why no verdict on the target is given (too little data, no schools, no results); None: it is given."""
        cov = self.coverage
        if cov is None and self.schools == 0:
            cov = Coverage(self.results_year, 0, 0)
        return None if cov is None else cov.withheld_ru()

    @property
    def share(self) -> float | None:
        return self.shnor / self.schools if self.schools else None

    @property
    def allowed(self) -> int | None:
        return None if self.target is None else allowed_shnor(self.target, self.schools)

    @property
    def gap(self) -> int | None:
        """How many ШНОР must leave the list to reach the target (0 when it is reached); None when the target
        is not set or no verdict is given."""
        if self.allowed is None or self.withheld:
            return None
        return max(0, self.shnor - self.allowed)

    @property
    def met(self) -> bool | None:
        return None if self.gap is None else self.gap == 0

    def gap_sentence(self) -> str:
        """«Нужно на 3 ШНОР меньше: цель 5 % допускает не более 1 из 24 школ»; the reason when no verdict
        is given."""
        if self.withheld:
            return self.withheld
        if self.target is None:
            return (f"Цель на {format_school_year(self.results_year)} не задана — задайте её в настройках, "
                    "чтобы увидеть разрыв.")
        allowed, goal = self.allowed, fmt_target(self.target)
        schools = f"{fmt_int(self.schools)} {plural(self.schools, 'школы', 'школ', 'школ')}"
        if self.gap:
            if allowed:
                return f"Нужно на {fmt_int(self.gap)} ШНОР меньше: цель {goal} допускает не более " \
                       f"{fmt_int(allowed)} из {schools}."
            return f"Нужно на {fmt_int(self.gap)} ШНОР меньше: цель {goal} для {schools} не допускает ни одной ШНОР."
        if not self.shnor:
            return f"Цель {goal} достигнута: ШНОР нет."
        return f"Цель {goal} достигнута: ШНОР {fmt_int(self.shnor)}, допустимо не более {fmt_int(allowed)} из {schools}."


def target_figures(lst: ListResult, target: float | None) -> TargetFigures:
    return TargetFigures(lst.year, lst.school_count, lst.shnor_count, target, lst.coverage)


def inherited_target(store: Store, territory_id: int | None, year: int) -> float | None:
    """The target for a territory and school year: its own, else its parent's (a city district takes its
    city's target), else the region's. None when no target is set at all."""
    return store.targets.for_year(territory_id, year)


def list_target(store: Store, territory_id: int | None, list_year: int) -> float | None:
    """The target the list of `list_year` is measured against: the one set for its results year."""
    return inherited_target(store, territory_id, list_year - 1)


def _trend_coverage(row) -> Coverage | None:
    """The coverage of a row of share_by_year; None for a frame without coverage columns."""
    if "with_data" not in row.index or pd.isna(row["with_data"]):
        return None
    return coverage_of_row(row)


def _with_results(trend: pd.DataFrame) -> pd.DataFrame:
    """share_by_year with the share of a year without a single result (or without schools) set to None:
    a list formed from no data has no share to draw, even though its count of ШНОР is 0."""
    t = trend.copy()
    if "with_data" in t:
        empty = (t["with_data"].fillna(0) == 0) | (t["schools"] == 0)
        t["share"] = [None if e else v for v, e in zip(t["share"], empty)]
    return t


def trend_message(trend: pd.DataFrame) -> str:
    """The trend chart's title, stating the message:
    «Доля ШНОР снизилась с 15,2 % до 8,1 % — цель 5 % не достигнута».
    `trend` has columns year, schools, shnor, share, target and, from analysis.share_by_year, with_data and
    min_coverage. The direction is read between years with enough data (the coverage rule) and the latest
    year drawn; the verdict is about the latest year and is withheld when its data are too few."""
    full = trend.sort_values("year")
    t = _with_results(full).dropna(subset=["share"])
    if t.empty:
        if not full.empty and (cov := _trend_coverage(full.iloc[-1])) is not None and cov.schools == 0:
            return "Доля ШНОР: в территории нет ни одной школы — вывод о цели не делается"
        return "Доля ШНОР: нет результатов, по которым можно сформировать список"
    enough = [i for i, r in t.iterrows() if (c := _trend_coverage(r)) is None or c.sufficient]
    points = t.loc[[i for i in t.index if i in enough or i == t.index[-1]]]
    first, last = points.iloc[0], points.iloc[-1]
    a, b = fmt_pct(first["share"]), fmt_pct(last["share"])
    latest = full.iloc[-1]
    cov = _trend_coverage(latest)
    if len(points) == 1:
        head = f"Доля ШНОР по результатам {format_school_year(int(last['year']))} — {b}"
        if len(t) > 1 and (cov is None or cov.sufficient):
            head += " (за прежние годы данных мало)"
    elif a == b:
        head = f"Доля ШНОР не изменилась: {b}"
    elif last["share"] < first["share"]:
        head = f"Доля ШНОР снизилась с {a} до {b}"
    else:
        head = f"Доля ШНОР выросла с {a} до {b}"
    if cov is not None and not cov.sufficient:
        return head + " — " + cov.withheld_short_ru()
    target = latest["target"]
    if target is None or pd.isna(target):
        return head + f" — цель на {format_school_year(int(latest['year']))} не задана"
    met = int(latest["shnor"]) <= allowed_shnor(float(target), int(latest["schools"]))
    return head + f" — цель {fmt_target(float(target))} {'достигнута' if met else 'не достигнута'}"


def fmt_target(target: float) -> str:
    """A target share as officials write it: 5 %, 12,5 %."""
    whole = (Decimal(str(target)) * 100) % 1 == 0
    return fmt_pct(target, 0 if whole else 1)


def trend_frame(trend: pd.DataFrame) -> pd.DataFrame:
    """share_by_year with display columns: year_label, share_label, target_label, detail, gap, and the
    coverage: sufficient (a verdict may be given for the year), coverage_label («данные: 281 из 306 школ
    (91,8 %)»), note («данных мало: 290 из 940 школ» under a point with too few data, else ""). A year
    without a single result has no share («нет результатов»); its gap and that of a year with too few data
    are None."""
    t = _with_results(trend).sort_values("year").reset_index(drop=True)
    covs = [_trend_coverage(r) for _, r in t.iterrows()]
    t["year_label"] = [format_school_year(int(y)) for y in t["year"]]
    t["share_label"] = [fmt_pct(s) if s is not None and not pd.isna(s) else
                        ("нет результатов" if c is not None and c.no_results else "нет данных")
                        for s, c in zip(t["share"], covs)]
    t["target_label"] = [fmt_target(x) if x is not None and not pd.isna(x) else "не задана" for x in t["target"]]
    t["detail"] = [f"{fmt_int(sh)} из {fmt_int(n)}" for sh, n in zip(t["shnor"], t["schools"])]
    t["sufficient"] = [c is None or c.sufficient for c in covs]
    t["coverage_label"] = ["" if c is None else c.sentence_ru().rstrip(".") for c in covs]
    t["note"] = ["" if c is None or c.sufficient or c.no_results or c.schools == 0 else
                 f"данных мало: {fmt_int(c.with_data)} из {fmt_int(c.schools)} школ" for c in covs]
    t["gap"] = [None if x is None or pd.isna(x) or not ok else max(0, int(sh) - allowed_shnor(float(x), int(n)))
                for x, sh, n, ok in zip(t["target"], t["shnor"], t["schools"], t["sufficient"])]
    return t


# ---------------------------------------------------------------------------------------------
# Changes of the list since last year
# ---------------------------------------------------------------------------------------------

@dataclass
class ListChanges:
    """Schools that entered, left and stayed in the list between the previous year and this one."""
    year: int
    previous_available: bool       # the previous year's list has results to be formed from
    entered: pd.DataFrame          # id, short_name, territory, criteria, reasons
    left: pd.DataFrame             # id, short_name, territory, status_now (Russian), reasons
    stayed: pd.DataFrame           # id, short_name, territory


def compare_lists(current: pd.DataFrame, previous: pd.DataFrame, year: int,
                  previous_available: bool = True) -> ListChanges:
    """Compare two list tables (ListResult.table): a school that left the list is shown with its status
    now, or «не действовала» when it is no longer an active school of the territory."""
    cur_shnor = set(current.loc[current["status"] == SHNOR, "id"])
    prev_shnor = set(previous.loc[previous["status"] == SHNOR, "id"]) if previous_available else set()
    cols = ["id", "short_name", "territory"]
    entered = current[current["id"].isin(cur_shnor - prev_shnor)][cols + ["criteria", "reasons"]] \
        if previous_available else current.iloc[0:0][cols + ["criteria", "reasons"]]
    left_prev = previous[previous["id"].isin(prev_shnor - cur_shnor)][cols]
    now = current.set_index("id")
    left = left_prev.assign(
        status_now=[now.at[i, "status_ru"] if i in now.index else NOT_ACTIVE_RU for i in left_prev["id"]],
        reasons=[now.at[i, "reasons"] if i in now.index else
                 f"Школа не действовала в {format_school_year(year - 1)}: в списке на {format_school_year(year)} "
                 "её нет." for i in left_prev["id"]])
    stayed = current[current["id"].isin(cur_shnor & prev_shnor)][cols]
    return ListChanges(year, previous_available, entered.sort_values(cols[1:]).reset_index(drop=True),
                       left.sort_values(cols[1:]).reset_index(drop=True),
                       stayed.sort_values(cols[1:]).reset_index(drop=True))


def list_changes(store: Store, year: int, territory_id: int | None, settings: RuleSettings,
                 current: ListResult | None = None) -> ListChanges:
    """Entered / left / stayed between the list of `year - 1` and the list of `year`. The previous list
    exists when its results year (year - 2) has results."""
    current = current or compute_list(store, year, territory_id, settings)
    previous = compute_list(store, year - 1, territory_id, settings)
    available = (year - 2) in store.results.years()
    cur, prev = current.bare, previous.bare
    cur_shnor = set(cur.loc[cur["status"] == SHNOR, "id"])
    prev_shnor = set(prev.loc[prev["status"] == SHNOR, "id"]) if available else set()
    changed = cur["id"].isin(cur_shnor ^ prev_shnor).to_numpy()     # only their reasons are shown
    cur = cur.copy()
    cur["reasons"] = cur["reasons"].astype(object)
    if changed.any():
        cur.loc[changed, "reasons"] = current.rows_with_reasons(changed)["reasons"].to_numpy()
    return compare_lists(cur, prev, year, available)


# ---------------------------------------------------------------------------------------------
# Which procedures drive the low results
# ---------------------------------------------------------------------------------------------

def low_results_by_procedure(lst: ListResult) -> pd.DataFrame:
    """For each procedure of the rule: how many ШНОР have it among the low results that put them on
    the list (in either year, and in Y-1 / Y-2), sorted by the count. Columns: procedure, name, short,
    schools, schools_y1, schools_y2."""
    y1, y2 = lst.year - 1, lst.year - 2
    counts: dict[str, list[set[int]]] = {p: [set(), set(), set()] for p in lst.identification.settings.procedures}
    for st in lst.identification.shnor():
        for e in st.evidence:
            c = counts.setdefault(e.procedure, [set(), set(), set()])
            c[0].add(st.school_id)
            if e.year == y1:
                c[1].add(st.school_id)
            elif e.year == y2:
                c[2].add(st.school_id)
    order = {p: i for i, p in enumerate(lst.identification.settings.procedures)}
    rows = [{"procedure": p, "name": procedures.name_ru(p),
             "short": procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p,
             "schools": len(c[0]), "schools_y1": len(c[1]), "schools_y2": len(c[2]), "_o": order.get(p, 99)}
            for p, c in counts.items()]
    df = pd.DataFrame(rows, columns=["procedure", "name", "short", "schools", "schools_y1", "schools_y2", "_o"])
    return df.sort_values(["schools", "_o"], ascending=[False, True]).drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Territories side by side
# ---------------------------------------------------------------------------------------------

COMPARISON_COLUMNS = ["territory_id", "territory", "schools", "shnor", "share", "target", "allowed", "gap", "met",
                      "with_data", "coverage_share", "sufficient", "withheld"]


def _comparison_level(store: Store, lst: ListResult) -> tuple[pd.DataFrame, str, str, int | None]:
    """The rows of `lst.table` to compare, the column keying a territory, its name column and the parent
    territory whose children are compared: a region (or the whole tree of one region) compares its
    municipalities, the country its regions, a municipality its districts."""
    t = lst.bare
    root = store.territories.root_id()
    selected = root if lst.territory_id is None else lst.territory_id
    kind = store.territories.kind(selected)
    if kind == "country":
        terr = store.territories.list()
        parents = {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(terr["id"], terr["parent_id"])}
        kinds = dict(zip(terr["id"].astype(int), terr["kind"]))
        names = dict(zip(terr["id"].astype(int), terr["name"]))

        def region_of(tid) -> int | None:
            seen: set[int] = set()
            tid = None if tid is None or pd.isna(tid) else int(tid)
            while tid is not None and tid not in seen and kinds.get(tid) != "region":
                seen.add(tid)
                tid = parents.get(tid)
            return tid
        regions = {tid: region_of(tid) for tid in t["territory_id"].dropna().unique()}
        rid = [regions.get(x) for x in t["territory_id"]]
        t = t.assign(region_id=rid, region=[names.get(r) for r in rid])
        return t[t["region_id"].notna()], "region_id", "region", selected
    if lst.territory_id is None or lst.territory_id == root or kind == "region":
        return t, "territory_id", "territory", None if lst.territory_id is None else selected
    sch = lst.schools.set_index("id")["district_id"]
    t = t.assign(district_id=[sch.get(i) for i in t["id"]])
    return t[t["district_id"].notna()], "district_id", "district", lst.territory_id


def territory_comparison(store: Store, lst: ListResult) -> pd.DataFrame:
    """The list's territories side by side against their own targets (inherited from the city or the region
    when a territory has none): for the whole region, its municipalities; for a municipality with districts,
    its districts. Each territory carries its own coverage (shnor/domain/coverage.py): below the setting
    `met`, `gap` are None and `withheld` says why ("" when a verdict is given). Columns: territory_id, territory, schools, shnor, share,
    target, allowed, gap, met, with_data, coverage_share, sufficient, withheld — sorted by share, highest
    first. Territories without a school counted in the list are left out (see empty_territories)."""
    t, key, name, _ = _comparison_level(store, lst)
    rows = []
    target_of = store.targets.resolver(lst.year - 1)       # the list of Y is measured against the target of Y-1
    for tid, g in t.groupby(key):
        tid = int(tid)
        n, k = len(g), int((g["status"] == SHNOR).sum())
        cov = lst.coverage_of(g)
        target = target_of(tid)
        allowed = None if target is None else allowed_shnor(target, n)
        verdict = allowed is not None and cov.sufficient
        rows.append({"territory_id": tid, "territory": g[name].iloc[0], "schools": n, "shnor": k,
                     "share": k / n if n else None, "target": target, "allowed": allowed,
                     "gap": max(0, k - allowed) if verdict else None, "met": k <= allowed if verdict else None,
                     "with_data": cov.with_data, "coverage_share": cov.share, "sufficient": cov.sufficient,
                     "withheld": cov.withheld_ru() or ""})
    df = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return df.sort_values(["share", "territory"], ascending=[False, True]).reset_index(drop=True)


def empty_territories(store: Store, lst: ListResult) -> list[str]:
    """Territories of the compared level (the region's municipalities, or a city's districts) with no school
    counted in the list (none in the registry, or none active in the results year): they have no share and
    no verdict."""
    t, key, _, parent = _comparison_level(store, lst)
    terr = store.territories.list()
    parent = store.territories.root_id() if parent is None else parent
    if parent is None:
        return []
    children = terr[(terr["parent_id"] == parent) & (terr["kind"] != "region" if key != "region_id" else
                                                      terr["kind"] == "region")]
    present = set(int(x) for x in t[key].dropna())
    return sorted(str(n) for i, n in zip(children["id"], children["name"]) if int(i) not in present)


@dataclass(frozen=True)
class SchoolCounts:
    """Why the registry's count and the list's count of schools differ: the list of a year counts the
    general-education schools active in its results year (SPEC.md's denominator)."""
    list_year: int
    registry: int          # schools of the registry (of the territory)
    counted: int           # of them counted in the list of list_year
    inactive: int          # not active in the results year
    not_general: int       # active, but not general-education schools

    def sentence_ru(self) -> str:
        """«В реестре 309 школ, из них в списке на 2024/2025 учитываются 306: 3 не действовали в 2023/2024.»"""
        n, k = self.registry, self.counted
        head = f"В реестре {fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')}"
        year = format_school_year(self.list_year)
        if n == 0:
            return head + "."
        if k == n:
            return head + (f", в списке на {year} учитывается" if n == 1 else f", в списке на {year} учитываются все")                 + "."
        why = []
        if self.inactive:
            why.append(f"{fmt_int(self.inactive)} "
                       f"{plural(self.inactive, 'не действовала', 'не действовали', 'не действовали')} в "
                       f"{format_school_year(self.list_year - 1)}")
        if self.not_general:
            why.append(f"{fmt_int(self.not_general)} "
                       f"{plural(self.not_general, 'не общеобразовательная', 'не общеобразовательные', 'не общеобразовательных')}")
        verb = plural(k, "учитывается", "учитываются", "учитываются")
        return f"{head}, из них в списке на {year} {verb} {fmt_int(k)}: " + "; ".join(why) + "."


def school_counts(all_schools: pd.DataFrame, list_year: int) -> SchoolCounts:
    """The registry's schools (Store.schools.list() of a territory) against those the list of `list_year`
    counts."""
    active = active_in(all_schools, list_year - 1)
    counted = counted_schools(all_schools, list_year)
    return SchoolCounts(list_year, len(all_schools), len(counted), len(all_schools) - len(active),
                        len(active) - len(counted))


def risk_group(lst: ListResult) -> pd.DataFrame:
    """The risk group of the list: id, short_name, territory, reasons."""
    t = lst.rows_with_reasons(lst.statuses == RISK)
    return t[["id", "short_name", "territory", "reasons"]].sort_values(
        ["territory", "short_name"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# One school
# ---------------------------------------------------------------------------------------------

def find_school(schools: pd.DataFrame, query: str | int | None) -> int | None:
    """A school id from `?school=` — an id, a ФИС ОКО login (sch/edu forms alike) or an exam code —
    among `schools` (Store.schools()). None when nothing or more than one school matches."""
    if query is None:
        return None
    q = str(query).strip()
    if not q:
        return None
    if q.isdigit() and int(q) in set(schools["id"].astype(int)):
        return int(q)
    key = login_key(q)
    hits = set()
    if "login_key" in schools:
        hits |= set(schools.loc[schools["login_key"] == key, "id"])
    for col in ("fisoko_login", "exam_code_oge", "exam_code_ege", "registry_code", "inn"):
        if col in schools:
            hits |= set(schools.loc[schools[col].astype("string").str.strip().str.lower() == q.lower(), "id"])
    return int(next(iter(hits))) if len(hits) == 1 else None


def school_card(school: pd.Series) -> list[tuple[str, str]]:
    """The card's lines (label, value) in Russian; missing values as «нет данных»."""
    def val(x: object) -> str:
        return "нет данных" if x is None or (not isinstance(x, str) and pd.isna(x)) or x == "" else str(x)

    def flag(x: object, yes: str, no: str) -> str:
        return "нет данных" if x is None or pd.isna(x) else (yes if bool(x) else no)

    active_from, active_to = school.get("active_from"), school.get("active_to")
    if (active_from is None or pd.isna(active_from)) and (active_to is None or pd.isna(active_to)):
        active = "действует"
    else:
        a = "" if active_from is None or pd.isna(active_from) else f"с {format_school_year(int(active_from))}"
        b = "" if active_to is None or pd.isna(active_to) else f"по {format_school_year(int(active_to))}"
        active = " ".join(x for x in (a, b) if x)
    return [
        ("Полное наименование", val(school.get("full_name") or school.get("short_name"))),
        ("Логин ФИС ОКО", val(school.get("fisoko_login"))),
        ("ИНН", val(school.get("inn"))),
        ("ОГРН", val(school.get("ogrn"))),
        ("Код ОГЭ", val(school.get("exam_code_oge"))),
        ("Код ЕГЭ", val(school.get("exam_code_ege"))),
        ("Территория", val(school.get("territory"))),
        ("Район города", val(school.get("district"))),
        ("Тип", val(school.get("school_type"))),
        ("Организационно-правовая форма", val(school.get("ownership"))),
        ("ШНСУ (неблагоприятные социальные условия)", flag(school.get("is_shnsu"), "да", "нет")),
        ("Местность", flag(school.get("is_rural"), "сельская", "городская")),
        ("Годы работы", active),
    ]


def school_history(school: pd.Series, results: pd.DataFrame, years: list[int],
                   settings: RuleSettings) -> pd.DataFrame:
    """The school's status in the list of each of `years` with the reasons. `results` holds at least
    this school's results (others are ignored). A year when the school was not active says so.
    low_y1 / low_y2: low results among the rule's procedures with a result in Y-1 / Y-2 («2 из 5»,
    «нет данных» when there is none). Columns: year, year_label, status, status_ru, criteria, low_y1, low_y2,
    reasons."""
    sid = int(school["id"])
    own = results[results["school_id"] == sid]
    one = pd.DataFrame({"id": [sid]})
    used = own[own["procedure"].isin(settings.procedures) & (own["participants"] > 0) &
               (own["participants"] >= settings.min_participants)]

    def lows(year: int) -> str:
        r = used[used["year"] == year]
        if r.empty:
            return "нет данных"
        k = int(is_low(r["low_count"], r["participants"], settings.threshold_pct).sum())
        return f"{k} из {len(r)}"

    rows = []
    for y in sorted(years, reverse=True):
        base = {"year": y, "year_label": format_school_year(y), "low_y1": lows(y - 1), "low_y2": lows(y - 2)}
        if active_in(pd.DataFrame([school]), y - 1).empty:   # the one test of active years
            rows.append({**base, "status": None, "status_ru": NOT_ACTIVE_RU, "criteria": "",
                         "reasons": f"Школа не действовала в {format_school_year(y - 1)}."})
            continue
        st = identify_shnor(own, one, y, settings).statuses[0]
        rows.append({**base, "status": st.status, "status_ru": st.status_ru, "criteria": st.criteria_label,
                     "reasons": st.reasons})
    return pd.DataFrame(rows, columns=["year", "year_label", "status", "status_ru", "criteria", "low_y1", "low_y2",
                                       "reasons"])


def _low_word(code: str) -> str:
    p = procedures.CATALOGUE.get(code)
    return "«2»" if p is None or p.kind == "VPR" else "ниже минимума"


def _trend_point(base: dict, series: str, table: pd.DataFrame, key: tuple, count) -> dict:
    """One point of `procedure_trends`: the share of `table`'s row `key`, or «нет данных» when there is none."""
    if key not in table.index:
        return {**base, "series": series, "share": None, "low": None, "participants": None, "label": "нет данных"}
    low, n = int(table.at[key, "low_count"]), int(table.at[key, "participants"])
    return {**base, "series": series, "share": low / n, "low": low, "participants": n,
            "label": f"{fmt_share(low, n)} ({count(low)} из {count(n)})"}


def procedure_trends(school_id: int, results: pd.DataFrame, settings: RuleSettings,
                     years: list[int] | None = None) -> pd.DataFrame:
    """Each rule procedure's share of "2" / below the minimum by results year, for the school and for
    its territory (pooled: all low pupils / all participants of the territory's schools in `results`).
    `results` are the results of the school's territory. A year when the school has no result is a row
    with share None and label «нет данных» — never 0.
    Columns: procedure, name, short, year, year_label, series ('Школа' | 'Территория'), share, low,
    participants, label."""
    r = results[results["procedure"].isin(settings.procedures) & (results["participants"] > 0)]
    if years is None:
        years = sorted(set(int(y) for y in r["year"]))
    own = r[r["school_id"] == school_id].set_index(["procedure", "year"])
    terr = r.groupby(["procedure", "year"])[["low_count", "participants"]].sum()
    rows = []
    for p in settings.procedures:
        meta = procedures.CATALOGUE.get(p)
        for y in years:
            base = {"procedure": p, "name": procedures.name_ru(p), "short": meta.short_ru if meta else p,
                    "year": y, "year_label": format_school_year(y)}
            rows.append(_trend_point(base, "Школа", own, (p, y), str))
            rows.append(_trend_point(base, "Территория", terr, (p, y), fmt_int))
    return pd.DataFrame(rows, columns=["procedure", "name", "short", "year", "year_label", "series", "share",
                                       "low", "participants", "label"])


def procedure_table(trends: pd.DataFrame) -> pd.DataFrame:
    """The school's rows of `procedure_trends` as a table: procedure × year with pre-formatted cells
    («40,0 % «2» (10 из 25)» or «нет данных»). Procedures with no data at all in any year are kept."""
    s = trends[trends["series"] == "Школа"]
    if s.empty:
        return pd.DataFrame(columns=["Процедура"])
    cells = s.assign(cell=[lbl if sh is None or pd.isna(sh) else
                           lbl.replace(" (", f" {_low_word(p)} (", 1)
                           for lbl, sh, p in zip(s["label"], s["share"], s["procedure"])])
    table = cells.pivot(index="name", columns="year_label", values="cell")
    order = list(dict.fromkeys(s["name"]))
    table = table.reindex(order)
    table.index.name = "Процедура"
    return table.reset_index()


def mark_distribution(school_id: int, results: pd.DataFrame, settings: RuleSettings | None = None
                      ) -> pd.DataFrame:
    """Marks «2»…«5» of the school by procedure and year, where the marks are known.
    Columns: procedure, name, short, year, year_label, mark ('«2»'…), mark_n (2..5), pupils, share."""
    r = results[(results["school_id"] == school_id) & (results["participants"] > 0)]
    if settings is not None:
        r = r[r["procedure"].isin(settings.procedures)]
    marks = ["mark2", "mark3", "mark4", "mark5"]
    r = r.dropna(subset=marks)
    rows = []
    for row in r.itertuples(index=False):
        counts = [int(getattr(row, m)) for m in marks]
        total = sum(counts)
        if not total:
            continue
        meta = procedures.CATALOGUE.get(row.procedure)
        for mark_n, c in zip((2, 3, 4, 5), counts):
            rows.append({"procedure": row.procedure, "name": procedures.name_ru(row.procedure),
                         "short": meta.short_ru if meta else row.procedure, "year": int(row.year),
                         "year_label": format_school_year(int(row.year)), "mark": f"«{mark_n}»",
                         "mark_n": mark_n, "pupils": c, "share": c / total})
    return pd.DataFrame(rows, columns=["procedure", "name", "short", "year", "year_label", "mark", "mark_n",
                                       "pupils", "share"])


def status_counts(lst: ListResult) -> dict[str, int]:
    """Schools per status (Russian labels), every status present (0 when none)."""
    vc = lst.statuses.value_counts()
    return {STATUS_RU[s]: int(vc.get(s, 0)) for s in (SHNOR, RISK, "ok", NO_DATA)}


def years_span(list_year: int) -> str:
    """«по результатам 2022/2023 и 2023/2024»"""
    return f"по результатам {format_school_year(list_year - 2)} и {format_school_year(list_year - 1)}"



# ---------------------------------------------------------------------------------------------
# Everything a page shows, in one call (the pages cache these)
# ---------------------------------------------------------------------------------------------

@dataclass
class OverviewData:
    """All figures of the Overview page for a list year and territory (None: the whole region)."""
    list_year: int
    territory_id: int | None
    figures: TargetFigures
    statuses: dict[str, int]
    trend: pd.DataFrame            # trend_frame(): year, schools, shnor, share, target, labels, gap
    trend_message: str
    changes: ListChanges
    procedures: pd.DataFrame       # low_results_by_procedure()
    territories: pd.DataFrame      # territory_comparison()
    risk: pd.DataFrame             # risk_group()
    no_data: pd.DataFrame          # schools with «нет данных»: id, short_name, territory
    coverage: Coverage             # of the schools counted, how many have results in the results year
    counts: SchoolCounts           # the registry's schools against those counted
    empty_territories: list[str]   # compared territories with no school counted (no share, no verdict)


def build_overview(store: Store, list_year: int, territory_id: int | None,
                   settings: RuleSettings) -> OverviewData:
    all_schools = store.schools.list(territory_id=territory_id)
    lst = compute_list(store, list_year, territory_id, settings, all_schools=all_schools)
    years = [y for y in store.results.years() if y <= list_year - 1]
    trend = share_by_year(store, territory_id, settings, years=years) if years else pd.DataFrame(
        columns=SHARE_COLUMNS)
    trend["target"] = [inherited_target(store, territory_id, int(y)) for y in trend["year"]]
    t = lst.bare
    return OverviewData(
        list_year=list_year, territory_id=territory_id,
        figures=target_figures(lst, list_target(store, territory_id, list_year)),
        statuses=status_counts(lst), trend=trend_frame(trend), trend_message=trend_message(trend),
        changes=list_changes(store, list_year, territory_id, settings, current=lst),
        procedures=low_results_by_procedure(lst), territories=territory_comparison(store, lst),
        risk=risk_group(lst),
        no_data=t.loc[t["status"] == NO_DATA, ["id", "short_name", "territory"]].reset_index(drop=True),
        coverage=lst.coverage, counts=school_counts(all_schools, list_year),
        empty_territories=empty_territories(store, lst))


@dataclass
class SchoolPageData:
    """Everything the School page shows for one school."""
    school: pd.Series              # the registry row (Store.schools() columns)
    card: list[tuple[str, str]]
    history: pd.DataFrame          # school_history()
    trends: pd.DataFrame           # procedure_trends() for the school and its territory
    table: pd.DataFrame            # procedure_table()
    marks: pd.DataFrame            # mark_distribution()
    threshold_pct: int


def build_school_page(store: Store, school_id: int, settings: RuleSettings) -> SchoolPageData | None:
    schools = store.schools.list()
    rows = schools[schools["id"] == school_id]
    if rows.empty:
        return None
    school = rows.iloc[0]
    results = store.results.list(procedures_=list(settings.procedures), territory_id=int(school["territory_id"]))
    result_years = store.results.years()
    trends = procedure_trends(school_id, results, settings, years=result_years)
    return SchoolPageData(
        school=school, card=school_card(school),
        history=school_history(school, results, list_years(store), settings),
        trends=trends, table=procedure_table(trends),
        marks=mark_distribution(school_id, results, settings), threshold_pct=settings.threshold_pct)
