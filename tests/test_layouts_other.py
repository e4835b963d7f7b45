"""Layouts 2–5 (FORMATS.md): ФИС ОКО «Статистика по отметкам», РЦОИ ОГЭ/ЕГЭ tables, the flat template,
school registries. Real files are written in tmp_path (xlsx with merged header cells, xls, ods, csv) and
read through shnor.importing.reading; expectations are computed by hand in the comments."""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from shnor.domain import procedures
from shnor.importing.model import ERROR, WARNING, Hints
from shnor.importing.reading import read_sheets
from shnor.importing.layouts import common, exam_table, fisoko_report, registry, template

from conftest import realdata, write_xlsx

ALL = {"2": fisoko_report, "3": exam_table, "4": template, "5": registry}


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------
def write_xls(path, rows: list[list], merges: list[tuple[int, int, int, int]] = ()):
    """merges: (first_row, last_row, first_col, last_col), 0-based, the value in the top-left cell."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Лист1")
    merged_cells = set()
    for r0, r1, c0, c1 in merges:
        ws.write_merge(r0, r1, c0, c1, rows[r0][c0])
        merged_cells |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None and (i, j) not in merged_cells:
                ws.write(i, j, v)
    wb.save(str(path))
    return path


def write_ods(path, rows: list[list], sheet="Лист1"):
    import pandas as pd
    width = max(len(r) for r in rows)
    df = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows])
    with pd.ExcelWriter(path, engine="odf") as w:
        df.to_excel(w, sheet_name=sheet, header=False, index=False)
    return path


def write_csv(path, rows: list[list], delimiter=";", encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([["" if v is None else v for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def errors(pf):
    return [i for i in pf.issues if i.level == ERROR]


def by_key(results):
    return {(r.school.login or r.school.exam_code or r.school.name, r.procedure): r for r in results}


# ---------------------------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------------------------
FISOKO_ROWS = [
    ["Всероссийские проверочные работы 2023 (5 класс)"],
    ["Дата: 18.04.2023"],
    ["Предмет: Математика"],
    ["Статистика по отметкам"],
    ["Максимальный первичный балл: 20"],
    [],
    ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %", None, None, None],
    [None, None, None, 2, 3, 4, 5],
    ["Вся выборка", 35512, 1426112, 15.57, 41.25, 30.58, 12.6],
    ["Алтайский край", 700, 22000, "17,1", "40", "30", "12,9"],
    ["Алейский район", 12, 300, 20, 40, 30, 10],
    ['(sch223017) МБОУ "Вавилонская СОШ"', 1, 25, "40", "36", "16", "8"],
    ["(sch223018) МБОУ «Дружбинская СОШ» ", 1, "10", "25,00%", "35", "30", "10"],
    [],
    ["Бийский\u00a0район", 20, 500, 10, 40, 40, 10],
    ['(edu224001) МКОУ "Школа"', 1, 8, 12.5, 37.5, 37.5, 12.5],
    ["Итого", None, 43, None, None, None, None],
]
FISOKO_MERGES = ["D7:G7", "A7:A8", "B7:B8", "C7:C8"]

EGE_ROWS = [
    ["Результаты ЕГЭ-2023 по образовательным организациям Алтайского края"],
    [],
    ["Муниципалитет", "Код ОО", "Образовательная организация", "Русский язык", None, None, None,
     "Математика (профильный уровень)", None, None, None, "Математика (базовый уровень)", None, None, None, None],
    [None, None, None, "приняли участие", "не преодолели минимальный порог", None, "средний балл",
     "Кол-во участников", "не преодолели минимальный порог", None, "средний балл",
     "приняли участие", "«2»", "«3»", "«4»", "«5»"],
    [None, None, None, None, "чел.", "%", None, None, "чел.", "%", None, None, None, None, None, None],
    list(range(1, 17)),
    ["Алейский район", "0101", "МБОУ СОШ №1", 25, 2, 8, "61,3", 10, None, "40", 55, 12, 1, 5, 4, 2],
    [None, "00102", "МБОУ «СОШ №2»", 20, None, "12,5%", 58, 4, 1, 25, 40.5, 6, 0, 2, 3, 1],
    ["ИТОГО по МО", None, None, 45, 5, 11.1, 60, 14, 5, 35.7, 50, 18, 1, 7, 7, 3],
    ["Бийский район", "0201", "МКОУ Школа", "7", "0", "0", "70", None, None, None, None, 3, "0", "1", "1", "1"],
    [None, None, "Итого по району", 7, 0, 0, 70, None, None, None, None, 3, 0, 1, 1, 1],
    ["Всего", None, None, 52, 5, 9.6, 61, 14, 5, 35.7, 50, 21, 1, 8, 8, 4],
]
EGE_MERGES = ["D3:G3", "H3:K3", "L3:P3", "E4:F4", "I4:J4", "A3:A5", "B3:B5", "C3:C5", "D4:D5", "G4:G5",
              "H4:H5", "K4:K5", "L4:L5", "M4:M5", "N4:N5", "O4:O5", "P4:P5"]

OGE_ROWS = [
    ["ГИА-9 (ОГЭ), 2022/2023 учебный год"],
    ["Код ОО", "ОО", "Русский язык", None, None, None, None, "Математика", None, None, None, None],
    [None, None, "Кол-во участников", "2", "3", "4", "5", "Кол-во участников", "2", "3", "4", "5"],
    ["1001", "МБОУ СОШ №1", 30, 3, 10, 12, 5, 30, 9, 12, 6, 3],
    ["1002", "МБОУ ООШ №2", 8, 0, 4, 3, 1, 8, 1, 4, 2, 1],
]
OGE_MERGES = ["C2:G2", "H2:L2", "A2:A3", "B2:B3"]

TEMPLATE_DATA = [
    ["2022/2023", "ВПР, математика, 5 кл.", "sch220206", "МБОУ СОШ №1", "Алейский район", 25, 10, 10, 8, 5, 2,
     "9,4"],
    ["2022-2023", "VPR-RUS-5", "edu220207", "МБОУ СОШ №2", "Алейский район", "20", "3", None, None, None, None,
     None],
    ["2022/23", "ЕГЭ, математика (профильный уровень)", "00525", "МКОУ «Школа»", "Бийский район", 12, 4, None,
     None, None, None, "48,5"],
]

REGISTRY_ROWS = [
    ["Реестр общеобразовательных организаций"],
    ["Логин", "Краткое наименование", "Полное наименование", "Территория", "Район города", "Тип ОО", "Форма",
     "ИНН", "ОГРН", "Код ОГЭ", "Код ЕГЭ", "ШНСУ", "Местность", "Действует с", "Действует по"],
    ["sch220206", "МБОУ СОШ №1", "Муниципальное бюджетное общеобразовательное учреждение «СОШ №1»",
     "город Новокузнецк", "Центральный район", "СОШ", "МБОУ", "0123456789", "1024200000001", "00525", "-", "да",
     "городская", "2019/2020", None],
    ["ksh220028", "КГБОУ «Школа-интернат»", None, "г. Новоалтайск", None, None, None, "нет", "—", "0612", "0612",
     "нет", "сельская", None, "2022-2023"],
    ["Итого", None, None, None, None, None, None, None, None, None, None, None, None, None, None],
    ["sch220028", "МБОУ Алтайская ООШ №5", None, "Алтайский район", None, None, None, " 2204001234\u00a0", None,
     None, None, None, None, None, None],
]

CONTEXT_ROWS = [
    ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "№",
     "1. ПОЛНОЕ наименование ОО (по уставу)", "2.\tСОКРАЩЕННОЕ наименование ОО (при наличии) (по уставу)",
     "6.\tИНН", "7.\tКод ОГЭ", "8.\tКод ЕГЭ", "14. Где расположена образовательная организация?"],
    ["edu224052", "22", "reg220000 | Алтайский край", "reg22_m056 | Целинный муниципальный район",
     'edu224052 | МБОУ "Воеводская СОШ "', "04.02.2022 10:22:51", "1",
     'МБОУ "Воеводская средняя общеобразовательная школа"', 'МБОУ "Воеводская сош"', "2287003893", "5811", "05811",
     "4) Населенный пункт сельского типа (поселок, село, деревня, станица, хутор и пр.)"],
    ["edu223979", "22", "reg220000 | Алтайский край", "reg22_m052 | Угловский муниципальный район",
     "edu223979 | МКОУ Озерно-Кузнецовская СОШ", "10.03.2022 08:13:29", "1", None, "МКОУ Озерно-Кузнецовская СОШ",
     "2283003839", None, None, "2) Город"],
]


@pytest.fixture
def samples(tmp_path):
    return {
        "2": write_xlsx(tmp_path / "fisoko.xlsx", {"Отчёт": FISOKO_ROWS}, {"Отчёт": FISOKO_MERGES}),
        "3": write_xlsx(tmp_path / "ege.xlsx", {"ЕГЭ": EGE_ROWS}, {"ЕГЭ": EGE_MERGES}),
        "3oge": write_xlsx(tmp_path / "oge.xlsx", {"Лист1": OGE_ROWS}, {"Лист1": OGE_MERGES}),
        "4": write_xlsx(tmp_path / "tpl.xlsx", {"Результаты": [list(template.HEADERS)] + TEMPLATE_DATA}),
        "5A": write_xlsx(tmp_path / "reg.xlsx", {"Реестр": REGISTRY_ROWS}),
        "5B": write_xlsx(tmp_path / "ctx.xlsx", {"Общая информация об ОО": CONTEXT_ROWS}),
    }


def parse(module, path, hints=None):
    return module.parse(read_sheets(path), path.name, hints or Hints(), {})


# ---------------------------------------------------------------------------------------------
# common.py
# ---------------------------------------------------------------------------------------------
def test_norm_and_helpers():
    assert common.norm("6.\tИНН ") == "инн"
    assert common.norm("17.1. Организация") == "организация"
    assert common.norm("«2»") == "2"
    assert common.norm("Низкий результат, чел.") == "низкий результат чел"
    assert common.norm("Кол-во\u00a0участников") == "кол во участников"
    assert common.split_login('(sch223017) МБОУ "Вавилонская СОШ"') == ("sch223017", 'МБОУ "Вавилонская СОШ"')
    assert common.split_login('edu223740 | МБОУ "…"') == ("edu223740", 'МБОУ "…"')
    assert common.split_login("Алейский район") == (None, "Алейский район")
    assert common.split_code_name("reg22_m067 | город Славгород") == ("reg22_m067", "город Славгород")
    assert common.is_login("ksh220028") and not common.is_login("sch22002") and not common.is_login("00525")
    assert common.login_key("edu220206") == common.login_key("sch220206") != common.login_key("ksh220206")
    assert [common.clean_code(v) for v in ("00525", " 2204001234\u00a0", "нет", "-", "—", None, 5811.0, "000")] \
        == ["00525", "2204001234", None, None, None, None, "5811", None]
    assert common.is_subtotal("ИТОГО по МО") and common.is_subtotal("Итого:") and common.is_subtotal("Всего")
    assert not common.is_subtotal("МБОУ «Итоговая СОШ»") and not common.is_subtotal("Всеволожская СОШ")


def test_rounding_from_percent_is_half_up_and_exact():
    assert common.count_from_percent(25, 40) == 10
    assert common.count_from_percent(10, 25.0) == 3      # 2.5 -> 3, not banker's 2
    assert common.count_from_percent(10, 35) == 4        # 3.5 -> 4
    assert common.count_from_percent(8, 12.5) == 1       # 1.0
    assert common.count_from_percent(3, 16.5) == 0       # 0.495 -> 0
    assert common.count_from_percent(7, 21.43) == 2      # 1.5001 -> 2


@given(st.integers(min_value=1, max_value=1000), st.data())
@hsettings(max_examples=300, deadline=None)
def test_count_recovered_from_a_percentage_rounded_to_two_decimals(n, data):
    # a report prints k of n as a % with two decimals; n × % / 100 rounded half up gives k back (n ≤ 1000)
    k = data.draw(st.integers(min_value=0, max_value=n))
    printed = float(Decimal(k * 100) / Decimal(n))
    printed = float(Decimal(str(printed)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert common.count_from_percent(n, printed) == k
    # the same figure in a cell formatted as % holds the nearest double to printed / 100
    stored = float(Decimal(str(printed)) / 100)
    assert common.count_from_percent(n, common.percent_from_fraction(stored)) == k


def test_school_year_from_title():
    assert common.school_year_from_title("Всероссийские проверочные работы 2023 (5 класс)") == 2022
    assert common.school_year_from_title("Результаты ЕГЭ-2023") == 2022
    assert common.school_year_from_title("ГИА-9, 2022/2023 учебный год") == 2022
    assert common.school_year_from_title("Дата: 18.04.2023") is None      # a date is not the year of the work
    assert common.school_year_from_title("ЕГЭ 2022 и 2023") is None        # ambiguous
    assert common.school_year_from_title("Результаты по ОО") is None


def test_header_paths_fill_merged_group_headers_only_over_sub_columns():
    rows = [["Код ОО", "Русский язык", None, None, "Примечание"],
            [None, "участники", "не преодолели", None, None],
            [None, None, "чел.", "%", None]]
    assert common.header_paths(rows, 0, 3) == [
        ("Код ОО",), ("Русский язык", "участники"), ("Русский язык", "не преодолели", "чел."),
        ("Русский язык", "не преодолели", "%"), ("Примечание",)]


# ---------------------------------------------------------------------------------------------
# Layout 2: ФИС ОКО «Статистика по отметкам»
# ---------------------------------------------------------------------------------------------
def check_fisoko(pf):
    assert not pf.refused, [i.text() for i in pf.issues]
    assert pf.layout == "2" and pf.procedure == "VPR-MATH-5" and pf.year == 2022
    assert len(pf.results) == 3        # only the school rows: not Вся выборка, region, municipalities, Итого
    r = by_key(pf.results)
    a = r[("sch223017", "VPR-MATH-5")]
    # 25 participants: 40 % -> 10, 36 % -> 9, 16 % -> 4, 8 % -> 2
    assert (a.participants, a.low_count, a.marks) == (25, 10, {2: 10, 3: 9, 4: 4, 5: 2})
    assert a.school.name == 'МБОУ "Вавилонская СОШ"' and a.school.territory == "Алейский район"
    assert a.year == 2022 and a.source_row == 12
    b = r[("sch223018", "VPR-MATH-5")]
    # 10 participants: 25 % -> 2.5 -> 3; 35 % -> 3.5 -> 4; 30 % -> 3; 10 % -> 1
    assert (b.participants, b.low_count, b.marks) == (10, 3, {2: 3, 3: 4, 4: 3, 5: 1})
    assert b.school.territory == "Алейский район"
    c = r[("edu224001", "VPR-MATH-5")]
    assert (c.participants, c.low_count) == (8, 1) and c.school.territory == "Бийский район"


def test_fisoko_report_xlsx_with_merged_header(samples):
    check_fisoko(parse(fisoko_report, samples["2"]))


def test_fisoko_report_xls(tmp_path):
    path = write_xls(tmp_path / "fisoko.xls", FISOKO_ROWS, merges=[(6, 6, 3, 6), (6, 7, 0, 0), (6, 7, 1, 1),
                                                                    (6, 7, 2, 2)])
    check_fisoko(parse(fisoko_report, path))


def test_fisoko_report_csv_cp1251_comma(tmp_path):
    path = write_csv(tmp_path / "fisoko.csv", FISOKO_ROWS, delimiter=",", encoding="cp1251")
    check_fisoko(parse(fisoko_report, path))


def test_fisoko_report_year_and_procedure_hints(samples):
    pf = parse(fisoko_report, samples["2"], Hints(year=2023))
    assert not pf.refused and {r.year for r in pf.results} == {2023}
    assert any(i.level == WARNING and "2022/2023" in i.message for i in pf.issues)
    pf = parse(fisoko_report, samples["2"], Hints(procedure="VPR-RUS-5"))
    assert pf.refused and "математика" in errors(pf)[0].message


def test_fisoko_report_without_year_needs_a_hint(tmp_path):
    rows = [["Всероссийские проверочные работы (5 класс)"]] + FISOKO_ROWS[1:]
    path = write_xlsx(tmp_path / "f.xlsx", {"Отчёт": rows}, {"Отчёт": FISOKO_MERGES})
    pf = parse(fisoko_report, path)
    assert pf.refused and "учебный год" in errors(pf)[0].message
    pf = parse(fisoko_report, path, Hints(year=2021))
    assert not pf.refused and {r.year for r in pf.results} == {2021}


def test_fisoko_report_bad_cells_refuse_the_file(tmp_path):
    rows = [list(r) for r in FISOKO_ROWS]
    rows[11][2] = "двадцать"      # participants, Excel row 12, column C
    rows[12][3] = "125"           # % of "2" > 100, row 13
    path = write_xlsx(tmp_path / "f.xlsx", {"Отчёт": rows}, {"Отчёт": FISOKO_MERGES})
    pf = parse(fisoko_report, path)
    assert pf.refused
    errs = {(e.row, e.column, e.value) for e in errors(pf)}
    assert (12, "Кол-во участников", "двадцать") in errs
    assert (13, "Распределение групп баллов в % / 2", "125") in errs
    assert all(e.file == "f.xlsx" and e.sheet == "Отчёт" for e in errors(pf))


def test_fisoko_report_duplicate_school_refused(tmp_path):
    rows = FISOKO_ROWS[:13] + [FISOKO_ROWS[11]]
    pf = parse(fisoko_report, write_xlsx(tmp_path / "f.xlsx", {"Отчёт": rows}, {"Отчёт": FISOKO_MERGES}))
    assert pf.refused and errors(pf)[0].row == 14 and "строке 12" in errors(pf)[0].message


def test_fisoko_report_without_school_rows_refused(tmp_path):
    rows = FISOKO_ROWS[:11]
    pf = parse(fisoko_report, write_xlsx(tmp_path / "f.xlsx", {"Отчёт": rows}, {"Отчёт": FISOKO_MERGES}))
    assert pf.refused and not pf.results and "нет строк школ" in errors(pf)[0].message


# ---------------------------------------------------------------------------------------------
# Layout 3: РЦОИ tables
# ---------------------------------------------------------------------------------------------
def check_ege(pf):
    assert not pf.refused, [i.text() for i in pf.issues]
    assert pf.layout == "3" and pf.year == 2022 and pf.procedure is None
    r = by_key(pf.results)
    assert set(r) == {("0101", "EGE-RUS"), ("0101", "EGE-MATH-PROF"), ("0101", "EGE-MATH-BASE"),
                      ("00102", "EGE-RUS"), ("00102", "EGE-MATH-PROF"), ("00102", "EGE-MATH-BASE"),
                      ("0201", "EGE-RUS"), ("0201", "EGE-MATH-BASE")}       # 0201 had no profile math
    rus1 = r[("0101", "EGE-RUS")]
    assert (rus1.participants, rus1.low_count, rus1.mean_score) == (25, 2, 61.3)
    assert rus1.school.territory == "Алейский район" and rus1.school.name == "МБОУ СОШ №1"
    assert rus1.source_row == 7
    rus2 = r[("00102", "EGE-RUS")]
    assert (rus2.participants, rus2.low_count) == (20, 3)       # only 12.5 %: 20 × 12.5 % = 2.5 -> 3
    assert rus2.school.territory == "Алейский район"            # filled down
    assert r[("0101", "EGE-MATH-PROF")].low_count == 4          # 10 × 40 % = 4 (the count is empty)
    assert r[("00102", "EGE-MATH-PROF")].low_count == 1         # the count wins over 25 %
    base = r[("0101", "EGE-MATH-BASE")]
    assert (base.participants, base.low_count, base.marks) == (12, 1, {2: 1, 3: 5, 4: 4, 5: 2})
    assert r[("0201", "EGE-RUS")].school.territory == "Бийский район"
    assert all(x.year == 2022 for x in pf.results)


def test_exam_table_ege_three_header_rows_xlsx(samples):
    check_ege(parse(exam_table, samples["3"]))


def test_exam_table_ege_ods(tmp_path):
    check_ege(parse(exam_table, write_ods(tmp_path / "ege.ods", EGE_ROWS, sheet="ЕГЭ")))


def test_exam_table_ege_csv_semicolon_utf8(tmp_path):
    check_ege(parse(exam_table, write_csv(tmp_path / "ege.csv", EGE_ROWS, ";", "utf-8")))


def test_exam_table_oge_marks(samples):
    pf = parse(exam_table, samples["3oge"])
    assert not pf.refused, [i.text() for i in pf.issues]
    r = by_key(pf.results)
    assert pf.year == 2022 and len(pf.results) == 4
    m = r[("1001", "OGE-MATH")]
    assert (m.participants, m.low_count, m.marks) == (30, 9, {2: 9, 3: 12, 4: 6, 5: 3})   # ОГЭ: low = «2»
    assert r[("1002", "OGE-RUS")].low_count == 0


def test_exam_table_kind_unknown_is_asked(tmp_path):
    rows = [["Результаты 2023 года"]] + OGE_ROWS[1:]
    path = write_xlsx(tmp_path / "x.xlsx", {"Лист1": rows}, {"Лист1": OGE_MERGES})
    pf = parse(exam_table, path)
    assert pf.refused and "ОГЭ" in errors(pf)[0].message and "ЕГЭ" in errors(pf)[0].message
    pf = parse(exam_table, path, Hints(procedure="OGE-MATH"))
    assert not pf.refused and {r.procedure for r in pf.results} == {"OGE-MATH", "OGE-RUS"}
    assert {r.year for r in pf.results} == {2022}                 # «2023 года» -> 2022/2023
    pf = parse(exam_table, path, Hints(procedure="EGE-RUS"))      # ЕГЭ: math without a level is not a procedure
    assert {r.procedure for r in pf.results} == {"EGE-RUS"}
    assert any(i.level == WARNING and "Математика" in i.message for i in pf.issues)


def test_exam_table_year_from_hints(tmp_path):
    rows = [["ОГЭ по школам"]] + OGE_ROWS[1:]
    path = write_xlsx(tmp_path / "x.xlsx", {"Лист1": rows})
    assert parse(exam_table, path).refused
    pf = parse(exam_table, path, Hints(year=2020))
    assert not pf.refused and {r.year for r in pf.results} == {2020}


def test_exam_table_subject_from_title_single_header_row(tmp_path):
    rows = [["Результаты ЕГЭ по русскому языку, 2021"], [],
            ["МО", "Наименование ОО", "Количество участников", "Не набрали минимального количества баллов, %"],
            ["г. Алейск", "МБОУ СОШ №7", 25, 0.4],
            ["", "МБОУ СОШ №5", 10, 0.35],
            ["ИТОГО по МО", "", 35, 0.4]]
    pf = parse(exam_table, write_xlsx(tmp_path / "x.xlsx", {"Лист1": rows}))
    assert not pf.refused, [i.text() for i in pf.issues]
    r = by_key(pf.results)
    # the % column is stored as fractions (Excel «%» format): 0.4 is 40 %
    assert r[("МБОУ СОШ №7", "EGE-RUS")].low_count == 10          # 25 × 40 % = 10
    assert r[("МБОУ СОШ №5", "EGE-RUS")].low_count == 4           # 10 × 35 % = 3.5 -> 4 (0.35 × 100 is not 34.999…)
    assert any(i.level == WARNING and "долями" in i.message for i in pf.issues)
    assert r[("МБОУ СОШ №5", "EGE-RUS")].school.territory == "г. Алейск"
    assert pf.year == 2020 and len(pf.results) == 2


def test_exam_table_low_above_participants_refused(tmp_path):
    rows = [list(r) for r in EGE_ROWS]
    rows[6][4] = 30            # 30 below the minimum of 25 participants, Excel row 7, column E
    rows[7][3] = -1            # negative participants, row 8, column D
    pf = parse(exam_table, write_xlsx(tmp_path / "x.xlsx", {"ЕГЭ": rows}, {"ЕГЭ": EGE_MERGES}))
    assert pf.refused
    errs = {(e.row, e.column): e for e in errors(pf)}
    assert errs[(7, "Русский язык / не преодолели минимальный порог / чел.")].value == "30"
    assert errs[(8, "Русский язык / приняли участие")].value == "-1"
    assert "отрицательным" in errs[(8, "Русский язык / приняли участие")].message


def test_exam_table_duplicate_school_refused(tmp_path):
    rows = EGE_ROWS[:8] + [EGE_ROWS[6]]
    pf = parse(exam_table, write_xlsx(tmp_path / "x.xlsx", {"ЕГЭ": rows}, {"ЕГЭ": EGE_MERGES}))
    assert pf.refused and {e.row for e in errors(pf)} == {9}


# ---------------------------------------------------------------------------------------------
# Layout 4: the flat template
# ---------------------------------------------------------------------------------------------
def test_template_workbook_header_and_explanations(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(template.template_workbook())
    sheets = read_sheets(path)
    assert [s.name for s in sheets] == ["Результаты", "Пояснения"]
    assert sheets[0].rows[0] == ["Учебный год", "Процедура", "Код ОО", "Наименование ОО", "Территория",
                                 "Участников", "Низкий результат, чел.", "«2»", "«3»", "«4»", "«5»", "Средний балл"]
    text = "\n".join(" ".join(str(c) for c in r if c is not None) for r in sheets[1].rows)
    for code, p in procedures.CATALOGUE.items():
        assert f"{code} {p.name_ru}" in text
    assert "Как заполнить" in text and "2022/2023" in text
    # the empty template is recognised and refused as "no data rows", not as an unknown format
    assert template.detect(sheets)
    pf = template.parse(sheets, "t.xlsx", Hints(), {})
    assert pf.refused and "нет строк" in errors(pf)[0].message


def check_template(pf):
    assert not pf.refused, [i.text() for i in pf.issues]
    assert pf.layout == "4" and pf.year == 2022 and len(pf.results) == 3
    a, b, c = pf.results
    assert (a.procedure, a.school.login, a.school.exam_code, a.participants, a.low_count) == \
        ("VPR-MATH-5", "sch220206", None, 25, 10, )
    assert a.marks == {2: 10, 3: 8, 4: 5, 5: 2} and a.mean_score == 9.4
    assert (b.procedure, b.school.login, b.participants, b.low_count, b.marks) == ("VPR-RUS-5", "edu220207", 20, 3,
                                                                                   None)
    assert (c.procedure, c.school.login, c.school.exam_code, c.mean_score) == ("EGE-MATH-PROF", None, "00525", 48.5)
    assert c.school.name == "МКОУ «Школа»" and c.school.territory == "Бийский район" and c.source_row == 4


def test_template_filled_from_the_downloaded_workbook(tmp_path):
    wb = openpyxl.load_workbook(io.BytesIO(template.template_workbook()))
    for row in TEMPLATE_DATA:
        wb["Результаты"].append(row)
    wb.save(tmp_path / "filled.xlsx")
    check_template(parse(template, tmp_path / "filled.xlsx"))


@pytest.mark.parametrize("delimiter,encoding", [(";", "cp1251"), (",", "utf-8"), (";", "utf-8-sig")])
def test_template_csv(tmp_path, delimiter, encoding):
    path = write_csv(tmp_path / "t.csv", [list(template.HEADERS)] + TEMPLATE_DATA, delimiter, encoding)
    check_template(parse(template, path))


def test_template_xls_and_ods(tmp_path):
    check_template(parse(template, write_xls(tmp_path / "t.xls", [list(template.HEADERS)] + TEMPLATE_DATA)))
    check_template(parse(template, write_ods(tmp_path / "t.ods", [list(template.HEADERS)] + TEMPLATE_DATA)))


@pytest.mark.parametrize("col,value,header,needle", [
    (0, "2021", "Учебный год", "не учебный год"),
    (0, "2021/2023", "Учебный год", "не учебный год"),
    (1, "ВПР, астрономия, 5 кл.", "Процедура", "нет в каталоге"),
    (5, "двадцать пять", "Участников", "не число"),
    (5, "2", "Низкий результат, чел.", "больше числа участников"),
    (6, "-1", "Низкий результат, чел.", "отрицательным"),
    (5, "25,5", "Участников", "целым"),
])
def test_template_refusals_name_row_and_column(tmp_path, col, value, header, needle):
    rows = [list(r) for r in TEMPLATE_DATA]
    rows[1][col] = value           # Excel row 3
    path = write_xlsx(tmp_path / "t.xlsx", {"Результаты": [list(template.HEADERS)] + rows})
    pf = parse(template, path)
    assert pf.refused
    e = errors(pf)[0]
    assert (e.file, e.sheet, e.row, e.column) == ("t.xlsx", "Результаты", 3, header)
    assert needle in e.message
    assert e.value == (value if header != "Низкий результат, чел." or col == 6 else "3")
    assert "строка 3" in e.text() and f"столбец «{header}»" in e.text()


def test_template_duplicates_and_missing_columns(tmp_path):
    rows = TEMPLATE_DATA + [list(TEMPLATE_DATA[0])]
    rows[-1][0] = "2022/23"                  # the same year written differently is still a duplicate
    rows[-1][2] = "edu220206"                # sch220206 and edu220206 are one school
    pf = parse(template, write_xlsx(tmp_path / "t.xlsx", {"Р": [list(template.HEADERS)] + rows}))
    assert pf.refused and [(e.row, e.column) for e in errors(pf)] == [(5, "Код ОО")]
    headers = [h for h in template.HEADERS if h != "Территория"]
    pf = parse(template, write_xlsx(tmp_path / "t2.xlsx", {"Р": [headers, ["2022/2023"]]}))
    assert pf.refused and "«Территория»" in errors(pf)[0].message


# ---------------------------------------------------------------------------------------------
# Layout 5: registries
# ---------------------------------------------------------------------------------------------
def check_registry(pf):
    assert not pf.refused, [i.text() for i in pf.issues]
    assert pf.layout == "5A" and len(pf.registry) == 3          # the «Итого» row is skipped
    a, k, s = pf.registry
    assert (a.school.login, a.school.inn, a.school.ogrn, a.exam_code_oge, a.exam_code_ege) == \
        ("sch220206", "0123456789", "1024200000001", "00525", None)
    assert (a.school.territory, a.school.district, a.school_type, a.ownership) == \
        ("город Новокузнецк", "Центральный район", "СОШ", "МБОУ")
    assert (a.is_shnsu, a.is_rural, a.active_from, a.active_to) == (True, False, 2019, None)
    assert a.full_name.startswith("Муниципальное бюджетное") and a.short_name == "МБОУ СОШ №1"
    assert a.school.exam_code == "00525" and a.source_row == 3
    assert (k.school.login, k.school.inn, k.school.ogrn, k.exam_code_oge, k.is_shnsu, k.is_rural, k.active_to) == \
        ("ksh220028", None, None, "0612", False, True, 2022)
    assert (k.school_type, k.ownership) == ("школа-интернат", "КГБОУ")       # guessed from the name
    assert (s.school.login, s.school.inn, s.school_type) == ("sch220028", "2204001234", "ООШ")


def test_registry_rich_xlsx(samples):
    check_registry(parse(registry, samples["5A"]))


def test_registry_rich_csv_cp1251(tmp_path):
    check_registry(parse(registry, write_csv(tmp_path / "r.csv", REGISTRY_ROWS, ";", "cp1251")))


def test_registry_bad_values_refused(tmp_path):
    rows = [list(r) for r in REGISTRY_ROWS]
    rows[2][13] = "2019"            # not a school year, Excel row 3, «Действует с»
    rows[3][11] = "возможно"        # ШНСУ, row 4
    rows[5][0] = "школа 5"          # not a login, row 6
    pf = parse(registry, write_xlsx(tmp_path / "r.xlsx", {"Реестр": rows}))
    assert pf.refused
    assert {(e.row, e.column, e.value) for e in errors(pf)} == {
        (3, "Действует с", "2019"), (4, "ШНСУ", "возможно"), (6, "Логин", "школа 5")}


def test_registry_duplicate_login_refused_and_sch_edu_pair_warned(tmp_path):
    rows = REGISTRY_ROWS[:4] + [["sch220206", "Дубль"], ["edu220028", "МБОУ Алтайская ООШ №5"]] + REGISTRY_ROWS[5:]
    pf = parse(registry, write_xlsx(tmp_path / "r.xlsx", {"Реестр": rows}))
    assert [(e.row, e.column) for e in errors(pf)] == [(5, "Логин")]
    assert any(i.level == WARNING and i.row == 7 and "edu220028" in i.message for i in pf.issues)


def test_registry_context_form_synthetic(samples):
    pf = parse(registry, samples["5B"])
    assert not pf.refused and pf.layout == "5B" and len(pf.registry) == 2
    a, b = pf.registry
    assert a.school.login == "edu224052" and a.school.name == 'МБОУ "Воеводская СОШ "'
    assert a.school.territory == "reg22_m056 | Целинный муниципальный район"
    assert (a.school.inn, a.exam_code_oge, a.exam_code_ege, a.is_rural) == ("2287003893", "5811", "05811", True)
    assert a.short_name == 'МБОУ "Воеводская сош"' and a.full_name.startswith("МБОУ")
    assert (b.exam_code_oge, b.is_rural, b.ownership, b.school_type) == (None, False, "МКОУ", "СОШ")


REG = ("fisoko_registry_altai",)


def test_real_fisoko_login_list():
    path = realdata(*REG, "altai_school_logins_sch_2021.xlsx")
    sheets = read_sheets(path)
    assert registry.detect(sheets)
    pf = registry.parse(sheets, path.name, Hints(), {})
    assert not pf.refused and pf.layout == "5A"
    assert len(pf.registry) == 692 == pf.rows_read
    logins = {r.school.login: r for r in pf.registry}
    assert len(logins) == 692
    assert logins["sch220028"].school.territory == "Алтайский район"
    assert logins["ksh220028"].school.territory == "г. Новоалтайск"
    assert logins["sch220028"].school.name == "МБОУ Алтайская СОШ №5"
    assert not any(i.level == WARNING and "одна и та же школа" in i.message for i in pf.issues)


def test_real_context_form():
    path = realdata(*REG, "altai_context_OO_2022_depersonalised.xlsx")
    sheets = read_sheets(path)
    pf = registry.parse(sheets, path.name, Hints(), {})
    assert not pf.refused and pf.layout == "5B"
    data_rows = sum(1 for r in sheets[0].rows[1:] if any(c is not None for c in r))
    assert len(pf.registry) == data_rows == 678
    assert {r.source_sheet for r in pf.registry} == {"Общая информация об ОО"}
    # the 2022 form renamed sch… to edu…, but the ksh… namespace stayed (31 schools, as in the 2021 list)
    prefixes = [r.school.login[:3] for r in pf.registry]
    assert (prefixes.count("edu"), prefixes.count("ksh")) == (647, 31)
    first = pf.registry[0]
    assert (first.school.login, first.school.inn, first.exam_code_oge, first.is_rural) == \
        ("edu224052", "2287003893", "5811", True)
    assert first.school.territory == "reg22_m056 | Целинный муниципальный район"
    # README: ОГЭ code differs from ЕГЭ code in 56 rows; leading zeros are kept
    assert sum(1 for r in pf.registry if r.exam_code_oge != r.exam_code_ege) == 56
    assert any(r.exam_code_ege == "00525" for r in pf.registry)
    # ИНН of 9–12 digits are kept as written and warned about, never refused
    odd = [r for r in pf.registry if r.school.inn and len(r.school.inn) != 10]
    assert odd and {len(r.school.inn) for r in odd} <= {9, 11, 12}
    assert sum(1 for i in pf.issues if i.level == WARNING and i.column == "6. ИНН") == len(odd)


def test_real_login_list_and_context_form_name_the_same_schools():
    old = registry.parse(read_sheets(realdata(*REG, "altai_school_logins_sch_2021.xlsx")), "a.xlsx", Hints(), {})
    new = registry.parse(read_sheets(realdata(*REG, "altai_context_OO_2022_depersonalised.xlsx")), "b.xlsx",
                         Hints(), {})
    a = {common.login_key(r.school.login) for r in old.registry}
    b = {common.login_key(r.school.login) for r in new.registry}
    assert len(a & b) == 675          # sch220206 (2021) and edu220206 (2022) fold to one school
    assert "ksh220028" in b and "S220028" in b and "S220028" in a  # ksh is a namespace of its own


def test_real_crosswalk_matches_context_form():
    cw = realdata(*REG, "DERIVED_altai_oo_crosswalk_2022.csv")
    ctx = realdata(*REG, "altai_context_OO_2022_depersonalised.xlsx")
    a = registry.parse(read_sheets(cw), cw.name, Hints(), {})
    b = registry.parse(read_sheets(ctx), ctx.name, Hints(), {})
    assert not a.refused and len(a.registry) == 678
    bl = {r.school.login: r for r in b.registry}
    for r in a.registry:
        o = bl[r.school.login]
        assert (r.school.inn, r.exam_code_oge, r.exam_code_ege, r.school.territory, r.is_rural) == \
            (o.school.inn, o.exam_code_oge, o.exam_code_ege, o.school.territory, o.is_rural)


# ---------------------------------------------------------------------------------------------
# No layout stealing
# ---------------------------------------------------------------------------------------------
def test_each_detect_claims_only_its_own_samples(samples, tmp_path):
    from shnor.importing.layouts import vpr_protocol
    own = {"2": "2", "3": "3", "3oge": "3", "4": "4", "5A": "5", "5B": "5"}
    for sample, path in samples.items():
        sheets = read_sheets(path)
        claimed = {k for k, m in ALL.items() if m.detect(sheets)}
        assert claimed == {own[sample]}, (sample, claimed)
        assert not vpr_protocol.detect(sheets), sample      # the dispatcher asks vpr_protocol first
    tpl = tmp_path / "empty_template.xlsx"
    tpl.write_bytes(template.template_workbook())
    assert {k for k, m in ALL.items() if m.detect(read_sheets(tpl))} == {"4"}


def test_exam_table_with_registry_like_identity_columns_is_not_a_registry(tmp_path):
    # «Код ОО» + «Наименование ОО» look like a registry; the second header row («приняли участие») says otherwise
    rows = [list(r) for r in EGE_ROWS]
    rows[2][2] = "Наименование ОО"
    sheets = read_sheets(write_xlsx(tmp_path / "x.xlsx", {"ЕГЭ": rows}, {"ЕГЭ": EGE_MERGES}))
    assert {k for k, m in ALL.items() if m.detect(sheets)} == {"3"}


def test_dispatcher_routes_each_sample(samples):
    from shnor.importing.parse import parse_file
    expected = {"2": "2", "3": "3", "3oge": "3", "4": "4", "5A": "5A", "5B": "5B"}
    for sample, path in samples.items():
        pf = parse_file(path, None, Hints(), {})
        assert pf.layout == expected[sample] and not pf.refused, (sample, [i.text() for i in pf.issues])
        assert pf.results or pf.registry


def test_no_detect_claims_real_vpr_protocols_or_other_real_files():
    files = [realdata("fisoko_vpr_protocols_altai", "vpr2021spring_ma5.xlsx"),
             realdata("fisoko_vpr_protocols_altai", "vpr2022spring_ma6_partial.xlsx"),
             realdata("moscow_ege_opendata", "data-9722-2016-10-31.csv")]
    for path in files:
        sheets = read_sheets(path)
        assert not any(m.detect(sheets) for m in ALL.values()), path.name
    for name in ("altai_school_logins_sch_2021.xlsx", "altai_context_OO_2022_depersonalised.xlsx",
                 "DERIVED_altai_oo_crosswalk_2022.csv"):
        sheets = read_sheets(realdata(*REG, name))
        assert {k for k, m in ALL.items() if m.detect(sheets)} == {"5"}, name
