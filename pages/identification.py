"""Выявление ШНОР: the list of a year with its reasons, "what if" settings, heat map, comparison with last
year, risk group, stably high, missing data, the Excel export — and the official list (manual decisions with
a written reason, approval by order, the difference after later imports, the region's own list)."""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from shnor.domain import procedures
from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.permissions import Action, Forbidden, may
from shnor.domain.rule import RuleSettings
from shnor.domain.years import format_school_year
from shnor.read import list_details as ld
from shnor.read.analysis import compute_list, load_rule_settings
from shnor.read.overview import list_years
from shnor.reports.excel import export_frame, list_workbook
from shnor.reports.list_export import list_export, list_file_name
from shnor.services import lists as ol
from shnor.ui import charts, views
from shnor.ui.db import data_changed, data_version, get_store
from shnor.ui.guard import can, page_guard, territory_scope, visible_territory_ids
from shnor.ui.meeting import code_labels, is_anonymised, is_meeting, school_label, school_labels
from shnor.ui.safe import md

user = page_guard("identification")
store = get_store()
meeting = is_meeting()

st.title("Выявление ШНОР")

years = list_years(store)
if not years:
    st.info("Результатов пока нет — список не из чего формировать. Загрузите файлы на странице «Загрузка».")
    st.stop()


# ---------------------------------------------------------------------------------------------
# Cached computations (keyed on filters, settings and the data version)
# ---------------------------------------------------------------------------------------------
@st.cache_data(ttl=900, max_entries=64, show_spinner="Считаю список…")
def cached_list(year: int, territory_id: int | None, settings_json: str, version: tuple):
    return compute_list(get_store(), year, territory_id, RuleSettings.from_dict(json.loads(settings_json)))


@st.cache_data(ttl=900, max_entries=32, show_spinner=False)
def cached_details(year: int, territory_id: int | None, settings_json: str, version: tuple) -> dict:
    """The list's tables that read every school's status (40 000 in a country): worked out once per list, not at
    each rerun of the page."""
    lst = cached_list(year, territory_id, settings_json, version)
    prev = cached_list(year - 1, territory_id, settings_json, version)
    return {"groups": ld.status_lists(lst), "compare": ld.compare_with_previous(lst, prev),
            "missing": ld.missing_by_procedure(lst), "matrix": ld.missing_matrix(lst)}


WORDED_MAX = 100      # schools whose reasons are written out as text under the table
HEATMAP_MAX = 80      # rows of the heat map that still read on a screen; a country's list has thousands


@st.cache_data(ttl=900, max_entries=32, show_spinner=False)
def cached_heatmap(year: int, territory_id: int | None, settings_json: str, version: tuple,
                   with_risk: bool) -> pd.DataFrame:
    """The heat map's cells of the list's ШНОР (and risk group): the HEATMAP_MAX schools with the highest
    share when there are more; `attrs["schools"]` is how many there are."""
    details = cached_details(year, territory_id, settings_json, version)
    ids = list(details["groups"]["shnor"]["id"].astype(int))
    if with_risk:
        ids += list(details["groups"]["risk"]["id"].astype(int))
    hm = ld.heatmap_frame(get_store(), cached_list(year, territory_id, settings_json, version), ids)
    n = hm["school_id"].nunique()
    if n > HEATMAP_MAX:
        worst = hm.groupby("school_id")["share"].max().sort_values(ascending=False, kind="stable")
        hm = hm[hm["school_id"].isin(worst.index[:HEATMAP_MAX])].reset_index(drop=True)
    hm.attrs["schools"] = n
    return hm


@st.cache_data(ttl=900, max_entries=32, show_spinner=False)
def cached_workbook(year: int, territory_id: int | None, settings_json: str, territory_name: str,
                    version: tuple) -> bytes:
    """The computed list as the rule gives it (no manual decisions)."""
    settings = RuleSettings.from_dict(json.loads(settings_json))
    lst = cached_list(year, territory_id, settings_json, version)
    return list_workbook(export_frame(lst), year=year, territory_name=territory_name, settings=settings,
                         coverage=lst.coverage)


@st.cache_data(ttl=900, max_entries=32, show_spinner=False)
def cached_list_export(_user, user_key: tuple, year: int, territory_id: int | None, settings_json: str,
                       territory_name: str, version: tuple):
    """The official list's workbook: the approved list, or the draft with the decisions marked «проект»."""
    settings = RuleSettings.from_dict(json.loads(settings_json))
    return list_export(get_store(), _user, year, territory_id, settings=settings,
                       computed=cached_list(year, territory_id, settings_json, version), territory_name=territory_name)


# ---------------------------------------------------------------------------------------------
# Filters: year, territory
# ---------------------------------------------------------------------------------------------
territories = store.territories.list()
school_counts = views.registry_counts()
visible = visible_territory_ids(user)
root_id = store.territories.root_id()            # the one region, or the country (its regions are choices)
options: list[int | None] = []
labels: dict[int | None, str] = {}
if visible is None:
    options.append(None)
    whole = store.territories.title(None)
    labels[None] = whole[:1].upper() + whole[1:]
for r in territories[territories["id"] != (root_id if root_id is not None else -1)].itertuples():
    if visible is not None and int(r.id) not in visible:
        continue
    options.append(int(r.id))
    labels[int(r.id)] = (f"— {r.name} ({r.parent_name})" if r.kind == "district" and r.parent_name else r.name)


with_schools = views.territories_with_schools(territories, school_counts)


def option_label(tid: int | None) -> str:
    """A territory filter choice; one without a school in the registry says so."""
    return labels.get(tid, str(tid)) + ("" if tid is None or int(tid) in with_schools else views.NO_SCHOOLS)


c1, c2 = st.columns([1, 2])
year = c1.selectbox("Список на учебный год", years, format_func=lambda y: format_school_year(y), key="ident_year",
                    help="Список на учебный год Y формируется по результатам Y−1 (критерий 1) и Y−1 и Y−2 "
                         "(критерий 2).")
if len(options) == 1:
    territory_id = options[0]
    c2.markdown(f"**Территория:** {md(labels[territory_id])}")
else:
    territory_id = c2.selectbox("Территория", options, format_func=option_label,
                                key="ident_territory")
territory_id = territory_scope(user, territory_id)
territory_name = labels.get(territory_id) or (user.territory or "Весь регион")

# ---------------------------------------------------------------------------------------------
# Rule settings: "what if" (anyone), saved defaults (admin, on the settings page)
# ---------------------------------------------------------------------------------------------
saved = load_rule_settings(store)
_W = {"variant": "ident_variant", "threshold_pct": "ident_threshold", "margin_pct": "ident_margin",
      "min_participants": "ident_min", "small_group": "ident_small", "procedures": "ident_procs"}


def _reset_to_saved() -> None:
    for field, key in _W.items():
        value = getattr(saved, field)
        st.session_state[key] = list(value) if field == "procedures" else value


for field, key in _W.items():
    if key not in st.session_state:
        value = getattr(saved, field)
        st.session_state[key] = list(value) if field == "procedures" else value

with st.expander("Настройки правила — можно попробовать «что если», ничего не сохраняя", expanded=False):
    a, b, c = st.columns(3)
    a.radio("Критерий 2", ["any", "same"], key=_W["variant"], horizontal=False,
            format_func=lambda v: {"any": "любая процедура в каждом из двух лет",
                                   "same": "та же процедура в обоих годах"}[v],
            help="Вариант по умолчанию — формулировка дорожной карты: низкий результат хотя бы по одной процедуре "
                 "в каждом из двух предыдущих лет. Строгий вариант: по одной и той же процедуре.")
    b.number_input("Порог низкого результата, %", min_value=1, max_value=100, step=1, key=_W["threshold_pct"],
                   help="Результат низкий, если доля «2» (ниже минимума на экзамене) не меньше порога: 30 % ровно — "
                        "низкий результат.")
    b.number_input("Группа риска: в пределах, % ниже порога", min_value=0, max_value=99, step=1,
                   key=_W["margin_pct"], help="Школа в группе риска, если доля в пределах этого запаса ниже порога "
                                              "(по умолчанию 25 % ≤ доля < 30 %) или низкий результат ровно по одной "
                                              "процедуре.")
    c.number_input("Не учитывать результаты, где участников меньше", min_value=0, max_value=1000, step=1,
                   key=_W["min_participants"], help="По умолчанию 0: учитываются все результаты.")
    c.number_input("Малая группа: меньше участников", min_value=0, max_value=1000, step=1, key=_W["small_group"],
                   help="Результаты малых групп учитываются, но помечаются: одна-две «2» меняют долю сильно.")
    st.multiselect("Процедуры", list(procedures.CATALOGUE), key=_W["procedures"],
                   format_func=procedures.name_ru, help="По умолчанию — девять процедур дорожной карты.")
    st.button("Вернуть сохранённые настройки", on_click=_reset_to_saved, key="ident_reset")

settings = RuleSettings(
    threshold_pct=int(st.session_state[_W["threshold_pct"]]), variant=st.session_state[_W["variant"]],
    margin_pct=int(st.session_state[_W["margin_pct"]]), min_participants=int(st.session_state[_W["min_participants"]]),
    small_group=int(st.session_state[_W["small_group"]]), procedures=tuple(st.session_state[_W["procedures"]]),
    high_max_low_pct=saved.high_max_low_pct, high_min_quality_pct=saved.high_min_quality_pct)
errors = settings.validate()
if errors:
    for e in errors:
        st.error(e)
    st.stop()
what_if = settings != saved
if what_if:
    msg = ("**Расчёт «что если»**: настройки отличаются от сохранённых и нигде не записаны. "
           "Сохранённые настройки: порог " f"{saved.threshold_pct} %, критерий 2 — "
           f"{'любая процедура' if saved.variant == 'any' else 'та же процедура'}, процедур: {len(saved.procedures)}.")
    st.info(msg, icon=":material/science:")
    if can(user, Action.RULE_SETTINGS):
        try:
            st.page_link("pages/settings.py", label="Сохранить настройки по умолчанию — на странице «Настройки»",
                         icon=":material/settings:")
        except StreamlitAPIException:  # the page file was run directly, outside the app's navigation
            st.caption("Сохранить настройки по умолчанию можно на странице «Настройки».")

settings_json = json.dumps(settings.to_dict(), sort_keys=True)
version = data_version()
lst = cached_list(year, territory_id, settings_json, version)
details = cached_details(year, territory_id, settings_json, version)
groups = details["groups"]

st.caption(f"Список на {format_school_year(year)} учебный год — {md(territory_name)}: по результатам "
           f"{format_school_year(year - 1)} (критерий 1: не менее двух процедур с низким результатом) и "
           f"{format_school_year(year - 2)}–{format_school_year(year - 1)} (критерий 2: низкий результат в каждом "
           f"из двух лет). Низкий результат — не менее {settings.threshold_pct} % «2» (ниже минимума).")

cov = lst.coverage
if cov.sufficient:
    st.caption(cov.sentence_ru() + " Школа без результатов за этот год не может попасть в список.")
elif cov.schools == 0:
    st.info(f"В территории «{md(territory_name)}» нет ни одной школы, которая учитывается в списке на "
            f"{format_school_year(year)}: списка и вывода о цели нет.", icon=":material/info:")
elif cov.no_results:
    st.warning(f"За {format_school_year(year - 1)} учебный год результатов нет ни у одной школы — список на "
               f"{format_school_year(year)} не из чего формировать. Пустой список не означает, что ШНОР нет.",
               icon=":material/warning:")
else:
    st.warning(f"{cov.withheld_ru()} Школа без результатов за {format_school_year(year - 1)} не может попасть в "
               "список: доля ШНОР может быть занижена. Каких результатов не хватает — на вкладке «Каких данных "
               "нет».", icon=":material/warning:")

m1, m2, m3, m4 = st.columns(4)
m1.metric("ШНОР", fmt_int(lst.shnor_count), help="Школы, для которых выполнен критерий 1 или 2.")
m2.metric("Доля ШНОР", fmt_pct(lst.share), help=f"ШНОР / все общеобразовательные школы территории, действовавшие в "
                                                 f"{format_school_year(year - 1)} ({fmt_int(lst.school_count)}), "
                                                 f"включая школы без данных. {cov.sentence_ru()}")
m3.metric("Группа риска", fmt_int(len(groups["risk"])),
          help="Не ШНОР, но в прошлом году одна процедура с низким результатом или доля в пределах запаса ниже "
               "порога.")
m4.metric("Нет данных", fmt_int(len(groups["no_data"])),
          help="Нет ни одного результата по процедурам правила за два года. «Нет данных» — не «нет низких "
               "результатов».")


def show_names(df: pd.DataFrame, id_col: str = "id", name_col: str = "short_name") -> pd.Series:
    return pd.Series(school_labels(df[name_col], [int(i) for i in df[id_col]]), index=df.index, dtype=object)


tabs = st.tabs(["Список", "Тепловая карта", "Сравнение с прошлым годом", "Группа риска",
                "Стабильно высокие", "Каких данных нет", "Официальный список"])

# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------
with tabs[0]:
    shnor = groups["shnor"]
    st.subheader(f"ШНОР на {format_school_year(year)}: {fmt_int(len(shnor))} "
                 f"{plural(len(shnor), 'школа', 'школы', 'школ')} из {fmt_int(lst.school_count)}")
    if shnor.empty:
        st.success("По выбранным настройкам ни одна школа не попадает в список.")
    else:
        view = pd.DataFrame({
            "Территория": shnor["territory"], "ОО": show_names(shnor), "Код": code_labels(shnor["school_code"]),
            "Критерии": shnor["criteria"],
            "Малая группа": ["да — менее " + str(settings.small_group) + " участников" if f else ""
                             for f in shnor["small_group"].fillna(False)],
            "Основания": shnor["reasons"]})
        st.dataframe(view, hide_index=True, width="stretch", key="ident_list_table", column_config={
            "Основания": st.column_config.TextColumn(width="large", help="Какие результаты и какой критерий "
                                                                        "привели школу в список."),
            "Малая группа": st.column_config.TextColumn(help="Среди оснований есть результат малой группы: "
                                                            "одна-две «2» сильно меняют долю.")})
        with st.expander("Основания словами", expanded=meeting):
            worded = shnor.head(WORDED_MAX)
            for i, (r, name) in enumerate(zip(worded.itertuples(index=False),
                                              school_labels(worded["short_name"], worded["id"])), start=1):
                flag = " ⚠ малая группа" if r.small_group else ""
                st.markdown(f"{i}. **{md(name)}** ({md(r.territory)}){flag}. {md(r.reasons)}")
            if len(shnor) > WORDED_MAX:
                st.caption(f"Показаны первые {fmt_int(WORDED_MAX)} из {fmt_int(len(shnor))}; основания всех школ — "
                           "в таблице выше и в файле Excel.")
    # built on the click (40 000 schools of a country take a minute to write), then kept in the cache
    st.download_button("Скачать список (Excel)", on_click="ignore",
                       data=lambda: cached_workbook(year, territory_id, settings_json, territory_name, version),
                       file_name=f"ШНОР_{year}-{year + 1}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="ident_download",
                       help="Территория, ОО, код, критерии и основания; настройки правила, с которыми "
                            "сформирован список; на втором листе — критерии и основания, на третьем — все школы со статусами.")

# ---------------------------------------------------------------------------------------------
# Heat map school × procedure × year
# ---------------------------------------------------------------------------------------------
with tabs[1]:
    which = st.radio("Школы", ["ШНОР", "ШНОР и группа риска"], horizontal=True, key="ident_heat_which")
    hm = cached_heatmap(year, territory_id, settings_json, version, which != "ШНОР")
    shown_n, all_n = hm["school_id"].nunique(), hm.attrs.get("schools", 0)
    if all_n > shown_n:
        st.caption(f"Показаны {fmt_int(shown_n)} из {fmt_int(all_n)} школ — с самой высокой долей «2»; "
                   "выберите территорию, чтобы увидеть её школы.")
    if hm.empty:
        st.info("Нет школ с результатами для тепловой карты.")
    else:
        names = dict(zip(lst.bare["id"].astype(int), lst.bare["short_name"]))
        hm_ids = [int(s) for s in hm["school_id"]]
        hm["Школа"] = school_labels([names.get(i) for i in hm_ids], hm_ids)
        hm["Процедура и год"] = hm["column"]
        col_order = list(hm.sort_values("order")["column"].drop_duplicates())
        base = alt.Chart(hm).encode(
            x=alt.X("Процедура и год:N", sort=col_order, title=None,
                    axis=alt.Axis(labelAngle=-45, orient="top", labelOverlap=False, labelPadding=4)),
            y=alt.Y("Школа:N", title=None, sort=alt.SortField("Школа"), axis=alt.Axis(labelOverlap=False)))
        rect = base.mark_rect().encode(
            color=alt.Color("share:Q", title="Доля «2» / ниже минимума",
                            scale=alt.Scale(scheme="orangered", domain=[0, 0.6], clamp=True),
                            legend=alt.Legend(format=".0%")),
            stroke=alt.condition("datum.low", alt.value("#000000"), alt.value("#ffffff")),
            strokeWidth=alt.condition("datum.low", alt.value(2.5), alt.value(0.5)),
            tooltip=[alt.Tooltip("Школа:N"), alt.Tooltip("procedure_ru:N", title="Процедура"),
                     alt.Tooltip("year_ru:N", title="Учебный год"),
                     alt.Tooltip("share:Q", title="Доля", format=".1%"),
                     alt.Tooltip("low_count:Q", title="«2» / ниже минимума, чел."),
                     alt.Tooltip("participants:Q", title="Участников")])
        text = base.mark_text(fontSize=16 if meeting else 12).encode(
            text="label:N", color=alt.condition("datum.share > 0.35", alt.value("white"), alt.value("black")))
        chart = charts.finish(
            (rect + text).properties(height=alt.Step(30 if meeting else 24)),
            title=f"Где низкие результаты: доля «2» по процедурам, {format_school_year(year - 2)} и "
                  f"{format_school_year(year - 1)}",
            subtitle=f"В ячейке — доля «2» (ниже минимума) в %; обведены низкие результаты (не менее "
                     f"{settings.threshold_pct} %); пустая ячейка — нет результата.", meeting=meeting)
        st.altair_chart(chart, width="stretch", key="ident_heatmap")

# ---------------------------------------------------------------------------------------------
# Comparison with last year's list
# ---------------------------------------------------------------------------------------------
with tabs[2]:
    cmp = details["compare"]
    counts = cmp["change"].value_counts()
    a, b, c = st.columns(3)
    a.metric("Вошли", fmt_int(counts.get(ld.ENTERED, 0)), help=f"ШНОР в списке на {format_school_year(year)}, "
                                                               f"но не в списке на {format_school_year(year - 1)}.")
    b.metric("Вышли", fmt_int(counts.get(ld.LEFT, 0)), help=f"Были в списке на {format_school_year(year - 1)}, "
                                                            f"в списке на {format_school_year(year)} их нет.")
    c.metric("Остались", fmt_int(counts.get(ld.STAYED, 0)), help="ШНОР в обоих списках.")
    st.caption(f"Оба списка посчитаны с одними и теми же настройками: на {format_school_year(year - 1)} и на "
               f"{format_school_year(year)}.")
    if not cmp.empty:
        st.dataframe(pd.DataFrame({
            "Изменение": cmp["change"], "Территория": cmp["territory"],
            "ОО": show_names(cmp, "school_id"), "Статус теперь": cmp["status_now"],
            "Основания теперь": cmp["reasons_now"], "Основания год назад": cmp["reasons_then"]}),
            hide_index=True, width="stretch", key="ident_cmp_table")

# ---------------------------------------------------------------------------------------------
# Risk group, stably high
# ---------------------------------------------------------------------------------------------
with tabs[3]:
    risk = groups["risk"]
    st.subheader(f"Группа риска: {fmt_int(len(risk))} {plural(len(risk), 'школа', 'школы', 'школ')}")
    st.caption(f"Не ШНОР, но в {format_school_year(year - 1)} — одна процедура с низким результатом или доля "
               f"от {settings.threshold_pct - settings.margin_pct} до {settings.threshold_pct} %.")
    if not risk.empty:
        st.dataframe(pd.DataFrame({"Территория": risk["territory"], "ОО": show_names(risk),
                                   "Код": code_labels(risk["school_code"]), "Почему": risk["reasons"]}),
                     hide_index=True, width="stretch", key="ident_risk_table")

with tabs[4]:
    high = groups["high"]
    st.subheader(f"Стабильно высокие результаты: {fmt_int(len(high))} "
                 f"{plural(len(high), 'школа', 'школы', 'школ')}")
    st.caption(f"Результаты есть за оба года, ни по одной процедуре не больше {settings.high_max_low_pct} % «2», "
               f"а где известны отметки — «4» и «5» не меньше {settings.high_min_quality_pct} %. "
               "Кандидаты в школы-партнёры для ШНОР.")
    if not high.empty:
        st.dataframe(pd.DataFrame({"Территория": high["territory"], "ОО": show_names(high),
                                   "Код": code_labels(high["school_code"])}), hide_index=True, width="stretch",
                     key="ident_high_table")

# ---------------------------------------------------------------------------------------------
# Missing data
# ---------------------------------------------------------------------------------------------
with tabs[5]:
    miss = details["missing"]
    st.subheader(f"Каких данных нет за {format_school_year(year - 2)} и {format_school_year(year - 1)}")
    st.caption("Отсутствующий результат — «нет данных», а не «нет низкого результата». Школы, которые процедуру не "
               "сдают по своему типу (ООШ — ЕГЭ, НОШ — ВПР 5–6 классов, ОГЭ, ЕГЭ), и процедуры, которых не было "
               "в календаре, указаны отдельно.")
    gaps = miss[miss["calendar"].str.contains("не проводился|отменён|только по русскому")]
    for r in gaps.itertuples():
        st.warning(f"{r.procedure_ru}, {r.year_ru}: {r.calendar}.", icon=":material/event_busy:")
    st.dataframe(pd.DataFrame({
        "Процедура": miss["procedure_ru"], "Учебный год": miss["year_ru"], "Есть результат": miss["with_result"],
        "Нет результата": miss["missing"], "Из них не сдают по типу школы": miss["not_applicable"],
        "Нет, хотя ожидался": miss["missing_expected"], "Календарь": miss["calendar"]}),
        hide_index=True, width="stretch", key="ident_missing_table")
    mm = details["matrix"]
    with st.expander(f"Школы, у которых нет ожидаемых результатов: {fmt_int(len(mm))}"):
        if not mm.empty:
            st.dataframe(pd.DataFrame({"Территория": mm["territory"], "ОО": show_names(mm, "school_id"),
                                       "Статус": mm["status_ru"], "Нет результатов": mm["missing"],
                                       "Каких": mm["what"]}), hide_index=True, width="stretch",
                         key="ident_missing_schools")

# ---------------------------------------------------------------------------------------------
# The official list
# ---------------------------------------------------------------------------------------------
FLASH = "_ident_flash"
REGION_UNMATCHED = "_ident_region_unmatched"


def flash(kind: str, markdown: str) -> None:
    """A message for the next run. `markdown` is shown as Markdown: data inside it must be md()-escaped."""
    st.session_state[FLASH] = (kind, markdown)


def may_here(action: Action) -> bool:
    """May the user act on this territory's list here and now (not in meeting mode)? Only hides controls:
    the services decide."""
    return may(user, action, territory_id) and not meeting


with tabs[6]:
    if FLASH in st.session_state:
        kind, text = st.session_state.pop(FLASH)
        (st.success if kind == "ok" else st.error)(text)
    official = ol.get_list(store, user, year, territory_id)
    st.subheader(f"Официальный список на {format_school_year(year)} — {md(territory_name)}")
    def export_data() -> bytes:
        """The official list's workbook, written on the click of its download button."""
        return cached_list_export(user, (user.name, user.role, user.territory_id), year, territory_id,
                                  settings_json, territory_name, version).data

    export_name = list_file_name(year, official, "xlsx")
    if official is not None and official.frozen:
        st.success(f"Утверждён: {md(official.order_ru())}; утвердил(а) {md(official.approved_by or '—')} "
                   f"{official.approved_at:%d.%m.%Y %H:%M}. Утверждённый список не меняется.",
                   icon=":material/verified:")
        items = ol.list_items(store, user, official)
        inc = items[items["included"]]
        st.dataframe(pd.DataFrame({
            "Территория": inc["territory"], "ОО": show_names(inc, "school_id"), "Код": code_labels(inc["school_code"]),
            "Критерии": inc["criteria"], "Основания": inc["reasons"],
            "Решение вручную": [r if m else "" for r, m in zip(inc["reason"], inc["manual"])]}),
            hide_index=True, width="stretch", key="ident_official_table")
        excluded = items[items["manual"] & ~items["included"]]
        if not excluded.empty:
            st.markdown("**Исключены вручную:** " + "; ".join(
                f"{md(school_label(n, int(i)))} — {md(r)}" for n, i, r in
                zip(excluded["short_name"], excluded["school_id"], excluded["reason"])))
        s = official.settings or RuleSettings()
        st.caption(f"Список сформирован с настройками: порог {s.threshold_pct} %, критерий 2 — "
                   f"{'любая процедура' if s.variant == 'any' else 'та же процедура'}, процедур: {len(s.procedures)}.")
        diff = ol.diff_with_computed(store, user, official, cached_list(
            year, territory_id, json.dumps(s.to_dict(), sort_keys=True), version))
        (st.info if diff.empty else st.warning)(ol.diff_summary_ru(diff))
        if not diff.empty:
            st.dataframe(pd.DataFrame({
                "Изменение": diff["change"], "Территория": diff["territory"], "ОО": show_names(diff, "school_id"),
                "В утверждённом списке": ["да" if x else "нет" for x in diff["included"]],
                "Статус тогда": diff["status_then"], "Статус теперь": diff["status_now"],
                "Основания теперь": diff["reasons_now"]}), hide_index=True, width="stretch", key="ident_diff_table")
        st.download_button("Скачать утверждённый список (Excel)", key="ident_official_download",
                           data=export_data, file_name=export_name, on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:")
    else:
        manual = ol.decisions(store, user, official) if official is not None else None
        _, proposal = ol.current_proposal(store, user, year, territory_id, computed=lst)
        inc = proposal[proposal["included"]]
        st.info(f"Список не утверждён. Проект: {fmt_int(len(inc))} {plural(len(inc), 'школа', 'школы', 'школ')} "
                f"(по правилу — {fmt_int(lst.shnor_count)}; решений вручную — {fmt_int(int(proposal['manual'].sum()))}). "
                "Руководитель может включить или исключить школу с письменной причиной и утвердить список приказом.",
                icon=":material/edit_note:")
        st.dataframe(pd.DataFrame({
            "Территория": inc["territory"], "ОО": show_names(inc, "school_id"), "Критерии": inc["criteria"],
            "Статус по правилу": inc["status_ru"],
            "Решение вручную": [r if m else "" for r, m in zip(inc["reason"], inc["manual"])]}),
            hide_index=True, width="stretch", key="ident_proposal_table")
        st.download_button("Скачать проект списка с решениями (Excel)", key="ident_draft_download",
                           data=export_data, file_name=export_name, on_click="ignore", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        label_of = {int(i): f"{n} ({t}) — {st_ru}" for i, n, t, st_ru in zip(
            proposal["school_id"], show_names(proposal, "school_id"), proposal["territory"], proposal["status_ru"])}
        if manual is not None and not manual.empty:
            names = dict(zip(proposal["school_id"], proposal["short_name"]))
            st.markdown("**Решения вручную:**\n" + "\n".join(
                f"- {md(school_label(names.get(int(r.school_id)), int(r.school_id)))}: "
                f"{'включить' if r.included else 'исключить'} — {md(r.reason)}" for r in manual.itertuples()))
        if may_here(Action.LIST_DECIDE):
            if what_if:
                st.warning("Проект считается с настройками «что если» выше; при утверждении будут записаны они.")
            with st.form("ident_decision_form", clear_on_submit=True):
                st.markdown("**Включить или исключить школу вручную**")
                school_ids = list(proposal["school_id"])
                sid = st.selectbox("Школа", school_ids, format_func=lambda i: label_of.get(int(i), str(i)),
                                   key="ident_decision_school")
                action = st.radio("Решение", ["include", "exclude"], horizontal=True, key="ident_decision_action",
                                  format_func=lambda a: "включить в список" if a == "include" else "исключить из списка")
                reason = st.text_area("Причина (обязательно)", key="ident_decision_reason",
                                      placeholder="Например: по списку региона (приказ КОиН от 03.12.2021 № 1324)")
                if st.form_submit_button("Записать решение"):
                    try:
                        ol.set_decision(store, user, year, territory_id, int(sid), action == "include", reason)
                        data_changed()
                        flash("ok", "Решение записано.")
                    except (ol.OfficialListError, Forbidden) as exc:
                        flash("err", md(exc))
                    st.rerun()
            if manual is not None and not manual.empty:
                c1, c2 = st.columns([3, 1])
                undo_sid = c1.selectbox("Отменить решение по школе", list(manual["school_id"]),
                                        format_func=lambda i: label_of.get(int(i), str(i)), key="ident_clear_school")
                if c2.button("Отменить решение", key="ident_clear"):
                    try:
                        ol.clear_decision(store, user, year, territory_id, int(undo_sid))
                        data_changed()
                        flash("ok", "Решение отменено: школа снова следует правилу.")
                    except (ol.OfficialListError, Forbidden) as exc:
                        flash("err", md(exc))
                    st.rerun()
        if may_here(Action.LIST_APPROVE):
            with st.form("ident_approve_form"):
                st.markdown("**Утвердить список приказом** — после утверждения список не меняется.")
                a, b = st.columns(2)
                number = a.text_input("Номер приказа", key="ident_order_number")
                date = b.date_input("Дата приказа", value=None, format="DD.MM.YYYY", key="ident_order_date",
                                    max_value=dt.date.today())
                sure = st.checkbox("Проверил(а) проект: утвердить и заморозить список", key="ident_approve_sure")
                if st.form_submit_button("Утвердить список", type="primary"):
                    if not sure:
                        flash("err", "Отметьте, что проект проверен, — утверждённый список больше не меняется.")
                    else:
                        try:
                            done = ol.approve_list(store, user, year, territory_id, number, date, settings=settings)
                            data_changed()
                            flash("ok", f"Список на {format_school_year(year)} утверждён: {md(done.order_ru())}.")
                        except (ol.OfficialListError, Forbidden) as exc:
                            flash("err", md(exc))
                    st.rerun()
        elif not meeting:
            st.caption("Утверждает список руководитель (роль «руководитель» или «администратор»).")

    # the region's own list
    st.divider()
    st.subheader("Список региона")
    st.caption("Таблица из приказа региона (например, приложение 3: «Территория | ОО») — сравнивается со списком по "
               "правилу. Наименования сопоставляются с реестром внутри территории (регистр, кавычки, сокращения "
               "СОШ/ООШ не важны).")
    if may(user, Action.REGION_LIST, user.territory_id) and not meeting:
        with st.form("ident_region_form", clear_on_submit=True):
            up = st.file_uploader("Файл списка региона: перетащите файл сюда или нажмите «Выбрать файл» "
                                  "(.xlsx, .xls, .ods, .csv; до 50 МБ)", type=["xlsx", "xls", "ods", "csv"],
                                  key="ident_region_file")
            if st.form_submit_button("Загрузить список региона") and up is not None:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / ("region-list" + Path(up.name).suffix.lower())
                    path.write_bytes(up.getvalue())
                    try:
                        rep = ol.import_region_list(store, user, path, year, territory_id=user.territory_id,
                                                    file_name=up.name)
                    except Forbidden as exc:
                        rep = None
                        flash("err", md(exc))
                if rep is not None:
                    data_changed()
                    issues = [md(i.text()) for i in rep.issues if i.row is None]
                    if rep.status == "stored":
                        flash("ok", "\n\n".join([md(rep.summary_ru())] + issues))
                        st.session_state[REGION_UNMATCHED] = rep.unmatched_rows()
                    else:
                        flash("err", "\n\n".join([md(rep.summary_ru())] + [md(i.text()) for i in rep.issues]))
                        st.session_state.pop(REGION_UNMATCHED, None)
                st.rerun()
    unmatched = st.session_state.get(REGION_UNMATCHED)
    if unmatched is not None and not unmatched.empty:
        with st.expander(f"Строки загруженного списка, не найденные в реестре: {fmt_int(len(unmatched))}"):
            st.dataframe(pd.DataFrame({
                "Лист": unmatched["sheet"], "Строка": unmatched["row"], "Территория": unmatched["territory_text"],
                "ОО": unmatched["school_text"], "Почему": unmatched["note"]}),
                hide_index=True, width="stretch", key="ident_region_unmatched")
    rl = ol.region_lists(store, user, year)
    if rl.empty:
        st.caption(f"Список региона на {format_school_year(year)} не загружен.")
    else:
        rl_label = {int(r.id): f"{r.file_name} — {r.schools} школ, загружен {pd.Timestamp(r.uploaded_at):%d.%m.%Y %H:%M}"
                    + (f" ({r.uploaded_by})" if r.uploaded_by else "") for r in rl.itertuples()}
        rid = st.selectbox("Загруженный список региона", list(rl_label), format_func=lambda i: rl_label[i],
                           key="ident_region_pick")
        rc = ol.compare_with_region_list(store, user, int(rid), lst)
        vc = rc["verdict"].value_counts()
        a, b, c, d = st.columns(4)
        a.metric("В обоих списках", fmt_int(vc.get(ol.BOTH, 0)))
        b.metric("Только в списке региона", fmt_int(vc.get(ol.ONLY_REGION, 0)))
        c.metric("Только по расчёту", fmt_int(vc.get(ol.ONLY_COMPUTED, 0)))
        d.metric("Не найдены в реестре", fmt_int(vc.get(ol.NOT_FOUND, 0)))
        st.dataframe(pd.DataFrame({
            "Сравнение": rc["verdict"], "Территория": rc["territory"],
            "ОО": [school_label(n, int(i)) if not pd.isna(i) else ("школа не из реестра" if is_anonymised() else n)
                   for n, i in zip(rc["school"], rc["school_id"])],
            "Статус по правилу": rc["status_ru"], "Основания": rc["reasons"]}),
            hide_index=True, width="stretch", key="ident_region_table")
