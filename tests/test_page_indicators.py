"""The «Показатели» page in AppTest on the hand-made region of tests/smalldb.py: what each role sees and may
do (forms hidden where `may` refuses; the services decide), the table with statuses in icon and words, the
trend with its target, the year convention said on the page, entering values and targets, the template
downloaded, filled and uploaded, hostile names shown as text, meeting mode."""
from __future__ import annotations

import io
import json
import re

import openpyxl
from streamlit.testing.v1 import AppTest

from shnor.domain import indicators as ind_
from shnor.domain.fmt import NBSP
from shnor.ui.safe import md
from smalldb import open_page_as

PCT = NBSP + "%"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = ("ind_value_form", "ind_target_form")


def open_page(path, role: str, territory: str | None = None, name: str | None = None, query: dict | None = None,
              state: dict | None = None) -> AppTest:
    return open_page_as("indicators", path, name or f"u-{role}-{'bound' if territory else 'all'}", role, territory, query=query,
                        state=state)


def texts(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "error", "success", "info", "warning", "subheader",
                                       "title") for e in at.get(kind)]
    return "\n".join(parts)


def indicators_table(at: AppTest):
    """The indicators' table (an st.table: its cells are Markdown made safe by md(), read back unescaped)."""
    found = [t.value for t in at.table if "Статус" in t.value.columns and "Показатель" in t.value.columns]
    assert found, [list(t.value.columns) for t in at.table]
    return found[0].map(unescaped).set_index("Показатель")


def unescaped(text) -> str:
    return re.sub(r"\\(.)", r"\1", str(text).replace("\u2060", ""))


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def option(code: str) -> str:
    """How the forms' selects show an indicator."""
    return f"{ind_.get(code).name_ru}, {ind_.get(code).unit}"


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def stored(path, code: str, year: int, territory: str | None = None, school_id: int | None = None):
    from shnor.ui.db import get_store
    store = get_store()
    tid = store.territories.find(territory) if territory else None
    return store.indicators.value(code, year, tid, school_id)


def test_stranger_sees_login_form_only(small_db):
    at = AppTest.from_file("../pages/indicators.py", default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert not at.dataframe and not at.get("vega_lite_chart")


def test_viewer_sees_the_table_the_trend_and_no_forms(small_db):
    path, _ = small_db
    at = open_page(path, "viewer")
    assert at.selectbox(key="ind_year").value == 2023                 # the latest results year
    assert at.selectbox(key="ind_territory").value == 0
    t = indicators_table(at)
    assert list(t.columns) == ["Ед.", "Что лучше", "Факт", "Цель", "Статус", "К прошлому году", "Откуда значение"]
    share = t.loc[ind_.get(ind_.SHNOR_SHARE).name_ru]
    # the overview's figure for the region (tests/smalldb.py): 3 of 15 = 20,0 % against the region's 5 %
    assert (share["Факт"], share["Цель"], share["Статус"]) == (f"20,0{PCT}", f"5{PCT}", "✖ цель не достигнута")
    assert share["Что лучше"] == "↓ ниже — лучше" and share["Ед."] == "%"
    assert t.loc[ind_.get(ind_.GIA_PASS).name_ru, "Статус"] == "○ цель не задана"
    assert t.loc[ind_.get(ind_.EGE_180).name_ru, "Статус"] == "— нет значения"
    m = {x.label: x.value for x in at.metric}
    assert m == {"✔ цель достигнута": "0", "◐ близко к цели": "0", "✖ цель не достигнута": "1", "Без вывода": "14"}
    # the year convention said on the page
    body = texts(at)
    assert "Весь регион, 2023/2024: достигнуто целей — 0 из 1" in body
    assert "Учебный год 2023/2024 — с сентября 2023 по август 2024" in body and "список на 2024/2025" in body
    # the trend of the first indicator with a value, its title the message, the target drawn
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == 1
    title = specs[0]["title"]["text"]
    title = " — ".join(title) if isinstance(title, list) else title
    assert title.startswith("Доля ШНОР: рост с ") and title.endswith(f"цель 5{PCT} не достигнута")
    assert specs[0]["config"]["locale"]["number"]["decimal"] == ","
    # no editing for a viewer
    assert not {"Сохранить значение", "Сохранить цель", "Загрузить значения"} & labels(at)
    assert not at.get("download_button") and not at.get("file_uploader")


def test_choosing_an_indicator_shows_its_trend_and_schools(small_db):
    path, _ = small_db
    at = open_page(path, "viewer")
    at.selectbox(key="ind_trend").set_value(ind_.VPR_FAIL).run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    title = spec["title"]["text"]
    title = " — ".join(title) if isinstance(title, list) else title
    assert title.startswith("Доля «2» на ВПР: ") and "цель на 2023/2024 не задана" in title
    schools = [d.value for d in at.dataframe if "Школа" in d.value.columns]
    assert schools and len(schools[0]) == 13 and set(schools[0].columns) == {"Школа", "Территория", "Значение",
                                                                                "Откуда значение"}


def test_head_sets_targets_but_enters_no_values(small_db):
    path, _ = small_db
    at = open_page(path, "head")
    assert "Сохранить цель" in labels(at) and "Сохранить значение" not in labels(at)
    assert not at.get("file_uploader")
    # an unbound head may not set the share's target (an admin of the whole region does)
    assert option(ind_.SHNOR_SHARE) not in at.selectbox(key="ind_target_code").options
    assert option(ind_.GIA_PASS) in at.selectbox(key="ind_target_code").options
    assert "Цель по доле ШНОР задаёт администратор всего региона" in texts(at)
    at.selectbox(key="ind_target_code").set_value(ind_.GIA_PASS)
    at.selectbox(key="ind_target_year").set_value(2023)
    at.text_input(key="ind_target_text").set_value("75")
    button(at, "Сохранить цель").click().run()
    assert not at.exception
    assert f"Цель сохранена: «Прохождение ГИА», весь регион, 2023/2024 — 75{PCT}." in \
        texts(at).replace("\\", "")
    t = indicators_table(at)
    assert t.loc[ind_.get(ind_.GIA_PASS).name_ru, "Цель"] == f"75{PCT}"
    assert t.loc[ind_.get(ind_.GIA_PASS).name_ru, "Статус"] == "✖ цель не достигнута"     # region: 3 results


def test_methodist_enters_a_value_and_sees_it_with_its_author(small_db):
    path, ids = small_db
    at = open_page(path, "methodist", name="ivanova")
    assert {"Сохранить значение", "Загрузить значения"} <= labels(at) and "Сохранить цель" not in labels(at)
    assert len(at.get("download_button")) == 1 and at.get("file_uploader")
    at.selectbox(key="ind_value_code").set_value(ind_.EGE_180)
    at.selectbox(key="ind_value_year").set_value(2023)
    at.text_input(key="ind_value_text").set_value("12,5")
    button(at, "Сохранить значение").click().run()
    assert not at.exception
    ok = [str(s.value) for s in at.success]
    assert ok and md(f"Значение сохранено: «ЕГЭ: более 180 баллов по трём предметам», весь регион, 2023/2024 — "
                     f"12,5{PCT}.") in ok[0]
    row = indicators_table(at).loc[ind_.get(ind_.EGE_180).name_ru]
    assert row["Факт"] == f"12,5{PCT}" and row["Откуда значение"].startswith("введено вручную — ivanova, ")
    # a value for a school
    at.selectbox(key="ind_value_code").set_value(ind_.PREVENTIVE)
    at.selectbox(key="ind_value_school").set_value(ids[3])
    at.text_input(key="ind_value_text").set_value("4")
    button(at, "Сохранить значение").click().run()
    assert "Школа №3" in str(at.success[0].value)
    assert stored(path, ind_.PREVENTIVE, 2023, school_id=ids[3]) == 4
    assert indicators_table(at).loc[ind_.get(ind_.PREVENTIVE).name_ru, "Факт"] == f"4{NBSP}чел."


def test_a_wrong_value_is_refused_in_russian(small_db):
    path, _ = small_db
    at = open_page(path, "methodist")
    at.selectbox(key="ind_value_code").set_value(ind_.EGE_180)
    at.text_input(key="ind_value_text").set_value("сто")
    button(at, "Сохранить значение").click().run()
    assert not at.exception
    assert [str(e.value) for e in at.error] == [md("Значение «сто» — не число. Введите, например, 85,5.")]
    assert stored(path, ind_.EGE_180, 2023) is None


def test_bound_methodist_stays_in_own_territory(small_db):
    path, ids = small_db
    at = open_page(path, "methodist", territory="Северный район")
    terr = at.selectbox(key="ind_territory")
    assert len(terr.options) == 1 and "Северный" in terr.options[0] and terr.disabled
    assert "Северный район, 2023/2024: достигнуто целей — 0 из 1" in texts(at)
    school_names = at.selectbox(key="ind_value_school").options
    assert "Школа №12" not in school_names and "Школа №1" in school_names
    at.selectbox(key="ind_value_code").set_value(ind_.SATISFIED)
    at.text_input(key="ind_value_text").set_value("81")
    button(at, "Сохранить значение").click().run()
    assert not at.exception
    assert stored(path, ind_.SATISFIED, 2023, "Северный район") == 0.81
    assert stored(path, ind_.SATISFIED, 2023) is None


def test_admin_sets_the_share_target_the_overview_reads(small_db):
    """Seed 000 §4's 10 % for 2021/2022, as an admin enters it on this page: the one targets table."""
    path, _ = small_db
    at = open_page(path, "admin")
    assert option(ind_.SHNOR_SHARE) in at.selectbox(key="ind_target_code").options
    at.selectbox(key="ind_target_code").set_value(ind_.SHNOR_SHARE)
    at.selectbox(key="ind_target_year").set_value(2021)
    at.text_input(key="ind_target_text").set_value("10")
    button(at, "Сохранить цель").click().run()
    assert not at.exception
    assert f"Доля ШНОР», весь регион, 2021/2022 — 10{PCT}" in str(at.success[0].value).replace("\\", "")
    from shnor.ui.db import get_store
    assert get_store().targets.own(None, 2021) == 0.1


def test_template_download_fill_and_upload(small_db):
    path, ids = small_db
    at = open_page(path, "methodist", territory="Северный район", name="petrova")
    at.checkbox(key="ind_template_schools").check().run()
    data = at.get("download_button")[0].proto
    assert data.label == "Скачать шаблон (Excel)" and data.deferred_file_id   # written on the click
    # the file the button serves, filled as a methodist would
    from shnor.read.indicators import template_data
    from shnor.reports.indicator_template import indicator_template
    from shnor.ui.db import get_store
    store = get_store()
    north = store.territories.find("Северный район")
    wb = openpyxl.load_workbook(io.BytesIO(indicator_template(template_data(store, north, 2023, True, [north]))))
    ws = wb[ind_.TEMPLATE_SHEET]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == ind_.OLYMPIAD_PART and not row[5].value:
            row[7].value = 33.3
        if row[0].value == ind_.TEACHERS_TRAINED and row[5].value == "sch420001":
            row[7].value = "45"
    buf = io.BytesIO()
    wb.save(buf)
    name = "**север** [x](http://evil.example).xlsx"             # a file name is data: shown as text
    at.get("file_uploader")[0].set_value((name, buf.getvalue(), XLSX))
    button(at, "Загрузить значения").click().run()
    assert not at.exception
    assert md(f"Файл «{name}» загружен: сохранено значений — 2.") in str(at.success[0].value)
    row = indicators_table(at).loc[ind_.get(ind_.OLYMPIAD_PART).name_ru]
    assert row["Факт"] == f"33,3{PCT}" and row["Откуда значение"].startswith(f"файл «{name}» — petrova")
    raw = [t.value for t in at.table if "Откуда значение" in t.value.columns][0]
    assert any(md(name) in str(v) for v in raw["Откуда значение"]) and not any(name in str(v) for v in
                                                                               raw["Откуда значение"])
    assert stored(path, ind_.TEACHERS_TRAINED, 2023, school_id=ids[1]) == 0.45


def test_a_wrong_template_is_refused_with_rows_named(small_db):
    path, _ = small_db
    at = open_page(path, "methodist", territory="Северный район")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = ind_.TEMPLATE_SHEET
    ws.append(list(ind_.TEMPLATE_HEADERS))
    ws.append([ind_.EGE_180, "", "%", "2023/2024", "Северный район", "", "", "12"])
    ws.append([ind_.EGE_180, "", "%", "2023/2024", "Южный район", "", "", "[x](http://evil.example)"])
    buf = io.BytesIO()
    wb.save(buf)
    at.get("file_uploader")[0].set_value(("**плохой**.xlsx", buf.getvalue(), XLSX))
    button(at, "Загрузить значения").click().run()
    assert not at.exception
    err = str(at.error[0].value)
    assert md("Файл «**плохой**.xlsx» не загружен") in err and "**плохой**" not in err
    issues = [d.value for d in at.dataframe if "Что не так" in d.value.columns][0]
    assert list(issues["Строка"]) == ["3"] and list(issues["Столбец"]) == ["Значение"]
    assert list(issues["Значение"]) == ["[x](http://evil.example)"]
    assert stored(path, ind_.EGE_180, 2023, "Северный район") is None


def test_hostile_territory_name_is_text(small_db):
    from smalldb import HOSTILE_TERRITORY, make_hostile
    path, ids = small_db
    make_hostile(path, ids[4])
    at = open_page(path, "methodist", territory=None)
    options = at.selectbox(key="ind_territory").options
    hostile = [o for o in options if HOSTILE_TERRITORY in o]
    assert hostile
    at.selectbox(key="ind_territory").select_index(options.index(hostile[0])).run()
    assert not at.exception
    subs = [str(s.value) for s in at.subheader]
    assert any(s.startswith(md(HOSTILE_TERRITORY) + ", 2023/2024") for s in subs), subs
    assert not any(HOSTILE_TERRITORY + "," in s for s in subs)


def test_meeting_mode_shows_figures_without_forms(small_db):
    path, _ = small_db
    at = open_page(path, "admin", query={"meeting": "1"})
    assert not set(labels(at)) & {"Сохранить значение", "Сохранить цель", "Загрузить значения"}
    t = indicators_table(at)
    assert not at.get("file_uploader") and "Откуда значение" not in t.columns
    # what has neither a value nor a target is left out of the meeting's table, and said so
    assert ind_.get(ind_.EGE_180).name_ru not in t.index and ind_.get(ind_.SHNOR_SHARE).name_ru in t.index
    assert "Без значения и без цели (не показаны): " in texts(at)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["title"]["fontSize"] == 24
