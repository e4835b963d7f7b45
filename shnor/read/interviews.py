"""Interview records («собеседования») as the school page, the printable record and the справка read them:

    school_interviews(store, user, school_id)   -> InterviewList (newest first, with the linked measures)
    interview(store, user, interview_id)        -> InterviewRecord (one record, for printing)

Action.READ where the school is. No SQL here and no writes (shnor/services/interviews.py changes them).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from shnor.domain.fmt import plural
from shnor.domain.permissions import Action, User
from shnor.domain.roadmap import STATUS_RU
from shnor.read.support import require_school
from shnor.store import Store


def fmt_date(d) -> str:
    if d is None or (not isinstance(d, (dt.date, str)) and pd.isna(d)):
        return "—"
    return pd.Timestamp(d).strftime("%d.%m.%Y")


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def measure_label(number, text, status=None) -> str:
    """«1.3. Собеседование с руководителями … (выполнено)»"""
    num = _text(number).strip()
    label = (f"{num} " if num else "") + _text(text).strip()
    st = STATUS_RU.get(status) if isinstance(status, str) else None
    return label + (f" ({st})" if st else "")


@dataclass
class InterviewRecord:
    id: int
    school_id: int
    school_name: str
    territory: str
    held_on: dt.date
    participants: str
    findings: str
    decisions: str
    follow_up: str
    measures: list[str] = field(default_factory=list)      # linked roadmap measures as labels
    measure_ids: list[int] = field(default_factory=list)
    created_by: str | None = None
    created_at: object | None = None
    updated_by: str | None = None
    updated_at: object | None = None

    @property
    def held_on_ru(self) -> str:
        return fmt_date(self.held_on)

    def trail_ru(self) -> str:
        """«Записал(а): ivanova, 20.11.2024; изменил(а): petrov, 21.11.2024»"""
        out = f"Запись внесена: {self.created_by or 'нет данных'}, {fmt_date(self.created_at)}"
        if self.updated_by:
            out += f"; изменена: {self.updated_by}, {fmt_date(self.updated_at)}"
        return out

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) of the record in the order of the minutes; an empty field as «—»."""
        return [("Дата собеседования", self.held_on_ru), ("Участники", self.participants or "—"),
                ("Что выявлено", self.findings or "—"), ("Решения", self.decisions or "—"),
                ("Последующие меры", self.follow_up or "—"),
                ("Мероприятия дорожной карты", "\n".join(self.measures) if self.measures else "не связаны")]


@dataclass
class InterviewList:
    school_id: int
    records: list[InterviewRecord]

    def __len__(self) -> int:
        return len(self.records)

    def sentence_ru(self) -> str:
        n = len(self.records)
        if not n:
            return "Записей собеседований нет."
        return (f"{n} {plural(n, 'запись', 'записи', 'записей')} собеседований; последнее — "
                f"{self.records[0].held_on_ru}.")

    def table(self) -> pd.DataFrame:
        """The records as a table of text (newest first)."""
        return pd.DataFrame({
            "Дата": [r.held_on_ru for r in self.records],
            "Участники": [r.participants for r in self.records],
            "Что выявлено": [r.findings for r in self.records],
            "Решения": [r.decisions for r in self.records],
            "Последующие меры": [r.follow_up for r in self.records],
            "Мероприятия дорожной карты": ["; ".join(r.measures) for r in self.records],
            "Кто внёс и изменил": [r.trail_ru() for r in self.records]},
            columns=["Дата", "Участники", "Что выявлено", "Решения", "Последующие меры", "Мероприятия дорожной карты",
                     "Кто внёс и изменил"])


def _records(store: Store, rows: pd.DataFrame) -> list[InterviewRecord]:
    if rows.empty:
        return []
    links = store.interviews.links([int(i) for i in rows["id"]])
    names = store.territories.list()
    tname = {int(i): str(n) for i, n in zip(names["id"], names["name"])}
    out = []
    for r in rows.itertuples(index=False):
        mine = links[links["interview_id"] == int(r.id)]
        out.append(InterviewRecord(
            id=int(r.id), school_id=int(r.school_id), school_name=_text(r.school_name),
            territory=tname.get(int(r.territory_id), ""), held_on=r.held_on,
            participants=_text(r.participants), findings=_text(r.findings), decisions=_text(r.decisions),
            follow_up=_text(r.follow_up),
            measures=[measure_label(n, t, s) for n, t, s in zip(mine["number"], mine["text"], mine["status"])],
            measure_ids=[int(m) for m in mine["measure_id"]],
            created_by=_text(r.created_by) or None, created_at=r.created_at,
            updated_by=_text(r.updated_by) or None, updated_at=r.updated_at))
    return out


def school_interviews(store: Store, user: User, school_id: int) -> InterviewList | None:
    """The school's records, newest first (None: no such school; Forbidden outside the user's scope)."""
    if require_school(store, user, Action.READ, int(school_id)) is None:
        return None
    return InterviewList(int(school_id), _records(store, store.interviews.list(school_ids=[int(school_id)])))


def interview(store: Store, user: User, interview_id: int) -> InterviewRecord | None:
    """One record (None: no such record; Forbidden when its school is outside the user's scope)."""
    rows = store.interviews.list(interview_ids=[int(interview_id)])
    if rows.empty:
        return None
    require_school(store, user, Action.READ, int(rows.iloc[0]["school_id"]))
    return _records(store, rows)[0]
