"""Отчёты: the documents of a list year and a territory (within the user's scope) — the ШНОР list in the form of
the order's appendix (Excel, Word), the analytic report, a school's справка and the interview pack (every ШНОР
or chosen schools), the meeting pack (the Overview's charts as slides), and the Overview's print view. Every
document is built when its button is pressed (shnor/reports/…), through the same read models and permission
checks as the CLI's `report`. The order approving the list: shown to everyone; its fields for those who may
approve (head, admin), writing through shnor/services/lists.py — the draft itself is reviewed on «Выявление ШНОР».
Names from data go through md() inside Markdown; select options and file names are text."""
from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from shnor.ui.guard import page_guard, territory_scope, visible_territory_ids

user = page_guard("reports")

from shnor.domain.fmt import fmt_int, plural  # noqa: E402  (after the guard: nothing runs for a stranger)
from shnor.domain.permissions import Action, Forbidden, may  # noqa: E402
from shnor.domain.rule import SHNOR  # noqa: E402
from shnor.domain.years import format_school_year as sy  # noqa: E402
from shnor.read.analysis import compute_list  # noqa: E402
from shnor.reports.list_export import DOCX_MIME, XLSX_MIME, list_docx_export, list_export, list_file_name  # noqa: E402
from shnor.services import lists as ol  # noqa: E402
from shnor.ui import meeting, views  # noqa: E402
from shnor.ui.db import data_changed, data_version, get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

store = get_store()
FLASH = "_reports_flash"
ZIP_MIME = "application/zip"


def stem(text: str) -> str:
    """A file name's part from data: letters, digits and «_» only."""
    return re.sub(r"[^\w]+", "_", str(text or ""), flags=re.UNICODE).strip("_")[:60] or "документ"


def written(write) -> bytes:
    """The bytes of a document that `write(out_path)` writes (into a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "document.docx"
        write(out)
        return out.read_bytes()


@st.cache_data(ttl=900, max_entries=32, show_spinner=False)
def list_schools(year: int, territory_id: int | None, version: tuple):
    """The list's schools of the territory: id, short_name, territory, status (for the choosers)."""
    t = compute_list(get_store(), year, territory_id).table
    return t[["id", "short_name", "territory", "status", "status_ru"]].sort_values(["territory", "short_name"])


st.title("Отчёты")
st.caption("Документы к приказу, совещанию и собеседованиям по выбранному году списка и территории. Документ "
           "собирается при нажатии кнопки — это занимает несколько секунд.")

years = views.year_options()
if not years:
    st.info("Результатов процедур ещё нет — документы не из чего собирать. Загрузите файлы на странице «Загрузка».")
    st.stop()

options = views.territory_options(visible_territory_ids(user))
left, right = st.columns(2)
year = left.selectbox("Список на учебный год", years, format_func=sy, key="rep_year",
                      help="Список на учебный год Y формируется по результатам Y−1 и Y−2 (как на «Обзоре» и в "
                           "«Выявлении ШНОР»).")
chosen = right.selectbox("Территория", list(options), format_func=lambda t: options.get(t, str(t)),
                         key="rep_territory", disabled=len(options) == 1,
                         help="Весь регион или одна территория. Пользователь, привязанный к территории, видит только её.")
territory_id = territory_scope(user, chosen or None)
place = views.territory_name(territory_id)
span = f"{year}-{year + 1}"

if FLASH in st.session_state:
    kind, text = st.session_state.pop(FLASH)
    (st.success if kind == "ok" else st.error)(text)

# ---------------------------------------------------------------------------------------------
# The list in the form of the order's appendix, and the order
# ---------------------------------------------------------------------------------------------
st.subheader("Список ШНОР в форме приложения к приказу")
official = ol.get_list(store, user, year, territory_id)
approved = official is not None and official.frozen
if approved:
    by = f"; утвердил(а) {md(official.approved_by)}" if official.approved_by else ""
    st.success(f"Список на {sy(year)} — {md(place)} утверждён: {md(official.order_ru())}{by}. Номер и дата приказа "
               "стоят в заголовке приложения.", icon=":material/verified:")
else:
    st.info(f"Список на {sy(year)} — {md(place)} не утверждён: в документе — проект (расчёт по правилу с решениями "
            "вручную) с пустыми строками для даты и номера приказа.", icon=":material/edit_note:")
st.caption("Форма — как приложение к приказу об утверждении списка: «№ п/п | Территория | ОО». В книге Excel на "
           "втором листе — критерии и основания включения каждой школы, на третьем — все школы территории со "
           "статусами; печать на A4 альбомной ориентации по ширине страницы, шапка таблицы на каждой странице.")
a, b = st.columns(2)
a.download_button("Список в форме приложения (Excel)", key="rep_list_xlsx", icon=":material/table_view:",
                  data=lambda: list_export(store, user, year, territory_id).data,
                  file_name=list_file_name(year, official, "xlsx"), mime=XLSX_MIME, on_click="ignore")
b.download_button("Список в форме приложения (Word)", key="rep_list_docx", icon=":material/description:",
                  data=lambda: list_docx_export(store, user, year, territory_id).data,
                  file_name=list_file_name(year, official, "docx"), mime=DOCX_MIME, on_click="ignore")


def identification_link(label: str) -> None:
    try:
        st.page_link("pages/identification.py", label=label, icon=":material/fact_check:")
    except StreamlitAPIException:  # the page file was run directly, outside the app's navigation
        st.caption(label + ".")


if may(user, Action.LIST_APPROVE, territory_id) and not meeting.is_meeting():
    st.markdown("**Приказ об утверждении списка**")
    if approved:
        c1, c2 = st.columns(2)
        c1.text_input("Номер приказа", value=official.order_number or "", disabled=True,
                      key=f"rep_order_number_shown_{year}_{territory_id}")
        c2.date_input("Дата приказа", value=official.order_date, disabled=True, format="DD.MM.YYYY",
                      key=f"rep_order_date_shown_{year}_{territory_id}")
        st.caption("Утверждённый список не меняется: расхождения с текущим расчётом — на странице «Выявление ШНОР».")
    else:
        identification_link("Проект, решения вручную и сравнение со списком региона — «Выявление ШНОР», вкладка "
                            "«Официальный список»")
        with st.form("rep_approve_form"):
            c1, c2 = st.columns(2)
            number = c1.text_input("Номер приказа", key="rep_order_number")
            date = c2.date_input("Дата приказа", value=None, format="DD.MM.YYYY", key="rep_order_date",
                                 max_value=dt.date.today())
            sure = st.checkbox("Проект проверен: утвердить список с сохранёнными настройками правила и заморозить его",
                               key="rep_approve_sure")
            if st.form_submit_button("Утвердить список приказом", type="primary"):
                if not sure:
                    st.session_state[FLASH] = ("err", "Отметьте, что проект проверен: утверждённый список больше "
                                                      "не меняется.")
                else:
                    try:
                        done = ol.approve_list(store, user, year, territory_id, number, date)
                        data_changed()
                        st.session_state[FLASH] = ("ok", f"Список на {sy(year)} утверждён: {md(done.order_ru())}. "
                                                         "Номер и дата стоят в заголовке приложения.")
                    except (ol.OfficialListError, Forbidden) as exc:
                        st.session_state[FLASH] = ("err", md(exc))
                st.rerun()
elif not approved:
    st.caption("Утверждает список приказом руководитель (роль «руководитель» или «администратор»).")

# ---------------------------------------------------------------------------------------------
# The analytic report
# ---------------------------------------------------------------------------------------------
st.subheader("Аналитическая справка")
st.caption("Доля ШНОР против цели, тренд, территории, процедуры, группа риска, изменения списка и выводы — те же "
           "цифры, что на «Обзоре»; графики внутри документа.")


def spravka_bytes() -> bytes:
    from shnor.reports.spravka import write_spravka
    return written(lambda out: write_spravka(store, user, year, territory_id, out))


st.download_button("Аналитическая справка (Word)", key="rep_spravka", icon=":material/article:",
                   data=spravka_bytes, file_name=f"Справка_ШНОР_{stem(place)}_{span}.docx", mime=DOCX_MIME,
                   on_click="ignore")

# ---------------------------------------------------------------------------------------------
# Interviews: one school's справка, the pack
# ---------------------------------------------------------------------------------------------
st.subheader("Собеседования с руководителями")
schools = list_schools(year, territory_id, data_version())
ids_all = [int(i) for i in schools["id"]]
labels = {i: f"{name} · {t} · {status}" for i, name, t, status in zip(
    ids_all, meeting.school_labels(schools["short_name"], ids_all), schools["territory"], schools["status_ru"])}
shnor_ids = [int(i) for i in schools.loc[schools["status"] == SHNOR, "id"]]
if not labels:
    st.caption(f"В списке на {sy(year)} нет ни одной школы этой территории.")
else:
    first = set(shnor_ids)
    order = shnor_ids + [i for i in labels if i not in first]          # the list's ШНОР first
    school_id = st.selectbox("Школа для справки", order, format_func=labels.get, key="rep_school",
                             filter_mode="contains", help="ШНОР списка — первыми; можно выбрать любую школу территории.")

    def school_bytes() -> bytes:
        from shnor.reports.school_doc import write_school_spravka
        return written(lambda out: write_school_spravka(store, user, year, int(school_id), out))

    name = str(schools.set_index("id").at[school_id, "short_name"]) if school_id is not None else ""
    st.download_button("Справка по школе (Word)", key="rep_school_doc", icon=":material/school:", data=school_bytes,
                       file_name=f"Справка_{stem(name)}_{span}.docx", mime=DOCX_MIME, on_click="ignore",
                       disabled=school_id is None)

    which = st.radio("Пакет для собеседований", ["all", "chosen"], horizontal=True, key="rep_pack_which",
                     format_func=lambda v: (f"все ШНОР списка ({fmt_int(len(shnor_ids))})" if v == "all"
                                            else "выбранные школы"))
    picked: list[int] | None = None
    if which == "chosen":
        picked = st.multiselect("Школы пакета", order, default=[], format_func=labels.get, key="rep_pack_schools",
                                placeholder="Выберите школы")
    n = len(shnor_ids) if picked is None else len(picked)

    def pack_bytes() -> bytes:
        from shnor.reports.school_doc import write_interview_pack
        return written(lambda out: write_interview_pack(store, user, year, territory_id, picked, out))

    st.download_button(f"Пакет для собеседований (Word): {fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')}",
                       key="rep_pack", icon=":material/folder_shared:", data=pack_bytes,
                       file_name=f"Собеседования_{stem(place)}_{span}.docx", mime=DOCX_MIME, on_click="ignore",
                       disabled=n == 0, help="Первая страница — перечень школ, затем справка каждой школы с новой "
                                             "страницы и бланк записи собеседования.")

# ---------------------------------------------------------------------------------------------
# The meeting: slides, the print view
# ---------------------------------------------------------------------------------------------
st.subheader("Совещание")
st.caption("Графики «Обзора» как слайды 1920×1080 с крупным шрифтом (PNG) в одном архиве: итоги, доля ШНОР по "
           "годам против цели, территории, процедуры с низкими результатами.")


def pack_zip() -> bytes:
    from shnor.reports.meeting_pack import meeting_pack
    return meeting_pack(store, user, year, territory_id).data


c1, c2 = st.columns(2)
c1.download_button("Пакет для совещания (ZIP)", key="rep_meeting_pack", icon=":material/slideshow:", data=pack_zip,
                   file_name=f"совещание_ШНОР_{span}.zip", mime=ZIP_MIME, on_click="ignore")


def open_print_view() -> None:
    """The Overview of this year and territory, laid out for paper (shnor/ui/meeting.py `is_print`)."""
    st.session_state["ov_year"] = year
    st.session_state["ov_territory"] = chosen


if c2.button("Версия для печати", key="rep_print_view", icon=":material/print:", on_click=open_print_view,
             help="«Обзор» этого года и территории без боковой панели и кнопок, по ширине листа A4: напечатайте его "
                  "(Ctrl+P) или сохраните в PDF."):
    try:
        st.switch_page("pages/overview.py", query_params={meeting.PRINT_PARAM: "1"})
    except StreamlitAPIException:  # the page file was run directly, outside the app's navigation
        st.caption("Версия для печати: откройте «Обзор» с ?print=1 в адресе.")
