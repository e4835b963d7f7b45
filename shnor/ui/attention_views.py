"""The Overview's «Требует внимания»: overdue and due-soon measures, indicators off target, the risks most
common among ШНОР — each with a click through to its page (the roadmap filtered to overdue, the indicators,
the schools' cards)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from shnor.domain.fmt import fmt_int
from shnor.read.attention import Attention, attention
from shnor.ui.db import data_version, get_store
from shnor.ui.safe import md

TTL = 600


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _attention(user_key: tuple, list_year: int, territory_id: int | None, today: date, version: tuple,
               _user=None) -> Attention:
    return attention(get_store(), _user, list_year, territory_id, today)


def attention_data(user, list_year: int, territory_id: int | None) -> Attention:
    key = (user.name, user.role, user.territory_id)
    return _attention(key, list_year, territory_id, date.today(), data_version(), _user=user)


def _measure_lines(df: pd.DataFrame, n: int = 5) -> str:
    lines = []
    for r in df.head(n).itertuples(index=False):
        end = r.deadline_end.strftime("%d.%m.%Y") if isinstance(r.deadline_end, date) else "—"
        text = str(r.text).replace("\n", " ")
        lines.append(f"- {md(r.number or '')} {md(text[:110] + ('…' if len(text) > 110 else ''))} — срок до {end}")
    more = len(df) - n
    return "\n".join(lines) + (f"\n- … и ещё {fmt_int(more)}" if more > 0 else "")


def section(user, list_year: int, territory_id: int | None, meeting_on: bool = False) -> None:
    a = attention_data(user, list_year, territory_id)
    st.subheader("Требует внимания")
    c1, c2, c3 = st.columns(3)
    with c1.container(border=True):
        st.metric("⚠ Просрочено мероприятий", fmt_int(len(a.overdue)),
                  help="Срок окончания прошёл, мероприятие не выполнено и не отменено (из дорожных карт территории).")
        if a.measures_total == 0:
            st.caption("Дорожных карт нет: загрузите их на странице «Дорожная карта».")
        else:
            st.caption(f"Скоро срок: {fmt_int(len(a.due_soon))} · всего мероприятий: {fmt_int(a.measures_total)}")
            if not a.overdue.empty:
                st.markdown(_measure_lines(a.overdue, 3 if meeting_on else 5))
            if st.button("Открыть просроченные", key="att_overdue", icon=":material/event_note:",
                         disabled=a.overdue.empty):
                st.session_state["rm_overdue"] = True
                st.session_state["rm_soon"] = False
                st.switch_page("pages/roadmap.py")
            if not a.due_soon.empty and st.button("Открыть «скоро срок»", key="att_soon"):
                st.session_state["rm_soon"] = True
                st.session_state["rm_overdue"] = False
                st.switch_page("pages/roadmap.py")
    with c2.container(border=True):
        st.metric("✖ Показатели не на цели", fmt_int(len(a.off_target)),
                  help="Показатели дорожной карты, у которых значение за год результатов хуже цели (с учётом "
                       "направления: где лучше меньше — выше цели). Показатели без цели или без значения не считаются.")
        st.caption(f"С целью: {fmt_int(a.indicators_with_target)} показателей")
        if not a.off_target.empty:
            st.markdown("\n".join(f"- {md(r.short)}: {md(r.actual_label)} при цели {md(r.target_label)}"
                                  for r in a.off_target.head(5).itertuples(index=False)))
        if st.button("Открыть показатели", key="att_ind", icon=":material/monitoring:"):
            st.switch_page("pages/indicators.py")
    with c3.container(border=True):
        st.metric("Частый высокий риск ШНОР", a.top_factor or "—",
                  help="Фактор риска, который чаще других оценён как высокий у ШНОР списка (по рисковым профилям "
                       "учебного года списка).")
        st.caption(md(a.risks.sentence_ru()))
        for r in a.top_factor_schools.head(6).itertuples(index=False):
            if st.button(md(r.short_name), key=f"att_risk_{int(r.id)}", type="tertiary", icon=":material/school:",
                         help="Открыть карточку школы"):
                st.switch_page("pages/school.py", query_params={"school": str(int(r.id))})
