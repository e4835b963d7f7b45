"""The list as an Excel workbook, written and read back with openpyxl; and the list details around it
(change since last year, missing data with calendar gaps, the heat map frame). Cases of tests/listdb.py."""
import datetime as dt
import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from listdb import NORTH, YEAR
from shnor.read import list_details as ld
from shnor.services import lists as ol
from shnor.read.analysis import compute_list
from shnor.reports.excel import PERCENT_FORMAT, export_frame, export_frame_from_items, list_workbook, reference_workbook
from shnor.domain.rule import RuleSettings


def find_row(ws, first_cell):
    for row in ws.iter_rows():
        if row[0].value == first_cell:
            return row[0].row
    raise AssertionError(f"no row starting with {first_cell!r}")


def test_computed_list_workbook_reads_back(list_store):
    store, ids = list_store
    lst = compute_list(store, YEAR)
    data = list_workbook(export_frame(lst), year=YEAR, territory_name="Тестовая область",
                         settings=lst.identification.settings, generated_at=dt.datetime(2022, 9, 1, 10, 0))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Список ШНОР", "Все школы"]
    ws = wb["Список ШНОР"]
    assert "ШНОР" in ws["A1"].value
    assert ws["A2"].value == "на 2022/2023 учебный год — Тестовая область"
    assert "не утверждён" in ws["A3"].value
    assert "2020/2021 и 2021/2022" in ws["A4"].value and "01.09.2022 10:00" in ws["A4"].value
    thr = find_row(ws, "Порог низкого результата (доля «2» / ниже минимума не менее)")
    assert ws.cell(thr, 3).value == pytest.approx(0.30) and ws.cell(thr, 3).number_format == PERCENT_FORMAT
    head = find_row(ws, "№")
    assert [c.value for c in ws[head]][:6] == ["№", "Территория", "ОО", "Код", "Критерии", "Основания"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=head + 1, max_row=head + 2)]
    assert [r[2] for r in body] == ["МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"]
    s1, s4 = body
    assert s1[1] == NORTH and s1[3] == "sch420001" and s1[4] == "1"
    assert "30,0\u00a0% «2» (3 из 10)" in s1[5] and "40,0\u00a0% «2» (4 из 10)" in s1[5]
    assert s1[6] == pytest.approx(0.4)  # the highest share among the low results: 4 of 10
    assert ws.cell(head + 1, 7).number_format == PERCENT_FORMAT
    assert s4[4] == "2" and s4[6] == pytest.approx(0.5)
    assert ws.cell(head + 3, 1).value is None
    assert ws.cell(head + 4, 1).value == "Всего в списке: 2 из 5 школ территории"
    all_ws = wb["Все школы"]
    statuses = [r[3] for r in all_ws.iter_rows(min_row=4, values_only=True)]
    assert sorted(statuses) == sorted(["ШНОР", "без низких результатов", "группа риска", "ШНОР", "нет данных"])


def test_what_if_settings_and_manual_decisions_are_written(list_store):
    store, ids = list_store
    strict = replace(RuleSettings(), threshold_pct=40, variant="same")
    lst = compute_list(store, YEAR, settings=strict)
    ol.set_decision(store, YEAR, None, ids["sch420003"], True, "по списку региона", actor="head")
    _, prop = ol.current_proposal(store, YEAR, None, strict)
    wb = load_workbook(io.BytesIO(list_workbook(export_frame(lst, prop), year=YEAR, territory_name="регион",
                                                settings=strict)))
    ws = wb.active
    thr = find_row(ws, "Порог низкого результата (доля «2» / ниже минимума не менее)")
    assert ws.cell(thr, 3).value == pytest.approx(0.40)
    assert ws.cell(find_row(ws, "Критерий 2"), 3).value == "та же процедура в обоих годах"
    head = find_row(ws, "№")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=head + 1, max_row=head + 2)]
    assert [r[2] for r in rows] == ["МАОУ «Гимназия № 3»", "МБОУ «СОШ № 4»"]
    assert rows[0][7] == "включена вручную: по списку региона"


def test_approved_list_workbook_names_the_order(list_store):
    store, ids = list_store
    lst = ol.approve_list(store, YEAR, None, "1324", dt.date(2021, 12, 3), actor="head")
    frame = export_frame_from_items(ol.list_items(store, lst.id))
    ws = load_workbook(io.BytesIO(list_workbook(frame, year=YEAR, territory_name="регион", settings=lst.settings,
                                                order_ru=lst.order_ru()))).active
    assert ws["A3"].value == "Утверждён: приказ № 1324 от 03.12.2021"
    assert ws.cell(find_row(ws, "Всего в списке: 2 из 5 школ территории"), 1).value


def test_reference_workbook_has_scales_and_thresholds(list_store):
    store, _ = list_store
    wb = load_workbook(io.BytesIO(reference_workbook(
        store.df("SELECT * FROM vpr_scales ORDER BY procedure, year, mark"), store.reference.exam_thresholds())))
    scales = list(wb["Шкалы ВПР"].iter_rows(min_row=4, values_only=True))
    assert ("ВПР, математика, 5 кл.", "2020/2021", 2, 0, 6) in scales
    thr = list(wb["Пороги ОГЭ и ЕГЭ"].iter_rows(min_row=4, values_only=True))
    assert any(r[0] == "ЕГЭ, русский язык" and r[1] == "2021/2022" and r[3] == 24 for r in thr)


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
    cells = {(r.school_id, r.procedure, r.year): (r.label, r.low) for r in hm.itertuples()}
    assert cells == {(ids["sch420001"], "VPR-MATH-5", 2021): ("30", True),
                     (ids["sch420001"], "VPR-RUS-5", 2021): ("40", True),
                     (ids["sch420004"], "OGE-RUS", 2020): ("50", True),
                     (ids["sch420004"], "OGE-RUS", 2021): ("40", True)}
    assert set(hm["column"]) == {"ВПР мат-5 21/22", "ВПР рус-5 21/22", "ОГЭ рус 20/21", "ОГЭ рус 21/22"}
    # with a 45 % threshold the 40 % cells are no longer low
    hm45 = ld.heatmap_frame(store, compute_list(store, YEAR, settings=replace(RuleSettings(), threshold_pct=45)),
                            [ids["sch420004"]])
    assert list(hm45.sort_values("year")["low"]) == [True, False]
