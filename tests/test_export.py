"""The list as an Excel workbook, written and read back with openpyxl; no export writes a formula (property
tests over hostile texts); `python -m shnor export list`; and the list details around it (change since last
year, missing data with calendar gaps, the heat map frame). Cases of tests/listdb.py."""
import csv
import datetime as dt
import io
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import ROOT
from listdb import NORTH, YEAR, renamed_parsed, stub_file
from shnor.domain.permissions import SYSTEM, User
from shnor.domain.rule import RuleSettings
from shnor.read import list_details as ld
from shnor.read.analysis import compute_list
from shnor.reports.cells import FORMULA_START, csv_cell, excel_text, looks_like_formula
from shnor.reports.excel import (DRAFT_TITLE, EXPORT_COLUMNS, PERCENT_FORMAT, export_frame, export_frame_from_items,
                                 list_workbook, reference_workbook)
from shnor.reports.list_export import list_export
from shnor.services import lists as ol

HEAD = User("head", "head")


def find_row(ws, first_cell):
    for row in ws.iter_rows():
        if row[0].value == first_cell:
            return row[0].row
    raise AssertionError(f"no row starting with {first_cell!r}")


def cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_computed_list_workbook_reads_back(list_store):
    store, ids = list_store
    lst = compute_list(store, YEAR)
    data = list_workbook(export_frame(lst), year=YEAR, territory_name="Тестовая область",
                         settings=lst.identification.settings, generated_at=dt.datetime(2022, 9, 1, 10, 0))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Список ШНОР", "Критерии и основания", "Все школы"]
    # the appendix (seed 004, appendix 3): no order yet -> blanks to fill in by hand
    ws = wb["Список ШНОР"]
    assert ws["A1"].value == "Приложение" and ws["A2"].value == "к приказу от ______________ № ________"
    assert "ШНОР" in ws["A3"].value and not ws["A3"].value.startswith("Проект")
    assert ws["A4"].value == "на 2022/2023 учебный год — Тестовая область"
    assert "не утверждён" in ws["A6"].value
    assert "2020/2021 и 2021/2022" in ws["A7"].value and "01.09.2022 10:00" in ws["A7"].value
    head = find_row(ws, "№ п/п")
    assert [c.value for c in ws[head]] == ["№ п/п", "Территория", "ОО"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=head + 1, max_row=head + 2)]
    # the registry's full names, numbered, as in the seed
    assert body == [[1, NORTH, "МБОУ «Средняя общеобразовательная школа № 1»"],
                    [2, "Южный район", "МБОУ «Средняя общеобразовательная школа № 4»"]]
    assert ws.cell(head + 3, 1).value is None
    assert ws.cell(head + 4, 1).value == "Всего в списке: 2 из 5 школ территории"
    # criteria and reasons: the rule in words, its settings, each school numbered as in the appendix
    cr = wb["Критерии и основания"]
    words = [c.value for c in cr["A"] if isinstance(c.value, str)]
    assert "Критерий 1: низкие результаты не менее чем по двум процедурам в 2021/2022 учебном году." in words
    assert any(w.startswith("Критерий 2: низкие результаты хотя бы по одной процедуре") for w in words)
    thr = find_row(cr, "Порог низкого результата (доля «2» / ниже минимума не менее)")
    assert cr.cell(thr, 4).value == pytest.approx(0.30) and cr.cell(thr, 4).number_format == PERCENT_FORMAT
    head = find_row(cr, "№ п/п")
    assert [c.value for c in cr[head]][:6] == ["№ п/п", "Территория", "ОО", "Код", "Критерии", "Основания"]
    s1, s4 = [[c.value for c in r] for r in cr.iter_rows(min_row=head + 1, max_row=head + 2)]
    assert s1[:5] == [1, NORTH, "МБОУ «Средняя общеобразовательная школа № 1»", "sch420001", "1"]
    assert "30,0\u00a0% «2» (3 из 10)" in s1[5] and "40,0\u00a0% «2» (4 из 10)" in s1[5]
    assert s1[6] == pytest.approx(0.4)  # the highest share among the low results: 4 of 10
    assert cr.cell(head + 1, 7).number_format == PERCENT_FORMAT
    assert s4[0] == 2 and s4[4] == "2" and s4[6] == pytest.approx(0.5)
    all_ws = wb["Все школы"]
    statuses = [r[3] for r in all_ws.iter_rows(min_row=4, values_only=True)]
    assert sorted(statuses) == sorted(["ШНОР", "без низких результатов", "группа риска", "ШНОР", "нет данных"])


def test_what_if_settings_and_manual_decisions_are_written(list_store):
    store, ids = list_store
    strict = replace(RuleSettings(), threshold_pct=40, variant="same")
    lst = compute_list(store, YEAR, settings=strict)
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "по списку региона")
    _, prop = ol.current_proposal(store, HEAD, YEAR, None, strict)
    wb = load_workbook(io.BytesIO(list_workbook(export_frame(lst, prop), year=YEAR, territory_name="регион",
                                                settings=strict)))
    ws = wb["Критерии и основания"]
    thr = find_row(ws, "Порог низкого результата (доля «2» / ниже минимума не менее)")
    assert ws.cell(thr, 4).value == pytest.approx(0.40)
    assert ws.cell(find_row(ws, "Критерий 2"), 4).value == "та же процедура в обоих годах"
    assert find_row(ws, "Критерий 2: низкие результаты по одной и той же процедуре и в 2020/2021, и в 2021/2022 "
                        "учебных годах.")
    head = find_row(ws, "№ п/п")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=head + 1, max_row=head + 2)]
    assert [r[2] for r in rows] == ["МАОУ «Гимназия № 3»", "МБОУ «Средняя общеобразовательная школа № 4»"]
    assert rows[0][7] == "включена вручную: по списку региона"
    form = wb["Список ШНОР"]
    head = find_row(form, "№ п/п")
    assert form.cell(head + 1, 3).value == "МАОУ «Гимназия № 3»"


def test_approved_list_workbook_names_the_order(list_store):
    store, ids = list_store
    lst = ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2021, 12, 3))
    frame = export_frame_from_items(ol.list_items(store, HEAD, lst))
    ws = load_workbook(io.BytesIO(list_workbook(frame, year=YEAR, territory_name="регион", settings=lst.settings,
                                                order_ru=lst.order_ru(), order_number=lst.order_number,
                                                order_date=lst.order_date))).active
    assert ws["A2"].value == "к приказу от 03.12.2021 № 1324"
    assert ws["A6"].value == "Утверждён: приказ № 1324 от 03.12.2021"
    assert ws.cell(find_row(ws, "Всего в списке: 2 из 5 школ территории"), 1).value
    # from the order's wording alone
    ws = load_workbook(io.BytesIO(list_workbook(frame, year=YEAR, territory_name="регион", settings=lst.settings,
                                                order_ru=lst.order_ru()))).active
    assert ws["A2"].value == "к приказу № 1324 от 03.12.2021"


def test_list_export_is_the_draft_marked_project_until_approved(list_store):
    store, ids = list_store
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "по списку региона")
    exp = list_export(store, HEAD, YEAR, None)
    assert not exp.approved and exp.file_name == "ШНОР_2022-2023_проект.xlsx"
    assert (exp.included, exp.schools) == (3, 5) and exp.territory_name == "Весь регион (Тестовая область)"
    ws = load_workbook(io.BytesIO(exp.data)).active
    assert ws["A3"].value == DRAFT_TITLE and ws["A6"].value.startswith("Проект")
    assert ws["A2"].value == "к приказу от ______________ № ________"
    assert ws.cell(find_row(ws, "Всего в списке: 3 из 5 школ территории"), 1).value
    ol.approve_list(store, HEAD, YEAR, None, "12/с-1", dt.date(2022, 9, 1))
    exp = list_export(store, HEAD, YEAR, None)
    assert exp.approved and exp.file_name == "ШНОР_2022-2023_приказ_12_с-1.xlsx"
    ws = load_workbook(io.BytesIO(exp.data)).active
    assert ws["A2"].value == "к приказу от 01.09.2022 № 12/с-1"
    assert ws["A6"].value == "Утверждён: приказ № 12/с-1 от 01.09.2022" and "Проект" not in ws["A3"].value


def test_list_export_of_another_territory_is_refused_for_a_bound_user(list_store):
    from shnor.domain.permissions import Forbidden
    store, _ = list_store
    north = store.territories.find(NORTH)
    user = User("n", "viewer", north, NORTH, frozenset(store.territories.subtree(north)))
    assert list_export(store, user, YEAR, north).territory_name == NORTH
    with pytest.raises(Forbidden):
        list_export(store, user, YEAR, None)
    with pytest.raises(Forbidden):
        list_export(store, user, YEAR, store.territories.find("Южный район"))


def test_reference_workbook_has_scales_and_thresholds(list_store):
    store, _ = list_store
    wb = load_workbook(io.BytesIO(reference_workbook(store.reference.scales_frame(), store.reference.exam_thresholds())))
    scales = list(wb["Шкалы ВПР"].iter_rows(min_row=4, values_only=True))
    assert ("ВПР, математика, 5 кл.", "2020/2021", 2, 0, 6) in scales
    thr = list(wb["Пороги ОГЭ и ЕГЭ"].iter_rows(min_row=4, values_only=True))
    assert any(r[0] == "ЕГЭ, русский язык" and r[1] == "2021/2022" and r[3] == 24 for r in thr)


# ---------------------------------------------------------------------------------------------
# No export writes a formula
# ---------------------------------------------------------------------------------------------
PREFIXES = ["", "=", "+", "-", "@", "\t", "\r", "=1+1", '=HYPERLINK("http://example.com","click")', "-1", "+1",
            "@x", "\tx", "\rx", " =", "'"]
hostile = st.builds(lambda p, t: p + t, st.sampled_from(PREFIXES),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))


def read_back(text: str):
    stored = excel_text(text)
    return stored if stored != "" else None


def test_excel_text_keeps_every_text_but_what_xlsx_cannot_hold():
    for t in ["=1+1", '=HYPERLINK("http://x","click")', "+1", "-1", "@x", "\tx", " a ", "«ШНОР»\n2"]:
        assert excel_text(t) == t
    assert excel_text("\rx") == "\nx" and excel_text("a\r\nb") == "a\nb"     # XML reads a CR as a line feed
    assert excel_text("a\x00b\x1fc\x0bd") == "abcd"                           # control characters XML forbids


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(hostile, min_size=1, max_size=4), reason=hostile, territory=hostile, order=hostile)
def test_list_workbook_never_writes_a_formula(names, reason, territory, order):
    frame = pd.DataFrame([{"territory": territory, "school": n, "code": n, "status": "ШНОР", "included": True,
                           "criteria": "1", "reasons": reason, "max_low_share": 0.4,
                           "decision": reason} for n in names], columns=EXPORT_COLUMNS)
    data = list_workbook(frame, year=YEAR, territory_name=territory, settings=RuleSettings(),
                         order_ru=order or None, order_number=order or None, order_date=dt.date(2022, 9, 1))
    assert not [c.coordinate for c in cells(data) if c.data_type == "f"]
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Список ШНОР"]
    assert ws["A4"].value == excel_text(f"на 2022/2023 учебный год — {territory}")
    if order:
        assert ws["A2"].value == excel_text(f"к приказу от 01.09.2022 № {order}")
    head = find_row(ws, "№ п/п")
    cr = wb["Критерии и основания"]
    cr_head = find_row(cr, "№ п/п")
    for i, n in enumerate(names, start=1):
        assert [c.value for c in ws[head + i]] == [i, read_back(territory), read_back(n)]
        row = [c.value for c in cr[cr_head + i]]
        assert row[1] == read_back(territory) and row[2] == read_back(n) and row[3] == read_back(n)
        assert row[5] == read_back(reason) and row[7] == read_back(reason)
    for i, n in enumerate(names, start=4):
        assert wb["Все школы"].cell(i, 2).value == read_back(n)


@settings(max_examples=30, deadline=None)
@given(note=hostile)
def test_reference_workbook_never_writes_a_formula(note):
    scales = pd.DataFrame([("VPR-MATH-5", 2020, 2, 0, 6)], columns=["procedure", "year", "mark", "min_score",
                                                                    "max_score"])
    thresholds = pd.DataFrame([("EGE-RUS", 2021, "min_test_score", 24, 100, note)],
                              columns=["procedure", "year", "kind", "value", "max_value", "note"])
    data = reference_workbook(scales, thresholds)
    assert not [c.coordinate for c in cells(data) if c.data_type == "f"]
    ws = load_workbook(io.BytesIO(data))["Пороги ОГЭ и ЕГЭ"]
    assert ws.cell(4, 6).value == read_back(note)


@settings(max_examples=200, deadline=None)
@given(text=hostile)
def test_csv_cells_get_the_apostrophe_exactly_when_a_spreadsheet_would_evaluate(text):
    cell = csv_cell(text)
    needed = text[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert looks_like_formula(text) == needed
    written = text.replace("\r\n", "\n").replace("\r", "\n")     # a bare CR would end a CSV row
    assert cell == ("'" + written if needed else written)
    assert csv_cell(42) == 42 and csv_cell(None) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(hostile, min_size=1, max_size=5))
def test_cli_csv_rows_start_with_the_apostrophe_exactly_when_needed(names, capsys):
    from shnor.cli.common import write_csv
    capsys.readouterr()
    write_csv([{"school_name": n, "criteria": "1"} for n in names], ["school_name", "criteria"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert rows[0] == ["school_name", "criteria"]
    got = [r[0] for r in rows[1:]]
    assert len(rows) == len(names) + 1 and all(r[1] == "1" for r in rows[1:])
    assert got == [("'" if n.startswith(FORMULA_START) else "") + n.replace("\r\n", "\n").replace("\r", "\n")
                   for n in names]


def rename_school(store, login: str, new_name: str, tmp_path) -> None:
    from shnor.services.imports import import_file
    rep = import_file(store, stub_file(tmp_path, f"rename-{login}.stub"), SYSTEM, parsed=renamed_parsed(login, new_name))
    assert rep.status == "stored", rep.issues


def test_the_identification_pages_workbooks_write_a_hostile_school_name_as_text(list_store, tmp_path):
    store, ids = list_store
    evil = '=HYPERLINK("http://evil.example/x","click")'
    rename_school(store, "sch420001", evil, tmp_path)
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "=1+1")
    for exp in (list_export(store, HEAD, YEAR, None), ):
        names = [c.value for c in cells(exp.data) if c.value == evil]
        assert names and not [c for c in cells(exp.data) if c.data_type == "f"]
    ol.approve_list(store, HEAD, YEAR, None, "=2+2", dt.date(2022, 9, 1))
    exp = list_export(store, HEAD, YEAR, None)
    assert exp.approved and not [c for c in cells(exp.data) if c.data_type == "f"]
    values = [c.value for c in cells(exp.data)]
    assert evil in values and "включена вручную: =1+1" in values and "Утверждён: приказ № =2+2 от 01.09.2022" in values
    assert "к приказу от 01.09.2022 № =2+2" in values


# ---------------------------------------------------------------------------------------------
# python -m shnor export list
# ---------------------------------------------------------------------------------------------
def cli(db, *args):
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


@pytest.fixture
def list_db(tmp_path):
    from pagetest import build_with_users
    path = tmp_path / "cli.duckdb"
    build_with_users(path, tmp_path)
    return path


def test_cli_export_list_writes_the_project_then_the_approved_list(list_db, tmp_path):
    out = tmp_path / "список.xlsx"
    r = cli(list_db, "export", "list", "--year", "2022/2023", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "не утверждён" in r.stdout and "проект" in r.stdout and "2 школы из 5" in r.stdout
    ws = load_workbook(out).active
    assert ws["A3"].value == DRAFT_TITLE and ws["A4"].value.endswith("Весь регион (Тестовая область)")
    from shnor.store import Store
    store = Store.open(list_db)
    try:
        ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2022, 9, 1))
    finally:
        store.close()
    r = cli(list_db, "export", "list", "--year", "2022/2023", "--out", str(out))
    assert r.returncode == 0 and "утверждённый список (приказ № 1324 от 01.09.2022)" in r.stdout
    assert load_workbook(out).active["A6"].value == "Утверждён: приказ № 1324 от 01.09.2022"
    assert load_workbook(out).active["A2"].value == "к приказу от 01.09.2022 № 1324"


def test_cli_export_list_refuses_another_extension_and_another_territory(list_db, tmp_path):
    r = cli(list_db, "export", "list", "--year", "2022/2023", "--out", str(tmp_path / "список.csv"))
    assert r.returncode == 2 and ".xlsx" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "список.csv").exists()
    r = cli(list_db, "export", "list", "--year", "2022", "--out", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and not (tmp_path / "x.xlsx").exists()
    # a bound user gets their territory; another territory is refused
    out = tmp_path / "север.xlsx"
    r = cli(list_db, "--user", "north-head", "export", "list", "--year", "2022/2023", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Северный район" in r.stdout and load_workbook(out).active["A4"].value.endswith("Северный район")
    r = cli(list_db, "--user", "north-head", "export", "list", "--year", "2022/2023", "--territory", "Южный район",
            "--out", str(tmp_path / "юг.xlsx"))
    assert r.returncode == 2 and "Северный район" in r.stderr and not (tmp_path / "юг.xlsx").exists()


# ---------------------------------------------------------------------------------------------
# List details
# ---------------------------------------------------------------------------------------------
def test_comparison_with_last_years_list(list_store):
    store, ids = list_store
    cur, prev = compute_list(store, YEAR), compute_list(store, YEAR - 1)
    cmp = ld.compare_with_previous(cur, prev)
    assert dict(zip(cmp["school_id"], cmp["change"])) == {ids["sch420001"]: ld.ENTERED, ids["sch420004"]: ld.ENTERED}
    # against itself: everything stayed
    same = ld.compare_with_previous(cur, cur)
    assert set(same["change"]) == {ld.STAYED} and len(same) == 2
    # the other way round: both left
    assert set(ld.compare_with_previous(prev, cur)["change"]) == {ld.LEFT}


def test_missing_data_counts_per_procedure_with_calendar_gaps_and_school_types(list_store):
    store, ids = list_store
    m = ld.missing_by_procedure(compute_list(store, YEAR)).set_index(["procedure", "year"])
    # 5 schools; ВПР мат-5 2021: S1, S2, S3 have it; S4 (СОШ) and S5 (НОШ, does not take it) lack it
    r = m.loc[("VPR-MATH-5", 2021)]
    assert (r["with_result"], r["missing"], r["not_applicable"], r["missing_expected"]) == (3, 2, 1, 1)
    # ЕГЭ base math 2020/2021 was not held: nobody is expected to have it
    g = m.loc[("EGE-MATH-BASE", 2020)]
    assert g["missing"] == 5 and g["missing_expected"] == 0 and "не проводился" in g["calendar"]
    # ЕГЭ Russian 2021/2022 — S2 (ООШ) and S5 (НОШ) do not take it, the three others lack it
    e = m.loc[("EGE-RUS", 2021)]
    assert (e["missing"], e["not_applicable"], e["missing_expected"]) == (5, 2, 3)
    assert ld.calendar_gap("OGE-MATH", 2019) == "ОГЭ в 2019/2020 учебном году отменён"
    assert ld.calendar_gap("OGE-MATH", 2021) is None


def test_missing_matrix_leaves_out_calendar_gaps_and_what_a_school_does_not_take(list_store):
    store, ids = list_store
    mm = ld.missing_matrix(compute_list(store, YEAR)).set_index("school_id")
    assert ids["sch420005"] not in mm.index  # an НОШ takes none of the nine procedures
    assert "ЕГЭ мат баз" not in mm.loc[ids["sch420001"], "what"].split("2020/2021")[0]
    assert "ЕГЭ мат баз 2020/2021" not in mm.loc[ids["sch420001"], "what"]
    assert "ЕГЭ мат баз 2021/2022" in mm.loc[ids["sch420001"], "what"]
    assert mm.loc[ids["sch420002"], "what"].count("ЕГЭ") == 0


def test_heatmap_frame_prints_the_share_and_marks_low_cells(list_store):
    store, ids = list_store
    cur = compute_list(store, YEAR)
    hm = ld.heatmap_frame(store, cur, [ids["sch420001"], ids["sch420004"]])
    cells_ = {(r.school_id, r.procedure, r.year): (r.label, r.low) for r in hm.itertuples()}
    assert cells_ == {(ids["sch420001"], "VPR-MATH-5", 2021): ("30", True),
                      (ids["sch420001"], "VPR-RUS-5", 2021): ("40", True),
                      (ids["sch420004"], "OGE-RUS", 2020): ("50", True),
                      (ids["sch420004"], "OGE-RUS", 2021): ("40", True)}
    assert set(hm["column"]) == {"ВПР мат-5 21/22", "ВПР рус-5 21/22", "ОГЭ рус 20/21", "ОГЭ рус 21/22"}
    # with a 45 % threshold the 40 % cells are no longer low
    hm45 = ld.heatmap_frame(store, compute_list(store, YEAR, settings=replace(RuleSettings(), threshold_pct=45)),
                            [ids["sch420004"]])
    assert list(hm45.sort_values("year")["low"]) == [True, False]
