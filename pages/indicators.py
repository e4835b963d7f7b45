"""«Показатели»: the roadmap's monitoring indicators (seed 000 §4 and §6) for a territory and school year —
each one's actual against its target, the status in colour, icon and words, the change against the previous
year and where the value comes from (computed, or who entered it and from which file); the trend of one
indicator against its target; entering values (methodists, admins of the territory), targets (heads,
admins), the template to download and upload. Forms are hidden from those `may` refuses; the services decide.
Names from data go through md() inside Markdown, or into dataframes and charts (plain text there).
"""
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from shnor.ui.guard import page_guard, territory_scope, visible_territory_ids

user = page_guard("indicators")

from shnor.domain import indicators as ind_  # noqa: E402  (after the guard: nothing runs for a stranger)
from shnor.domain.fmt import fmt_int, plural  # noqa: E402
from shnor.domain.permissions import Action, Forbidden, may  # noqa: E402
from shnor.domain.years import format_school_year as sy, school_year_of_date  # noqa: E402
from shnor.services import indicators as service  # noqa: E402
from shnor.services.settings import SettingsError  # noqa: E402
from shnor.ui import indicator_views as iv, meeting, views  # noqa: E402
from shnor.ui.db import data_changed, get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLASH = "_indicators_flash"
REFUSALS = (ind_.IndicatorError, Forbidden, SettingsError)
meeting_on = meeting.is_meeting()
store = get_store()


def explain(text: str) -> None:
    """How a figure is computed: at the desk, not on the meeting screen."""
    if not meeting_on:
        st.caption(text)


st.title("Показатели")
flash = st.session_state.pop(FLASH, None)
if flash:
    kind, text, issues = flash
    (st.success if kind == "ok" else st.error)(text)
    if issues is not None and not issues.empty:
        st.dataframe(issues, hide_index=True, width="stretch", key="ind_issues")

# -- filters -------------------------------------------------------------------------------------
this_year = school_year_of_date(dt.date.today())
years = iv.years() or [this_year - 1]
with_results = sorted(set(store.results.years()))
default_year = with_results[-1] if with_results else years[-1]
options = views.territory_options(visible_territory_ids(user))
left, right = st.columns(2)
chosen = left.selectbox(
    "Территория", list(options), format_func=lambda t: options.get(t, str(t)), key="ind_territory",
    disabled=len(options) == 1,
    help="Весь регион или одна территория. Пользователь, привязанный к территории, видит только её.")
year = right.selectbox(
    "Учебный год", list(reversed(years)), index=list(reversed(years)).index(default_year), format_func=sy,
    key="ind_year",
    help="Значение за учебный год — по его итогам: работы весны и экзамены июня входят в тот учебный год, "
         "который заканчивается этой весной. По умолчанию — последний год с загруженными результатами.")
territory_id = territory_scope(user, chosen or None)
place = views.territory_name(territory_id)

data = iv.indicators_data(territory_id, year)
table = data.table
summary = data.summary()
with_target = summary[ind_.REACHED] + summary[ind_.CLOSE] + summary[ind_.OFF]

st.subheader(f"{md(place)}, {sy(year)}: достигнуто целей — {fmt_int(summary[ind_.REACHED])} из "
             f"{fmt_int(with_target)}" if with_target else f"{md(place)}, {sy(year)}: цели не заданы")
explain(f"Учебный год {sy(year)} — с сентября {year} по август {year + 1}: ВПР весны {year + 1} года и экзамены "
        f"июня {year + 1} года. Доля ШНОР за {sy(year)} — доля школ, которые правило находит по результатам "
        f"{sy(year)} (список на {sy(year + 1)}); её цель та же, что на странице «Обзор».")

c1, c2, c3, c4 = st.columns(4)
c1.metric(ind_.status_label(ind_.REACHED).capitalize(), fmt_int(summary[ind_.REACHED]), border=True,
          help="Факт не хуже цели (с учётом направления: для «ниже — лучше» — не выше цели).")
c2.metric(ind_.status_label(ind_.CLOSE).capitalize(), fmt_int(summary[ind_.CLOSE]), border=True,
          help=ind_.tolerance_sentence())
c3.metric(ind_.status_label(ind_.OFF).capitalize(), fmt_int(summary[ind_.OFF]), border=True,
          help="Отставание от цели больше допуска «близко к цели».")
rest = summary[ind_.NO_TARGET] + summary[ind_.NO_VALUE] + summary[ind_.WITHHELD]
c4.metric("Без вывода", fmt_int(rest), border=True,
          help="Нет значения за год, цель не задана или данных мало для вывода (доля ШНОР: результаты есть "
               "меньше чем у порога полноты данных школ).")

shown = table
if meeting_on:   # one message per screen: what has neither a value nor a target is left out
    shown = table[(table["actual"].notna()) | (table["target"].notna())]
st.table(iv.styled_table(shown, with_source=not meeting_on))
if meeting_on and len(shown) < len(table):
    st.caption(f"Без значения и без цели (не показаны): {fmt_int(len(table) - len(shown))}.")
explain(ind_.tolerance_sentence() + " «Откуда значение»: рассчитано по загруженным результатам, введено вручную "
        "или загружено из файла (кто и когда). Рассчитанное значение важнее введённого: введённое используется, "
        "если результатов нет.")

# -- the trend of one indicator ------------------------------------------------------------------
st.subheader("Динамика показателя")
codes = list(ind_.CATALOGUE)
with_value = [c for c in codes if data.trends[c]["actual"].notna().any()]
code = st.selectbox("Показатель", codes, index=codes.index(with_value[0]) if with_value else 0, key="ind_trend",
                    format_func=lambda c: ind_.CATALOGUE[c].name_ru)
ind = ind_.CATALOGUE[code]
chart = iv.trend_chart(ind, data.trends[code], data.messages[code], year, meeting_on)
if chart is None:
    st.info(f"{md(data.messages[code])}.")
else:
    st.altair_chart(chart)
explain(f"{ind.how_ru} Источник: дорожная карта, {ind.seed}.")

if ind.for_school:
    schools = iv.schools_of(territory_id, code, year)
    with st.expander(f"По школам за {sy(year)}: {fmt_int(schools['school_id'].nunique())} "
                     f"{plural(schools['school_id'].nunique(), 'школа', 'школы', 'школ')}"):
        if schools.empty:
            st.write("Значений по школам за этот год нет.")
        else:
            shown = views.with_names(schools, "school", "school_id")
            st.dataframe(pd.DataFrame({"Школа": shown["school"], "Территория": shown["territory"],
                                       "Значение": shown["value_label"], "Откуда значение": shown["source"]}),
                         hide_index=True, width="stretch", key="ind_schools")

# -- editing: values (methodists, admins), targets (heads, admins), the template -------------------
may_values = may(user, Action.INDICATOR_VALUES, territory_id) and not meeting_on
may_targets = (may(user, Action.INDICATOR_TARGETS, territory_id) or may(user, Action.TARGETS, territory_id)) \
    and not meeting_on
entry_years = list(range(max(this_year + 1, max(years)), 2014, -1))


def act(call, *args, **kwargs):
    """Run a service as this user: the result and the caches cleared, or None with the refusal shown."""
    try:
        result = call(store, user, *args, **kwargs)
    except REFUSALS as exc:
        st.error(md(str(exc)))
        return None
    data_changed()
    return result


if may_values:
    st.divider()
    st.subheader(f"Ввод значения: {md(place)}")
    enterable = [c for c in codes if ind_.CATALOGUE[c].enterable]
    school_list = views.school_choices(territory_id)
    school_ids = [int(i) for i in school_list["id"]]
    names = dict(zip(school_ids, views.with_names(school_list)["short_name"]))
    with st.form("ind_value_form", border=True):
        f1, f2 = st.columns([3, 2])
        v_code = f1.selectbox("Показатель", enterable, key="ind_value_code",
                              format_func=lambda c: f"{ind_.CATALOGUE[c].name_ru}, {ind_.CATALOGUE[c].unit}")
        v_school = f2.selectbox("Школа", school_ids, index=None, key="ind_value_school",
                                format_func=lambda i: names.get(i, str(i)),
                                placeholder="— вся территория —",
                                help=f"Оставьте пустым, чтобы внести значение для всей территории «{md(place)}».")
        f3, f4 = st.columns([1, 1])
        v_year = f3.selectbox("Учебный год", entry_years, index=entry_years.index(year), format_func=sy,
                              key="ind_value_year")
        v_text = f4.text_input("Значение", key="ind_value_text", placeholder="например, 85,5 (%) или 12 (чел.)",
                               help="Проценты — числом от 0 до 100 (85,5 или 85,5 %), число человек или школ — "
                                    "целым числом.")
        sent = st.form_submit_button("Сохранить значение", type="primary")
    if sent:
        saved = act(service.set_value, v_code, v_year, v_text, territory_id=None if v_school else territory_id,
                    school_id=v_school)
        if saved is not None:
            st.session_state[FLASH] = ("ok", md(saved.message), None)
            st.rerun()

if may_targets:
    st.divider()
    st.subheader(f"Цели: {md(place)}")
    target_codes = [c for c in codes if c != ind_.SHNOR_SHARE or may(user, Action.TARGETS, territory_id)]
    with st.form("ind_target_form", border=True):
        g1, g2, g3 = st.columns([3, 1, 1])
        t_code = g1.selectbox("Показатель", target_codes, key="ind_target_code",
                              format_func=lambda c: f"{ind_.CATALOGUE[c].name_ru}, {ind_.CATALOGUE[c].unit}")
        t_year = g2.selectbox("Учебный год", entry_years, index=entry_years.index(year), format_func=sy,
                              key="ind_target_year")
        t_text = g3.text_input("Цель", key="ind_target_text", placeholder="например, 10 (%)",
                               help="Проценты — числом от 0 до 100; число человек или школ — целым числом.")
        t_sent = st.form_submit_button("Сохранить цель", type="primary")
    if t_sent:
        saved = act(service.set_target, t_code, territory_id, t_year, t_text)
        if saved is not None:
            st.session_state[FLASH] = ("ok", md(saved.message), None)
            st.rerun()
    if ind_.SHNOR_SHARE not in target_codes:
        st.caption("Цель по доле ШНОР задаёт администратор всего региона (здесь или в «Настройках»): это та же "
                   "цель, что на странице «Обзор».")

if may_values:
    st.divider()
    st.subheader("Шаблон показателей")
    st.markdown(f"Строка на показатель, территорию (и школу) и учебный год {sy(year)}; уже внесённые значения "
                "подставлены. Заполните столбец «Значение» и загрузите файл: он сохраняется целиком или не "
                "сохраняется вовсе.")
    with_schools = st.checkbox("Со строками для каждой школы", key="ind_template_schools")
    visible = visible_territory_ids(user)      # the template is written on the click (a row per territory)
    st.download_button("Скачать шаблон (Excel)", key="ind_template_download", icon=":material/download:",
                       data=lambda: iv.template_bytes(territory_id, year, with_schools, visible),
                       file_name=f"показатели_{year}-{year + 1}.xlsx", mime=XLSX, on_click="ignore")
    with st.form("ind_upload_form", clear_on_submit=True):
        up = st.file_uploader("Заполненный шаблон: перетащите файл сюда или нажмите «Выбрать файл» "
                              "(.xlsx, .xls, .ods, .csv; до 50 МБ)", type=["xlsx", "xls", "ods", "csv"],
                              key="ind_upload_file")
        up_sent = st.form_submit_button("Загрузить значения")
    if up_sent and up is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("indicators" + Path(up.name).suffix.lower())
            path.write_bytes(up.getvalue())
            rep = act(service.import_template, path, file_name=up.name)
        if rep is not None:
            issues = pd.DataFrame([{"Лист": i.sheet or "", "Строка": "" if i.row is None else str(i.row),
                                    "Столбец": i.column or "", "Значение": i.value or "", "Что не так": i.message}
                                   for i in rep.issues])
            st.session_state[FLASH] = ("ok" if rep.status == "stored" else "err", md(rep.summary_ru()), issues)
            st.rerun()
elif not meeting_on and not may_targets:
    explain("Значения вносят методисты, цели задают руководители и администраторы.")
