"""Interview records — «собеседования» with the heads of schools (seed 000: «Собеседование с руководителями
общеобразовательных организаций, имеющих низкие образовательные результаты»; seed 002: «совещания-собеседования»):

    saved = save_interview(store, user, school_id, held_on=date(2024, 11, 20), participants="…", findings="…",
                           decisions="…", follow_up="…", measure_ids=[12, 15])          # a new record
    save_interview(store, user, school_id, interview_id=saved.interview_id, …)         # an edit
    remove_interview(store, user, interview_id)

Permission: Action.INTERVIEWS (methodist, head, admin) where the school is (its territory or its district). A record
keeps who created and who last changed it; every change is an audit event (INTERVIEW_SAVED with the fields changed
and their former values, INTERVIEW_REMOVED with the whole record), so the trail survives a removal.
The follow-up measures may be linked to roadmap measures that concern the school (named for it, or of its own
roadmap) or belong to a roadmap of its territory (its district, its municipality or the region) the user may see.
Messages are Russian.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from shnor.domain import events
from shnor.domain.permissions import Action, Forbidden, User, in_scope  # noqa: F401 (Forbidden for callers)
from shnor.read.support import require_school
from shnor.store import Store

MAX_PARTICIPANTS = 1000
MAX_TEXT = 5000
MAX_MEASURES = 50
EARLIEST = dt.date(2000, 1, 1)
FIELD_RU = {"held_on": "дата", "participants": "участники", "findings": "что выявлено", "decisions": "решения",
            "follow_up": "последующие меры", "measures": "мероприятия дорожной карты"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InterviewError(ValueError):
    """A record that cannot be stored as given; the message is Russian and user-facing."""


@dataclass(frozen=True)
class InterviewSaved:
    interview_id: int
    created: bool
    changed: tuple[str, ...] = field(default_factory=tuple)   # FIELD_RU keys; empty: nothing changed

    def summary_ru(self) -> str:
        if self.created:
            return "Запись собеседования сохранена."
        if not self.changed:
            return "Ничего не изменилось."
        return "Запись собеседования изменена: " + ", ".join(FIELD_RU[c] for c in self.changed) + "."


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------
def parse_date(value) -> dt.date:
    """A date as given: a date, «20.11.2024» or «2024-11-20»."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        raise InterviewError("Укажите дату собеседования.")
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InterviewError(f"«{text[:40]}» — не дата: укажите дату собеседования в виде ДД.ММ.ГГГГ.")


def check_date(value, today: dt.date | None = None) -> dt.date:
    d = parse_date(value)
    today = today or dt.date.today()
    if d > today:
        raise InterviewError(f"Дата собеседования {d:%d.%m.%Y} — в будущем: запись делают после собеседования "
                             f"(сегодня {today:%d.%m.%Y}).")
    if d < EARLIEST:
        raise InterviewError(f"Дата собеседования {d:%d.%m.%Y} — слишком ранняя: проверьте год.")
    return d


def clean_text(value, what: str, limit: int, required: bool = False) -> str:
    """The text as typed (line breaks kept, other control characters dropped, outer blanks trimmed)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if required and not text:
        raise InterviewError(f"Заполните поле «{what}».")
    if len(text) > limit:
        raise InterviewError(f"«{what}»: не больше {limit} знаков (сейчас {len(text)}).")
    return text


def _territory_chain(store: Store, place: tuple[int, int | None]) -> set[int | None]:
    """The school's district, its territory and every territory above it, and None (a region-wide roadmap)."""
    t = store.territories.list()
    parent = {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(t["id"], t["parent_id"])}
    chain: set[int | None] = {None}
    for start in place:
        cur = start
        while cur is not None and cur not in chain:
            chain.add(cur)
            cur = parent.get(cur)
    return chain


def check_measures(store: Store, user: User, school_id: int, place: tuple[int, int | None],
                   measure_ids) -> list[int]:
    """The measure ids, each concerning the school or of its territory's roadmaps (that the user may see)."""
    try:
        ids = sorted({int(m) for m in (measure_ids or [])})
    except (TypeError, ValueError):
        raise InterviewError("Мероприятия дорожной карты указаны неверно.") from None
    if len(ids) > MAX_MEASURES:
        raise InterviewError(f"Не больше {MAX_MEASURES} мероприятий дорожной карты в одной записи.")
    if not ids:
        return []
    facts = store.interviews.measure_facts(ids, school_id).set_index("measure_id")
    missing = [i for i in ids if i not in facts.index]
    if missing:
        raise InterviewError(f"Мероприятие дорожной карты № {missing[0]} не найдено (возможно, дорожную карту удалили).")
    chain = _territory_chain(store, place)
    for i in ids:
        f = facts.loc[i]
        own_school = None if pd.isna(f["roadmap_school_id"]) else int(f["roadmap_school_id"])
        territory = None if pd.isna(f["territory_id"]) else int(f["territory_id"])
        if bool(f["names_school"]) or own_school == int(school_id):
            continue
        if own_school is None and territory in chain and in_scope(user, territory):
            continue
        raise InterviewError(f"Мероприятие дорожной карты № {i} не касается этой школы: можно связать только "
                             "мероприятия, где названа школа, её собственной дорожной карты или дорожных карт её "
                             "территории.")
    return ids


def _school(store: Store, user: User, school_id: int) -> tuple[int, int | None]:
    try:
        sid = int(school_id)
    except (TypeError, ValueError):
        raise InterviewError(f"«{school_id}» — не номер школы.") from None
    place = require_school(store, user, Action.INTERVIEWS, sid)
    if place is None:
        raise InterviewError(f"Школа № {sid} не найдена в реестре.")
    return place


# ---------------------------------------------------------------------------------------------
# Use cases
# ---------------------------------------------------------------------------------------------
def save_interview(store: Store, user: User, school_id: int, *, held_on, participants: str, findings: str,
                   decisions: str = "", follow_up: str = "", measure_ids=(), interview_id: int | None = None,
                   today: dt.date | None = None) -> InterviewSaved:
    """Store a new record (interview_id None) or change one of this school. Raises InterviewError / Forbidden
    before anything is stored."""
    place = _school(store, user, school_id)
    sid = int(school_id)
    old = None
    if interview_id is not None:
        old = store.interviews.get(int(interview_id))
        if old is None:
            raise InterviewError(f"Запись собеседования № {interview_id} не найдена (возможно, её удалили).")
        if int(old["school_id"]) != sid:
            raise InterviewError("Эта запись собеседования относится к другой школе.")
    fields = {
        "held_on": check_date(held_on, today),
        "participants": clean_text(participants, "Участники", MAX_PARTICIPANTS, required=True),
        "findings": clean_text(findings, "Что выявлено", MAX_TEXT, required=True),
        "decisions": clean_text(decisions, "Решения", MAX_TEXT),
        "follow_up": clean_text(follow_up, "Последующие меры", MAX_TEXT),
    }
    measures = check_measures(store, user, sid, place, measure_ids)
    if old is None:
        with store.unit(user) as u:
            new_id = u.interviews.create(sid, fields, user.name)
            u.interviews.set_measures(new_id, measures)
            u.record(events.INTERVIEW_SAVED, interview_id=new_id, school_id=sid, held_on=fields["held_on"].isoformat(),
                     created=True, measures=measures)
        return InterviewSaved(new_id, True, tuple(FIELD_RU))
    iid = int(interview_id)
    before_measures = sorted(int(m) for m in store.interviews.links([iid])["measure_id"])
    changed = {k: v for k, v in fields.items() if v != old[k]}
    if measures != before_measures:
        changed["measures"] = measures
    if not changed:
        return InterviewSaved(iid, False, ())
    before = {k: (old[k].isoformat() if k == "held_on" else old[k]) for k in changed if k != "measures"}
    if "measures" in changed:
        before["measures"] = before_measures
    with store.unit(user) as u:
        u.interviews.update(iid, {k: v for k, v in changed.items() if k != "measures"}, user.name)
        if "measures" in changed:
            u.interviews.set_measures(iid, measures)
        u.record(events.INTERVIEW_SAVED, interview_id=iid, school_id=sid, held_on=fields["held_on"].isoformat(),
                 created=False, changed=[k for k in FIELD_RU if k in changed], before=before,
                 after={k: (v.isoformat() if k == "held_on" else v) for k, v in changed.items()})
    return InterviewSaved(iid, False, tuple(k for k in FIELD_RU if k in changed))


def remove_interview(store: Store, user: User, interview_id: int) -> None:
    """Remove a record; the audit event keeps its whole content."""
    old = store.interviews.get(int(interview_id))
    if old is None:
        raise InterviewError(f"Запись собеседования № {interview_id} не найдена (возможно, её уже удалили).")
    sid = int(old["school_id"])
    _school(store, user, sid)
    links = sorted(int(m) for m in store.interviews.links([int(interview_id)])["measure_id"])
    with store.unit(user) as u:
        u.interviews.delete(int(interview_id))
        u.record(events.INTERVIEW_REMOVED, interview_id=int(interview_id), school_id=sid,
                 held_on=old["held_on"].isoformat(), participants=old["participants"], findings=old["findings"],
                 decisions=old["decisions"], follow_up=old["follow_up"], measures=links,
                 created_by=old["created_by"])
