"""Indicator values and targets as use cases.

    set_value(store, user, "gia_pass", 2021, "95,5", territory_id=3)           -> Saved (a Russian message)
    set_value(store, user, "preventive_register", 2021, 4, school_id=17)
    import_template(store, user, path, file_name="показатели.xlsx")            -> TemplateImport
    set_target(store, user, "gia_pass", 3, 2021, "97")                         -> Saved
    set_target(store, user, "shnor_share", None, 2021, "10")   # the «targets» table, through settings.set_targets

Values: Action.INDICATOR_VALUES (methodist, admin) in the territory where the value lands (a school's: its
district, else its municipality). Targets: Action.INDICATOR_TARGETS (head, admin) in the territory; the
share of ШНОР keeps its one target in the «targets» table (Action.TARGETS, an admin of the whole region),
so its target goes through shnor/services/settings.set_targets and nowhere else. Validation and the wording
are the domain's (shnor/domain/indicators.py). Each change: one unit of work and a typed event. Refusals are
`Forbidden` (permissions) or `IndicatorError` (the input), with a Russian message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.domain import events
from shnor.domain import indicators as ind_
from shnor.domain.indicators import IndicatorError
from shnor.domain.permissions import Action, User, require, why_not
from shnor.importing.indicator_template import TemplateRow
from shnor.importing.model import ERROR, Hints, Issue
from shnor.importing.sandbox import parse_in_child
from shnor.services import settings as settings_service
from shnor.store import Store


@dataclass(frozen=True)
class Saved:
    """What was stored: the message says it in Russian (what, where, year, new value, the old one)."""
    indicator: str
    year: int
    territory_id: int | None
    school_id: int | None
    value: float
    previous: float | None
    message: str


def _place(store: Store, territory_id: int | None, school_id: int | None) -> str:
    if school_id is not None:
        row = store.schools.list()
        row = row[row["id"] == int(school_id)]
        return f"школа «{row['short_name'].iloc[0]}»" if not row.empty else f"школа {school_id}"
    return "весь регион" if territory_id is None else f"«{store.territories.name(territory_id)}»"


def _school_place(store: Store, school_id: int) -> tuple[int, int]:
    """(the school's territory, the territory a permission is asked for: its district, else its municipality)."""
    place = store.schools.place(int(school_id))
    if place is None:
        raise IndicatorError(f"Школы с номером {school_id} нет в реестре: значение не сохранено.")
    territory, district = place
    return territory, district if district is not None else territory


def _territory(store: Store, territory_id: int | None) -> int | None:
    """None and the region's own row are the whole region; any other id must exist."""
    if territory_id is None or int(territory_id) == (store.territories.root_id() or -1):
        return None
    if not store.territories.exists(int(territory_id)):
        raise IndicatorError(f"Территории с номером {territory_id} нет: значение не сохранено.")
    return int(territory_id)


def _saved_message(ind: ind_.Indicator, place: str, year: int, value: float, previous: float | None,
                   what: str = "Значение") -> str:
    was = "" if previous is None else (" (без изменений)" if abs(previous - value) < 1e-12 else
                                       f" (было {ind_.fmt_value(ind, previous)})")
    return (f"{what} сохранено: «{ind.short_ru}», {place}, {ind_.year_ru(year)} — "
            f"{ind_.fmt_value(ind, value)}{was}.")


def set_value(store: Store, user: User, indicator: str, year: int | str, value, territory_id: int | None = None,
              school_id: int | None = None) -> Saved:
    """Enter one value for a territory (None: the region) or a school and a school year."""
    ind = ind_.get(indicator)
    if school_id is not None:
        territory_id, where = _school_place(store, school_id)
    else:
        territory_id = _territory(store, territory_id)
        where = territory_id
    require(user, Action.INDICATOR_VALUES, where)
    ind_.check_level(ind, school_id is not None)
    y = ind_.parse_year(year)
    v = ind_.parse_value(ind, value)
    with store.unit(user) as u:
        previous = u.indicators.value(ind.code, y, territory_id, school_id)
        u.indicators.set_value(ind.code, y, v, territory_id, school_id, None, user.name)
        u.record(events.INDICATOR_VALUES_SET, indicator=ind.code, year=y, territory_id=territory_id,
                 school_id=school_id, value=v, previous=previous, source=None)
    return Saved(ind.code, y, territory_id, school_id, v, previous,
                 _saved_message(ind, _place(store, territory_id, school_id), y, v, previous))


def set_target(store: Store, user: User, indicator: str, territory_id: int | None, year: int | str, target) -> Saved:
    """Set an indicator's target for a territory (None: the region) and school year. The share of ШНОР: its
    one target in the «targets» table (settings.set_targets, an admin of the whole region)."""
    ind = ind_.get(indicator)
    territory_id = _territory(store, territory_id)
    y = ind_.parse_year(year)
    if ind.code == ind_.SHNOR_SHARE:
        require(user, Action.TARGETS, territory_id)
        t = ind_.parse_value(ind, target, what="Цель")
        previous = store.targets.own(territory_id, y)
        settings_service.set_targets(store, user, [(territory_id, y, t)])
    else:
        require(user, Action.INDICATOR_TARGETS, territory_id)
        t = ind_.parse_value(ind, target, what="Цель")
        with store.unit(user) as u:
            previous = u.indicators.target(ind.code, territory_id, y)
            u.indicators.set_target(ind.code, territory_id, y, t, user.name)
            u.record(events.INDICATOR_TARGET_SET, indicator=ind.code, territory_id=territory_id, year=y, target=t,
                     previous=previous)
    place = _place(store, territory_id, None)
    was = "" if previous is None else f" (была {ind_.fmt_target(ind, previous)})"
    return Saved(ind.code, y, territory_id, None, t, previous,
                 f"Цель сохранена: «{ind.short_ru}», {place}, {ind_.year_ru(y)} — {ind_.fmt_target(ind, t)}{was}.")


# ---------------------------------------------------------------------------------------------
# The template, uploaded: all of it or nothing
# ---------------------------------------------------------------------------------------------
@dataclass
class TemplateImport:
    file_name: str
    status: str = "refused"                     # "stored" | "refused"
    issues: list[Issue] = field(default_factory=list)
    stored: int = 0                              # values written (new or changed)
    unchanged: int = 0                           # filled rows equal to the kept value

    def summary_ru(self) -> str:
        if self.status != "stored":
            n = len([i for i in self.issues if i.level == ERROR])
            return (f"Файл «{self.file_name}» не загружен: "
                    + (f"ошибок — {n}; " if n > 1 else "") + "ничего не сохранено. Исправьте и загрузите снова.")
        parts = [f"Файл «{self.file_name}» загружен: сохранено значений — {self.stored}"]
        if self.unchanged:
            parts.append(f"без изменений — {self.unchanged}")
        return ", ".join(parts) + "."


def _resolve_rows(store: Store, user: User, rows: list[TemplateRow], file_name: str
                  ) -> tuple[list[tuple[TemplateRow, int | None, int | None]], list[Issue]]:
    """Each row's (territory id, school id), with the rows that name an unknown territory or school, or one
    outside the user's territory, as issues (file, sheet, row, column)."""
    schools = store.schools.list()
    by_code: dict[str, tuple[int, int, int]] = {}
    for r in schools.itertuples(index=False):
        district = None if pd.isna(r.district_id) else int(r.district_id)
        entry = (int(r.id), int(r.territory_id), district if district is not None else int(r.territory_id))
        for code in (r.school_code, r.fisoko_login, r.login_key, r.exam_code_oge, r.exam_code_ege, r.registry_code,
                     r.inn):
            if not pd.isna(code) and str(code).strip():
                by_code.setdefault(str(code).strip().lower(), entry)
    region = store.territories.root_id()
    region_names = {ind_.REGION_ROW.lower()} | ({str(store.territories.name(region)).lower()} if region else set())
    out, issues = [], []

    def fail(r: TemplateRow, column: str, message: str, value: str | None) -> None:
        issues.append(Issue(ERROR, message, file=file_name, sheet=r.sheet, row=r.row, column=column, value=value))

    for r in rows:
        if r.school_code:
            hit = by_code.get(r.school_code.lower())
            if hit is None:
                fail(r, ind_.H_SCHOOL_CODE, "школы с таким кодом нет в реестре.", r.school_code)
                continue
            sid, tid, where = hit
            column, value = ind_.H_SCHOOL_CODE, r.school_code
        else:
            if r.territory.lower() in region_names:
                tid = None
            else:
                tid = store.territories.find(r.territory)
                if tid is None:
                    fail(r, ind_.H_TERRITORY, "такой территории нет.", r.territory)
                    continue
                tid = None if tid == region else int(tid)
            sid, where = None, tid
            column, value = ind_.H_TERRITORY, r.territory
        reason = why_not(user, Action.INDICATOR_VALUES, where)
        if reason is not None:
            fail(r, column, reason[0].lower() + reason[1:], value)
            continue
        out.append((r, tid, sid))
    return out, issues


def import_template(store: Store, user: User, path: str | Path, file_name: str | None = None) -> TemplateImport:
    """Read the uploaded template in the sandbox, check every filled row (indicator, year, territory or school
    within the user's territory, value), and store all of it in one unit — or nothing, with every wrong row
    named (file, sheet, row, column)."""
    require(user, Action.INDICATOR_VALUES, user.territory_id)
    file_name = file_name or Path(path).name
    rep = TemplateImport(file_name)
    parsed = parse_in_child(path, file_name, Hints(), {}, entry="indicator_template")
    rows = getattr(parsed, "rows", None)
    if parsed.refused or not rows:
        rep.issues = parsed.issues or [Issue(ERROR, "в файле нет заполненных значений.", file=file_name)]
        return rep
    resolved, issues = _resolve_rows(store, user, rows, file_name)
    if issues:
        rep.issues = issues
        return rep
    with store.unit(user) as u:
        changed = []
        for r, tid, sid in resolved:
            previous = u.indicators.value(r.indicator, r.year, tid, sid)
            if previous is not None and abs(previous - r.value) < 1e-12:
                rep.unchanged += 1
                continue
            u.indicators.set_value(r.indicator, r.year, r.value, tid, sid, file_name, user.name)
            changed.append({"indicator": r.indicator, "year": r.year, "territory_id": tid, "school_id": sid,
                            "value": r.value, "previous": previous, "row": r.row})
        if changed:
            u.record(events.INDICATOR_VALUES_SET, file=file_name, values=len(changed), rows=changed)
    rep.stored, rep.status = len(changed), "stored"
    return rep

