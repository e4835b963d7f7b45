"""Школа: find a school by name or login (or `?school=<id or login>`), its card, its status in each list
year with the reasons, each procedure's share of "2" / below the minimum by year against the threshold
and the territory's average, and the mark distribution. Missing data is shown as «нет данных», never 0.
Names, codes and the `?school=` value are data: md() inside Markdown (header, caption, warning, table)."""
import streamlit as st

from shnor.ui.guard import page_guard

user = page_guard("school")

from shnor.read.overview import find_school  # noqa: E402  (after the guard: nothing runs for a stranger)
from shnor.ui import analysis_views, interview_views, meeting, roadmap_views, support_views, views  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

meeting_on, anon = meeting.is_meeting(), meeting.is_anonymised()
PICK, SEEN = "school_pick", "_school_param_seen"


def explain(text: str) -> None:
    """How a figure is computed: shown at the desk, left out on the meeting screen (one message per screen)."""
    if not meeting_on:
        st.caption(text)


st.title("Школа")
choices = views.school_choices(user.territory_id)
if choices.empty:
    st.info("В реестре нет школ" + (f" территории «{md(user.territory)}»" if user.territory else "") +
            ". Загрузите реестр или результаты на странице «Загрузка».")
    st.stop()

# `?school=<id or login>` (drill-down links): applied once per new value of the parameter
param = st.query_params.get("school")
if param is not None and st.session_state.get(SEEN) != param:
    st.session_state[SEEN] = param
    found = find_school(choices, param)
    if found is None:
        st.warning(f"Школа «{md(param)}» не найдена среди доступных вам школ. Выберите её в списке.")
    else:
        st.session_state[PICK] = found

labels, ids = views.school_picker(user.territory_id, anon)
if st.session_state.get(PICK) not in labels:
    st.session_state.pop(PICK, None)
school_id = st.selectbox(
    "Школа", ids, index=None, format_func=labels.get, key=PICK, filter_mode="contains",
    placeholder="Начните вводить название или логин ФИС ОКО (sch… / edu…)",
    help="Поиск по названию, логину ФИС ОКО или территории. Ссылка на карточку: добавьте к адресу "
         "?school=<логин или номер школы>.")
if school_id is None:
    list_year = views.default_year()
    found = (views.registry_vs_list(user.territory_id, list_year).sentence_ru() if list_year
             else f"В реестре {views.n_schools(len(ids))}.")
    st.caption(f"{found} Выберите школу, чтобы увидеть её карточку, статус по годам и результаты.")
    st.stop()
if st.query_params.get("school") != str(school_id):
    st.query_params["school"] = str(school_id)
    st.session_state[SEEN] = str(school_id)

data = views.school_page_data(int(school_id))
if data is None:
    st.error("Школа не найдена в реестре (возможно, её только что удалили). Выберите другую.")
    st.stop()
school = data.school
name = meeting.school_label(school["short_name"], int(school_id))
st.header(md(name))
where = [str(school["territory"])] + ([str(school["district"])] if isinstance(school.get("district"), str) else [])
st.caption(" · ".join(md(w) for w in where))

# -- status now and the card -------------------------------------------------------------------
hist = data.history
current = hist.iloc[0] if not hist.empty else None
if current is not None:
    st.metric(f"Статус в списке на {current['year_label']}", current["status_ru"], border=True,
              help="ШНОР — низкие результаты (не менее "
                   f"{data.threshold_pct} % «2» или ниже минимума) по двум процедурам в прошлом учебном году "
                   "(критерий 1) или хотя бы по одной в каждом из двух прошлых лет (критерий 2). "
                   "Группа риска — одна низкая процедура или доля близко к порогу. «Нет данных» — ни одного "
                   "результата за оба года: это не «нет низких результатов».")
    if current["criteria"]:
        st.caption(f"Критерии: {current['criteria']}")
hidden = {"Полное наименование", "Логин ФИС ОКО", "ИНН", "ОГРН", "Код ОГЭ", "Код ЕГЭ"} if anon else set()
card = [(k, v) for k, v in data.card if k not in hidden]
with st.expander("Карточка школы", expanded=not meeting_on):
    st.table({"Сведения": [k for k, _ in card], "Значение": [md(v) for _, v in card]})   # st.table renders Markdown

# -- status by list year -------------------------------------------------------------------------
st.subheader("Статус по годам и почему")
explain("Список на учебный год Y формируется по результатам Y−1 и Y−2; основания — точные результаты, "
           "по которым сработали критерии.")
st.table({"Список на": list(hist["year_label"]), "Статус": list(hist["status_ru"]),
          "Критерии": [c or "—" for c in hist["criteria"]],
          "Низких в прошлом году": list(hist["low_y1"]), "Низких в позапрошлом году": list(hist["low_y2"])})
explain("«Низких в прошлом году» — сколько процедур правила с низким результатом из тех, по которым у школы "
        "есть результат (для списка на Y прошлый год — Y−1). Основания — ниже, по каждому году.")
for i, row in enumerate(hist.itertuples(index=False)):
    with st.expander(f"Основания: список на {row.year_label} — {row.status_ru}", expanded=(i == 0 and not meeting_on)):
        st.markdown(row.reasons or "—")

# -- procedures by year --------------------------------------------------------------------------
st.subheader("Результаты процедур по годам")
chart = views.school_trends_chart(data.trends, data.threshold_pct, name, meeting_on)
if chart is not None:
    st.altair_chart(chart)
explain(f"Доля участников с «2» (ВПР) или ниже минимального порога (ОГЭ, ЕГЭ) по каждой процедуре правила; "
           f"порог низкого результата — {data.threshold_pct} % (включительно). «Территория» — все участники школ "
           f"территории вместе. «нет данных» — результата нет: это не 0 % и не «нет низких результатов».")
st.dataframe(data.table, hide_index=True,
             column_config={"Процедура": st.column_config.TextColumn("Процедура", width="medium")})

# -- marks ---------------------------------------------------------------------------------------
st.subheader("Распределение отметок")
marks = views.marks_chart(data.marks, meeting_on)
if marks is None:
    st.info("Отметки «2»–«5» по процедурам этой школы не загружены (нет данных). Они появятся, когда в "
            "загруженных файлах будут отметки.")
else:
    st.altair_chart(marks)
    explain("Для каждой процедуры и учебного года: доли участников с отметками «2», «3», «4», «5» "
               "(для ОГЭ и ЕГЭ базового уровня «2» — ниже минимума).")

# -- objectivity, weakest tasks, distance to exit, similar schools (shnor/ui/analysis_views.py) -----
analysis_views.school_section(user, int(school_id), meeting_on)

# -- the справка for an interview with the head and the interview records (shnor/ui/interview_views.py) --
interview_views.school_section(user, school, int(school_id), meeting_on)

# -- the school's measures, before and after (shnor/ui/roadmap_views.py) -------------------------
roadmap_views.school_section(user, int(school_id), data.trends, meeting_on)

# -- risk profile, partner school, curator and flags (shnor/ui/support_views.py) ----------------
support_views.school_sections(user, school, int(school_id), name, meeting_on)
