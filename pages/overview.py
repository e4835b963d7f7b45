"""Обзор: the target indicator for a list year and a territory — schools, ШНОР and their share against
the target, the gap in schools, the trend, territories side by side, the procedures behind the low
results, the risk group, and the schools that entered and left the list since last year. Names from data
go through md() inside Markdown, or into dataframes and charts (plain text there)."""
import streamlit as st

from shnor.ui.guard import page_guard, territory_scope, visible_territory_ids

user = page_guard("overview")

from shnor.domain.fmt import fmt_int, fmt_pct  # noqa: E402  (after the guard: nothing runs for a stranger)
from shnor.read.overview import fmt_target, years_span  # noqa: E402
from shnor.ui import attention_views, meeting, views  # noqa: E402
from shnor.ui.safe import md  # noqa: E402
from shnor.domain.years import format_school_year as sy  # noqa: E402

meeting_on = meeting.is_meeting()


def explain(text: str) -> None:
    """How a figure is computed: shown at the desk, left out on the meeting screen (one message per screen)."""
    if not meeting_on:
        st.caption(text)


st.title("Обзор")

years = views.year_options()
if not years:
    st.info("Результатов процедур ещё нет. Загрузите файлы на странице «Загрузка» — здесь появятся доля ШНОР, "
            "цель и тренд.")
    st.stop()

options = views.territory_options(visible_territory_ids(user))
left, right = st.columns(2)
year = left.selectbox(
    "Список на учебный год", years, format_func=sy, key="ov_year",
    help="Список на учебный год Y формируется по результатам двух предыдущих лет (Y−1 и Y−2). "
         "По умолчанию — следующий год после последнего года с результатами.")
chosen = right.selectbox(
    "Территория", list(options), format_func=lambda t: options.get(t, str(t)), key="ov_territory",
    disabled=len(options) == 1,
    help="Весь регион или одна территория. Пользователь, привязанный к территории, видит только её.")
territory_id = territory_scope(user, chosen or None)
place = views.territory_name(territory_id)

data = views.overview_data(year, territory_id)
f = data.figures
st.subheader(f"{md(place)}: список ШНОР на {sy(year)}")
st.caption(f"Сформирован {years_span(year)}. Показатель «доля ШНОР» за {sy(year - 1)} — это доля этого списка.")

if f.schools == 0:
    # no school is counted: no share, no verdict — say so instead of «Школ 0 … цель достигнута»
    st.info(f"В территории «{md(place)}» нет ни одной школы, которая учитывается в списке на {sy(year)}: доли "
            "ШНОР нет, вывод о цели не делается.")
    st.caption(data.counts.sentence_ru())
    st.stop()

rule = ("Низкий результат процедуры — не менее 30 % участников школы получили «2» (ВПР) или не преодолели "
        "минимальный порог (ОГЭ, ЕГЭ). ШНОР — школа с низкими результатами по двум и более процедурам в "
        f"{sy(year - 1)} (критерий 1) или хотя бы по одной процедуре и в {sy(year - 2)}, и в {sy(year - 1)} "
        "(критерий 2).")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Школ", fmt_int(f.schools), border=True,
          help=f"Общеобразовательные школы территории, действующие в {sy(year - 1)}, включая школы без данных. "
               "Это знаменатель доли ШНОР.")
c2.metric("ШНОР", fmt_int(f.shnor), border=True, help=rule)
c3.metric("Доля ШНОР", fmt_pct(f.share), border=True,
          delta=f"цель {fmt_target(f.target)}" if f.target is not None else "цель не задана",
          delta_color="off", delta_arrow="off",
          help=f"ШНОР ÷ школы = {fmt_int(f.shnor)} ÷ {fmt_int(f.schools)}. Цель задаётся на учебный год "
               f"результатов: для этого списка — цель на {sy(year - 1)}.")
if f.withheld:
    gap_value = "нет вывода"
elif f.gap is None:
    gap_value = "цель не задана"
elif f.gap:
    gap_value = f"−{fmt_int(f.gap)} ШНОР"
else:
    gap_value = "достигнута"
c4.metric("До цели", gap_value, border=True,
          help="Сколько ШНОР должно выйти из списка, чтобы доля не превышала цель. Допустимое число ШНОР — "
               "целая часть от «цель × число школ»; разрыв = ШНОР − допустимое (не меньше нуля). Если результаты "
               f"за {sy(year - 1)} есть меньше чем у {data.coverage.min_pct} % школ, вывод о цели не делается "
               "(порог задаётся в настройках правила).")
if f.withheld:
    st.warning(f.gap_sentence(), icon=":material/help:")
else:
    (st.error if f.gap else st.success if f.gap == 0 else st.info)(f.gap_sentence())

s = data.statuses
st.caption(f"{data.coverage.sentence_ru()} Группа риска: {fmt_int(s['группа риска'])} · без низких результатов: "
           f"{fmt_int(s['без низких результатов'])} · нет данных: {fmt_int(s['нет данных'])}")
if data.counts.registry != data.counts.counted:
    explain(data.counts.sentence_ru())

# -- trend -------------------------------------------------------------------------------------
if not data.trend.empty:
    st.altair_chart(views.trend_chart(data.trend, data.trend_message, meeting_on))
    explain("По горизонтали — учебный год результатов: точка 2022/2023 — доля школ, которые правило находит "
               "по результатам 2022/2023 (список на следующий год). Цель — пунктир; её задают в настройках.")

# -- territories ---------------------------------------------------------------------------------
if len(data.territories) > 1:
    st.altair_chart(views.territories_chart(data.territories, year, meeting_on))
    explain("Доля ШНОР каждой территории и её собственная цель (если своей цели нет — цель региона). "
            "Подпись у столбца: доля, число ШНОР из числа школ и разрыв с целью. Если у территории результаты "
            f"за {sy(year - 1)} есть меньше чем у {data.coverage.min_pct} % её школ — «нет вывода».")
if data.empty_territories:
    names, more = data.empty_territories[:12], len(data.empty_territories) - 12
    st.caption(f"Без школ в списке на {sy(year)} (доли нет, вывод о цели не делается): "
               + ", ".join(md(n) for n in names) + (f" и ещё {fmt_int(more)}" if more > 0 else "") + ".")

# -- procedures ----------------------------------------------------------------------------------
if f.shnor:
    st.altair_chart(views.procedures_chart(data.procedures, f.shnor, meeting_on))
    explain("Сколько ШНОР имеют низкий результат по процедуре среди тех, что привели школу в список "
               f"(в {sy(year - 1)} или {sy(year - 2)}). Одна школа учитывается по каждой своей процедуре.")


def school_table(df, key: str, columns: dict[str, str]) -> None:
    """A list of schools; picking a row opens its card on the «Школа» page."""
    shown = views.with_names(df)
    if meeting.is_print():
        # on paper every row and the whole «Почему» are wanted: a static table (Markdown cells, data escaped)
        st.table({label: [md(v) for v in shown[c]] for c, label in columns.items()})
        return
    event = st.dataframe(
        shown, key=key, hide_index=True, on_select="rerun", selection_mode="single-row",
        column_order=list(columns),
        column_config={c: st.column_config.TextColumn(label, width="large" if c == "reasons" else "medium")
                       for c, label in columns.items()})
    rows = event.selection.rows if event is not None else []
    if rows:
        st.switch_page("pages/school.py", query_params={"school": str(int(df["id"].iloc[rows[0]]))})


# -- what needs attention: measures, indicators, risks (shnor/ui/attention_views.py) --------------
attention_views.section(user, year, territory_id, meeting_on)

# -- risk group ----------------------------------------------------------------------------------
st.subheader(f"Группа риска: {views.n_schools(len(data.risk))}")
explain(f"Не ШНОР, но в {sy(year - 1)} одна процедура с низким результатом или доля «2» / ниже минимума "
           "близко к порогу (от порога минус запас до порога). Выберите строку, чтобы открыть карточку школы.")
if data.risk.empty:
    st.write("В группе риска школ нет.")
else:
    school_table(data.risk, "ov_risk", {"short_name": "Школа", "territory": "Территория", "reasons": "Почему"})

# -- entered / left ------------------------------------------------------------------------------
CHANGED_SHOWN = 40     # a country's list changes by thousands: the rest are on the identification page


def changed_schools(df, key: str, left: bool) -> None:
    """Schools that entered or left the list (the first CHANGED_SHOWN), each with its reasons in full (wrapped);
    the name opens the school's card."""
    box = st.container(height=520, border=False) if len(df) > 6 else st.container()
    for r in views.with_names(df.head(CHANGED_SHOWN)).itertuples(index=False):
        if box.button(f"**{md(r.short_name)}**", key=f"{key}_{int(r.id)}", type="tertiary",
                      icon=":material/school:", help="Открыть карточку школы"):
            st.switch_page("pages/school.py", query_params={"school": str(int(r.id))})
        where = f"{md(r.territory)} · сейчас: {md(r.status_now)}" if left else md(r.territory)
        box.markdown(f"{where}  \n{md(r.reasons) if r.reasons else '—'}")
    if len(df) > CHANGED_SHOWN:
        box.caption(f"Показаны первые {fmt_int(CHANGED_SHOWN)} из {fmt_int(len(df))}; все — на странице «Выявление "
                    "ШНОР», вкладка «Сравнение с прошлым годом».")


ch = data.changes
st.subheader(f"Изменения списка: {sy(year - 1)} → {sy(year)}")
if not ch.previous_available:
    st.info(f"Списка на {sy(year - 1)} нет: за {sy(year - 2)} не загружено результатов. Сравнивать не с чем.")
else:
    a, b = st.columns(2)
    with a:
        st.metric("Вошли в список", fmt_int(len(ch.entered)), border=True,
                  help=f"ШНОР в списке на {sy(year)}, которых не было в списке на {sy(year - 1)}.")
        if not ch.entered.empty:
            changed_schools(ch.entered, "ov_entered", left=False)
    with b:
        st.metric("Вышли из списка", fmt_int(len(ch.left)), border=True,
                  help=f"Были в списке на {sy(year - 1)}, нет в списке на {sy(year)}: с их статусом сейчас "
                       "(«не действовала» — школа закрыта или присоединена).")
        if not ch.left.empty:
            changed_schools(ch.left, "ov_left", left=True)
    st.caption(f"Остались в списке: {views.n_schools(len(ch.stayed))}.")

if not data.no_data.empty:
    with st.expander(f"Нет данных: {views.n_schools(len(data.no_data))}"):
        st.caption(f"Ни одного результата по процедурам правила ни за {sy(year - 2)}, ни за {sy(year - 1)}. "
                   "Это не «нет низких результатов»: такие школы входят в число школ, но статус не определён.")
        school_table(data.no_data, "ov_nodata", {"short_name": "Школа", "territory": "Территория"})
