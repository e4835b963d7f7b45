"""Layout 3 (FORMATS.md §3): the ОГЭ/ЕГЭ tables of regional exam centres vary (issue 7). One small file per
variant, written in tmp_path (.xlsx with openpyxl, one .csv in cp1251 with `;`), read through
shnor.importing.reading and routed by the dispatcher; every expected figure is computed by hand in a comment.
Each refusal names the file, sheet, header row and the header text it did not understand."""
from __future__ import annotations

import csv
import io

import pytest

from shnor.importing.layouts import exam_table, fisoko_report, registry, template, vpr_protocol
from shnor.importing.model import ERROR, WARNING, Hints
from shnor.importing.parse import parse_file
from shnor.importing.reading import read_sheets

from conftest import write_xlsx

OTHERS = (vpr_protocol, fisoko_report, template, registry)


def xlsx(tmp_path, name, rows, merges=(), sheet="Лист1"):
    return write_xlsx(tmp_path / name, {sheet: rows}, {sheet: list(merges)})


def csv_cp1251(tmp_path, name, rows):
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows([["" if v is None else v for v in r] for r in rows])
    path = tmp_path / name
    path.write_bytes(buf.getvalue().encode("cp1251"))
    return path


def parse(path, hints=None):
    """Through the dispatcher, as an upload goes: the file must be recognised as layout 3 and by no other."""
    sheets = read_sheets(path)
    assert exam_table.detect(sheets) and not any(m.detect(sheets) for m in OTHERS), path.name
    pf = parse_file(path, None, hints or Hints(), {})
    assert pf.layout == "3"
    return pf


def results(pf):
    """(school code, procedure, year, participants, low) of every result, in file order."""
    return [(r.school.exam_code or r.school.login, r.procedure, r.year, r.participants, r.low_count)
            for r in pf.results]


def errors(pf):
    return [i for i in pf.issues if i.level == ERROR]


def ok(pf):
    assert not pf.refused, [i.text() for i in pf.issues]
    return pf


# ---------------------------------------------------------------------------------------------
# 1. The participants column under other names
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("participants", ["Всего участников", "Количество участников", "Участвовали",
                                          "Кол-во сдававших", "приняли участие", "Кол-во участников"])
def test_participants_column_synonyms(tmp_path, participants):
    rows = [["Результаты ЕГЭ-2023 по образовательным организациям"],
            ["Муниципалитет", "Код ОО", "Образовательная организация", "Русский язык", None, None],
            [None, None, None, participants, "не преодолели минимальный порог, чел.", "средний балл"],
            ["Алейский район", "0101", "МБОУ СОШ №1", 25, 2, "61,3"],
            [None, "0102", "МБОУ СОШ №2", "18", 0, 70],
            ["Итого по МО", None, None, 43, 2, 64]]
    pf = ok(parse(xlsx(tmp_path, "ege.xlsx", rows, ["D2:F2", "A2:A3", "B2:B3", "C2:C3"])))
    assert results(pf) == [("0101", "EGE-RUS", 2022, 25, 2), ("0102", "EGE-RUS", 2022, 18, 0)]
    assert pf.results[1].school.territory == "Алейский район"
    assert pf.results[0].mean_score == 61.3


def test_registered_and_absent_are_not_participants(tmp_path):
    # «Зарегистрировано» and «не явились» stand left of the real count: neither is taken for the participants
    rows = [["ГИА-9 (ОГЭ) 2023"],
            ["Код ОО", "ОО", "Математика", None, None, None],
            [None, None, "Зарегистрировано", "Не явились", "Участвовали", "Не сдали"],
            ["1001", "МБОУ СОШ №1", 32, 2, 30, 4]]
    pf = ok(parse(xlsx(tmp_path, "oge.xlsx", rows, ["C2:F2"])))
    assert results(pf) == [("1001", "OGE-MATH", 2022, 30, 4)]


# ---------------------------------------------------------------------------------------------
# 2. The subject and the sub-column in one header cell: one header row
# ---------------------------------------------------------------------------------------------
ONE_ROW = [
    ["Результаты ЕГЭ по общеобразовательным организациям, 2021/2022 учебный год"],
    ["Муниципалитет", "Код ОО", "Наименование ОО",
     "Русский язык: всего участников", "Русский язык — не преодолели минимальный порог, чел.",
     "Русский язык — средний тестовый балл",
     "Математика (базовый уровень): всего участников", "Математика (базовый уровень): «2»",
     "Математика (базовый уровень): «3»", "Математика (базовый уровень): «4»", "Математика (базовый уровень): «5»",
     "Количество участников (математика, профильный уровень)",
     "Не преодолели минимальный порог, % (математика, профильный уровень)"],
    ["г. Алейск", "0101", "МБОУ СОШ №1", 25, 2, 61.3, 12, 1, 5, 4, 2, 10, "25"],
    [None, "0102", "МБОУ СОШ №2", 20, 0, 58, None, None, None, None, None, 4, "12,5"],
    ["Итого", None, None, 45, 2, None, 12, 1, 5, 4, 2, 14, None],
]


def check_one_row(pf):
    ok(pf)
    assert results(pf) == [
        ("0101", "EGE-RUS", 2021, 25, 2), ("0101", "EGE-MATH-BASE", 2021, 12, 1),
        ("0101", "EGE-MATH-PROF", 2021, 10, 3),      # 10 × 25 % = 2.5 -> 3 (half up)
        ("0102", "EGE-RUS", 2021, 20, 0),             # no base math in 0102: no result, not «0 of 0»
        ("0102", "EGE-MATH-PROF", 2021, 4, 1),        # 4 × 12.5 % = 0.5 -> 1
    ]
    base = pf.results[1]
    assert base.marks == {2: 1, 3: 5, 4: 4, 5: 2} and pf.results[0].mean_score == 61.3


def test_subject_and_sub_column_in_one_cell_xlsx(tmp_path):
    check_one_row(parse(xlsx(tmp_path, "ege_one_row.xlsx", ONE_ROW)))


def test_subject_and_sub_column_in_one_cell_csv_cp1251_semicolon(tmp_path):
    path = csv_cp1251(tmp_path, "ege_one_row.csv", ONE_ROW)
    assert "Математика (базовый уровень): «2»".encode("cp1251") in path.read_bytes()
    check_one_row(parse(path))


def test_one_cell_headers_with_dash_comma_and_a_second_level(tmp_path):
    # «Русский язык — не преодолели минимальный порог» over «чел.» / «%»: the cut cell plus the lower level
    rows = [["ОГЭ-2022"],
            ["Код ОО", "ОО", "Русский язык — кол-во участников", "Русский язык — не преодолели минимальный порог",
             None, "Математика, участвовали", "Математика, получили «2»"],
            [None, None, None, "чел.", "%", None, None],
            ["1001", "МБОУ СОШ №1", 30, None, "10", 30, 9],
            ["1002", "МБОУ ООШ №2", 8, 1, "12,5", 8, 0]]
    pf = ok(parse(xlsx(tmp_path, "oge.xlsx", rows, ["D2:E2", "A2:A3", "B2:B3", "C2:C3", "F2:F3", "G2:G3"])))
    assert results(pf) == [("1001", "OGE-RUS", 2021, 30, 3),       # only 10 %: 30 × 10 % = 3
                           ("1001", "OGE-MATH", 2021, 30, 9),
                           ("1002", "OGE-RUS", 2021, 8, 1),        # the count wins over the %
                           ("1002", "OGE-MATH", 2021, 8, 0)]


def test_one_cell_headers_with_line_breaks(tmp_path):
    # Excel headers typed with Alt+Enter: the line break is read as a space, the subject still comes first
    rows = [["ЕГЭ-2023"],
            ["Код ОО", "ОО", "Русский язык\nприняли участие", "Русский язык\nне сдали",
             "Математика (профильный уровень)\nКол-во участников", "Математика (профильный уровень)\nне сдали, %"],
            ["0101", "Школа", 10, 1, 6, "50"]]
    pf = ok(parse(xlsx(tmp_path, "ege.xlsx", rows)))
    assert results(pf) == [("0101", "EGE-RUS", 2022, 10, 1), ("0101", "EGE-MATH-PROF", 2022, 6, 3)]  # 6 × 50 %


# ---------------------------------------------------------------------------------------------
# 3. A file of one subject with marks «2»…«5» when the procedure is given
# ---------------------------------------------------------------------------------------------
MARKS_ONLY = [["Результаты ОГЭ 2023 по образовательным организациям"],
              ["Код ОО", "Образовательная организация", "«2»", "«3»", "«4»", "«5»"],
              ["1001", "МБОУ СОШ №1", 3, 10, 12, 5],
              ["1002", "МБОУ ООШ №2", 0, 4, 3, 1],
              ["Итого", None, 3, 14, 15, 6]]


def test_marks_only_file_of_one_subject_with_the_procedure_given(tmp_path):
    pf = ok(parse(xlsx(tmp_path, "oge_marks.xlsx", MARKS_ONLY), Hints(procedure="OGE-RUS")))
    # participants = 3 + 10 + 12 + 5 = 30; ОГЭ: «2» is below the minimum
    assert results(pf) == [("1001", "OGE-RUS", 2022, 30, 3), ("1002", "OGE-RUS", 2022, 8, 0)]
    assert pf.results[0].marks == {2: 3, 3: 10, 4: 12, 5: 5}
    assert (pf.procedure, pf.year) == ("OGE-RUS", 2022)


def parse_layout(path, hints=None):
    """The layout's own answer (the dispatcher turns a refusal that only asks for a choice into a question)."""
    return exam_table.parse(read_sheets(path), path.name, hints or Hints(), {})


def test_marks_only_without_the_procedure_asks_for_it_naming_the_header(tmp_path):
    path = xlsx(tmp_path, "oge_marks.xlsx", MARKS_ONLY)
    assert not parse(path).results
    pf = parse_layout(path)
    assert pf.refused and not pf.results
    [e] = errors(pf)
    assert (e.file, e.sheet, e.row, e.column) == ("oge_marks.xlsx", "Лист1", 2, "«2»")
    assert "не удалось определить предмет" in e.message and "Укажите процедуру" in e.message
    assert e.text().startswith("oge_marks.xlsx, лист «Лист1», строка 2, столбец ««2»»: ")
    pf = parse_layout(path, Hints(procedure="VPR-MATH-5"))          # a choice of another kind is named
    [e] = errors(pf)
    assert e.column == "«2»" and "«ВПР, математика, 5 кл.» — не ОГЭ" in e.message


def test_marks_only_with_a_registry_like_name_column_parsed_by_the_exam_table(tmp_path):
    rows = [r[:] for r in MARKS_ONLY]
    rows[1][1] = "Наименование ОО"
    path = xlsx(tmp_path, "oge_marks.xlsx", rows)
    pf = ok(exam_table.parse(read_sheets(path), path.name, Hints(procedure="OGE-RUS"), {}))
    assert results(pf) == [("1001", "OGE-RUS", 2022, 30, 3), ("1002", "OGE-RUS", 2022, 8, 0)]


def test_marks_only_with_a_registry_like_name_column_routed_to_the_exam_table(tmp_path):
    rows = [r[:] for r in MARKS_ONLY]
    rows[1][1] = "Наименование ОО"
    pf = parse_file(xlsx(tmp_path, "oge_marks.xlsx", rows), None, Hints(procedure="OGE-RUS"), {})
    assert pf.layout == "3" and not pf.registry


@pytest.mark.parametrize("marks", [['"2"', '"3"', '"4"', '"5"'],
                                   ["отметка 2", "отметка 3", "отметка 4", "отметка 5"],
                                   ["Кол-во «2»", "Кол-во «3»", "Кол-во «4»", "Кол-во «5»"]])
def test_ege_base_math_as_marks_with_participants_and_hints_only(tmp_path, marks):
    # no title at all: the exam, the subject and the year all come from the upload form
    rows = [["МО", "Код ОО", "Школа", "Всего участников"] + marks,
            ["Бийский район", "00201", "МКОУ «Школа»", 21, 2, 8, 7, 4],
            [None, "00202", "МБОУ Лицей", 15, 0, 3, 7, 5]]
    pf = ok(parse(xlsx(tmp_path, "base.xlsx", rows), Hints(procedure="EGE-MATH-BASE", year=2022)))
    assert results(pf) == [("00201", "EGE-MATH-BASE", 2022, 21, 2), ("00202", "EGE-MATH-BASE", 2022, 15, 0)]
    assert pf.results[1].school.territory == "Бийский район" and pf.results[1].marks == {2: 0, 3: 3, 4: 7, 5: 5}


def test_the_chosen_procedure_wins_over_the_title_with_a_warning(tmp_path):
    rows = [["Результаты ОГЭ по математике, 2023"]] + MARKS_ONLY[1:]
    pf = ok(parse(xlsx(tmp_path, "oge.xlsx", rows), Hints(procedure="OGE-RUS")))
    assert {r.procedure for r in pf.results} == {"OGE-RUS"}
    [w] = [i for i in pf.issues if i.level == WARNING]
    assert "ОГЭ, математика" in w.message and "ОГЭ, русский язык" in w.message
    pf = ok(parse(xlsx(tmp_path, "oge2.xlsx", rows)))               # without a choice the title says it
    assert {r.procedure for r in pf.results} == {"OGE-MATH"}


# ---------------------------------------------------------------------------------------------
# 4. «2» and «не сдали» as below the minimum; percentages only
# ---------------------------------------------------------------------------------------------
def test_mark_two_and_did_not_pass_are_below_the_minimum(tmp_path):
    rows = [["ГИА-9, 2021/2022 учебный год"],
            ["Муниципальное образование", "Код ОО", "ОО", "Русский язык", None, None, "Математика", None, None],
            [None, None, None, "Кол-во участников", "Не сдали", "Средний балл", "Кол-во участников", "«2»", "«3»"],
            ["Алтайский район", "5811", "МБОУ «Воеводская СОШ»", 14, 1, 25.5, 14, 3, 6],
            [None, "5812", "МБОУ ООШ", 9, 0, 27, 9, 0, 5]]
    pf = ok(parse(xlsx(tmp_path, "oge.xlsx", rows, ["D2:F2", "G2:I2"])))
    assert results(pf) == [("5811", "OGE-RUS", 2021, 14, 1), ("5811", "OGE-MATH", 2021, 14, 3),
                           ("5812", "OGE-RUS", 2021, 9, 0), ("5812", "OGE-MATH", 2021, 9, 0)]


def test_percentages_only_recover_the_count_half_up(tmp_path):
    rows = [["ЕГЭ-2022"],
            ["Код ОО", "ОО", "Русский язык", None, "Математика (профильный уровень)", None,
             "Математика (базовый уровень)", None],
            [None, None, "Количество участников", "Доля не преодолевших минимальный порог, %",
             "Количество участников", "% не сдавших", "Количество участников", "% «2»"],
            ["0101", "Школа 1", 25, "10", 7, "50", 30, "5"],
            ["0102", "Школа 2", 13, "15,38%", 3, 0, 40, "2,5"]]
    pf = ok(parse(xlsx(tmp_path, "ege.xlsx", rows, ["C2:D2", "E2:F2", "G2:H2"])))
    assert results(pf) == [("0101", "EGE-RUS", 2021, 25, 3),          # 25 × 10 % = 2.5 -> 3
                           ("0101", "EGE-MATH-PROF", 2021, 7, 4),     # 7 × 50 % = 3.5 -> 4
                           ("0101", "EGE-MATH-BASE", 2021, 30, 2),    # 30 × 5 % = 1.5 -> 2
                           ("0102", "EGE-RUS", 2021, 13, 2),          # 13 × 15.38 % = 1.9994 -> 2
                           ("0102", "EGE-MATH-PROF", 2021, 3, 0),
                           ("0102", "EGE-MATH-BASE", 2021, 40, 1)]    # 40 × 2.5 % = 1


def test_percentages_stored_as_fractions_one_subject_from_the_title(tmp_path):
    rows = [["ОГЭ по русскому языку, 2023 год"],
            ["Район", "Образовательная организация", "Всего участников", "Не сдали, %"],
            ["г. Бийск", "МБОУ СОШ №7", 25, 0.1],
            [None, "МБОУ СОШ №5", 10, 0.35]]
    pf = ok(parse(xlsx(tmp_path, "oge_rus.xlsx", rows)))
    assert results(pf) == [(None, "OGE-RUS", 2022, 25, 3),            # 25 × 10 % = 2.5 -> 3
                           (None, "OGE-RUS", 2022, 10, 4)]            # 10 × 35 % = 3.5 -> 4
    assert [r.school.name for r in pf.results] == ["МБОУ СОШ №7", "МБОУ СОШ №5"]


# ---------------------------------------------------------------------------------------------
# 5. Refusals name the header they did not understand
# ---------------------------------------------------------------------------------------------
def test_subject_without_a_participants_column_refused_naming_the_header(tmp_path):
    rows = [["ЕГЭ-2023"],
            ["Код ОО", "ОО", "Русский язык", None],
            [None, None, "Кол-во выпускников", "Не сдали"],
            ["0101", "Школа", 25, 2]]
    pf = parse(xlsx(tmp_path, "ege.xlsx", rows, ["C2:D2"]))
    assert pf.refused and not pf.results
    [e] = errors(pf)
    assert (e.file, e.sheet, e.row, e.column) == ("ege.xlsx", "Лист1", 2, "Русский язык / Кол-во выпускников")
    assert "нет числа участников" in e.message and "не понят столбец «Русский язык / Кол-во выпускников»" in e.message


def test_header_with_no_column_understood_refused_naming_it(tmp_path):
    rows = [["ОГЭ-2023"],
            ["Код ОО", "ОО", "Русский язык: выпускники 9 классов", "Русский язык: пересдача"],
            ["1001", "Школа", 25, 2]]
    pf = parse(xlsx(tmp_path, "oge.xlsx", rows))
    assert pf.refused
    [e] = errors(pf)
    assert (e.row, e.column) == (2, "Русский язык: выпускники 9 классов")
    assert "«Русский язык: пересдача»" in e.message


def test_subject_columns_without_an_exam_title_are_not_claimed(tmp_path):
    # a ВПР summary with subject columns is not an exam table (no ОГЭ/ЕГЭ in its title, no counts)
    rows = [["ВПР 2023, средние отметки"], ["Код ОО", "ОО", "Математика", "Русский язык"], ["1001", "Школа", 3.8, 4.1]]
    assert not exam_table.detect(read_sheets(xlsx(tmp_path, "vpr.xlsx", rows)))
    rows[0] = ["ОГЭ 2023, средние отметки"]                       # under an exam title: refused, naming the columns
    pf = parse(xlsx(tmp_path, "oge.xlsx", rows))
    assert [(e.row, e.column) for e in errors(pf)] == [(2, "Математика"), (2, "Русский язык")]
    assert all("нет числа участников" in e.message for e in errors(pf))


def test_unknown_subject_in_one_cell_named(tmp_path):
    rows = [["ЕГЭ-2023"],
            ["Код ОО", "ОО", "Физкультура: всего участников", "Физкультура: не сдали",
             "Русский язык: всего участников", "Русский язык: не сдали"],
            ["0101", "Школа", 25, 2, 20, 1]]
    pf = ok(parse(xlsx(tmp_path, "ege.xlsx", rows)))
    assert results(pf) == [("0101", "EGE-RUS", 2022, 20, 1)]
    [w] = [i for i in pf.issues if i.level == WARNING]
    assert (w.row, w.column) == (2, "Физкультура: всего участников") and "«Физкультура» не распознан" in w.message
    only = [r[:4] for r in rows]                                       # without Russian: nothing to load
    pf = parse(xlsx(tmp_path, "ege2.xlsx", only))
    [e] = errors(pf)
    assert (e.row, e.column) == (2, "Физкультура: всего участников") and "файл не загружен" in e.message


def test_bad_cell_named_by_its_one_cell_header(tmp_path):
    rows = [r[:] for r in ONE_ROW]
    rows[2][4] = 30                     # 30 below the minimum of 25 participants, Excel row 3, column E
    rows[3][6] = "двенадцать"
    pf = parse(xlsx(tmp_path, "ege.xlsx", rows))
    errs = {(e.row, e.column): e for e in errors(pf)}
    assert set(errs) == {(3, "Русский язык — не преодолели минимальный порог, чел."),
                         (4, "Математика (базовый уровень): всего участников")}
    assert errs[(3, "Русский язык — не преодолели минимальный порог, чел.")].value == "30"
    assert "не число" in errs[(4, "Математика (базовый уровень): всего участников")].message


def test_missing_exam_and_year_are_reported_together(tmp_path):
    rows = [["Результаты по школам"]] + MARKS_ONLY[1:]
    pf = parse_layout(xlsx(tmp_path, "x.xlsx", rows))
    messages = [e.message for e in errors(pf)]
    assert len(messages) == 2
    assert "не удалось определить экзамен" in messages[0] and "не удалось определить учебный год" in messages[1]
    pf = ok(parse(xlsx(tmp_path, "x.xlsx", rows), Hints(procedure="OGE-MATH", year=2021)))
    assert results(pf)[0] == ("1001", "OGE-MATH", 2021, 30, 3)


# ---------------------------------------------------------------------------------------------
# 6. One row per school and subject (a «Предмет» column)
# ---------------------------------------------------------------------------------------------
def test_one_row_per_school_and_subject(tmp_path):
    # the school's code and name stand on its first row only (merged cells); «Итого» rows and an unknown subject
    rows = [["Результаты ЕГЭ 2022 года"],
            ["Муниципалитет", "Код ОО", "Наименование ОО", "Предмет", "Всего участников", "Не преодолели порог, чел."],
            ["г. Бийск", "0201", "МБОУ «Лицей»", "Русский язык", 40, 1],
            [None, None, None, "Математика (профильный уровень)", 22, 3],
            [None, None, None, "Математика (базовый уровень)", 18, 0],
            [None, None, None, "Физкультура", 5, 0],
            [None, "0202", "МБОУ СОШ №2", "Русский язык", 31, 2],
            [None, None, None, "Итого", 31, 2]]
    merges = ["B3:B6", "C3:C6"]
    pf = ok(parse(xlsx(tmp_path, "ege_long.xlsx", rows, merges)))
    assert results(pf) == [("0201", "EGE-RUS", 2021, 40, 1), ("0201", "EGE-MATH-PROF", 2021, 22, 3),
                           ("0201", "EGE-MATH-BASE", 2021, 18, 0), ("0202", "EGE-RUS", 2021, 31, 2)]
    assert [r.source_row for r in pf.results] == [3, 4, 5, 7]
    assert {r.school.territory for r in pf.results} == {"г. Бийск"}
    [w] = [i for i in pf.issues if i.level == WARNING]
    assert (w.row, w.column, w.value) == (6, "Предмет", "Физкультура")


def test_one_row_per_school_and_subject_csv_cp1251_marks(tmp_path):
    rows = [["ОГЭ 2021/2022"],
            ["Код ОО", "ОО", "Предмет", "«2»", "«3»", "«4»", "«5»"],
            ["1001", "МБОУ СОШ №1", "Математика", 9, 12, 6, 3],
            ["1001", "МБОУ СОШ №1", "Русский язык", 3, 10, 12, 5],
            ["1001", "МБОУ СОШ №1", "Математика", 1, 1, 1, 1]]     # the same school and subject twice: refused
    pf = parse(csv_cp1251(tmp_path, "oge_long.csv", rows[:4]))
    assert results(ok(pf)) == [("1001", "OGE-MATH", 2021, 30, 9), ("1001", "OGE-RUS", 2021, 30, 3)]
    pf = parse(csv_cp1251(tmp_path, "oge_long2.csv", rows))
    assert pf.refused and [e.row for e in errors(pf)] == [5]
