"""The list in the form of seed 004, appendix 3 («Территория | ОО», numbered), in Excel and in Word: the order's
number and date in the heading, criteria and reasons on a second sheet, A4 landscape fitted to the width with
the header row repeated on each printed page, hostile names written as text. On tests/listdb.py (list year
2022: СОШ № 1 and СОШ № 4 are ШНОР)."""
from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.oxml.ns import qn
from openpyxl import load_workbook

from listdb import NORTH, SOUTH, YEAR, stub_file, renamed_parsed
from shnor.domain.permissions import SYSTEM, User
from shnor.reports.excel import CRITERIA_SHEET, FORM_HEADER_ROW, FORM_SHEET
from shnor.reports.list_export import DOCX_MIME, list_docx_export, list_export
from shnor.services import lists as ol

HEAD = User("head", "head")
S1, S4 = "МБОУ «Средняя общеобразовательная школа № 1»", "МБОУ «Средняя общеобразовательная школа № 4»"
EVIL = '=HYPERLINK("http://evil.example/x","click")'


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def column(ws, col: int) -> list:
    return [c.value for c in ws[chr(64 + col)]]


def form_rows(ws) -> list[list]:
    """The appendix's table rows under its header."""
    rows = []
    for r in ws.iter_rows(min_row=FORM_HEADER_ROW + 1, max_col=3, values_only=True):
        if not isinstance(r[0], int):
            break
        rows.append(list(r))
    return rows


def word_table(data: bytes) -> list[list[str]]:
    d = docx.Document(io.BytesIO(data))
    assert len(d.tables) == 1
    return [[c.text for c in row.cells] for row in d.tables[0].rows]


def word_lines(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_the_approved_list_is_the_appendix_of_its_order(list_store):
    store, _ = list_store
    ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2021, 12, 3))
    exp = list_export(store, HEAD, YEAR, None)
    wb = workbook(exp.data)
    assert wb.sheetnames == [FORM_SHEET, CRITERIA_SHEET, "Все школы"]
    ws = wb[FORM_SHEET]
    # the heading: «Приложение / к приказу от 03.12.2021 № 1324» at the right, then the title
    assert ws["A1"].value == "Приложение" and ws["A1"].alignment.horizontal == "right"
    assert ws["A2"].value == "к приказу от 03.12.2021 № 1324" and ws["A2"].alignment.horizontal == "right"
    assert ws["A3"].value == "Образовательные организации с низкими образовательными результатами (ШНОР)"
    assert ws["A4"].value == "на 2022/2023 учебный год — Весь регион (Тестовая область)"
    # «№ п/п | Территория | ОО», numbered, the registry's full names (as in the seed)
    assert [c.value for c in ws[FORM_HEADER_ROW]] == ["№ п/п", "Территория", "ОО"]
    assert form_rows(ws) == [[1, NORTH, S1], [2, SOUTH, S4]]
    assert "Всего в списке: 2 из 5 школ территории" in column(ws, 1)
    # printing: A4 landscape, one page wide, the header row on every page, the appendix only
    for sheet in wb.worksheets:
        ps = sheet.page_setup
        assert (ps.orientation, int(ps.paperSize)) == ("landscape", 9), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0
        assert sheet.print_title_rows
    assert ws.print_title_rows == f"${FORM_HEADER_ROW}:${FORM_HEADER_ROW}"
    assert ws.print_area == f"'{FORM_SHEET}'!$A$1:$C${FORM_HEADER_ROW + 4}"
    # criteria and reasons on the second sheet, numbered as in the appendix
    cr = wb[CRITERIA_SHEET]
    words = [v for v in column(cr, 1) if isinstance(v, str)]
    assert "Утверждён: приказ № 1324 от 03.12.2021" in words
    assert "Критерий 1: низкие результаты не менее чем по двум процедурам в 2021/2022 учебном году." in words
    head = next(c.row for c in cr["A"] if c.value == "№ п/п")
    assert cr.print_title_rows == f"${head}:${head}"
    r1 = [c.value for c in cr[head + 1]]
    r2 = [c.value for c in cr[head + 2]]
    assert r1[:5] == [1, NORTH, S1, "sch420001", "1"] and r1[5].startswith("Критерий 1")
    assert r2[:5] == [2, SOUTH, S4, "sch420004", "2"] and r2[5].startswith("Критерий 2")


def test_a_draft_leaves_the_order_blank_and_says_project(list_store):
    store, ids = list_store
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "по списку региона")
    ws = workbook(list_export(store, HEAD, YEAR, None).data)[FORM_SHEET]
    assert ws["A2"].value == "к приказу от ______________ № ________"
    assert ws["A3"].value.startswith("Проект") and ws["A6"].value.startswith("Проект")
    assert [r[2] for r in form_rows(ws)] == ["МАОУ «Гимназия № 3»", S1, S4]


def test_the_word_appendix_holds_the_same_list(list_store):
    store, _ = list_store
    draft = list_docx_export(store, HEAD, YEAR, None)
    assert draft.mime == DOCX_MIME and draft.file_name == "ШНОР_2022-2023_проект.docx"
    lines = word_lines(draft.data)
    assert lines[:4] == ["ПРОЕКТ", "Приложение", "к приказу", "от ______________ № ________"]
    ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2021, 12, 3))
    exp = list_docx_export(store, HEAD, YEAR, None)
    assert exp.approved and exp.file_name == "ШНОР_2022-2023_приказ_1324.docx"
    lines = word_lines(exp.data)
    assert lines[:3] == ["Приложение", "к приказу", "от 03.12.2021 № 1324"] and "ПРОЕКТ" not in lines
    assert "Образовательные организации с низкими образовательными результатами (ШНОР)" in lines
    assert "на 2022/2023 учебный год — Весь регион (Тестовая область)" in lines
    table = word_table(exp.data)
    assert table == [["№ п/п", "Территория", "ОО"], ["1", NORTH, S1], ["2", SOUTH, S4]]
    # the same rows as the workbook's appendix
    xl = form_rows(workbook(list_export(store, HEAD, YEAR, None).data)[FORM_SHEET])
    assert [[str(a), b, c] for a, b, c in xl] == table[1:]
    # the header row repeats on each page
    d = docx.Document(io.BytesIO(exp.data))
    assert d.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_a_bound_user_gets_their_territory_only(list_store):
    from shnor.domain.permissions import Forbidden
    store, _ = list_store
    north = store.territories.find(NORTH)
    user = User("n", "viewer", north, NORTH, frozenset(store.territories.subtree(north)))
    assert word_table(list_docx_export(store, user, YEAR, north).data)[1:] == [["1", NORTH, S1]]
    with pytest.raises(Forbidden):
        list_docx_export(store, user, YEAR, store.territories.find(SOUTH))


def test_hostile_names_orders_and_reasons_are_text_in_both_files(list_store, tmp_path):
    from shnor.services.imports import import_file
    store, ids = list_store
    rep = import_file(store, stub_file(tmp_path, "rename.stub"), SYSTEM, parsed=renamed_parsed("sch420001", EVIL))
    assert rep.status == "stored", rep.issues
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "@SUM(1+1)")
    ol.approve_list(store, HEAD, YEAR, None, "=2+2", dt.date(2022, 9, 1))
    data = list_export(store, HEAD, YEAR, None).data
    wb = workbook(data)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert EVIL in values and "к приказу от 01.09.2022 № =2+2" in values and "включена вручную: @SUM(1+1)" in values
    assert EVIL in [r[2] for r in form_rows(wb[FORM_SHEET])]
    word = list_docx_export(store, HEAD, YEAR, None).data
    assert EVIL in [r[2] for r in word_table(word)]
    assert "от 01.09.2022 № =2+2" in word_lines(word)
    body = docx.Document(io.BytesIO(word)).element.body.xml
    assert "fldSimple" not in body and "instrText" not in body      # no Word field made of the text
