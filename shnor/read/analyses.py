"""Read models of the analyses (shnor/domain/analyses/) for the pages, the CLI and the reports: they fetch the
stored aggregates through the repositories, apply the acting user's scope and name the schools. No SQL here
and no writes.

Scope: every function takes the acting user and a territory (None: the user's own — the whole region for an
unbound user) and asks `require(user, Action.READ, territory)`; the rows returned are the schools of that
territory. Benchmarks (the territory's and the region's shares, the peers of similar schools, the region's
task completion) pool the whole region: they are aggregates, never another territory's school rows.

Each view has `download()`: a frame with Russian column headers, the same figures as shown, for a file.
Years are school years by their start year; `year` of the results analyses is the results year, `list_year`
of the distance to exit is the list's year (results of list_year - 1 and list_year - 2).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from shnor.domain import procedures
from shnor.domain.analyses import exit as exit_
from shnor.domain.analyses import forecast as fc
from shnor.domain.analyses import objectivity as obj
from shnor.domain.analyses import similar as sim
from shnor.domain.analyses import tasks as tk
from shnor.domain.fmt import fmt_share
from shnor.domain.permissions import Action, User, require
from shnor.domain.rule import RISK, SHNOR, STATUS_RU, RuleSettings
from shnor.domain.years import format_school_year
from shnor.read.analysis import ListResult, compute_list, counted_schools, load_rule_settings
from shnor.read.overview import allowed_shnor, inherited_target
from shnor.read.support import require_school
from shnor.store import Store


def scope_of(user: User, territory_id: int | None) -> int | None:
    """The territory a read lands in (None: the whole region): the one asked for, else the user's own;
    refused (Forbidden) outside the user's scope."""
    tid = territory_id if territory_id is not None else user.territory_id
    require(user, Action.READ, tid)
    return tid


def _names(store: Store, territory_id: int | None) -> pd.DataFrame:
    s = store.schools.list(territory_id=territory_id)
    return s[["id", "school_code", "short_name", "territory"]].rename(columns={"id": "school_id"})


def _named(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Rows of `frame` whose school is in `names` (the scope), with school_code, short_name, territory."""
    out = frame.merge(names, on="school_id", how="inner")
    if "procedure" in out:
        out["name"] = [procedures.name_ru(p) for p in out["procedure"]]
    return out


def _pct(v) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v) * 100, 1)


# ---------------------------------------------------------------------------------------------
# Objectivity
# ---------------------------------------------------------------------------------------------

@dataclass
class ObjectivityView:
    year: int                       # the results year
    procedure: str | None           # None: every ВПР work with journal data
    territory_id: int | None
    table: pd.DataFrame             # objectivity.COLUMNS + flags, history_ru, flag_1, flag_2, names
    criterion: str = obj.CRITERION_RU
    note: str = obj.NOT_COMPUTABLE_RU

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flag"].astype(bool)]

    def download(self) -> pd.DataFrame:
        t = self.table
        return pd.DataFrame({
            "Код ОО": t["school_code"], "Школа": t["short_name"], "Территория": t["territory"],
            "Работа": t["name"], "Учебный год": [format_school_year(int(y)) for y in t["year"]],
            "Участников": t["participants"], "Понизили (ВПР ниже журнала)": t["below"],
            "Подтвердили": t["equal"], "Повысили (ВПР выше журнала)": t["above"],
            "Подтвердили или повысили, %": [_pct(v) for v in t["share"]],
            "То же по территории, %": [_pct(v) for v in t["territory_share"]],
            "То же по региону, %": [_pct(v) for v in t["region_share"]],
            "«2» по ВПР, %": [_pct(v) for v in t["low_share"]],
            "«2» по территории, %": [_pct(v) for v in t["territory_low_share"]],
            "Флаг": ["да" if f else "нет" for f in t["flag"]],
            "Признак": ["; ".join(obj.PATTERN_RU[p] for p in str(x).split("+") if p) for x in t["pattern"]],
            "Флагов за 3 года": t["flags"], "История": t["history_ru"], "Пояснение": t["reason"],
            "Критерий": self.criterion})


def objectivity(store: Store, user: User, year: int, procedure: str | None = None,
                territory_id: int | None = None, span: int = 3) -> ObjectivityView:
    """The comparison with journal marks for the results year `year` (history over `span` years) of the
    schools in scope; flagged rows first, then territory, school and work."""
    tid = scope_of(user, territory_id)
    years = list(range(year - span + 1, year + 1))
    region = store.analyses.journal(years, [procedure] if procedure else None, None)
    names = _names(store, tid)
    # the flag's loop over the scope's rows only; the territory's and the region's figures pool `region`
    table = obj.objectivity_table(region[region["school_id"].isin(names["school_id"])], region)
    hist = obj.with_history(table, year, span)
    hist = _named(hist, names)
    hist = hist.sort_values(["flag", "territory", "short_name", "procedure"],
                            ascending=[False, True, True, True], kind="stable").reset_index(drop=True)
    return ObjectivityView(year, procedure, tid, hist)


def school_objectivity(store: Store, user: User, school_id: int, year: int | None = None,
                       span: int = 3) -> ObjectivityView | None:
    """One school's rows of `objectivity` (every ВПР work with journal data, the same figures: its territory and
    the region pooled from all their schools) for the results year `year` — None: the latest year in which
    the school has journal data. Only the school's own rows go through the flag's loop, so this is quick where
    the whole region's table is not. Refused (Forbidden) outside the user's scope; None for no such school or
    no journal data of the school at all."""
    place = require_school(store, user, Action.READ, school_id)
    if place is None:
        return None
    sid = int(school_id)
    if year is None:
        own = store.analyses.journal(None, None, place[0])
        own = own[own["school_id"] == sid]
        if own.empty:
            return None
        year = int(own["year"].max())
    years = list(range(year - span + 1, year + 1))
    region = store.analyses.journal(years)
    table = obj.objectivity_table(region[region["school_id"] == sid], region)
    names = _names(store, place[0])
    hist = _named(obj.with_history(table, year, span), names[names["school_id"] == sid])
    hist = hist.sort_values("procedure", kind="stable").reset_index(drop=True)
    return ObjectivityView(year, None, place[0], hist)


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------

@dataclass
class TaskView:
    year: int
    procedure: str | None
    territory_id: int | None
    table: pd.DataFrame             # tasks.COLUMNS + names: every school in scope × task
    worst: pd.DataFrame             # tasks.REGION_COLUMNS pooled over the scope + region_pct, worst first
    sources: dict[tuple[str, int], str] = field(default_factory=dict)   # where each work's maxima come from

    def school(self, school_id: int, procedure: str) -> pd.DataFrame:
        """One school's tasks of one work, worst first."""
        return tk.school_tasks(self.table, school_id, procedure, self.year)

    def download(self) -> pd.DataFrame:
        t = self.table
        return pd.DataFrame({
            "Код ОО": t["school_code"], "Школа": t["short_name"], "Территория": t["territory"], "Работа": t["name"],
            "Учебный год": [format_school_year(int(y)) for y in t["year"]], "Задание": t["task"],
            "Максимальный балл": t["max_points"], "Участников": t["participants"],
            "Средний балл": t["points"].round(3),
            "Выполнение школы, %": t["school_pct"].round(1), "Выполнение по территории, %": t["territory_pct"].round(1),
            "Выполнение по региону, %": t["region_pct"].round(1),
            "Отставание от территории, п. п.": t["gap_territory_pp"].round(1),
            "Отставание от региона, п. п.": t["gap_region_pp"].round(1),
            "Максимальные баллы": [self.sources.get((p, int(y)), "") for p, y in zip(t["procedure"], t["year"])]})


def _work_max(store: Store) -> dict[tuple[str, int], int]:
    return {k: s.max_score for k, s in store.reference.mark_scales().items()}


def task_analysis(store: Store, user: User, year: int, procedure: str | None = None,
                  territory_id: int | None = None) -> TaskView:
    """Completion of each task for the schools in scope (results year `year`), against their territory and the
    region; `worst`: the scope's pooled completion per task, worst first, beside the region's."""
    tid = scope_of(user, territory_id)
    procs = [procedure] if procedure else None
    region = store.analyses.task_points([year], procs, None)
    maxima = tk.work_maxima(region, _work_max(store))
    names = _names(store, tid)
    mine = region[region["school_id"].isin(names["school_id"])]
    table = _named(tk.task_table(mine, region, maxima), names)
    worst = tk.region_tasks(mine, maxima)
    reg = tk.region_tasks(region, maxima)[["procedure", "year", "task", "pct"]].rename(columns={"pct": "region_pct"})
    worst = worst.merge(reg, on=["procedure", "year", "task"], how="left")
    return TaskView(year, procedure, tid, table, worst, {k: src for k, (_, src) in maxima.items()})


# ---------------------------------------------------------------------------------------------
# Distance to exit
# ---------------------------------------------------------------------------------------------

EXIT_COLUMNS = ["school_code", "school_name", "procedure", "participants", "low_count", "max_low_count", "excess",
                "binding", "status", "territory", "procedure_name", "sentence", "condition"]


@dataclass
class ExitView:
    list_year: int
    territory_id: int | None
    settings: RuleSettings
    plans: list[exit_.ExitPlan]
    table: pd.DataFrame             # EXIT_COLUMNS + school_id, status_ru, binding_ru

    def of(self, status: str) -> pd.DataFrame:
        return self.table[self.table["status"] == status]

    def download(self) -> pd.DataFrame:
        t = self.table
        return pd.DataFrame({
            "Код ОО": t["school_code"], "Школа": t["school_name"], "Территория": t["territory"],
            "Статус в списке": t["status_ru"], "Процедура": t["procedure_name"],
            "Участников": t["participants"], f"Низкий результат в {format_school_year(self.list_year - 1)}": t["low_count"],
            "Не более (при том же числе участников)": t["max_low_count"], "Превышение": t["excess"],
            "Условие": t["binding_ru"], "Что нужно": t["sentence"], "Итог по школе": t["condition"]})


def exit_distance(store: Store, user: User, list_year: int, territory_id: int | None = None,
                  settings: RuleSettings | None = None, statuses: tuple[str, ...] = (SHNOR, RISK),
                  lst: ListResult | None = None, school_id: int | None = None) -> ExitView:
    """For the list of `list_year` in scope: per ШНОР (and school of the risk group) and procedure, what the
    results of `list_year` must be for the list of list_year + 1 — the rule's threshold and the stored settings.
    With `school_id`: that school's plan only (a school's page among 40 000)."""
    tid = scope_of(user, territory_id)
    settings = settings or load_rule_settings(store)
    results = store.results.list(years=[list_year - 1, list_year - 2], procedures_=list(settings.procedures),
                                 territory_id=tid)
    lst = lst or compute_list(store, list_year, tid, settings, results=results)
    plans = exit_.exit_plans(lst.identification, results, statuses,
                             None if school_id is None else {int(school_id)})
    frame = exit_.plans_frame(plans)
    info = lst.bare.set_index("id")
    frame["school_code"] = [info.at[s, "school_code"] for s in frame["school_id"]]
    frame["school_name"] = [info.at[s, "short_name"] for s in frame["school_id"]]
    frame["territory"] = [info.at[s, "territory"] for s in frame["school_id"]]
    frame["status_ru"] = [STATUS_RU[s] for s in frame["status"]]
    frame["procedure_name"] = [procedures.name_ru(p) for p in frame["procedure"]]
    order = {p: i for i, p in enumerate(settings.procedures)}
    frame["_st"] = [0 if s == SHNOR else 1 for s in frame["status"]]
    frame["_p"] = [order.get(p, 99) for p in frame["procedure"]]
    frame = frame.sort_values(["_st", "territory", "school_name", "_p"], kind="stable").drop(columns=["_st", "_p"])
    return ExitView(list_year, tid, settings, plans, frame.reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# Similar schools
# ---------------------------------------------------------------------------------------------

@dataclass
class SimilarView:
    year: int
    territory_id: int | None
    table: pd.DataFrame             # similar.COLUMNS + names
    region: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)          # the results peers come from
    region_schools: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    names: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)           # the schools in scope
    known: dict = field(default_factory=dict, repr=False)    # (school, procedure) -> peers, worked out already

    def peers(self, school_id: int, procedure: str) -> tuple[pd.DataFrame, int]:
        """The peer schools of a school's result that are in scope (names, participants, low count, share,
        lowest share first) and how many peers are outside the scope (counted in the figures, not named)."""
        if (int(school_id), procedure) in self.known:
            return self.known[(int(school_id), procedure)]
        rows = self.table[(self.table["school_id"] == school_id) & (self.table["procedure"] == procedure)]
        if rows.empty:
            return pd.DataFrame(columns=["school_id", "school_code", "short_name", "territory", "participants",
                                         "low_count", "share"]), 0
        p = sim.peers_of(rows.iloc[0], self.region, self.region_schools)
        named = p.merge(self.names, on="school_id", how="inner")
        return named[["school_id", "school_code", "short_name", "territory", "participants", "low_count",
                      "share"]].reset_index(drop=True), len(p) - len(named)

    def download(self) -> pd.DataFrame:
        t = self.table
        return pd.DataFrame({
            "Код ОО": t["school_code"], "Школа": t["short_name"], "Территория": t["territory"], "Процедура": t["name"],
            "Учебный год": [format_school_year(int(y)) for y in t["year"]], "Участников": t["participants"],
            "Низкий результат": t["low_count"], "Доля, %": [_pct(v) for v in t["share"]],
            "Похожие школы": t["basis_ru"], "Число похожих": t["peers"],
            "Доля у похожих, %": [_pct(v) for v in t["peer_share"]],
            "По территории, %": [_pct(v) for v in t["territory_share"]],
            "По региону, %": [_pct(v) for v in t["region_share"]],
            "Разница с похожими, п. п.": [None if v is None or pd.isna(v) else round(float(v), 1) for v in t["diff_pp"]],
            "Сравнение": t["position_ru"], "Не учтено": t["not_used_ru"]})


def similar_schools(store: Store, user: User, year: int, territory_id: int | None = None,
                    procedure: str | None = None, settings: RuleSettings | None = None,
                    school_id: int | None = None) -> SimilarView:
    """Each school in scope beside schools like it (peers from the whole region) for the results year `year`,
    over the rule's procedures (or one procedure). With `school_id`: that school's rows only (its page)."""
    tid = scope_of(user, territory_id)
    settings = settings or load_rule_settings(store)
    procs = [procedure] if procedure else list(settings.procedures)
    region = store.results.list(years=[year], procedures_=procs)
    region_schools = store.schools.list()
    names = _names(store, tid)
    mine = region[region["school_id"].isin(names["school_id"])]
    if school_id is not None:
        mine = mine[mine["school_id"] == int(school_id)]
    table = sim.similar_table(mine, region_schools[region_schools["id"].isin(names["school_id"])], region,
                              region_schools)
    table = _named(table, names).sort_values(["territory", "short_name", "procedure"]).reset_index(drop=True)
    view = SimilarView(year, tid, table, region, region_schools, names)
    if school_id is None:
        return view
    # one school's page: its peers worked out now, and the whole country's results not carried in the view
    known = {(int(school_id), p): view.peers(int(school_id), p) for p in table["procedure"].unique()}
    return SimilarView(year, tid, table, names=names, known=known)


# ---------------------------------------------------------------------------------------------
# Forecast
# ---------------------------------------------------------------------------------------------

@dataclass
class ForecastView:
    territory_id: int | None
    forecast: fc.Forecast
    current_share: float | None          # the share by the results of the last year (the list of last+1)
    current_shnor: int
    current_schools: int
    names: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)   # school_id, school_code, short_name, territory

    def sentence(self) -> str:
        f = self.forecast
        now = (f"По результатам {format_school_year(f.last_year)} — {fmt_share(self.current_shnor, self.current_schools)} "
               f"({self.current_shnor} из {self.current_schools}). ") if self.current_schools else ""
        return now + f.sentence() + " " + fc.ESTIMATE_NOTE_RU

    def download(self) -> pd.DataFrame:
        """Per school and procedure: the trend and the chance of a low result next year."""
        p = self.forecast.projections.merge(self.forecast.by_school[["school_id", "p_shnor"]], on="school_id",
                                            how="left").merge(self.names, on="school_id", how="left")
        return pd.DataFrame({
            "Код ОО": p["school_code"], "Школа": p["short_name"], "Территория": p["territory"],
            "Процедура": [procedures.name_ru(x) for x in p["procedure"]], "Лет с данными": p["years"],
            "Участников": p["participants"], f"Доля в {format_school_year(self.forecast.last_year)}, %":
                [_pct(v) for v in p["share"]],
            "Тренд, п. п. в год": p["slope_pp"].round(1),
            f"Оценка доли в {format_school_year(self.forecast.results_year)}, %": [_pct(v) for v in p["projected_share"]],
            "Вероятность низкого результата, %": [_pct(v) for v in p["p_low"]],
            "Вероятность попасть в список, % (оценка)": [_pct(v) for v in p["p_shnor"]]})


def forecast_share(store: Store, user: User, territory_id: int | None = None, settings: RuleSettings | None = None,
                   last_year: int | None = None) -> ForecastView | None:
    """The estimate of the share of ШНОР by the results of the year after the last one with data, against the
    target for that year (the territory's own, its parent's or the region's). None when there are no results."""
    tid = scope_of(user, territory_id)
    settings = settings or load_rule_settings(store)
    years = store.results.years()
    if not years:
        return None
    last_year = last_year if last_year is not None else max(years)
    history = store.results.list(procedures_=list(settings.procedures), territory_id=tid)
    history = history[history["year"] <= last_year]
    all_schools = store.schools.list(territory_id=tid)
    counted = counted_schools(all_schools, last_year + 2)
    target = inherited_target(store, tid, last_year + 1)
    allowed = allowed_shnor(target, len(counted)) if target is not None else None
    # only the columns the forecast reads: its per-school loop slices the frame ~2 500 times on a region, and
    # the stored results' other columns (marks, journal, dates) made that three times slower (16 s -> 5 s)
    narrow = history[["school_id", "procedure", "year", "participants", "low_count"]]
    f = fc.forecast(narrow, list(counted["id"]), last_year, settings, target, allowed)
    current = compute_list(store, last_year + 1, tid, settings, results=history, all_schools=all_schools)
    names = all_schools[["id", "school_code", "short_name", "territory"]].rename(columns={"id": "school_id"})
    return ForecastView(tid, f, current.share, current.shnor_count, current.school_count, names)
