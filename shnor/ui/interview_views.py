"""The School page's interview block («собеседование с руководителем»): the school's справка for the interview
as a Word download (built when the button is pressed), the interview records (list, printable record) and, for
the roles that may (`may(user, Action.INTERVIEWS, …)`, never in a meeting), the forms to add, change or remove a
record with its follow-up measures linked to the school's roadmap measures. One call from pages/school.py:

    interview_views.school_section(user, school, school_id, meeting_on)

Reads through shnor/read/interviews.py and shnor/read/roadmap.py, changes through shnor/services/interviews.py,
documents through shnor/reports/school_doc.py. Data are shown through md() or as dataframe cells / options.
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from shnor.domain.permissions import Action, Forbidden, User, may
from shnor.domain.years import format_school_year
from shnor.read import interviews as ri
from shnor.read import roadmap as rm
from shnor.reports import school_doc
from shnor.services import interviews as sv
from shnor.ui import meeting
from shnor.ui.db import data_changed, data_version, get_store
from shnor.ui.safe import md
from shnor.ui.views import default_year

TTL = 900
FLASH = "_interview_flash"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REFUSED = (sv.InterviewError, Forbidden)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _records(user: User, school_id: int, version: tuple) -> ri.InterviewList | None:
    return ri.school_interviews(get_store(), user, school_id)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _measures(user: User, school_id: int, version: tuple) -> pd.DataFrame:
    return rm.school_measures(get_store(), user, school_id)


def _places(school: pd.Series) -> list[int]:
    return [int(t) for t in (school.get("territory_id"), school.get("district_id")) if t is not None and not pd.isna(t)]


def _may(user: User, action: Action, school: pd.Series) -> bool:
    return any(may(user, action, t) for t in _places(school))


def file_stem(name: str) -> str:
    """A file name's stem from a school's name: letters, digits and «_» only (a name is data)."""
    stem = re.sub(r"[^\w]+", "_", str(name or ""), flags=re.UNICODE).strip("_")
    return stem[:60] or "школа"


def _docx(write) -> bytes:
    """Bytes of a document written by `write(out_path)` into a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "document.docx"
        write(out)
        return out.read_bytes()


def _flash_here(school_id: int) -> None:
    pending = st.session_state.get(FLASH)
    if pending and pending[0] == school_id:
        _, kind, text = st.session_state.pop(FLASH)
        (st.success if kind == "ok" else st.error)(text)


def _done(school_id: int, kind: str, markdown: str, changed: bool = False) -> None:
    """A message for the next run (data inside `markdown` md()-escaped), then rerun."""
    if changed:
        data_changed()
    st.session_state[FLASH] = (school_id, kind, markdown)
    st.rerun()


def school_section(user: User, school: pd.Series, school_id: int, meeting_on: bool) -> None:
    st.subheader("Собеседование с руководителем")
    _flash_here(school_id)
    records = _records(user, school_id, data_version())
    if records is None:
        return
    if meeting_on or meeting.is_anonymised():      # findings are not for a shared screen
        st.caption(records.sentence_ru())
        return
    store = get_store()
    list_year = default_year()
    if list_year is not None and _may(user, Action.REPORTS, school):
        name = str(school.get("short_name") or "")
        st.download_button(
            f"Справка для собеседования (список на {format_school_year(list_year)}), .docx",
            data=lambda: _docx(lambda out: school_doc.write_school_spravka(store, user, list_year, school_id, out)),
            file_name=f"Справка_{file_stem(name)}_{list_year}.docx", mime=DOCX, on_click="ignore",
            icon=":material/description:", key=f"interview_spravka_{school_id}",
            help="Статус и основания, результаты по процедурам против порога и территории, что нужно для выхода из "
                 "списка, партнёр, мероприятия, риски, объективность и слабые задания, прежние собеседования. "
                 "Документ собирается при нажатии (несколько секунд).")
    st.markdown("**Записи собеседований**")
    may_write = _may(user, Action.INTERVIEWS, school)
    if records.records:
        st.dataframe(records.table(), hide_index=True, width="stretch", key=f"interview_table_{school_id}",
                     column_config={c: st.column_config.TextColumn(width="medium")
                                    for c in ("Что выявлено", "Решения", "Последующие меры")})
        by_id = {r.id: r for r in records.records}
        pick = st.selectbox("Запись для печати или изменения", list(by_id), key=f"interview_pick_{school_id}",
                            format_func=lambda i: f"{by_id[i].held_on_ru} — "
                                                  f"{'; '.join(by_id[i].participants.splitlines())[:80]}")
        if pick is not None:
            st.download_button(
                "Запись для печати, .docx",
                data=lambda: _docx(lambda out: school_doc.write_interview_record(store, user, int(pick), out)),
                file_name=f"Собеседование_{file_stem(by_id[pick].school_name)}_{by_id[pick].held_on:%Y-%m-%d}.docx",
                mime=DOCX, on_click="ignore", icon=":material/print:", key=f"interview_print_{school_id}")
            if may_write:
                with st.expander("Изменить или удалить эту запись"):
                    _form(user, school_id, by_id[pick])
                    _remove_form(user, school_id, by_id[pick])
    else:
        st.caption("Записей собеседований нет." + (" Добавьте запись после собеседования." if may_write else ""))
    if may_write:
        with st.expander("Новая запись собеседования"):
            _form(user, school_id, None)


def _measure_options(user: User, school_id: int, record: ri.InterviewRecord | None) -> dict[int, str]:
    df = _measures(user, school_id, data_version())
    options = {int(i): ri.measure_label(n, t, s) for i, n, t, s in
               zip(df.get("id", []), df.get("number", []), df.get("text", []), df.get("status", []))}
    if record is not None:
        for mid, label in zip(record.measure_ids, record.measures):
            options.setdefault(int(mid), label)
    return options


def _form(user: User, school_id: int, record: ri.InterviewRecord | None) -> None:
    key = f"interview_{school_id}_{record.id if record else 'new'}"
    today = dt.date.today()
    options = _measure_options(user, school_id, record)
    with st.form(key, clear_on_submit=record is None):
        left, right = st.columns([1, 3])
        held = left.date_input("Дата собеседования", value=record.held_on if record else today, max_value=today,
                               format="DD.MM.YYYY", key=f"{key}_date")
        participants = right.text_area("Участники", value=record.participants if record else "",
                                    max_chars=sv.MAX_PARTICIPANTS, key=f"{key}_participants", height=80,
                                    placeholder="Фамилия И. О., должность — например: Иванова И. И., начальник отдела "
                                                "общего образования; Петров П. П., директор школы")
        findings = st.text_area("Что выявлено", value=record.findings if record else "", max_chars=sv.MAX_TEXT,
                                key=f"{key}_findings", placeholder="Причины низких результатов, что сделано, чего нет")
        left, right = st.columns(2)
        decisions = left.text_area("Решения", value=record.decisions if record else "", max_chars=sv.MAX_TEXT,
                                 key=f"{key}_decisions")
        follow_up = right.text_area("Последующие меры", value=record.follow_up if record else "", max_chars=sv.MAX_TEXT,
                                 key=f"{key}_follow_up", placeholder="Что, кто и к какому сроку")
        linked = st.multiselect("Мероприятия дорожной карты (последующие меры)", list(options),
                                default=[m for m in (record.measure_ids if record else []) if m in options],
                                format_func=options.get, key=f"{key}_measures",
                                placeholder="Мероприятия, которые касаются школы" if options else
                                "У школы нет мероприятий дорожной карты",
                                help="Мероприятия, где названа школа, и мероприятия её собственной дорожной карты "
                                     "(страница «Дорожная карта»).")
        label = "Сохранить изменения" if record else "Сохранить запись"
        if st.form_submit_button(label, type="primary"):
            try:
                saved = sv.save_interview(get_store(), user, school_id, held_on=held, participants=participants,
                                          findings=findings, decisions=decisions, follow_up=follow_up,
                                          measure_ids=linked, interview_id=record.id if record else None)
            except REFUSED as exc:
                _done(school_id, "err", md(exc))
            _done(school_id, "ok", saved.summary_ru(), changed=bool(saved.changed))   # our own words, no data


def _remove_form(user: User, school_id: int, record: ri.InterviewRecord) -> None:
    with st.form(f"interview_remove_{school_id}_{record.id}"):
        sure = st.checkbox(f"Удалить запись от {record.held_on_ru} (в журнале действий она останется)",
                           key=f"interview_remove_sure_{school_id}_{record.id}")
        if st.form_submit_button("Удалить запись"):
            if not sure:
                _done(school_id, "err", "Отметьте, что запись нужно удалить.")
            try:
                sv.remove_interview(get_store(), user, record.id)
            except REFUSED as exc:
                _done(school_id, "err", md(exc))
            _done(school_id, "ok", f"Запись собеседования от {record.held_on_ru} удалена.", changed=True)
