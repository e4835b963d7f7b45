"""The roadmap as use cases: import a roadmap document, track its measures.

    report = import_roadmap(store, user, path, "Дорожная карта.docx", territory_id=None, school_id=None)
    update_measure(store, user, measure_id, MeasureChange(status="done", evidence="Приказ № 12"))
    add_criterion(store, user, measure_id, "Не менее 80 % педагогов прошли курсы", rating="partly")
    rate_criterion(store, user, criterion_id, "met")
    set_measure_schools(store, user, measure_id, [school ids])
    remove_roadmap(store, user, roadmap_id)

The document is parsed in the sandbox like every uploaded file; deadlines become date ranges by the domain's
own rules (shnor/domain/deadlines.py), the text is kept as written. A roadmap is stored whole or not at all,
and the same file again stores nothing. Each use case asks the permission table for the roadmap's territory:
methodists (and admins) of the territory edit the measures and record their progress.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from shnor.domain import events
from shnor.domain.deadlines import parse_deadline, parse_period
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.matching import NameIndex
from shnor.domain.permissions import Action, Forbidden, User, require
from shnor.domain.roadmap import (MAX_NOTE, RATING_RU, STATUS_RU, MeasureChange, rating_key,
                                  refusal_for_extension)
from shnor.importing.reading import MAX_UPLOAD_BYTES, too_large_message
from shnor.importing.sandbox import parse_in_child
from shnor.read.roadmap import school_id_list
from shnor.services.imports import sha256_of
from shnor.store import Store


class RoadmapError(ValueError):
    """A roadmap or a change that cannot be stored as given; the message is Russian and user-facing."""


@dataclass
class RoadmapImportReport:
    file_name: str
    status: str                       # stored | duplicate | refused
    messages: list[str] = field(default_factory=list)    # Russian: what happened, errors, warnings
    roadmap_id: int | None = None
    measures: int = 0
    flagged: int = 0                  # deadlines kept as written, with no dates
    school_links: int = 0             # measures linked to schools of the registry

    @property
    def ok(self) -> bool:
        return self.status == "stored"

    def summary_ru(self) -> str:
        if self.status == "duplicate":
            return self.messages[0] if self.messages else f"Файл «{self.file_name}» уже загружен."
        if self.status == "refused":
            return f"Файл «{self.file_name}» не загружен: " + " ".join(self.messages)
        out = (f"Дорожная карта «{self.file_name}» загружена: {fmt_int(self.measures)} "
               f"{plural(self.measures, 'мероприятие', 'мероприятия', 'мероприятий')}")
        if self.flagged:
            out += (f"; у {fmt_int(self.flagged)} срок без дат (сохранён как написан и отмечен)")
        return out + "."


def _territory_of_school(store, school_id: int) -> int:
    place = store.schools.place(school_id)
    if place is None:
        raise RoadmapError(f"Школа с номером {school_id} не найдена в реестре.")
    return place[0]


_SPLIT = re.compile(r"[;\n]+|,(?![^«»\"]*[»\"])")


def _school_ids(index: NameIndex, text: str, territory_id: int | None) -> list[int]:
    """Schools named in a measure's «schools» cell, matched by name within the roadmap's territory; names that
    match nothing or several schools are left to the text (never guessed)."""
    if not text or territory_id is None:
        return []
    found = []
    for part in _SPLIT.split(text):
        sid, _ = index.lookup(part.strip(), territory_id)
        if sid is not None:
            found.append(sid)
    return sorted(set(found))


def import_roadmap(store: Store, user: User, path: str | Path, file_name: str | None = None,
                   territory_id: int | None = None, school_id: int | None = None) -> RoadmapImportReport:
    """Import a roadmap (.docx, .xlsx, .xls, .ods) for a territory (None: the region) or for one school.
    Refusals come back as a report with Russian messages; nothing is stored then."""
    path = Path(path)
    file_name = file_name or path.name
    if school_id is not None:
        territory_id = _territory_of_school(store, school_id)
    require(user, Action.ROADMAP, territory_id)
    rep = RoadmapImportReport(file_name=file_name, status="refused")
    why = refusal_for_extension(file_name)
    if why:
        rep.messages.append(why)
        return rep
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        rep.messages.append(f"Файл «{file_name}»: {too_large_message(size)}")
        return rep
    sha = sha256_of(path)
    if store.roadmaps.by_sha(sha) is not None:
        return RoadmapImportReport(file_name, "duplicate", [f"Файл «{file_name}» уже загружен: эта дорожная "
                                                            "карта есть в базе, ничего не изменено."])
    doc = parse_in_child(path, file_name, None, {}, entry="roadmap")
    if getattr(doc, "errors", None) or not hasattr(doc, "measures"):
        rep.messages.extend(getattr(doc, "errors", None) or [f"Файл «{file_name}» не удалось разобрать."])
        return rep
    if not doc.measures:
        rep.messages.append(f"В файле «{file_name}» не найдено ни одного мероприятия.")
        return rep
    period = parse_period(" ".join(x for x in (doc.period_text, doc.title) if x))
    index = None
    if school_id is None and territory_id is not None and any(m.schools_text for m in doc.measures):
        index = NameIndex(store.schools.match_records(), store.schools.aliases())
    if school_id is None and doc.school_hint and territory_id is not None:
        # a school's own roadmap: linked when its title names exactly one school of the territory
        index = index or NameIndex(store.schools.match_records(), store.schools.aliases())
        sid, _ = index.lookup(doc.school_hint, territory_id)
        if sid is not None:
            school_id = sid
            rep.messages.append("Дорожная карта школы: связана со школой из заголовка документа.")
    with store.unit(user) as u:
        if u.roadmaps.by_sha(sha) is not None:       # another user may have just stored it
            return RoadmapImportReport(file_name, "duplicate", [f"Файл «{file_name}» уже загружен."])
        rid = u.roadmaps.create(
            title=doc.title or file_name, period_text=doc.period_text or "",
            period_start=period.start if period else None, period_end=period.end if period else None,
            order_number=doc.order_number or "", order_date=doc.order_date, territory_id=territory_id,
            school_id=school_id, file_name=file_name, sha256=sha, actor=user.name)
        for pos, m in enumerate(doc.measures, start=1):
            d = parse_deadline(m.deadline_text, period)
            mid = u.roadmaps.add_measure(rid, pos, {
                "number": m.number, "section": m.section, "text": m.text, "deadline_text": m.deadline_text,
                "deadline_start": d.start, "deadline_end": d.end, "deadline_kind": d.kind,
                "deadline_flagged": d.flagged, "deadline_note": d.note, "responsible": m.responsible,
                "expected_result": m.expected_result, "schools_text": m.schools_text})
            ids = [school_id] if school_id is not None else (
                _school_ids(index, m.schools_text, territory_id) if index is not None else [])
            if ids:
                u.roadmaps.set_schools(mid, ids)
                rep.school_links += 1
            rep.flagged += int(d.flagged)
        rep.measures = len(doc.measures)
        u.record(events.ROADMAP_IMPORTED, roadmap=rid, file=file_name, measures=rep.measures,
                 flagged=rep.flagged, territory_id=territory_id, school_id=school_id)
    rep.status, rep.roadmap_id = "stored", rid
    rep.messages.extend(doc.warnings)
    return rep


def _measure(store, measure_id: int) -> dict:
    m = store.roadmaps.measure(measure_id)
    if m is None:
        raise RoadmapError(f"Мероприятие с номером {measure_id} не найдено.")
    return m


def _where(m: dict) -> int | None:
    t = m.get("territory_id")
    return None if t is None or pd.isna(t) else int(t)


def _text(v) -> str | None:
    return None if v is None else str(v).strip()


def update_measure(store: Store, user: User, measure_id: int, change: MeasureChange) -> list[str]:
    """Record a measure's status, evidence and a progress note; returns the changed fields (history rows are
    written per field, with old and new values). Nothing changed: nothing written, []."""
    m = _measure(store, measure_id)
    require(user, Action.MEASURE_STATUS, _where(m))
    errors = change.errors()
    if errors:
        raise RoadmapError(" ".join(errors))
    new = {"status": change.status, "status_date": change.status_date, "evidence": _text(change.evidence),
           "evidence_link": _text(change.evidence_link), "evidence_doc": _text(change.evidence_doc)}
    diff = {}
    for k, v in new.items():
        if v is None:
            continue
        old = m.get(k)
        old = None if old is None or (not isinstance(old, str) and old != old) else old
        if (v or None) != (old or None) and str(v or "") != str(old or ""):
            diff[k] = (old, v or None)
    note = _text(change.note)
    if not diff and not note:
        return []
    when = change.update_date or date.today()
    if change.status is not None and "status" in diff and change.status_date is None:
        diff["status_date"] = (m.get("status_date"), when)
    with store.unit(user) as u:
        u.roadmaps.update_measure(measure_id, {k: v for k, (_, v) in diff.items()}, user.name)
        for k, (old, v) in diff.items():
            if k == "status":
                old, v = STATUS_RU.get(old, old), STATUS_RU.get(v, v)
            u.roadmaps.log(measure_id, user.name, k, old, v, when)
        if note:
            u.roadmaps.log(measure_id, user.name, "note", None, note[:MAX_NOTE], when)
        u.record(events.MEASURE_UPDATED, measure=int(measure_id), number=m.get("number") or "",
                 fields=sorted(diff) + (["note"] if note else []))
    return sorted(diff) + (["note"] if note else [])


def add_criterion(store: Store, user: User, measure_id: int, text: str, rating: str | None = None) -> int:
    m = _measure(store, measure_id)
    require(user, Action.MEASURE_STATUS, _where(m))
    text = (text or "").strip()
    if not text:
        raise RoadmapError("Критерий успешности пуст: напишите, по чему видно, что мероприятие удалось.")
    if len(text) > MAX_NOTE:
        raise RoadmapError(f"Критерий успешности длиннее {MAX_NOTE} знаков.")
    key = rating_key(rating)
    if key is None:
        raise RoadmapError(f"Оценка «{rating}» неизвестна: допустимо — {', '.join(RATING_RU.values())}.")
    with store.unit(user) as u:
        cid = u.roadmaps.add_criterion(measure_id, text, key, user.name)
        u.roadmaps.log(measure_id, user.name, "criterion", None, f"{text} — {RATING_RU.get(key, 'не оценён')}")
        u.record(events.CRITERION_SET, measure=int(measure_id), criterion=cid, rating=key or None)
    return cid


def rate_criterion(store: Store, user: User, criterion_id: int, rating: str | None) -> None:
    c = store.roadmaps.criterion(criterion_id)
    if c is None:
        raise RoadmapError(f"Критерий с номером {criterion_id} не найден.")
    m = _measure(store, int(c["measure_id"]))
    require(user, Action.MEASURE_STATUS, _where(m))
    key = rating_key(rating)
    if key is None:
        raise RoadmapError(f"Оценка «{rating}» неизвестна: допустимо — {', '.join(RATING_RU.values())}.")
    if (c.get("rating") or "") == key:
        return
    with store.unit(user) as u:
        u.roadmaps.rate_criterion(criterion_id, key, user.name)
        u.roadmaps.log(int(c["measure_id"]), user.name, "criterion", RATING_RU.get(c.get("rating") or "", "не оценён"),
                       f"{c['text']} — {RATING_RU.get(key, 'не оценён')}")
        u.record(events.CRITERION_SET, measure=int(c["measure_id"]), criterion=int(criterion_id), rating=key or None)


def set_measure_schools(store: Store, user: User, measure_id: int, school_ids: list[int]) -> None:
    """The schools a measure concerns: each must be in the roadmap's territory (and in the user's)."""
    m = _measure(store, measure_id)
    require(user, Action.ROADMAP, _where(m))
    for sid in school_ids:
        t = _territory_of_school(store, sid)
        require(user, Action.ROADMAP, t)
        where = _where(m)
        if where is not None and t not in (store.territories.subtree(where) or [t]):
            raise RoadmapError("Школа не относится к территории дорожной карты.")
    old = sorted(school_id_list(m.get("school_ids")))
    new = sorted(set(int(s) for s in school_ids))
    if old == new:
        return
    with store.unit(user) as u:
        u.roadmaps.set_schools(measure_id, new)
        u.roadmaps.log(measure_id, user.name, "schools", ", ".join(map(str, old)), ", ".join(map(str, new)))
        u.record(events.MEASURE_UPDATED, measure=int(measure_id), fields=["schools"])


def remove_roadmap(store: Store, user: User, roadmap_id: int) -> str:
    """Delete a roadmap with its measures and their history (the audit keeps that it was imported and removed)."""
    r = store.roadmaps.roadmap(roadmap_id)
    if r is None:
        raise RoadmapError(f"Дорожная карта с номером {roadmap_id} не найдена.")
    t = r.get("territory_id")
    require(user, Action.ROADMAP, None if t is None or pd.isna(t) else int(t))
    with store.unit(user) as u:
        u.roadmaps.delete(roadmap_id)
        u.record(events.ROADMAP_REMOVED, roadmap=int(roadmap_id), file=r["file_name"], title=r["title"])
    return r["title"]


__all__ = ["RoadmapError", "RoadmapImportReport", "import_roadmap", "update_measure", "add_criterion",
           "rate_criterion", "set_measure_schools", "remove_roadmap", "Forbidden"]
