"""The support of schools — use cases (SPEC.md «Risk profiles», «Partnerships and people»):

    set_risk_levels(store, user, school_id, year, {factor: (level, {measure: value}) or None})
    import_risk_template(store, user, path, file_name)     -> RiskImportReport (the whole file or nothing)
    pair_partner(store, user, school_id, partner_id, reason) / end_partnership(store, user, school_id)
    set_support(store, user, school_id, curator=…, coordinator=…, is_500plus=…)
    set_shnsu(store, user, school_id, True)

Permissions (shnor/domain/permissions.py), always where the school is (its territory or its district):
- risk levels: Action.RISK_PROFILES (methodist, admin);
- partner, curator, coordinator, «500+»: Action.PARTNERS (methodist, head, admin). Curators and coordinators
  are appointed by the education department together with the partners («Закрепление за школами муниципальных
  координаторов — отдел образования», seed 002; «Подбор кандидатуры куратора школы-участницы проекта 500+», seed
  000), and taking part in «500+» is the department's decision too — the same people as the partner, so the same
  action; no registry field is touched;
- the ШНСУ flag is the registry's own `schools.is_shnsu`: Action.EDIT_SCHOOL (methodist, admin), like every other
  registry field.
The partner must be a school the user may see. Every change runs in one unit of work with a typed event.
Messages are Russian.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.domain import events, risks
from shnor.domain import partners as pt
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.permissions import Action, Forbidden, User, require  # noqa: F401 (Forbidden for callers)
from shnor.domain.rule import RuleSettings
from shnor.domain.years import format_school_year
from shnor.importing.model import ERROR, Hints, Issue
from shnor.importing.sandbox import parse_in_child
from shnor.read.overview import find_school
from shnor.read.support import current_year, require_school, school_facts
from shnor.store import Store

MAX_TEXT = 300            # a name, a reason
MAX_REASON = 1000


class SupportError(ValueError):
    """A change that cannot be made; the message is Russian and user-facing."""


def _school(store: Store, user: User, action: Action, school_id: int) -> tuple[int, int | None]:
    place = require_school(store, user, action, int(school_id))
    if place is None:
        raise SupportError(f"Школа № {school_id} не найдена в реестре.")
    return place


def _text(value: str | None, what: str, limit: int = MAX_TEXT) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) > limit:
        raise SupportError(f"{what}: не больше {limit} знаков (сейчас {len(text)}).")
    return text or None


def _check_year(year) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise SupportError(f"«{year}» — не учебный год.") from None
    if not 2000 <= y <= 2100:
        raise SupportError(f"{y} — не учебный год (ожидается, например, 2024 для 2024/2025).")
    return y


# ---------------------------------------------------------------------------------------------
# Risk levels
# ---------------------------------------------------------------------------------------------
def set_risk_levels(store: Store, user: User, school_id: int, year: int,
                    entries: dict[int, tuple[str, dict | None] | str | None], source: str | None = None) -> int:
    """Set (or clear, with None) the levels of some factors of a school for a school year, with the measured
    values behind them (as entered: shares in per cent). Factors not in `entries` are left as they are.
    Returns the number of factors changed. Raises RiskError / SupportError / Forbidden before anything is stored."""
    _school(store, user, Action.RISK_PROFILES, school_id)
    year = _check_year(year)
    clean: dict[int, tuple[str, dict] | None] = {}
    for number, entry in entries.items():
        f = risks.factor(number)
        if entry is None or (isinstance(entry, tuple) and entry[0] is None and not entry[1]):
            clean[f.number] = None
            continue
        level, measured = (entry, None) if isinstance(entry, str) else entry
        if level is None:
            raise risks.RiskError(f"«{f.short_ru}»: указаны показатели, но не уровень риска.")
        clean[f.number] = (risks.check_level(level), risks.check_measured(f.number, measured))
    before = store.support.risk_levels([int(school_id)], year)
    old = {int(r.factor): (r.level, r.measured or {}) for r in before.itertuples(index=False)}
    changed = {n: e for n, e in clean.items() if (e is None and n in old) or (e is not None and old.get(n) != e)}
    if not changed:
        return 0
    with store.unit(user) as u:
        for number, e in changed.items():
            if e is None:
                u.support.delete_risk(int(school_id), year, number)
            else:
                u.support.set_risk(int(school_id), year, number, e[0], e[1] or None, source, user.name)
        u.record(events.RISK_LEVELS_SET, school_id=int(school_id), year=year, source=source,
                 levels={str(n): (None if e is None else e[0]) for n, e in sorted(changed.items())})
    return len(changed)


@dataclass
class RiskImportReport:
    file_name: str
    status: str                          # stored | refused
    year: int | None = None
    schools: int = 0
    levels: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "stored"

    def summary_ru(self) -> str:
        if self.ok:
            return (f"Файл «{self.file_name}»: рисковые профили на {format_school_year(self.year)} сохранены — "
                    f"{fmt_int(self.schools)} {plural(self.schools, 'школа', 'школы', 'школ')}, "
                    f"{fmt_int(self.levels)} {plural(self.levels, 'уровень', 'уровня', 'уровней')} риска.")
        n = len([i for i in self.issues if i.level == ERROR])
        return (f"Файл «{self.file_name}» не загружен: {fmt_int(n)} {plural(n, 'ошибка', 'ошибки', 'ошибок')}. "
                "Ничего не сохранено — исправьте файл и загрузите его снова.")


def _match_code(schools: pd.DataFrame, code: str) -> int | None:
    c = code.strip()
    hit = schools.loc[schools["school_code"].astype(str).str.lower() == c.lower(), "id"]
    if len(hit) == 1:
        return int(hit.iloc[0])
    return find_school(schools, c)


def import_risk_template(store: Store, user: User, path: str | Path, file_name: str | None = None,
                         year: int | None = None) -> RiskImportReport:
    """Store a filled template (shnor/reports/risk_template.py): parsed in the sandbox, every school matched
    among the user's schools, the whole file or nothing. `year`, when given, must be the file's year."""
    require(user, Action.RISK_PROFILES, user.territory_id)
    file_name = file_name or Path(path).name
    parsed = parse_in_child(path, file_name, Hints(), {}, entry="risk_template")
    rep = RiskImportReport(file_name, "refused", getattr(parsed, "year", None), issues=list(parsed.issues))
    rows = getattr(parsed, "rows", [])
    if year is not None and rep.year is not None and int(year) != rep.year:
        rep.issues.append(Issue(ERROR, f"в файле учебный год {format_school_year(rep.year)}, а выбран "
                                       f"{format_school_year(int(year))}: выберите год файла или скачайте шаблон "
                                       "на нужный год.", file=file_name))
    schools = store.schools.list(territory_id=user.territory_id)
    matched: list[tuple[int, object]] = []
    for r in rows:
        sid = _match_code(schools, r.code)
        if sid is None:
            where = f"территории «{user.territory}»" if user.territory else "реестра"
            rep.issues.append(Issue(ERROR, f"школа с кодом «{r.code}» не найдена среди школ {where}.",
                                    file=file_name, sheet=r.sheet, row=r.row, column="A", value=r.code))
            continue
        try:
            _school(store, user, Action.RISK_PROFILES, sid)
        except Forbidden as exc:
            rep.issues.append(Issue(ERROR, str(exc), file=file_name, sheet=r.sheet, row=r.row, column="A",
                                    value=r.code))
            continue
        matched.append((sid, r))
    if any(i.level == ERROR for i in rep.issues) or rep.year is None:
        return rep
    n_levels = 0
    with store.unit(user) as u:
        for sid, r in matched:
            for number, level in r.levels.items():
                u.support.set_risk(sid, rep.year, number, level, r.measured.get(number) or None, file_name, user.name)
                n_levels += 1
        u.record(events.RISK_LEVELS_SET, file=file_name, year=rep.year, schools=len(matched), levels=n_levels)
    rep.status, rep.schools, rep.levels = "stored", len(matched), n_levels
    return rep


# ---------------------------------------------------------------------------------------------
# Partners
# ---------------------------------------------------------------------------------------------
def pair_partner(store: Store, user: User, school_id: int, partner_id: int, reason: str | None = None,
                 since: dt.date | None = None, list_year: int | None = None,
                 settings: RuleSettings | None = None, today: dt.date | None = None) -> None:
    """Make `partner_id` the partner of `school_id` (one active partner per school: a previous one is ended
    today). The partner may not be the school itself, a ШНОР, a school of the risk group or a closed school
    (of the list of `list_year`, default the current one), and must be a school the user may see."""
    place = _school(store, user, Action.PARTNERS, school_id)
    school_id, partner_id = int(school_id), int(partner_id)
    if partner_id == school_id:
        raise SupportError("Школа не может быть партнёром самой себе: выберите другую школу.")
    partner_place = require_school(store, user, Action.READ, partner_id)
    if partner_place is None:
        raise SupportError(f"Школа-партнёр № {partner_id} не найдена в реестре.")
    reason = _text(reason, "Основание", MAX_REASON)
    today = today or dt.date.today()
    list_year = list_year or current_year(store)
    facts = school_facts(store, list_year, place[0], settings)
    if partner_id not in facts:
        facts.update(school_facts(store, list_year, partner_place[0], settings))
    refusal = pt.why_not_partner(facts[school_id], facts[partner_id], list_year)
    if refusal:
        raise SupportError(refusal)
    current = store.support.partnerships(school_id=school_id, active_only=True)
    if not current.empty and int(current.iloc[0]["partner_id"]) == partner_id:
        raise SupportError(f"{facts[partner_id].name} — уже партнёр этой школы.")
    if reason is None:
        _, _, _, _, reason = pt.reason(facts[school_id], facts[partner_id], list_year)
    with store.unit(user) as u:
        ended = u.support.end_partnerships(school_id, today)
        for old in ended:
            u.record(events.PARTNER_ENDED, school_id=school_id, partner_id=old, ended=today.isoformat(),
                     why="назначен другой партнёр")
        u.support.add_partnership(school_id, partner_id, since or today, reason, user.name)
        u.record(events.PARTNER_SET, school_id=school_id, partner_id=partner_id, since=(since or today).isoformat(),
                 reason=reason)


def end_partnership(store: Store, user: User, school_id: int, ended: dt.date | None = None) -> bool:
    """End the school's partnership (kept in the history). False when there was none."""
    _school(store, user, Action.PARTNERS, school_id)
    ended = ended or dt.date.today()
    if store.support.partnerships(school_id=int(school_id), active_only=True).empty:
        return False
    with store.unit(user) as u:
        for old in u.support.end_partnerships(int(school_id), ended):
            u.record(events.PARTNER_ENDED, school_id=int(school_id), partner_id=old, ended=ended.isoformat())
    return True


# ---------------------------------------------------------------------------------------------
# Curator, coordinator, «500+», ШНСУ
# ---------------------------------------------------------------------------------------------
_KEEP = object()


def set_support(store: Store, user: User, school_id: int, curator=_KEEP, coordinator=_KEEP, is_500plus=_KEEP) -> bool:
    """Set the curator, the municipal coordinator and the «500+» flag (those given; '' or None clears a name).
    False when nothing changed."""
    _school(store, user, Action.PARTNERS, school_id)
    old = store.support.support(int(school_id)) or {"curator": None, "coordinator": None, "is_500plus": False}
    new = {"curator": old["curator"] if curator is _KEEP else _text(curator, "Куратор"),
           "coordinator": old["coordinator"] if coordinator is _KEEP else _text(coordinator, "Координатор"),
           "is_500plus": bool(old["is_500plus"]) if is_500plus is _KEEP else bool(is_500plus)}
    diff = {k: v for k, v in new.items() if v != (bool(old[k]) if k == "is_500plus" else old[k])}
    if not diff:
        return False
    with store.unit(user) as u:
        u.support.set_support(int(school_id), new["curator"], new["coordinator"], new["is_500plus"], user.name)
        u.record(events.SUPPORT_SET, school_id=int(school_id), **diff)
    return True


def set_shnsu(store: Store, user: User, school_id: int, value: bool) -> bool:
    """The registry's ШНСУ flag (unfavourable social conditions). False when it already had that value.
    A later registry file that states the flag sets it again (the registry is the source)."""
    _school(store, user, Action.EDIT_SCHOOL, school_id)
    old = store.schools.registry_row(int(school_id)).get("is_shnsu")
    if old is not None and bool(old) == bool(value):
        return False
    with store.unit(user) as u:
        u.schools.update(int(school_id), {"is_shnsu": bool(value)})
        u.record(events.SUPPORT_SET, school_id=int(school_id), is_shnsu=bool(value))
    return True
