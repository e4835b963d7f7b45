"""The School page's sections on the support of a school: its risk profile («500+»), its partner school with
the partner's results beside its own and the suggested partners (each with its reason, «Назначить
партнёром»), and its curator, coordinator and flags. One call from pages/school.py:

    support_views.school_sections(user, school, school_id, name, meeting_on)

Reads through shnor/read/support.py (cached on the data version), changes through shnor/services/support.py;
edit controls are only hidden here (`may`, never in meeting mode) — the services decide. Data (names, reasons,
files, people) are shown through md() or as dataframe cells.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from shnor.domain import risks
from shnor.domain.fmt import plural
from shnor.domain.permissions import Action, Forbidden, User, may
from shnor.domain.rule import RISK, SHNOR
from shnor.domain.scales import is_low
from shnor.domain.years import format_school_year
from shnor.read import support as rs
from shnor.reports.risk_template import file_name as template_file_name
from shnor.reports.risk_template import risk_template
from shnor.services import support as sv
from shnor.ui import meeting
from shnor.ui.charts import BLUE, VERMILION, finish
from shnor.ui.db import data_changed, data_version, get_store
from shnor.ui.safe import md

TTL = 900
FLASH, SECTION = "_support_flash", "_support_section"
YEAR_KEY = "support_risk_year"
REFUSED = (sv.SupportError, risks.RiskError, Forbidden)


# ---------------------------------------------------------------------------------------------
# Cached read models (keyed on the data version, the user and the school)
# ---------------------------------------------------------------------------------------------
@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _profile(user: User, school_id: int, year: int | None, version: tuple) -> rs.RiskProfile | None:
    return rs.risk_profile(get_store(), user, school_id, year)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _partner(user: User, school_id: int, version: tuple) -> rs.PartnerView | None:
    return rs.partner_view(get_store(), user, school_id)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def _facts(user: User, list_year: int, version: tuple) -> dict:
    return rs.school_facts(get_store(), list_year, user.territory_id)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _suggestions(user: User, school_id: int, version: tuple) -> rs.Suggestions | None:
    store = get_store()
    year = rs.current_year(store)
    return rs.partner_suggestions(store, user, school_id, year, facts=_facts(user, year, version))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _support(user: User, school_id: int, version: tuple) -> rs.SupportView | None:
    return rs.support_view(get_store(), user, school_id)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def _template(user: User, year: int, version: tuple) -> bytes:
    schools, levels = rs.template_schools(get_store(), user, year)
    return risk_template(schools, year, levels)


def _current_year() -> int:
    return rs.current_year(get_store())


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _may(user: User, action: Action, school: pd.Series) -> bool:
    """May the user do `action` on this school here and now (its territory or district; not in a meeting)."""
    if meeting.is_meeting():
        return False
    places = [school.get("territory_id"), school.get("district_id")]
    return any(may(user, action, int(t)) for t in places if t is not None and not pd.isna(t))


def _flash(kind: str, markdown: str) -> None:
    """A message for the next run, shown at the top of the section where the action was taken (the one being
    drawn now); data inside `markdown` must be md()-escaped."""
    st.session_state[FLASH] = (st.session_state.get(SECTION), kind, markdown)


def _section(name: str) -> None:
    """Start a section: remember it (for _flash) and show a message left for it by the previous run."""
    st.session_state[SECTION] = name
    pending = st.session_state.get(FLASH)
    if pending and pending[0] == name:
        _, kind, text = st.session_state.pop(FLASH)
        (st.success if kind == "ok" else st.error)(text)


def _changed(message: str) -> None:
    data_changed()
    _flash("ok", message)
    st.rerun()


LEVEL_BADGE = {risks.HIGH: ("red", "arrow_upward"), risks.MEDIUM: ("orange", "drag_handle"),
               risks.LOW: ("green", "arrow_downward")}


def level_badge(level: str | None) -> str:
    """A level as Streamlit Markdown: a coloured badge with an arrow and the word (the word carries the meaning;
    material icons come with Streamlit, so they show on any machine). «не оценён» for no level."""
    if not isinstance(level, str) or level not in LEVEL_BADGE:
        return risks.NOT_RATED_RU
    colour, icon = LEVEL_BADGE[level]
    return f":{colour}-badge[:material/{icon}: {risks.LEVEL_RU[level]}]"


def _date(d) -> str:
    if d is None or (not isinstance(d, (dt.date, str)) and pd.isna(d)):
        return "—"
    return pd.Timestamp(d).strftime("%d.%m.%Y")


# ---------------------------------------------------------------------------------------------
# The page's sections
# ---------------------------------------------------------------------------------------------
def school_sections(user: User, school: pd.Series, school_id: int, name: str, meeting_on: bool) -> None:
    """Risk profile, partner, curator/coordinator and flags of one school (pages/school.py)."""
    risk_section(user, school, school_id, meeting_on)
    partner_section(user, school, school_id, name, meeting_on)
    people_section(user, school, school_id, meeting_on)


# -- risk profile ------------------------------------------------------------------------------
def risk_section(user: User, school: pd.Series, school_id: int, meeting_on: bool) -> None:
    st.subheader("Рисковый профиль")
    _section("risk")
    version = data_version()
    now = _current_year()
    first = _profile(user, school_id, None, version)
    if first is None:
        return
    years = sorted(set(first.years) | {now}, reverse=True)
    if st.session_state.get(YEAR_KEY) not in years:
        st.session_state[YEAR_KEY] = first.year
    year = st.selectbox("Учебный год профиля", years, key=YEAR_KEY, format_func=format_school_year,
                        help="Уровни десяти факторов риска проекта «500+» (высокий, средний, низкий) и измеренные "
                             "значения за ними — по учебным годам.")
    profile = _profile(user, school_id, int(year), version)
    st.markdown(f"**{profile.sentence_ru()}**")
    t = profile.table
    shown = t if not meeting_on else t[t["level"].notna()]
    if profile.rated:
        st.table(pd.DataFrame({
            "№": [str(n) for n in shown["factor"]],
            "Фактор риска": list(shown["name"]),
            "Уровень": [level_badge(x) for x in shown["level"]],
            "Измеренные значения": [md(x) or "—" for x in shown["measured_ru"]],
        }).set_index("№"))
        who = t[t["set_by"].notna()]
        if not meeting_on and not who.empty:
            last = who.sort_values("set_at").iloc[-1]
            src = f"; из файла «{md(last['source'])}»" if isinstance(last["source"], str) and last["source"] else ""
            st.caption(f"Последнее изменение: {md(last['set_by'])}, {_date(last['set_at'])}{src}.")
    elif not meeting_on:
        st.caption("Профиль заполняет методист: по одному фактору ниже или для всех школ сразу — шаблоном Excel.")
    if _may(user, Action.RISK_PROFILES, school):
        _risk_form(user, school_id, int(year), profile)
    if not meeting_on and may(user, Action.RISK_PROFILES, user.territory_id):
        _template_block(user, int(year))


def _risk_form(user: User, school_id: int, year: int, profile: rs.RiskProfile) -> None:
    t = profile.table.set_index("factor")
    with st.expander(f"Изменить рисковый профиль на {format_school_year(year)}"):
        with st.form(f"risk_form_{school_id}_{year}"):
            st.caption("Уровень: высокий, средний или низкий («—» — не оценён). Доли — в процентах (12,5), "
                       "нехватка кадров — число человек. Пустое поле — нет данных.")
            values: dict[int, tuple] = {}
            width = max(len(f.measures) for f in risks.FACTORS)
            for f in risks.FACTORS:
                # the same columns in every row (the inputs line up), the fields' bottoms aligned
                cols = st.columns([2.2, 1.6] + [2] * width, vertical_alignment="bottom")
                cols[0].markdown(f"**{f.number}. {f.short_ru}**", help=f"{f.name_ru}: {f.about_ru}.")
                current = t.at[f.number, "level"] if isinstance(t.at[f.number, "level"], str) else None
                level = cols[1].selectbox(f"Уровень: {f.short_ru}", [None, *risks.LEVELS],
                                          key=f"risk_{school_id}_{year}_{f.number}",
                                          index=[None, *risks.LEVELS].index(current),
                                          format_func=lambda c: "—" if c is None else risks.LEVEL_RU[c],
                                          label_visibility="collapsed")
                measured = {}
                stored = t.at[f.number, "measured"] or {}
                for i, m in enumerate(f.measures):
                    measured[m] = cols[2 + i].text_input(
                        m.header_ru, value=risks.entered_text(m, stored.get(m.key)), placeholder="нет данных",
                        key=f"risk_{school_id}_{year}_{m.key}")
                values[f.number] = (level, measured)
            if st.form_submit_button("Сохранить профиль", type="primary"):
                entries = {}
                try:
                    for number, (level, measured) in values.items():
                        given = {m.key: v for m, text in measured.items()
                                 if (v := risks.parse_entered(m, text)) is not None}
                        entries[number] = None if level is None and not given else (level, given)
                    n = sv.set_risk_levels(get_store(), user, school_id, year, entries)
                except REFUSED as exc:
                    _flash("err", md(exc))
                    st.rerun()
                if n:
                    _changed(f"Рисковый профиль на {format_school_year(year)} сохранён: изменено "
                             f"{n} {plural(n, 'фактор', 'фактора', 'факторов')}.")
                _flash("ok", "Ничего не изменилось.")
                st.rerun()


def _template_block(user: User, year: int) -> None:
    with st.expander("Все школы территории сразу: шаблон Excel"):
        st.caption(f"Шаблон на {format_school_year(year)}: строка на школу (сначала ШНОР и группа риска), для "
                   "каждого фактора — уровень и измеренные значения; уже внесённое заполнено. Заполните и загрузите: "
                   "файл сохраняется целиком или не сохраняется вовсе, ошибки называются с листом, строкой и "
                   "столбцом.")
        version = data_version()                  # written on the click: every school of the territory
        st.download_button("Скачать шаблон рисковых профилей", data=lambda: _template(user, year, version),
                           on_click="ignore",
                           file_name=template_file_name(year), icon=":material/download:", key="risk_template_download",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        with st.form("risk_template_form", clear_on_submit=True):
            up = st.file_uploader("Заполненный шаблон: перетащите файл сюда или нажмите «Выбрать файл» (.xlsx, .xls, "
                                  ".ods)", type=["xlsx", "xls", "ods"], key="risk_template_file")
            if st.form_submit_button("Загрузить профили") and up is not None:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / ("risk-template" + Path(up.name).suffix.lower())
                    path.write_bytes(up.getvalue())
                    try:
                        rep = sv.import_risk_template(get_store(), user, path, file_name=up.name)
                    except Forbidden as exc:
                        _flash("err", md(exc))
                        st.rerun()
                if rep.ok:
                    _changed(md(rep.summary_ru()))
                _flash("err", "\n\n".join([md(rep.summary_ru())] + [f"- {md(i.text())}" for i in rep.issues[:30]]))
                st.rerun()


# -- partner -----------------------------------------------------------------------------------
def partner_chart(trends: pd.DataFrame, threshold_pct: int, school_name: str, partner_name: str,
                  meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Each procedure's share of «2» / below the minimum by year: the school (solid, circles) and its partner
    (dashed, squares) against the threshold (dashed black rule). A missing point is a gap, never 0."""
    d = trends[trends["share"].notna()].copy() if not trends.empty else trends
    if d.empty:
        return None
    d["share"] = d["share"].astype(float)
    d["who"] = [school_name if s == rs.SCHOOL_SERIES else f"партнёр: {partner_name}" for s in d["series"]]
    d["year_short"] = [f"{int(y)}/{(int(y) + 1) % 100:02d}" for y in d["year"]]
    names = [school_name, f"партнёр: {partner_name}"]
    size = (lambda n: int(n * 1.35)) if meeting_on else (lambda n: n)
    enc = dict(
        x=alt.X("year_short:O", title=None, sort=sorted(d["year_short"].unique()),
                axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        y=alt.Y("share:Q", title="Доля «2» / ниже минимума", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, max(0.5, float(d["share"].max()) + 0.05)])),
        color=alt.Color("who:N", title=None, scale=alt.Scale(domain=names, range=[VERMILION, BLUE])),
        shape=alt.Shape("who:N", title=None, scale=alt.Scale(domain=names, range=["circle", "square"])),
        tooltip=[alt.Tooltip("name:N", title="Процедура"), alt.Tooltip("year_label:N", title="Учебный год"),
                 alt.Tooltip("who:N", title="Школа"), alt.Tooltip("label:N", title="Доля")])
    base = alt.Chart(d)
    point = alt.OverlayMarkDef(size=size(70), filled=True)
    # two line layers (solid school, dashed partner) rather than a strokeDash channel: the legend then shows
    # colour and shape only (a dashed square symbol reads as «×»)
    own_line = base.transform_filter(alt.datum.series == rs.SCHOOL_SERIES).mark_line(
        strokeWidth=3, point=point).encode(**enc)
    partner_line = base.transform_filter(alt.datum.series == rs.PARTNER_SERIES).mark_line(
        strokeWidth=3, strokeDash=[5, 3], point=point).encode(**enc)
    rule = base.mark_rule(color="black", strokeDash=[6, 4], strokeWidth=1.5).encode(y=alt.datum(threshold_pct / 100))
    chart = alt.layer(own_line, partner_line, rule).properties(width=size(250), height=size(170)).facet(
        facet=alt.Facet("name:N", title=None, sort=list(dict.fromkeys(d["name"])),
                        header=alt.Header(labelFontSize=size(13), labelFontWeight="bold")),
        columns=2 if meeting_on else 3).resolve_scale(x="independent")
    own = d[d["series"] == rs.SCHOOL_SERIES]
    lows = int(is_low(own["low"], own["participants"], threshold_pct).sum()) if not own.empty else 0
    other = d[d["series"] == rs.PARTNER_SERIES]
    p_lows = int(is_low(other["low"], other["participants"], threshold_pct).sum()) if not other.empty else 0
    title = (f"{school_name}: {lows} {plural(lows, 'результат', 'результата', 'результатов')} на пороге "
             f"{threshold_pct} % или выше — у партнёра ({partner_name}): {p_lows}")
    return finish(chart, title, f"Сплошная линия — школа, пунктир с квадратами — партнёр; чёрный пунктир — порог "
                                f"{threshold_pct} %. Разрыв линии — нет данных, а не 0 %.", meeting=meeting_on)


def partner_section(user: User, school: pd.Series, school_id: int, name: str, meeting_on: bool) -> None:
    st.subheader("Школа-партнёр")
    _section("partner")
    version = data_version()
    view = _partner(user, school_id, version)
    if view is None:
        return
    may_pair = _may(user, Action.PARTNERS, school)
    if view.partner is not None:
        p = view.partner
        pname = meeting.school_label(p["partner_name"], p["partner_id"])
        st.markdown(f"**{md(pname)}** · {md(p['partner_territory'])} · с {_date(p['since'])}")
        if p.get("reason") and not meeting_on:
            st.caption(f"Основание: {md(p['reason'])}")
        if view.may_read_partner:
            chart = partner_chart(view.trends, view.threshold_pct, name, pname, meeting_on)
            if chart is not None:
                st.altair_chart(chart)
            if not view.table.empty:
                with st.expander("Таблица: школа и партнёр по процедурам и годам", expanded=chart is None):
                    st.dataframe(view.table.rename(columns={rs.SCHOOL_SERIES: "Эта школа"}), hide_index=True,
                                 column_config={"Процедура": st.column_config.TextColumn("Процедура", width="medium")},
                                 key=f"partner_table_{school_id}")
            elif chart is None:
                st.info("Результатов процедур правила у школы и партнёра пока нет (нет данных).")
        else:
            st.caption("Партнёр — из другой территории: его результаты видны пользователям этой территории.")
        if may_pair:
            with st.form(f"partner_end_{school_id}"):
                sure = st.checkbox("Партнёрство завершено (останется в истории)", key=f"partner_end_sure_{school_id}")
                if st.form_submit_button("Завершить партнёрство"):
                    if not sure:
                        _flash("err", "Отметьте, что партнёрство завершено.")
                        st.rerun()
                    try:
                        sv.end_partnership(get_store(), user, school_id)
                    except REFUSED as exc:
                        _flash("err", md(exc))
                        st.rerun()
                    _changed(f"Партнёрство завершено: {md(pname)}.")
    else:
        st.markdown("Партнёр не назначен.")
    if not view.partner_of.empty:
        names = "; ".join(md(meeting.school_label(n, i)) for n, i in
                          zip(view.partner_of["school_name"], view.partner_of["school_id"]))
        st.markdown(f"Эта школа — партнёр для: {names}.")
    if not view.history.empty and not meeting_on:
        with st.expander("Прежние партнёры"):
            st.dataframe(pd.DataFrame({
                "Школа-партнёр": [meeting.school_label(n, i) for n, i in
                                  zip(view.history["partner_name"], view.history["partner_id"])],
                "С": [_date(d) for d in view.history["since"]], "По": [_date(d) for d in view.history["ended"]],
                "Основание": view.history["reason"].fillna("")}), hide_index=True, key=f"partner_history_{school_id}")
    if meeting_on:
        return
    sg = _suggestions(user, school_id, version)
    if sg is None:
        return
    if sg.status not in (SHNOR, RISK) and view.partner is None:
        st.caption(f"Партнёров подбирают школам из списка ШНОР и группы риска; статус этой школы в списке на "
                   f"{format_school_year(sg.list_year)} — «{sg.status_ru}».")
        return
    current = None if view.partner is None else view.partner["partner_id"]
    items = [i for i in sg.items if i.school.id != current]
    if current is None:
        _suggestion_list(user, school_id, sg, items, may_pair, False)
        if may_pair:
            _other_partner_form(user, school_id)
        return
    with st.expander(f"Другие кандидаты в партнёры ({len(items)})" if items else "Другие кандидаты в партнёры"):
        _suggestion_list(user, school_id, sg, items, may_pair, True)
    if may_pair:
        _other_partner_form(user, school_id)


def _suggestion_list(user: User, school_id: int, sg: rs.Suggestions, items: list, may_pair: bool,
                     has_partner: bool) -> None:
    st.markdown(f"**Предлагаемые партнёры** — школы со стабильно высокими результатами "
                f"{format_school_year(sg.list_year - 2)}–{format_school_year(sg.list_year - 1)}: сначала своей "
                "территории, затем того же типа, похожего размера и типа местности.")
    if not items:
        st.info(md(sg.empty_ru) if not sg.items else "Других школ со стабильно высокими результатами нет.")
        return
    if has_partner and may_pair:
        st.caption("Назначение нового партнёра завершит текущее партнёрство (оно останется в истории).")
    for item in items:
        s = item.school
        label = meeting.school_label(s.name, s.id)
        with st.container(border=True):
            left, right = st.columns([5, 1.3], vertical_alignment="center")
            head = " · ".join(md(x) for x in (label, s.territory, s.school_type) if x)
            left.markdown(f"**{head}**")
            left.caption(md(item.reason_ru))
            if may_pair and right.button("Назначить партнёром", key=f"pair_{school_id}_{s.id}", type="secondary"):
                try:
                    sv.pair_partner(get_store(), user, school_id, s.id, list_year=sg.list_year)
                except REFUSED as exc:
                    _flash("err", md(exc))
                    st.rerun()
                _changed(f"Школа-партнёр назначена: {md(label)}.")


def _other_partner_form(user: User, school_id: int) -> None:
    from shnor.ui.views import school_choices
    choices = school_choices(user.territory_id)
    choices = choices[choices["id"].astype(int) != int(school_id)]
    labels = {int(r.id): f"{meeting.school_label(r.short_name, int(r.id))} · {r.territory}"
              for r in choices.itertuples(index=False)}
    with st.expander("Назначить другую школу"):
        with st.form(f"partner_other_{school_id}", clear_on_submit=True):
            pid = st.selectbox("Школа-партнёр", sorted(labels, key=lambda i: labels[i].lower()), index=None,
                               format_func=labels.get, placeholder="Начните вводить название",
                               key=f"partner_other_pick_{school_id}")
            reason = st.text_area("Основание (договор, приказ, причина выбора)", key=f"partner_other_reason_{school_id}",
                                  placeholder="Например: договор о сетевом партнёрстве от 01.09.2024 № 12")
            if st.form_submit_button("Назначить партнёром"):
                if pid is None:
                    _flash("err", "Выберите школу-партнёра.")
                    st.rerun()
                try:
                    sv.pair_partner(get_store(), user, school_id, int(pid), reason=reason)
                except REFUSED as exc:
                    _flash("err", md(exc))
                    st.rerun()
                _changed(f"Школа-партнёр назначена: {md(labels[int(pid)])}.")


# -- curator, coordinator, flags -----------------------------------------------------------------
def people_section(user: User, school: pd.Series, school_id: int, meeting_on: bool) -> None:
    st.subheader("Куратор, координатор, признаки")
    _section("people")
    v = _support(user, school_id, data_version())
    if v is None:
        return
    lines = v.lines()
    st.table(pd.DataFrame({"Сведения": [k for k, _ in lines], "Значение": [md(x) for _, x in lines]})
             .set_index("Сведения"))
    may_people, may_registry = _may(user, Action.PARTNERS, school), _may(user, Action.EDIT_SCHOOL, school)
    if not (may_people or may_registry):
        return
    with st.expander("Изменить куратора, координатора, признаки"):
        with st.form(f"people_{school_id}"):
            a, b = st.columns(2)
            curator = a.text_input("Куратор", value=v.curator or "", disabled=not may_people, max_chars=sv.MAX_TEXT,
                                   key=f"people_curator_{school_id}", placeholder="Фамилия И. О., должность")
            coordinator = b.text_input("Муниципальный координатор", value=v.coordinator or "", disabled=not may_people,
                                       max_chars=sv.MAX_TEXT, key=f"people_coordinator_{school_id}",
                                       placeholder="Фамилия И. О., должность")
            p500 = a.checkbox("Участник проекта «500+»", value=v.is_500plus, disabled=not may_people,
                              key=f"people_500_{school_id}")
            shnsu = b.checkbox("ШНСУ (неблагоприятные социальные условия)", value=bool(v.is_shnsu),
                               disabled=not may_registry, key=f"people_shnsu_{school_id}",
                               help="Признак реестра школ: его меняет методист или администратор; следующий файл "
                                    "реестра с этим признаком установит его заново.")
            if st.form_submit_button("Сохранить", type="primary"):
                changed = False
                try:
                    if may_people:
                        changed |= sv.set_support(get_store(), user, school_id, curator=curator,
                                                  coordinator=coordinator, is_500plus=p500)
                    if may_registry and bool(shnsu) != bool(v.is_shnsu):
                        changed |= sv.set_shnsu(get_store(), user, school_id, shnsu)
                except REFUSED as exc:
                    _flash("err", md(exc))
                    st.rerun()
                if changed:
                    _changed("Сохранено.")
                _flash("ok", "Ничего не изменилось.")
                st.rerun()
