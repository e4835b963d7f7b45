"""Read models of the support of schools: a school's risk profile by year, its partner and the partner's
results beside its own, partner suggestions with their reasons, the people and flags, and which risks are
most common among ШНОР and the risk group (for the Overview).

    risk_profile(store, user, school_id, year)      -> RiskProfile (table of the ten factors, levels, values)
    partner_view(store, user, school_id)            -> PartnerView (partner, history, results side by side)
    partner_suggestions(store, user, school_id)     -> Suggestions (shnor/domain/partners.py order and reasons)
    support_view(store, user, school_id)            -> SupportView (curator, coordinator, «500+», ШНСУ)
    common_risks(store, user, year, territory_id)   -> CommonRisks (most common high risks, ШНОР / risk group)

Every function asks the permission table first (Action.READ where the school or territory is). Years are
school years by their start year; the list of year L is formed from the results of L-1 and L-2, so «the ШНОР
of school year Y» are the schools of the list formed for Y. No SQL here and no writes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from shnor.domain import partners as pt
from shnor.domain import risks
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.permissions import Action, Forbidden, User, require, why_not
from shnor.domain.rule import RISK, SHNOR, STATUS_RU, RuleSettings
from shnor.domain.years import format_school_year
from shnor.read.analysis import ListResult, compute_list, load_rule_settings
from shnor.read.overview import default_list_year, procedure_table, procedure_trends, risk_group
from shnor.store import Store, active_in

SCHOOL_SERIES, PARTNER_SERIES = "Школа", "Партнёр"


# ---------------------------------------------------------------------------------------------
# Where a school is, and whether the user may act there
# ---------------------------------------------------------------------------------------------
def require_school(store: Store, user: User | None, action: Action, school_id: int) -> tuple[int, int | None] | None:
    """(territory id, district id) of the school when the user may do `action` there (in its territory or its
    district); raises Forbidden (Russian) otherwise; None when there is no such school."""
    place = store.schools.place(int(school_id))
    if place is None:
        return None
    reasons = [why_not(user, action, t) for t in place if t is not None]
    if any(r is None for r in reasons):
        return place
    raise Forbidden(reasons[0])


def current_year(store: Store, today: dt.date | None = None) -> int:
    """The school year officials work in now: the list year of the latest results (latest results + 1); with no
    results, the school year of today (it starts on 1 September)."""
    year = default_list_year(store)
    if year is not None:
        return year
    today = today or dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


# ---------------------------------------------------------------------------------------------
# Risk profile
# ---------------------------------------------------------------------------------------------
PROFILE_COLUMNS = ["factor", "name", "short", "level", "level_ru", "measured", "measured_ru", "set_by", "set_at",
                   "source"]


@dataclass
class RiskProfile:
    school_id: int
    year: int
    years: list[int]          # school years with at least one level, newest first
    table: pd.DataFrame       # one row per factor (all ten): PROFILE_COLUMNS; level None when not rated

    @property
    def rated(self) -> int:
        return int(self.table["level"].notna().sum())

    def count(self, level: str) -> int:
        return int((self.table["level"] == level).sum())

    def sentence_ru(self) -> str:
        """«Высокий риск — 3 фактора из 10: Дисциплина, …» or that nothing is rated."""
        year = format_school_year(self.year)
        if not self.rated:
            return f"Рисковый профиль на {year} не заполнен."
        high = self.table[self.table["level"] == risks.HIGH]
        n = len(high)
        rated = f"оценено {self.rated} из {len(risks.FACTORS)}"
        if not n:
            return f"{year}: высокого уровня риска нет ({rated})."
        names = ", ".join(f"«{s}»" for s in high["short"])
        return (f"{year}: высокий риск — {n} {plural(n, 'фактор', 'фактора', 'факторов')} ({rated}): {names}.")


def profile_table(levels: pd.DataFrame) -> pd.DataFrame:
    """The ten factors with the stored levels of one school and year (store.support.risk_levels rows)."""
    by_factor = {int(r.factor): r for r in levels.itertuples(index=False)}
    rows = []
    for f in risks.FACTORS:
        r = by_factor.get(f.number)
        level = None if r is None else r.level
        measured = None if r is None else r.measured
        rows.append({"factor": f.number, "name": f.name_ru, "short": f.short_ru, "level": level,
                     "level_ru": risks.level_label(level), "measured": measured or {},
                     "measured_ru": risks.measured_text(f.number, measured) if measured else "",
                     "set_by": None if r is None else r.set_by, "set_at": None if r is None else r.set_at,
                     "source": None if r is None else r.source})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def risk_profile(store: Store, user: User, school_id: int, year: int | None = None) -> RiskProfile | None:
    """The school's profile for a school year (default: the newest with a profile, else the current one)."""
    if require_school(store, user, Action.READ, school_id) is None:
        return None
    years = store.support.risk_years(int(school_id))
    if year is None:
        year = years[0] if years else current_year(store)
    levels = store.support.risk_levels([int(school_id)], int(year))
    return RiskProfile(int(school_id), int(year), years, profile_table(levels))


# ---------------------------------------------------------------------------------------------
# Facts of schools for partner suggestions (the rule's statuses and «stably high»)
# ---------------------------------------------------------------------------------------------
def _shares(results: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    """Per school: size (participants in years[0]), max_low_share, quality_share over `years`."""
    r = results[results["year"].isin(years) & (results["participants"] > 0)].copy()
    if r.empty:
        return pd.DataFrame(columns=["size", "max_low_share", "quality_share"])
    r["share"] = r["low_count"] / r["participants"]
    q = pd.to_numeric(r["mark4"], errors="coerce") + pd.to_numeric(r["mark5"], errors="coerce")
    r["q"] = q
    r["q_n"] = r["participants"].where(q.notna())
    g = r.groupby("school_id")
    size = r[r["year"] == years[0]].groupby("school_id")["participants"].sum()
    out = pd.DataFrame({"max_low_share": g["share"].max(), "q": g["q"].sum(min_count=1), "q_n": g["q_n"].sum()})
    out["size"] = size
    out["quality_share"] = [None if pd.isna(a) or not b else float(a) / float(b) for a, b in zip(out["q"], out["q_n"])]
    return out[["size", "max_low_share", "quality_share"]]


def _none(x):
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x


def school_facts(store: Store, list_year: int, territory_id: int | None = None,
                 settings: RuleSettings | None = None, lst: ListResult | None = None) -> dict[int, pt.SchoolFacts]:
    """Every school of a territory (None: the region) as the partner scoring sees it in the list year."""
    settings = settings or load_rule_settings(store)
    all_schools = store.schools.list(territory_id=territory_id)
    results = store.results.list(years=[list_year - 1, list_year - 2], procedures_=list(settings.procedures),
                                 territory_id=territory_id)
    if lst is None:
        lst = compute_list(store, list_year, territory_id, settings, results=results, all_schools=all_schools)
    table = lst.bare
    ids = [int(i) for i in table["id"]]
    status_of = dict(zip(ids, table["status"]))
    stably_of = dict(zip(ids, table["stably_high"]))
    active = set(int(i) for i in active_in(all_schools, list_year - 1)["id"])
    shares = _shares(results, (list_year - 1, list_year - 2))
    share_of = {int(k): v for k, v in shares.to_dict("index").items()}     # one dict, not 40 000 .loc
    counts = store.support.partner_counts()
    out = {}
    for s in all_schools.itertuples(index=False):
        sid = int(s.id)
        in_list = sid in status_of
        sh = share_of.get(sid)
        out[sid] = pt.SchoolFacts(
            id=sid, name=str(s.short_name), territory_id=int(s.territory_id), territory=str(s.territory),
            school_type=_none(s.school_type), is_rural=None if _none(s.is_rural) is None else bool(s.is_rural),
            size=None if sh is None or _none(sh["size"]) is None else int(sh["size"]),
            status=str(status_of[sid]) if in_list else None,
            stably_high=in_list and _none(stably_of[sid]) is not None and bool(stably_of[sid]),
            max_low_share=None if sh is None or _none(sh["max_low_share"]) is None else float(sh["max_low_share"]),
            quality_share=None if sh is None else _none(sh["quality_share"]),
            partners_of=counts.get(sid, 0), active=sid in active)
    return out


@dataclass
class Suggestions:
    school_id: int
    list_year: int
    status: str | None                 # the school's status in the list (SHNOR, RISK, …)
    items: list[pt.Suggestion]
    considered: int                    # schools looked at (the user's territory or the region)
    empty_ru: str = ""                 # why there is none

    @property
    def status_ru(self) -> str:
        return STATUS_RU.get(self.status, "не действует") if self.status else "не действует"


def partner_suggestions(store: Store, user: User, school_id: int, list_year: int | None = None,
                        settings: RuleSettings | None = None, limit: int | None = pt.DEFAULT_LIMIT,
                        facts: dict[int, pt.SchoolFacts] | None = None) -> Suggestions | None:
    """Partner candidates for a school among the schools the user may see (their territory, or the region)."""
    place = require_school(store, user, Action.READ, school_id)
    if place is None:
        return None
    list_year = list_year or current_year(store)
    if facts is None:
        facts = school_facts(store, list_year, user.territory_id, settings)
    target = facts.get(int(school_id))
    if target is None:   # facts of another territory were passed: the school's own facts, candidates as given
        target = school_facts(store, list_year, place[0], settings)[int(school_id)]
    items = pt.suggest(target, list(facts.values()), list_year, limit)
    empty = "" if items else pt.none_found_ru(list_year, user.territory)
    return Suggestions(int(school_id), list_year, target.status, items, len(facts), empty)


# ---------------------------------------------------------------------------------------------
# The partner and its results beside the school's
# ---------------------------------------------------------------------------------------------
@dataclass
class PartnerView:
    school_id: int
    partner: dict | None               # partner_id, partner_name, partner_territory, since, reason, created_by
    history: pd.DataFrame              # ended partnerships of the school
    partner_of: pd.DataFrame           # active partnerships where this school is the partner
    trends: pd.DataFrame               # procedure_trends() rows of the school and of the partner (series)
    table: pd.DataFrame                # Процедура | Учебный год | Школа | Партнёр (pre-formatted cells)
    threshold_pct: int = 30
    may_read_partner: bool = True      # False: the partner is outside the user's territory (results hidden)
    notes: list[str] = field(default_factory=list)


def side_by_side(store: Store, school_id: int, partner_id: int, settings: RuleSettings) -> tuple[pd.DataFrame,
                                                                                                 pd.DataFrame]:
    """Each rule procedure's share of «2» / below the minimum by year for the school and its partner (the
    School page's read model, shnor/read/overview.py `procedure_trends`, once per school), and the table of
    both by procedure and year. Years: every results year; a missing result is «нет данных», never 0."""
    results = store.results.list(procedures_=list(settings.procedures))
    years = store.results.years()
    own = procedure_trends(int(school_id), results[results["school_id"] == int(school_id)], settings, years)
    other = procedure_trends(int(partner_id), results[results["school_id"] == int(partner_id)], settings, years)
    a = procedure_table(own).melt(id_vars="Процедура", var_name="Учебный год", value_name=SCHOOL_SERIES)
    b = procedure_table(other).melt(id_vars="Процедура", var_name="Учебный год", value_name=PARTNER_SERIES)
    own = own[own["series"] == "Школа"].assign(series=SCHOOL_SERIES)
    other = other[other["series"] == "Школа"].assign(series=PARTNER_SERIES)
    trends = pd.concat([own, other], ignore_index=True)
    if a.empty or b.empty:
        return trends, pd.DataFrame(columns=["Процедура", "Учебный год", SCHOOL_SERIES, PARTNER_SERIES])
    table = a.merge(b, on=["Процедура", "Учебный год"], how="outer")
    both_missing = (table[SCHOOL_SERIES] == "нет данных") & (table[PARTNER_SERIES] == "нет данных")
    order = {n: i for i, n in enumerate(dict.fromkeys(own["name"]))}
    table = table[~both_missing].assign(_o=table["Процедура"].map(order)).sort_values(
        ["_o", "Учебный год"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)
    return trends, table


def partner_view(store: Store, user: User, school_id: int, settings: RuleSettings | None = None) -> PartnerView | None:
    if require_school(store, user, Action.READ, school_id) is None:
        return None
    settings = settings or load_rule_settings(store)
    rows = store.support.partnerships(school_id=int(school_id))
    active = rows[rows["ended"].isna()]
    history = rows[rows["ended"].notna()].reset_index(drop=True)
    partner_of = store.support.partnerships(partner_id=int(school_id), active_only=True)
    empty = pd.DataFrame(columns=["Процедура", "Учебный год", SCHOOL_SERIES, PARTNER_SERIES])
    if active.empty:
        return PartnerView(int(school_id), None, history, partner_of, pd.DataFrame(), empty, settings.threshold_pct)
    p = active.iloc[0]
    partner = {k: _none(p[k]) for k in ("partner_id", "partner_name", "partner_territory", "since", "reason",
                                         "created_by")}
    partner["partner_id"] = int(partner["partner_id"])
    if partner["since"] is not None:
        partner["since"] = pd.Timestamp(partner["since"]).date()
    try:
        require_school(store, user, Action.READ, partner["partner_id"])
    except Forbidden:
        return PartnerView(int(school_id), partner, history, partner_of, pd.DataFrame(), empty, settings.threshold_pct,
                           may_read_partner=False)
    trends, table = side_by_side(store, int(school_id), partner["partner_id"], settings)
    return PartnerView(int(school_id), partner, history, partner_of, trends, table, settings.threshold_pct)


# ---------------------------------------------------------------------------------------------
# Curator, coordinator, flags
# ---------------------------------------------------------------------------------------------
@dataclass
class SupportView:
    school_id: int
    curator: str | None
    coordinator: str | None
    is_500plus: bool
    is_shnsu: bool | None
    updated_by: str | None
    updated_at: object | None

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) in Russian; «не назначен» for nobody."""
        return [("Куратор", self.curator or "не назначен"),
                ("Муниципальный координатор", self.coordinator or "не назначен"),
                ("Участник проекта «500+»", "да" if self.is_500plus else "нет"),
                ("ШНСУ (неблагоприятные социальные условия)",
                 "нет данных" if self.is_shnsu is None else ("да" if self.is_shnsu else "нет"))]


def support_view(store: Store, user: User, school_id: int) -> SupportView | None:
    if require_school(store, user, Action.READ, school_id) is None:
        return None
    s = store.support.support(int(school_id)) or {}
    shnsu = store.schools.registry_row(int(school_id)).get("is_shnsu")
    return SupportView(int(school_id), s.get("curator"), s.get("coordinator"), bool(s.get("is_500plus")),
                       None if shnsu is None else bool(shnsu), s.get("updated_by"), s.get("updated_at"))


# ---------------------------------------------------------------------------------------------
# Which risks are most common among ШНОР and the risk group (the Overview)
# ---------------------------------------------------------------------------------------------
GROUP_SHNOR, GROUP_RISK = "ШНОР", "группа риска"


@dataclass
class CommonRisks:
    """The ten factors' levels counted among the ШНОР and the risk group of the list formed for `year`, from
    the risk profiles of school year `year`.
    `shnor` / `risk`: shnor/domain/risks.py `most_common` frames (factor, name, short, schools, rated, high,
    medium, low, high_share, high_or_medium_share), most often high first."""
    year: int
    territory_id: int | None
    shnor: pd.DataFrame
    risk: pd.DataFrame
    shnor_ids: list[int]
    risk_ids: list[int]
    profiled_shnor: int                # ШНОР with at least one level in the year
    profiled_risk: int

    def frame(self) -> pd.DataFrame:
        """Both groups in one long frame with a `group` column («ШНОР» | «группа риска»)."""
        return pd.concat([self.shnor.assign(group=GROUP_SHNOR), self.risk.assign(group=GROUP_RISK)],
                         ignore_index=True)

    def top(self, group: str = GROUP_SHNOR, n: int = 3) -> pd.DataFrame:
        """The `n` factors most often rated high in a group (only those rated high at least once)."""
        d = self.shnor if group == GROUP_SHNOR else self.risk
        return d[d["high"] > 0].head(n).reset_index(drop=True)

    def sentence_ru(self, group: str = GROUP_SHNOR) -> str:
        d, ids, prof = ((self.shnor, self.shnor_ids, self.profiled_shnor) if group == GROUP_SHNOR
                        else (self.risk, self.risk_ids, self.profiled_risk))
        label = "ШНОР" if group == GROUP_SHNOR else "школ группы риска"
        year = format_school_year(self.year)
        if not ids:
            return f"В списке на {year} нет {label}."
        of = f"{fmt_int(prof)} из {fmt_int(len(ids))}"
        if not prof:
            return f"Рисковые профили {label} на {year} не заполнены (0 из {fmt_int(len(ids))})."
        return f"{risks.top_sentence(d, label)} Профили на {year} заполнены у {of}."



def common_risks(store: Store, user: User, year: int, territory_id: int | None = None,
                 settings: RuleSettings | None = None, lst: ListResult | None = None) -> CommonRisks:
    """Which risk factors are most often high (then medium) among the ШНОР and among the risk group of the
    list formed for school year `year` (the rule with `settings`, default the stored ones; the risk group as
    the Overview defines it, shnor/read/overview.py `risk_group`), from the risk profiles of `year`.
    `territory_id` None: the user's own territory (the whole region for a user bound to none). `lst`: the list
    already computed for the year and territory (saves computing it again)."""
    if territory_id is None:
        territory_id = user.territory_id if user is not None else None
    require(user, Action.READ, territory_id)
    if lst is None:
        lst = compute_list(store, int(year), territory_id, settings)
    t = lst.bare
    shnor_ids = [int(i) for i in t.loc[t["status"] == SHNOR, "id"]]
    risk_ids = [int(i) for i in risk_group(lst)["id"]]
    levels = store.support.risk_levels(shnor_ids + risk_ids, int(year))
    profiled = set(int(i) for i in levels["school_id"])
    return CommonRisks(int(year), territory_id, risks.most_common(levels, shnor_ids),
                       risks.most_common(levels, risk_ids), shnor_ids, risk_ids,
                       len(profiled & set(shnor_ids)), len(profiled & set(risk_ids)))


# ---------------------------------------------------------------------------------------------
# The template's rows (shnor/reports/risk_template.py)
# ---------------------------------------------------------------------------------------------
TEMPLATE_ORDER = {SHNOR: 0, RISK: 1}


def template_schools(store: Store, user: User, year: int, territory_id: int | None = None,
                     settings: RuleSettings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(schools, their stored levels of `year`) for the template: the schools active in `year` of the user's
    territory, ШНОР first, then the risk group, then the others by territory and name.
    Schools: school_id, school_code, short_name, territory, status_ru."""
    if territory_id is None:
        territory_id = user.territory_id if user is not None else None
    require(user, Action.READ, territory_id)
    all_schools = store.schools.list(territory_id=territory_id)
    schools = active_in(all_schools, int(year))
    lst = compute_list(store, int(year), territory_id, settings, all_schools=all_schools)
    status = dict(zip(lst.bare["id"].astype(int), lst.bare["status"]))
    out = pd.DataFrame({"school_id": schools["id"].astype(int), "school_code": schools["school_code"].astype(str),
                        "short_name": schools["short_name"].astype(str), "territory": schools["territory"].astype(str)})
    out["status"] = [status.get(i) for i in out["school_id"]]
    out["status_ru"] = [STATUS_RU.get(s, "") if s else "" for s in out["status"]]
    out["_o"] = [TEMPLATE_ORDER.get(s, 2) for s in out["status"]]
    out = out.sort_values(["_o", "territory", "short_name"]).drop(columns=["_o", "status"]).reset_index(drop=True)
    return out, store.support.risk_levels(list(out["school_id"]), int(year))
