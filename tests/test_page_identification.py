"""AppTest of «Выявление ШНОР» on the region of tests/listdb.py: the list with reasons, the "what if" that
changes the count without saving, the official list (reasons required, approval freezes, later imports
show as a difference), the region's list, and the territory binding."""
import datetime as dt
import io
import json

import pyarrow as pa
import pytest
from openpyxl import Workbook

from listdb import YEAR, renamed_parsed, results_parsed, stub_file
from pagetest import page_as, page_store, run_page, texts
from shnor.domain.permissions import SYSTEM, User
from shnor.services import lists as ol
from shnor.services.imports import import_file
from shnor.ui.safe import md

ADMIN = User("admin", "admin")


def run(user):
    return run_page("identification", user)


# AppTest does not expose a dataframe's key: each table is found by a column only it has
SIGNATURE = {"ident_list_table": "Малая группа", "ident_cmp_table": "Основания год назад",
             "ident_missing_table": "Нет, хотя ожидался", "ident_risk_table": "Почему",
             "ident_official_table": "Код", "ident_proposal_table": "Статус по правилу",
             "ident_diff_table": "В утверждённом списке", "ident_region_table": "Сравнение"}


def table(at, key):
    col = SIGNATURE[key]
    found = [d.value for d in at.dataframe if col in d.value.columns]
    if key == "ident_official_table":
        found = [v for v in found if "Решение вручную" in v.columns]
    assert found, f"no table {key}"
    return found[0]


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def test_nobody_logged_in_sees_the_login_form_and_no_list(listdb_ids):
    at = page_as("identification", None)
    at.run()
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert not at.dataframe and "ШНОР" not in "".join(m.label for m in at.metric)


def test_the_list_shows_reasons_small_groups_and_the_download(listdb_ids):
    at = run("viewer")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ШНОР"] == "2" and metrics["Доля ШНОР"] == "40,0\u00a0%" and metrics["Группа риска"] == "1"
    lst = table(at, "ident_list_table")
    assert list(lst["ОО"]) == ["МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"]
    assert list(lst["Критерии"]) == ["1", "2"]
    assert "ВПР, математика, 5 кл. — 30,0\u00a0% «2» (3 из 10)" in lst.iloc[0]["Основания"]
    # every result of the demo-size test region has 10-20 participants: below 10 is none -> no flags
    assert set(lst["Малая группа"]) == {""}
    assert md("Критерий 2 — низкие результаты в каждом из двух прошлых лет: в 2020/2021:") in texts(at)
    assert at.get("download_button"), "the list must download as Excel"
    # comparison with last year's list: both entered
    cmp = table(at, "ident_cmp_table")
    assert list(cmp["Изменение"]) == ["вошли", "вошли"]
    # missing data with the calendar gap of ЕГЭ base math 2020/2021
    miss = table(at, "ident_missing_table")
    row = miss[(miss["Процедура"] == "ЕГЭ, математика (базовый уровень)") & (miss["Учебный год"] == "2020/2021")]
    assert row.iloc[0]["Нет, хотя ожидался"] == 0 and "не проводился" in row.iloc[0]["Календарь"]
    # risk group
    assert list(table(at, "ident_risk_table")["ОО"]) == ["МАОУ «Гимназия № 3»"]
    # a viewer neither decides nor approves
    labels = [b.label for b in at.button]
    assert "Записать решение" not in labels and "Утвердить список" not in labels


def test_small_groups_are_flagged(listdb_ids):
    at = run("viewer")
    at.number_input(key="ident_small").set_value(15).run()
    lst = table(at, "ident_list_table")
    assert list(lst["Малая группа"]) == ["да — менее 15 участников"] * 2
    assert "⚠ малая группа" in texts(at)


def test_what_if_changes_the_count_without_saving(listdb_ids):
    at = run("viewer")
    at.number_input(key="ident_threshold").set_value(40).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["ШНОР"] == "1"
    assert list(table(at, "ident_list_table")["ОО"]) == ["МБОУ «СОШ № 4»"]
    assert "Расчёт «что если»" in texts(at)
    assert page_store().settings.get("rule") is None  # nothing saved
    at.radio(key="ident_variant").set_value("same").run()
    assert {m.label: m.value for m in at.metric}["ШНОР"] == "1"
    button(at, "Вернуть сохранённые настройки").click().run()
    assert {m.label: m.value for m in at.metric}["ШНОР"] == "2" and "Расчёт «что если»" not in texts(at)


def test_heat_map_prints_values_in_cells(listdb_ids):
    at = run("viewer")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "heat map missing"
    spec = json.loads(charts[0].proto.spec)
    marks = {layer["mark"]["type"]: layer["encoding"] for layer in spec["layer"]}
    assert set(marks) == {"rect", "text"}
    assert marks["text"]["text"]["field"] == "label"          # the value is printed, not only coloured
    assert marks["rect"]["color"]["title"] == "Доля «2» / ниже минимума"
    data = pa.ipc.open_stream(charts[0].proto.datasets[0].data.data).read_pandas()
    assert sorted(data["label"]) == ["30", "40", "40", "50"]
    assert data["low"].all()                                  # all four are low: outlined
    assert set(data["Школа"]) == {"МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"}
    assert spec["config"]["locale"]["number"]["decimal"] == ","


def test_head_decides_with_a_reason_and_approves_then_the_list_is_frozen(listdb_ids):
    at = run("head")
    # without a reason: refused, nothing written
    at.selectbox(key="ident_decision_school").set_value(listdb_ids["sch420003"])
    at.radio(key="ident_decision_action").set_value("include")
    button(at, "Записать решение").click().run()
    assert "Укажите причину" in texts(at)
    assert ol.get_list(page_store(), ADMIN, YEAR, None) is None
    # with a reason
    at.selectbox(key="ident_decision_school").set_value(listdb_ids["sch420003"])
    at.radio(key="ident_decision_action").set_value("include")
    at.text_area(key="ident_decision_reason").set_value("по списку региона, приказ № 1324")
    button(at, "Записать решение").click().run()
    assert "Решение записано." in texts(at)
    prop = table(at, "ident_proposal_table")
    assert "МАОУ «Гимназия № 3»" in list(prop["ОО"]) and len(prop) == 3
    # the draft downloads with the decision written next to the school
    [draft] = [d for d in at.get("download_button") if d.proto.label == "Скачать проект списка с решениями (Excel)"]
    assert draft.proto.deferred_file_id and not draft.proto.url      # written on the click, not on every run
    from shnor.reports.list_export import list_export
    from openpyxl import load_workbook
    import io
    book = load_workbook(io.BytesIO(list_export(page_store(), ADMIN, YEAR, None).data))
    assert any("по списку региона, приказ № 1324" in str(c.value) for ws in book for row in ws.iter_rows()
               for c in row if c.value)
    # approval needs the confirmation box, then freezes
    at.text_input(key="ident_order_number").set_value("1324")
    at.date_input(key="ident_order_date").set_value(dt.date(2022, 9, 1))
    button(at, "Утвердить список").click().run()
    assert "Отметьте, что проект проверен" in texts(at)
    assert ol.get_list(page_store(), ADMIN, YEAR, None).status == ol.DRAFT
    at.text_input(key="ident_order_number").set_value("1324")
    at.date_input(key="ident_order_date").set_value(dt.date(2022, 9, 1))
    at.checkbox(key="ident_approve_sure").check()
    button(at, "Утвердить список").click().run()
    assert not at.exception
    lst = ol.get_list(page_store(), ADMIN, YEAR, None)
    assert lst.frozen and lst.order_number == "1324" and lst.approved_by == "head"
    t = texts(at)
    assert f"Утверждён: {md('приказ № 1324 от 01.09.2022')}" in t
    assert "Текущий расчёт совпадает с утверждённым списком." in t
    official = table(at, "ident_official_table")
    assert sorted(official["ОО"]) == ["МАОУ «Гимназия № 3»", "МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"]
    assert dict(zip(official["ОО"], official["Решение вручную"]))["МАОУ «Гимназия № 3»"] == \
        "по списку региона, приказ № 1324"
    labels = [b.label for b in at.button]
    assert "Записать решение" not in labels and "Утвердить список" not in labels


def test_a_later_import_shows_how_the_computed_list_differs(listdb_ids, tmp_path):
    ol.approve_list(page_store(), User("head", "head"), YEAR, None, "7", dt.date(2022, 9, 1))
    rep = import_file(page_store(), stub_file(tmp_path, "later.stub"), User("methodist", "methodist"), parsed=results_parsed([
        ("sch420002", "VPR-MATH-5", 2021, 20, 8), ("sch420002", "VPR-RUS-5", 2021, 10, 5)]))
    assert rep.status == "stored"
    at = run("viewer")
    assert "1 школа теперь ШНОР по расчёту" in texts(at)
    diff = table(at, "ident_diff_table")
    assert list(diff["ОО"]) == ["МБОУ «ООШ № 2»"] and list(diff["В утверждённом списке"]) == ["нет"]
    # the approved list itself still has the two schools
    assert len(table(at, "ident_official_table")) == 2


def test_bound_head_sees_and_approves_only_its_territory(listdb_ids):
    at = run("north-head")
    assert not at.selectbox(key="ident_territory") if any(
        s.key == "ident_territory" for s in at.selectbox) else True
    assert "Территория:** Северный район" in texts(at)
    assert {m.label: m.value for m in at.metric}["ШНОР"] == "1"
    options = at.selectbox(key="ident_decision_school").options
    assert len(options) == 3 and not any("СОШ № 4" in o for o in options)
    at.text_input(key="ident_order_number").set_value("5-с")
    at.date_input(key="ident_order_date").set_value(dt.date(2022, 9, 1))
    at.checkbox(key="ident_approve_sure").check()
    button(at, "Утвердить список").click().run()
    north = page_store().territories.find("Северный район")
    assert ol.get_list(page_store(), ADMIN, YEAR, north).frozen
    assert ol.get_list(page_store(), ADMIN, YEAR, None) is None


def test_region_list_is_uploaded_and_compared(listdb_ids):
    wb = Workbook()
    ws = wb.active
    ws.append(["Территория", "ОО"])
    ws.append(["Северный район", "мбоу \"сош № 1\""])
    ws.append([None, "МБОУ «ООШ № 2»"])
    buf = io.BytesIO()
    wb.save(buf)
    at = run("head")
    uploader = at.get("file_uploader")
    if not uploader or not hasattr(uploader[0], "set_value"):
        pytest.skip("this Streamlit's AppTest cannot set a file_uploader")
    uploader[0].set_value(("приложение3.xlsx", buf.getvalue(),
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    button(at, "Загрузить список региона").click().run()
    assert not at.exception
    assert md("сопоставлено с реестром: 2") in texts(at)
    rc = table(at, "ident_region_table")
    assert dict(zip(rc["ОО"], rc["Сравнение"])) == {"МБОУ «СОШ № 1»": ol.BOTH, "МБОУ «ООШ № 2»": ol.ONLY_REGION,
                                                    "МБОУ «СОШ № 4»": ol.ONLY_COMPUTED}


def test_meeting_mode_hides_editing_and_can_hide_names(listdb_ids):
    at = page_as("identification", "head")
    at.query_params["meeting"] = "1"
    at.query_params["anon"] = "1"
    at.run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Записать решение" not in labels and "Утвердить список" not in labels
    names = list(table(at, "ident_list_table")["ОО"])
    assert names == [f"Школа {listdb_ids['sch420001']}", f"Школа {listdb_ids['sch420004']}"]
    assert set(table(at, "ident_list_table")["Код"]) == {"скрыт"}  # a login would name the school
    assert "СОШ № 1" not in texts(at)


def test_only_the_admin_is_offered_to_save_defaults_and_nothing_is_saved_here(listdb_ids):
    for user, offered in (("admin", True), ("head", False)):
        at = run(user)
        at.number_input(key="ident_threshold").set_value(25).run()
        assert not at.exception
        # a page link inside the app; run directly (as here) the page says where instead
        said = bool(at.get("page_link")) or "Сохранить настройки по умолчанию можно на странице «Настройки»" in texts(at)
        assert said == offered
        assert page_store().settings.get("rule") is None


# ---------------------------------------------------------------------------------------------
# Data is shown as text: no Markdown, link or image from a name, a reason, a file or an order number
# ---------------------------------------------------------------------------------------------
EVIL_NAME = "**Жирная** [Сеанс истёк](http://evil.example/login) ![](http://127.0.0.1:9/p.png) :red[СОШ]"


def rename(login, name, tmp_path):
    rep = import_file(page_store(), stub_file(tmp_path, f"rename-{login}.stub"), SYSTEM,
                      parsed=renamed_parsed(login, name))
    assert rep.status == "stored", rep.issues


def markdown_with(at, needle):
    return [str(m.value) for m in at.markdown if needle in str(m.value)]


def test_reasons_in_words_show_a_hostile_school_name_as_text(listdb_ids, tmp_path):
    rename("sch420001", EVIL_NAME, tmp_path)
    at = run("viewer")
    [line] = markdown_with(at, "Жирная")
    assert line.startswith("1. **") and md(EVIL_NAME) in line
    assert "\\*\\*Жирная\\*\\*" in line and "\\[Сеанс истёк\\]" in line and "\\!\\[\\]" in line
    assert "**Жирная**" not in line and "](http" not in line and "http://" not in line
    # in the table the name is a plain cell
    assert EVIL_NAME in list(table(at, "ident_list_table")["ОО"])


def test_manual_reasons_order_numbers_and_the_territory_are_shown_as_text(listdb_ids, tmp_path):
    evil_reason = "**важно** [подробнее](http://evil.example) @admin"
    ol.set_decision(page_store(), User("head", "head"), YEAR, None, listdb_ids["sch420003"], False, evil_reason)
    at = run("head")
    [line] = markdown_with(at, "важно")
    assert line.startswith("**Решения вручную:**") and md(evil_reason) in line and "**важно**" not in line
    ol.approve_list(page_store(), User("head", "head"), YEAR, None, "**7** [x](http://evil.example)",
                    dt.date(2022, 9, 1))
    at = run("viewer")
    [ok] = [str(e.value) for e in at.success if "Утверждён" in str(e.value)]
    assert md("приказ № **7** [x](http://evil.example)") in ok and "**7**" not in ok


def test_region_list_file_name_and_unmatched_rows_are_shown_as_text(listdb_ids):
    wb = Workbook()
    ws = wb.active
    ws.append(["Территория", "ОО"])
    ws.append(["Северный район", "мбоу \"сош № 1\""])
    ws.append(["Северный район", "![](http://127.0.0.1:9/p.png) **Нет такой**"])
    buf = io.BytesIO()
    wb.save(buf)
    at = run("head")
    at.get("file_uploader")[0].set_value(("**список** [x](http://evil.example).xlsx", buf.getvalue(),
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    button(at, "Загрузить список региона").click().run()
    assert not at.exception
    [ok] = [str(e.value) for e in at.success if "сопоставлено" in str(e.value)]
    assert md("**список** [x](http://evil.example).xlsx") in ok and "**список**" not in ok
    assert md("не найдено в реестре: 1") in ok
    unmatched = [d.value for d in at.dataframe if "Почему" in d.value.columns and "Строка" in d.value.columns]
    assert unmatched and list(unmatched[0]["ОО"]) == ["![](http://127.0.0.1:9/p.png) **Нет такой**"]
    assert list(unmatched[0]["Строка"]) == [3]
    assert "![](" not in texts(at)


def test_a_bound_head_is_not_offered_the_region_wide_list_and_the_service_refuses_it(listdb_ids):
    at = run("north-head")
    assert "Записать решение" in [b.label for b in at.button]       # their own territory's list
    with pytest.raises(ol.Forbidden):
        ol.set_decision(page_store(), page_store_user("north-head"), YEAR, None, listdb_ids["sch420001"], False,
                        "не наш список")
    assert ol.get_list(page_store(), ADMIN, YEAR, None) is None


def page_store_user(name):
    from shnor.services.accounts import get_user
    return get_user(page_store(), name)
