"""Roadmap charts and tables for the «Дорожная карта» page and the school page: progress by section and a
timeline with a today line. The state of a measure is carried by words and a shape, colour only repeats it."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from shnor.domain.fmt import fmt_int, fmt_pct
from shnor.ui import charts

# a measure's state on charts: word, colour (Okabe–Ito), shape
STATE_ORDER = ["просрочено", "скоро срок", "в работе", "запланировано", "выполнено", "не выполнено", "отменено"]
STATE_COLORS = [charts.VERMILION, charts.ORANGE, charts.SKY, charts.GREY, charts.GREEN, charts.PURPLE, "#999999"]
# fill the container's width and keep the height for the plot (Streamlit's own `fit` squeezes the plot to leave
# room for the title and the legend inside the given height)
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
STATE_SHAPES = ["triangle-up", "diamond", "circle", "square", "cross", "triangle-down", "triangle-left"]


def chart_state(status_ru: str, flag_ru: str) -> str:
    """The one word a chart shows for a measure: the flag when there is one, else the status."""
    return flag_ru or status_ru


def table(df: pd.DataFrame) -> pd.DataFrame:
    """The measures as the page shows them (all text: data is never rendered as Markdown in a dataframe)."""
    def d(v):
        return v.strftime("%d.%m.%Y") if isinstance(v, date) else ""
    return pd.DataFrame({
        "№": df["number"].fillna(""), "Мероприятие": df["text"].fillna(""),
        "Срок (как в документе)": df["deadline_text"].fillna(""),
        "С": [d(v) for v in df["deadline_start"]], "По": [d(v) for v in df["deadline_end"]],
        "Состояние": df["state_ru"], "Ответственные": df["responsible"].fillna(""),
        "Школы": df["schools"].fillna(""), "Раздел": df["section"].fillna(""),
        "Подтверждение": [" · ".join(str(x) for x in (e, doc, link) if isinstance(x, str) and x)
                          for e, doc, link in zip(df["evidence"], df["evidence_doc"], df["evidence_link"])],
        "Срок без дат": ["⚠ " + (n or "не распознан") if f else "" for f, n in
                         zip(df["deadline_flagged"].fillna(False), df["deadline_note"].fillna(""))],
    })


def progress_chart(sections: pd.DataFrame, meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Done / in work / overdue / the rest per section, with the share done written beside each bar."""
    if sections.empty:
        return None
    rows = []
    for r in sections.itertuples(index=False):
        rest = r.total - r.done - r.in_progress - r.overdue
        for state, n in (("выполнено", r.done), ("в работе", r.in_progress), ("просрочено", r.overdue),
                         ("остальные", max(rest, 0))):
            if n:
                rows.append({"section": r.section, "state": state, "n": int(n)})
    data = pd.DataFrame(rows)
    sections = sections[["section", "total", "done", "in_progress", "overdue", "done_share"]]
    labels = sections.assign(
        label=[f"{fmt_pct(s) if s is not None else '—'} выполнено ({fmt_int(d)} из {fmt_int(t)})"
               for s, d, t in zip(sections["done_share"], sections["done"], sections["total"])])
    order = list(sections["section"])
    y = alt.Y("section:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    bars = alt.Chart(data).mark_bar(stroke="white", strokeWidth=1).encode(
        y=y, x=alt.X("sum(n):Q", title="мероприятий", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("state:N", title="Состояние",
                        scale=alt.Scale(domain=["выполнено", "в работе", "просрочено", "остальные"],
                                        range=[charts.GREEN, charts.SKY, charts.VERMILION, "#CCCCCC"])),
        order=alt.Order("state_order:Q"),
        tooltip=[alt.Tooltip("section:N", title="Раздел"), alt.Tooltip("state:N", title="Состояние"),
                 alt.Tooltip("n:Q", title="Мероприятий")],
    ).transform_calculate(state_order="indexof(['выполнено','в работе','просрочено','остальные'], datum.state)")
    text = alt.Chart(labels).mark_text(align="left", dx=6, fontSize=15 if meeting_on else 12).encode(
        y=y, x=alt.X("total:Q"), text="label:N")
    done = int(sections["done"].sum())
    total = int(sections["total"].sum())
    overdue = int(sections["overdue"].sum())
    title = (f"Выполнено {fmt_int(done)} из {fmt_int(total)} мероприятий" +
             (f" — {fmt_int(overdue)} просрочено" if overdue else " — просроченных нет"))
    chart = (bars + text).properties(height=max(120, 34 * len(sections)), autosize=FIT_WIDTH)
    return charts.finish(chart, title, "По разделам дорожной карты; подпись — доля выполненных без отменённых",
                         meeting_on)


def timeline_chart(df: pd.DataFrame, today: date, meeting_on: bool = False, limit: int = 60) -> alt.TopLevelMixin | None:
    """Each measure with dates as a bar from the start to the end of its deadline, its state by colour and
    shape (and in the tooltip), and a dashed line «сегодня». Measures without dates are left out (counted in
    the subtitle)."""
    dated = df[df["deadline_start"].notna() & df["deadline_end"].notna()].copy()
    if dated.empty:
        return None
    dated = dated.head(limit)
    dated["label"] = [(f"{n} " if n else "") + (t if len(t) <= 60 else t[:59] + "…")
                      for n, t in zip(dated["number"].fillna(""), dated["text"].fillna("").str.replace("\n", " "))]
    dated["label"] = [f"{lab} [{i}]" if dup else lab for i, (lab, dup) in
                      enumerate(zip(dated["label"], dated["label"].duplicated(keep=False)))]
    dated["state"] = [chart_state(s, f) for s, f in zip(dated["status_ru"], dated["flag_ru"])]
    dated["start"] = pd.to_datetime(dated["deadline_start"])
    dated["end"] = pd.to_datetime(dated["deadline_end"]) + pd.Timedelta(days=1)
    dated["period"] = [f"{s:%d.%m.%Y} – {e:%d.%m.%Y}" for s, e in zip(dated["deadline_start"], dated["deadline_end"])]
    dated = dated[["label", "state", "start", "end", "period", "deadline_text", "flag_ru"]]
    order = list(dated["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=460))
    scale = alt.Scale(domain=STATE_ORDER, range=STATE_COLORS)
    tooltip = [alt.Tooltip("label:N", title="Мероприятие"), alt.Tooltip("deadline_text:N", title="Срок"),
               alt.Tooltip("period:N", title="Даты"), alt.Tooltip("state:N", title="Состояние")]
    bars = alt.Chart(dated).mark_bar(height=12, opacity=0.85).encode(
        y=y, x=alt.X("start:T", title=None, axis=alt.Axis(format="%m.%Y", labelAngle=0)), x2="end:T",
        color=alt.Color("state:N", scale=scale, title="Состояние"), tooltip=tooltip)
    marks = alt.Chart(dated).mark_point(filled=True, size=90 if meeting_on else 60, stroke="black", strokeWidth=0.5).encode(
        y=y, x="end:T", shape=alt.Shape("state:N", scale=alt.Scale(domain=STATE_ORDER, range=STATE_SHAPES),
                                        title="Состояние"),
        color=alt.Color("state:N", scale=scale, title="Состояние"), tooltip=tooltip)
    now = pd.DataFrame({"x": [pd.Timestamp(today)], "label": [f"сегодня, {today:%d.%m.%Y}"]})
    rule = alt.Chart(now).mark_rule(strokeDash=[6, 4], color="black", strokeWidth=2).encode(x="x:T")
    rule_text = alt.Chart(now).mark_text(align="left", dx=4, dy=-6, baseline="bottom", fontWeight="bold").encode(
        x="x:T", y=alt.value(0), text="label:N")
    overdue = int((dated["flag_ru"] == "просрочено").sum())
    undated = len(df) - int((df["deadline_start"].notna() & df["deadline_end"].notna()).sum())
    title = (f"Просрочено {fmt_int(overdue)} из {fmt_int(len(dated))} мероприятий с датами" if overdue
             else f"Просроченных мероприятий нет — {fmt_int(len(dated))} с датами")
    sub = "Полоса — срок мероприятия, значок — его окончание и состояние; пунктир — сегодня"
    if undated:
        sub += f"; без дат: {fmt_int(undated)} (по графику, по мере необходимости или не распознано)"
    if len(df) - undated > limit:
        sub += f"; показаны первые {fmt_int(limit)}"
    chart = (bars + marks + rule + rule_text).properties(height=max(140, 22 * len(dated)), autosize=FIT_WIDTH)
    return charts.finish(chart, title, sub, meeting_on)


def csv_bytes(df: pd.DataFrame) -> bytes:
    from shnor.reports.roadmap_export import measures_csv
    return measures_csv(table(df))


FIELD_RU = {"status": "статус", "status_date": "дата статуса", "evidence": "подтверждение",
            "evidence_link": "ссылка", "evidence_doc": "документ", "note": "отметка о ходе работы",
            "criterion": "критерий успешности", "schools": "школы"}


def history_table(hist: pd.DataFrame, with_measure: bool = False) -> pd.DataFrame:
    out = pd.DataFrame({
        "Когда": [pd.Timestamp(v).strftime("%d.%m.%Y %H:%M") for v in hist["changed_at"]],
        "Кто": hist["by_user"].fillna(""),
        "Что": [FIELD_RU.get(f, f) for f in hist["field"]],
        "Было": hist["old_value"].fillna(""), "Стало": hist["new_value"].fillna(""),
        "На дату": [pd.Timestamp(v).strftime("%d.%m.%Y") if pd.notna(v) else "" for v in hist["update_date"]],
    })
    if with_measure:
        out.insert(0, "Мероприятие", [(f"{n} " if n else "") + str(t).replace("\n", " ")[:80]
                                      for n, t in zip(hist["number"].fillna(""), hist["text"].fillna(""))])
    return out


def school_section(user, school_id: int, trends: pd.DataFrame, meeting_on: bool = False) -> None:
    """The school page's roadmap block: its measures and their state, and its results before and after its
    measures started."""
    import streamlit as st

    from shnor.read import roadmap as read
    from shnor.ui.db import get_store

    store = get_store()
    st.subheader("Мероприятия дорожной карты")
    df = read.school_measures(store, user, school_id)
    if df.empty:
        st.caption("Мероприятий, которые касаются школы, нет. Их связывают со школой на странице «Дорожная карта» "
                   "(поле «Школы» мероприятия) или загружают дорожную карту самой школы.")
        return
    p = read.progress(df)
    a, b, c = st.columns(3)
    a.metric("Мероприятий школы", fmt_int(p.total), border=True)
    b.metric("Выполнено", f"{fmt_int(p.done)} из {fmt_int(p.total - p.cancelled)}", border=True)
    c.metric("⚠ Просрочено", fmt_int(p.overdue), border=True)
    st.dataframe(table(df)[["№", "Мероприятие", "Срок (как в документе)", "Состояние", "Ответственные",
                            "Подтверждение"]], hide_index=True, width="stretch",
                 column_config={"Мероприятие": st.column_config.TextColumn(width="large")})
    if st.button("Открыть на странице «Дорожная карта»", key="school_roadmap_link", icon=":material/event_note:",
                 help="Мероприятия этой школы с отметками, историей и критериями"):
        names = {s.strip() for v in df["schools"].dropna() for s in str(v).split(";") if s.strip()}
        name = store.schools.list().set_index("id")["short_name"].get(int(school_id))
        if name in names:
            st.session_state["rm_school"] = name          # the roadmap page opens filtered to this school
        st.switch_page("pages/roadmap.py")
    ba = read.before_after(trends, df)
    st.markdown("**Результаты до и после начала работы**")
    if not meeting_on:
        st.caption(ba.sentence_ru() + " Доля — участники с «2» (ВПР) или ниже минимума (ОГЭ, ЕГЭ) за все годы "
                   "каждой стороны вместе.")
    if ba.table.empty:
        st.caption("Результатов для сравнения нет.")
    else:
        st.dataframe(pd.DataFrame({"Процедура": ba.table["name"], "До": ba.table["before_label"],
                                   "После": ba.table["after_label"], "Изменение": ba.table["verdict"]}),
                     hide_index=True, width="stretch")
