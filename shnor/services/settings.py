"""Settings and reference data as use cases: the rule's defaults, targets, ВПР mark scales (with the stored
marks recomputed from the score histograms), exam minimums, territories, and any other stored setting.

    save_rule_settings(store, user, RuleSettings(...))            -> True when something changed
    set_targets(store, user, [(territory_id or None, year, share), …])
    set_mark_scale(store, user, scale)                              -> ScaleCorrection (what was recomputed)
    set_exam_threshold(store, user, "OGE-RUS", 2026, "min_primary_score", 15, 33)
    add_territory(store, user, "Новый район", "municipality", parent_id=None)
    set_setting(store, user, key, value, Action.USERS)

Each asks the permission table first (all of these are region-wide: only an admin bound to no territory),
validates with the domain, works in one unit of work and records a typed event. Refusals are `Forbidden`
(permissions) or `SettingsError` (the input), both with a Russian message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from shnor.domain import events, procedures, reference
from shnor.domain.fmt import fmt_int, fmt_share, plural
from shnor.domain.permissions import Action, User, require
from shnor.domain.rule import STATUS_RU, RuleSettings
from shnor.domain.scales import MarkScale
from shnor.domain.years import format_school_year
from shnor.read.analysis import RULE_SETTINGS_KEY, compute_list, load_rule_settings
from shnor.store import Store


class SettingsError(ValueError):
    """A setting that cannot be stored as given; the message is Russian and user-facing."""


def _refuse(errors: list[str]) -> None:
    if errors:
        raise SettingsError(" ".join(errors))


# ---------------------------------------------------------------------------------------------
# The rule's defaults and other stored settings
# ---------------------------------------------------------------------------------------------
def save_rule_settings(store: Store, user: User, settings: RuleSettings) -> bool:
    """Store the rule's default settings; False (and nothing written) when they are the stored ones."""
    require(user, Action.RULE_SETTINGS)
    _refuse(settings.validate())
    with store.unit(user) as u:
        if u.settings.get(RULE_SETTINGS_KEY) is not None and load_rule_settings(u) == settings:
            return False
        u.settings.set(RULE_SETTINGS_KEY, settings.to_dict(), user.name)
        u.record(events.RULE_SETTINGS_SAVED, settings=settings.to_dict())
    return True


def set_setting(store: Store, user: User, key: str, value: Any, action: Action) -> None:
    """Any other stored setting (JSON per key), guarded by the action it belongs to (e.g. the accounts'
    security settings: Action.USERS)."""
    require(user, action)
    with store.unit(user) as u:
        u.settings.set(key, value, user.name)
        u.record(events.SETTING_CHANGED, key=key, value=value)


def set_due_soon_days(store: Store, user: User, days) -> bool:
    """How many days ahead a measure's deadline makes it «скоро срок» (0–90). False when unchanged."""
    from shnor.domain.roadmap import DUE_SOON_DEFAULT, DUE_SOON_SETTING_KEY
    require(user, Action.RULE_SETTINGS)
    try:
        n = int(days)
    except (TypeError, ValueError):
        raise SettingsError(f"«Скоро срок»: нужно целое число дней, а не «{days}».") from None
    if not 0 <= n <= 90 or str(days).strip() not in (str(n), f"{n}.0"):
        raise SettingsError(f"«Скоро срок»: от 0 до 90 дней, а не «{days}».")
    if int(store.settings.get(DUE_SOON_SETTING_KEY, DUE_SOON_DEFAULT)) == n:
        return False
    set_setting(store, user, DUE_SOON_SETTING_KEY, n, Action.RULE_SETTINGS)
    return True


DOCUMENT_KEYS = {"department_name": "Название органа управления образованием",
                 "department_head_position": "Должность подписывающего",
                 "department_head_name": "Фамилия и инициалы подписывающего"}


def set_document_heading(store: Store, user: User, values: dict[str, str]) -> list[str]:
    """The department's name and who signs its documents (the справки, lists): texts up to 300 characters,
    one line each. Returns the keys changed."""
    require(user, Action.REPORT_TEMPLATES)
    errors, clean = [], {}
    for key, value in values.items():
        if key not in DOCUMENT_KEYS:
            raise KeyError(key)
        text = " ".join(str(value or "").split())
        if len(text) > 300:
            errors.append(f"«{DOCUMENT_KEYS[key]}»: не длиннее 300 знаков.")
        clean[key] = text
    _refuse(errors)
    changed = [k for k, v in clean.items() if (store.settings.get(k) or "") != v]
    for k in changed:
        set_setting(store, user, k, clean[k], Action.REPORT_TEMPLATES)
    return changed


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------
def set_targets(store: Store, user: User, changes: list[tuple[int | None, int, float]]) -> int:
    """Targets (territory id or None for the region, school year, share 0–1), all in one unit; returns how
    many were stored."""
    require(user, Action.TARGETS)
    for tid, _, _ in changes:
        require(user, Action.TARGETS, tid)
    errors = [e for _, _, share in changes for e in reference.validate_target_share(share)]
    _refuse(list(dict.fromkeys(errors)))
    with store.unit(user) as u:
        for tid, year, share in changes:
            if tid is not None and not u.territories.exists(tid):
                raise SettingsError(f"Территории с номером {tid} нет: цель не сохранена.")
            u.targets.set(tid, int(year), float(share))
            u.record(events.TARGET_SET, territory_id=tid, year=int(year), share=float(share))
    return len(changes)


# ---------------------------------------------------------------------------------------------
# Exam minimums and territories
# ---------------------------------------------------------------------------------------------
def set_exam_threshold(store: Store, user: User, procedure: str, year: int, kind: str, value: int,
                       max_value: int | None, note: str | None = None) -> None:
    """Add or correct an exam minimum of a year (one per procedure, year and kind)."""
    require(user, Action.THRESHOLDS)
    _refuse(reference.validate_exam_threshold(procedure, kind, value, max_value))
    with store.unit(user) as u:
        u.reference.set_exam_threshold(procedure, int(year), kind, int(value), max_value, note)
        u.record(events.THRESHOLD_SET, procedure=procedure, year=int(year), kind=kind, value=int(value),
                 max_value=max_value)


def add_territory(store: Store, user: User, name: str, kind: str = "municipality",
                  parent_id: int | None = None) -> int:
    """A municipality of the region or a district of a municipality, added by hand; returns its id."""
    require(user, Action.TERRITORIES, parent_id)
    name = str(name or "").strip()
    with store.unit(user) as u:
        parent_kind = None
        if parent_id is not None:
            terr = u.territories.list()
            row = terr[terr["id"] == int(parent_id)]
            if row.empty:
                raise SettingsError(f"Территории с номером {parent_id}, в которую входит новая, нет.")
            parent_kind = str(row["kind"].iloc[0])
        _refuse(reference.validate_territory(name, kind, parent_kind))
        if u.territories.find(name) is not None:
            raise SettingsError(f"Территория «{name}» уже есть.")
        tid = u.territories.add(name, kind=kind, parent_id=parent_id)
        u.record(events.TERRITORY_ADDED, id=tid, name=name, kind=kind, parent_id=parent_id)
    return tid


# ---------------------------------------------------------------------------------------------
# ВПР mark scales: setting one recomputes the marks it decides
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultChange:
    """A stored result whose marks changed with the scale."""
    school_id: int
    school: str
    territory: str
    participants: int
    low_before: int
    low_after: int
    marks_before: tuple            # («2», «3», «4», «5») as stored before (None where not stored)
    marks_after: tuple


@dataclass(frozen=True)
class StatusChange:
    """A school whose status in a computed list changed with the scale."""
    list_year: int
    school_id: int
    school: str
    territory: str
    before: str | None
    after: str | None


@dataclass
class ScaleCorrection:
    """What setting a scale did: the stored results recomputed from their histograms, those that changed,
    those that cannot be recomputed (no histogram: reports, exam tables), and the statuses that changed in
    the lists formed from that year's results (list years Y+1 and Y+2). Approved lists are not touched."""
    scale: MarkScale
    old_bounds: dict[int, tuple[int, int]] | None
    recomputed: int = 0                      # results with a histogram
    changed: list[ResultChange] = field(default_factory=list)
    not_recomputable: int = 0                # results without a histogram
    kept_for_undo: int = 0                   # earlier values kept for undo, recomputed too
    statuses: list[StatusChange] = field(default_factory=list)
    list_years: tuple[int, ...] = ()

    @property
    def unchanged_scale(self) -> bool:
        return self.old_bounds == self.scale.bounds

    def scale_ru(self) -> str:
        return "; ".join(f"«{m}» {lo}–{hi}" for m, (lo, hi) in sorted(self.scale.bounds.items()))

    def summary_ru(self) -> str:
        """What happened, in one paragraph (the page's message and the CLI's output)."""
        what = f"{procedures.name_ru(self.scale.procedure)}, {format_school_year(self.scale.year)}"
        if self.unchanged_scale:
            return f"Шкала {what} не изменилась ({self.scale_ru()}): пересчитывать нечего."
        parts = [f"Шкала {what} сохранена: {self.scale_ru()}."]
        if not self.recomputed and not self.not_recomputable:
            parts.append("Результатов этой работы за этот год нет: пересчитывать нечего.")
        else:
            n = self.recomputed
            low = sum(c.low_before != c.low_after for c in self.changed)
            parts.append(f"Отметки пересчитаны из сохранённого распределения первичных баллов: "
                         f"{fmt_int(n)} {plural(n, 'результат', 'результата', 'результатов')} школ; отметки "
                         f"изменились у {fmt_int(len(self.changed))}, из них число «2» — у {fmt_int(low)}.")
            if self.not_recomputable:
                k = self.not_recomputable
                parts.append(f"Не пересчитываются (нет распределения баллов — загружены из отчёта или таблицы): "
                             f"{fmt_int(k)} {plural(k, 'результат', 'результата', 'результатов')}; для них "
                             "загрузите протокол заново.")
        if self.kept_for_undo:
            parts.append(f"Прежние значения, сохранённые для отмены загрузок, тоже пересчитаны: "
                         f"{fmt_int(self.kept_for_undo)}.")
        if self.list_years and self.changed:
            years = " и ".join(format_school_year(y) for y in self.list_years)
            if self.statuses:
                k = len({s.school_id for s in self.statuses})
                parts.append(f"Статус в рассчитанных списках на {years} изменился у {fmt_int(k)} "
                             f"{plural(k, 'школы', 'школ', 'школ')}. Утверждённые списки не меняются: расхождение "
                             "с ними показано на странице «Выявление ШНОР».")
            else:
                parts.append(f"Статусы школ в рассчитанных списках на {years} не изменились.")
        return " ".join(parts)

    def results_frame(self) -> pd.DataFrame:
        """The changed results for display: school, territory, «2» before → after, share before → after."""
        return pd.DataFrame([{
            "Школа": c.school, "Территория": c.territory, "Участников": c.participants,
            "«2» было": c.low_before, "«2» стало": c.low_after,
            "Доля «2» была": fmt_share(c.low_before, c.participants),
            "Доля «2» стала": fmt_share(c.low_after, c.participants),
            "Отметки «2»–«5» были": _marks_text(c.marks_before), "Отметки «2»–«5» стали": _marks_text(c.marks_after)}
            for c in self.changed], columns=RESULT_COLUMNS)

    def statuses_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "Список на": format_school_year(s.list_year), "Школа": s.school, "Территория": s.territory,
            "Было": STATUS_RU.get(s.before, "—"), "Стало": STATUS_RU.get(s.after, "—")} for s in self.statuses],
            columns=["Список на", "Школа", "Территория", "Было", "Стало"])


RESULT_COLUMNS = ["Школа", "Территория", "Участников", "«2» было", "«2» стало", "Доля «2» была", "Доля «2» стала",
                  "Отметки «2»–«5» были", "Отметки «2»–«5» стали"]


def _marks_text(marks: tuple) -> str:
    return "нет данных" if any(m is None or pd.isna(m) for m in marks) else " / ".join(str(int(m)) for m in marks)


def _statuses(u, list_years: tuple[int, ...], settings: RuleSettings) -> dict[tuple[int, int], str | None]:
    """(list year, school id) -> status in the region's computed lists, read inside the unit."""
    out: dict[tuple[int, int], str | None] = {}
    for ly in list_years:
        t = compute_list(u, ly, None, settings).table
        for sid, status in zip(t["id"], t["status"]):
            out[(ly, int(sid))] = None if pd.isna(status) else str(status)
    return out


def set_mark_scale(store: Store, user: User, scale: MarkScale) -> ScaleCorrection:
    """Set the scale of (procedure, year) and, in the same unit, recompute marks «2»–«5» and the low count
    of every stored result of that procedure and year that has a score histogram (participants kept), and
    the earlier values kept for undo. Refused when a stored histogram has scores the scale does not cover."""
    require(user, Action.SCALES)
    _refuse(reference.validate_vpr_scale(scale))
    proc, year = scale.procedure, int(scale.year)
    with store.unit(user) as u:
        old = u.reference.mark_scales().get((proc, year))
        corr = ScaleCorrection(scale, None if old is None else dict(old.bounds))
        if corr.unchanged_scale:
            return corr
        scored, corr.not_recomputable = u.reference.scored_results(proc, year)
        kept = u.reference.replaced_scored_results(proc, year)
        new_marks = [(r, reference.recompute_marks(scale, r["hist"])) for r in scored]
        outside = [(r, m) for r, m in new_marks if m.outside]
        if outside or any(reference.recompute_marks(scale, k["hist"]).outside for k in kept):
            top = max(max(h) for h in [r["hist"] for r, _ in outside] + [k["hist"] for k in kept])
            raise SettingsError(
                f"В сохранённых результатах {procedures.name_ru(proc)} за {format_school_year(year)} есть первичные "
                f"баллы выше максимума новой шкалы ({scale.max_score}): наибольший — {top}"
                + (f", у {fmt_int(len(outside))} {plural(len(outside), 'школы', 'школ', 'школ')}" if outside else "")
                + ". Проверьте максимум: шкала не сохранена.")
        corr.recomputed = len(scored)
        changed = [(r, m) for r, m in new_marks
                   if m.low != r["low_count"] or any(r["marks"][k] != m.marks[k] for k in reference.MARKS)]
        settings = load_rule_settings(u)
        list_years = (year + 1, year + 2)
        corr.list_years = list_years
        watch = bool(changed) and proc in settings.procedures
        before = _statuses(u, list_years, settings) if watch else {}

        u.reference.set_mark_scale(scale)
        u.reference.set_result_marks(proc, year, [(r["school_id"], m.marks) for r, m in changed])
        for k in kept:
            m = reference.recompute_marks(scale, k["hist"])
            row = dict(k["row"], low_count=m.low, **{f"mark{x}": m.marks[x] for x in reference.MARKS})
            if row != k["row"]:
                u.reference.set_replaced_row(k["batch_id"], k["school_id"], proc, year, row)
                corr.kept_for_undo += 1

        schools = u.schools.list().set_index("id") if changed else None

        def named(sid: int) -> tuple[str, str]:
            if schools is None or sid not in schools.index:
                return f"школа {sid}", ""
            return str(schools.at[sid, "short_name"]), str(schools.at[sid, "territory"])

        corr.changed = [ResultChange(r["school_id"], *named(r["school_id"]), r["participants"], r["low_count"], m.low,
                                     tuple(r["marks"][x] for x in reference.MARKS),
                                     tuple(m.marks[x] for x in reference.MARKS)) for r, m in changed]
        if watch:
            after = _statuses(u, list_years, settings)
            corr.statuses = [StatusChange(ly, sid, *named(sid), before.get((ly, sid)), st)
                             for (ly, sid), st in sorted(after.items()) if before.get((ly, sid)) != st]
        u.record(events.SCALE_SET, procedure=proc, year=year,
                 bounds={m: list(b) for m, b in sorted(scale.bounds.items())},
                 old_bounds=None if old is None else {m: list(b) for m, b in sorted(old.bounds.items())},
                 recomputed=corr.recomputed, not_recomputable=corr.not_recomputable,
                 kept_for_undo=corr.kept_for_undo,
                 changed=[{"school_id": c.school_id, "low": [c.low_before, c.low_after]} for c in corr.changed],
                 statuses=[{"list_year": s.list_year, "school_id": s.school_id, "before": s.before,
                            "after": s.after} for s in corr.statuses])
    return corr

