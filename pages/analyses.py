"""Анализ результатов: what the stored data already tell about the schools of a territory — the objectivity of
ВПР marks against the journal (with the flag's criterion), the completion of each task, what each ШНОР needs to
leave the list (and what would put a school of the risk group on it), a school beside schools like it, and the
estimate of the share of ШНОР next year against the target. Filters: results year, territory (within the
user's scope), procedure. Each tab renders only when open and offers its table as Excel
(shnor/ui/analysis_views.py)."""
import streamlit as st

from shnor.ui.guard import page_guard, territory_scope, visible_territory_ids

user = page_guard("analyses")

from shnor.domain.years import format_school_year as sy  # noqa: E402  (after the guard: nothing runs for a stranger)
from shnor.ui import analysis_views as av  # noqa: E402
from shnor.ui import meeting, views  # noqa: E402

meeting_on = meeting.is_meeting()

st.title("Анализ результатов")
years = av.results_years()
if not years:
    st.info("Результатов процедур ещё нет. Загрузите файлы на странице «Загрузка» — здесь появятся объективность "
            "отметок, поэлементный анализ, условия выхода из списка, сравнение с похожими школами и оценка на "
            "следующий год.")
    st.stop()

options = views.territory_options(visible_territory_ids(user))
procs = av.procedure_options()
c1, c2, c3 = st.columns(3)
year = c1.selectbox("Учебный год результатов", years, format_func=sy, key="an_year",
                    help="Год, результаты которого анализируются. «Что нужно для выхода» берёт список, "
                         "сформированный по этим результатам (список на следующий учебный год).")
chosen = c2.selectbox("Территория", list(options), format_func=lambda t: options.get(t, str(t)), key="an_territory",
                      disabled=len(options) == 1,
                      help="Весь регион или одна территория. Пользователь, привязанный к территории, видит только её.")
procedure = c3.selectbox("Процедура", list(procs), format_func=procs.get, key="an_procedure",
                         help="Объективность и поэлементный анализ есть только у ВПР.")
territory_id = territory_scope(user, chosen or None)
place = views.territory_name(territory_id)
if not meeting_on:
    st.caption(f"Объективность, задания и похожие школы — по результатам {sy(year)}; «Что нужно для выхода» — "
               f"список на {sy(year + 1)} (по результатам {sy(year - 1)} и {sy(year)}) и что должно быть в "
               f"{sy(year + 1)}; прогноз — по всем годам с результатами.")

TABS = ["Объективность", "Поэлементный анализ", "Что нужно для выхода", "Похожие школы", "Прогноз"]
tabs = st.tabs(TABS, key="an_tab", on_change="rerun")
with tabs[0]:
    if tabs[0].open:
        av.objectivity_tab(user, year, procedure, territory_id, place, meeting_on)
with tabs[1]:
    if tabs[1].open:
        av.tasks_tab(user, year, procedure, territory_id, place, meeting_on)
with tabs[2]:
    if tabs[2].open:
        av.exit_tab(user, year, procedure, territory_id, place, meeting_on)
with tabs[3]:
    if tabs[3].open:
        av.similar_tab(user, year, procedure, territory_id, place, meeting_on)
with tabs[4]:
    if tabs[4].open:
        av.forecast_tab(user, territory_id, place, meeting_on)
