"""ВПР per-pupil protocols (FORMATS.md §1, layouts 1A/1B/1C), always through `parse_file`.

Real files are read in place from ../shared/realdata (skipped when absent); synthetic files are written
in tmp_path with hand-computed expectations.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from shnor.importing.model import ERROR, ROW_ERROR, WARNING, Hints, MarkScale
from shnor.importing.parse import parse_file
from shnor.domain.scales import VPR_SCALES_2021

from conftest import write_xlsx

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata" / "fisoko_vpr_protocols_altai"
real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realdata is absent")

MATH5 = {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}


def seeded_scales() -> dict[tuple[str, int], MarkScale]:
    """The scales the store seeds: 2021 scales under school year 2020 (2020/2021)."""
    return {(p, 2020): MarkScale(p, 2020, dict(b)) for p, b in VPR_SCALES_2021.items()}


def with_scales(base: dict, year: int, extra: dict[str, dict] | None = None) -> dict:
    out = dict(base)
    for p, b in (extra or VPR_SCALES_2021).items():
        out[(p, year)] = MarkScale(p, year, dict(b))
    return out


def parse(path, scales=None, **hints):
    return parse_file(path, None, Hints(**hints), seeded_scales() if scales is None else scales)


def errors(pf):
    return [i for i in pf.issues if i.level == ERROR]


def row_errors(pf):
    return [i for i in pf.issues if i.level == ROW_ERROR]


def by_login(pf):
    return {r.school.login: r for r in pf.results}


def check_invariants(pf):
    for r in pf.results:
        assert sum(r.marks.values()) == r.participants
        assert sum(r.score_hist.values()) == r.participants
        assert r.low_count == r.marks[2]
        if r.journal_cmp is not None:
            assert sum(r.journal_cmp.values()) <= r.participants


# ---------------------------------------------------------------------------------------------
# Real files
# ---------------------------------------------------------------------------------------------
WORKS_2021 = {"ma5": "VPR-MATH-5", "ru5": "VPR-RUS-5", "ma6": "VPR-MATH-6", "ru6": "VPR-RUS-6"}


@real
@pytest.mark.realdata
def test_real_math5_2021_counts_participants_low_schools_and_the_one_bad_total():
    pf = parse(REAL / "vpr2021spring_ma5.xlsx", procedure="VPR-MATH-5", year=2020)
    assert not pf.refused, [i.text() for i in errors(pf)]
    assert (pf.layout, pf.procedure, pf.year) == ("1B", "VPR-MATH-5", 2020)
    assert "весна 2021" in pf.layout_ru
    assert sum(r.participants for r in pf.results) == 23_704
    assert len(pf.results) == 634
    assert sum(1 for r in pf.results if r.low_count * 100 >= 30 * r.participants) == 75
    [bad] = row_errors(pf)
    assert (bad.sheet, bad.row, bad.column, bad.value) == ("Sheet", 24901, "всего баллов", "21")
    assert "0…20" in bad.message and bad.file == "vpr2021spring_ma5.xlsx"
    check_invariants(pf)
    spo = by_login(pf)["sch220206"]
    assert spo.school.territory == "СПО Алтайский край"
    assert spo.grade_written == 5 and spo.source_row == 2
    assert set(spo.task_points) == {str(i) for i in range(1, 17)}


@real
@pytest.mark.realdata
def test_real_russian6_2021_has_three_row_errors_above_51():
    pf = parse(REAL / "vpr2021spring_ru6.xlsx", procedure="VPR-RUS-6", year=2020)
    assert not pf.refused
    bad = row_errors(pf)
    assert sorted(int(i.value) for i in bad) == [58, 80, 92]
    assert all(i.column == "всего баллов" and i.row and "0…51" in i.message for i in bad)


@real
@pytest.mark.realdata
@pytest.mark.parametrize("tag", sorted(WORKS_2021))
def test_real_2021_files_all_parse(tag):
    pf = parse(REAL / f"vpr2021spring_{tag}.xlsx", procedure=WORKS_2021[tag], year=2020)
    assert not pf.refused and pf.layout == "1B"
    assert 600 < len(pf.results) < 700
    assert pf.pupil_rows > 25_000
    assert all(r.grade_written == int(tag[2]) for r in pf.results)
    journal = [r.journal_cmp for r in pf.results]
    assert sum(j["below"] + j["equal"] + j["above"] for j in journal) > 20_000
    check_invariants(pf)


# Test scales for the autumn 2020 round (the 2019/2020 programme). Grades 5 and 6 reuse the 2021 scales;
# grade 4: math 0–5/6–9/10–13/14–20, Russian 0–13/14–23/24–32/33–38.
AUTUMN_SCALES = dict(VPR_SCALES_2021, **{"VPR-MATH-4": {2: (0, 5), 3: (6, 9), 4: (10, 13), 5: (14, 20)},
                                         "VPR-RUS-4": {2: (0, 13), 3: (14, 23), 4: (24, 32), 5: (33, 38)}})
AUTUMN_TASKS = {"ma4": 15, "ma5": 16, "ma6": 13, "ru4": 20, "ru5": 21, "ru6": 25}
AUTUMN = [("ma4", 5), ("ma5", 6), ("ma6", 7), ("ru4", 5), ("ru5", 6), ("ru6", 7)]


def autumn_procedure(tag: str) -> str:
    return f"VPR-{'MATH' if tag.startswith('ma') else 'RUS'}-{tag[2]}"


@real
@pytest.mark.realdata
@pytest.mark.parametrize("tag,grade", AUTUMN)
def test_real_autumn_2020_parses_with_hints_and_records_the_writing_grade(tag, grade):
    path = REAL / f"vpr2020autumn_work-{tag}_written-by-grade{grade}.xlsx"
    scales = with_scales(seeded_scales(), 2019, AUTUMN_SCALES)
    pf = parse(path, scales, procedure=autumn_procedure(tag), year=2019)
    assert not pf.refused, [i.text() for i in errors(pf)]
    assert (pf.layout, pf.procedure, pf.year) == ("1A", autumn_procedure(tag), 2019)
    assert len(pf.results) > 600
    assert {r.grade_written for r in pf.results} == {grade}
    assert all(r.round_date is None for r in pf.results)
    territories = {r.school.territory for r in pf.results}
    assert "reg22_m026" in territories and all(t is None or t.startswith("reg22_m") for t in territories)
    # task columns stop at the stray «Учебник» header: the a-N-grade columns after it are not tasks
    assert all(list(r.task_points) == [str(i) for i in range(1, AUTUMN_TASKS[tag] + 1)] for r in pf.results)
    check_invariants(pf)


@real
@pytest.mark.realdata
def test_real_autumn_2020_year_defaults_to_the_programme_year_and_conflicts_are_refused():
    path = REAL / "vpr2020autumn_work-ma5_written-by-grade6.xlsx"
    scales = with_scales(seeded_scales(), 2019)
    pf = parse(path, scales, procedure="VPR-MATH-5")            # no year: the content says autumn 2020
    assert not pf.refused and pf.year == 2019
    assert parse(path, scales, procedure="VPR-MATH-5", year=2020).year == 2020  # the "written" year: allowed
    bad = parse(path, scales, procedure="VPR-MATH-5", year=2021)
    [err] = errors(bad)
    assert "2021/2022" in err.message and "2019/2020" in err.message and bad.results == []


@real
@pytest.mark.realdata
@pytest.mark.parametrize("tag", sorted(WORKS_2021))
def test_real_2022_partial_files_take_procedure_and_year_from_content(tag):
    path = REAL / f"vpr2022spring_{tag}_partial.xlsx"
    scales = with_scales(seeded_scales(), 2021)   # 2022 scales are not seeded: supplied here
    pf = parse(path, scales)
    assert not pf.refused, [i.text() for i in errors(pf)]
    assert (pf.layout, pf.procedure, pf.year) == ("1C", WORKS_2021[tag], 2021)
    assert all(r.round_date == "2022-03-17" for r in pf.results)
    assert all(r.school.login.startswith("edu") and r.school.name and " | " in r.school.territory
               for r in pf.results)
    assert all(sum(r.task_max.values()) == scales[(pf.procedure, 2021)].max_score for r in pf.results)
    check_invariants(pf)


@real
@pytest.mark.realdata
def test_real_2022_math6_skips_absent_pupils_whose_total_is_zero():
    pf = parse(REAL / "vpr2022spring_ma6_partial.xlsx", with_scales({}, 2021))
    assert pf.pupil_rows == 40
    assert sum(r.participants for r in pf.results) == 38   # two `отсутствовал` rows carry «0»
    first = by_login(pf)["edu224085"]
    assert first.school.territory == "reg22_m057 | Чарышский муниципальный район"
    assert first.task_max["9"] == 2 and first.task_max["1"] == 1


@real
@pytest.mark.realdata
def test_real_2022_missing_scale_is_asked_and_hint_conflict_refused():
    path = REAL / "vpr2022spring_ma5_partial.xlsx"
    pf = parse(path, seeded_scales())   # only 2020/2021 scales
    assert not pf.refused and pf.pending and pf.results == [] and errors(pf) == []
    assert (pf.procedure, pf.year, pf.needs) == ("VPR-MATH-5", 2021, {"scale"})
    # proposed: the work's 2020/2021 scale, whose maximum (20) is the sum of the task headers («6 (2б)» …)
    prop = pf.proposals["scale"]
    assert prop.value == (7, 11, 15, 20) and "2020/2021" in prop.reason
    assert pf.region == "reg220000 | Алтайский край"
    pf = parse(path, {}, procedure="VPR-MATH-5")          # no scale of the work at all: the headers' maximum
    assert pf.proposals["scale"].value == (None, None, None, 20) and "заголовках" in pf.proposals["scale"].reason
    pf = parse(path, with_scales({}, 2021), procedure="VPR-RUS-5")
    [err] = errors(pf)
    assert "ВПР, математика, 5 кл." in err.message and "ВПР, русский язык, 5 кл." in err.message
    assert "ma5" in err.message


# ---------------------------------------------------------------------------------------------
# Synthetic files
# ---------------------------------------------------------------------------------------------
H1B = ["Логин школы ", "Регион", "номер обучающегося", "Код обучающегося",
       "Отметка за предыдущую четверть/триместр", "пол", "класс", "ВАРИАНТ", " Всего баллов  ",
       "балл за 1", "балл за 2", "Учебник"]
BOOK = "Мерзляк А.Г. и др. Математика 5 класс"


def school_a():
    """sch000001: 10 participants, 3 with «2»; one absent; one with an empty total."""
    totals = ["3", "5", "6", "7", "8", "10", "11,0", "14.0", "15", "20"]
    journal = ["3", "2", "нет отметки", "3", "4", "2", "4", "5", "5", None]
    task1 = ["1", "0", "X", "1", "1", "1", "1", "1", "1", "1"]
    task2 = ["х", "не пройд.", "Н", "2", "0", None, "1", "2", "2", "2"]   # Cyrillic х and Н
    rows = []
    for i in range(10):
        rows.append(["sch000001", "город Энск", str(i + 1), str(50001 + i), journal[i], "м", "а", "1",
                     totals[i], task1[i], task2[i], BOOK])
    rows.append(["sch000001", "город Энск", "11", "50011", None, None, None, "отсутствовал", None, None, None, None])
    rows.append(["sch000001", "город Энск", "12", "50012", "4", "ж", "а", "2", None, None, None, BOOK])
    return rows


def school_b():
    """sch000002 (a pseudo-unit territory): 3 participants, numbers as numbers and as text with commas."""
    return [["sch000002", "СПО Алтайский край", 1, 50001, 4, "ж", "нет", 1, 11.0, 1, 2, BOOK],
            ["sch000002", "СПО Алтайский край", 2, 50002, "3", "ж", "нет", "2", "6", "1", "0", BOOK],
            ["sch000002", "СПО Алтайский край", 3, 50003, "5", "м", "нет", "1", "15,0", "0", "2", BOOK]]


def protocol_1b(tmp_path, rows, name="protocol.xlsx"):
    title = [["Протокол проверки результатов ВПР"], [], ["Математика, 5 класс"], H1B]
    return write_xlsx(tmp_path / name, {"Протокол": title + rows})


def assert_school_a(r):
    assert r.participants == 10 and r.low_count == 3 and r.low_count * 100 >= 30 * r.participants
    assert r.marks == {2: 3, 3: 3, 4: 2, 5: 2}
    assert r.mean_score == 9.9                              # 99 / 10
    assert r.score_hist == {3: 1, 5: 1, 6: 1, 7: 1, 8: 1, 10: 1, 11: 1, 14: 1, 15: 1, 20: 1}
    assert r.task_points == {"1": 0.8, "2": 0.9}            # X, х, не пройд., Н, empty count as 0
    assert r.journal_cmp == {"below": 3, "equal": 4, "above": 1}
    assert r.grade_written == 5 and r.school.territory == "город Энск"


def test_synthetic_1b_title_rows_text_numbers_commas_absent_and_task_marks(tmp_path):
    path = protocol_1b(tmp_path, school_a()[:5] + [[None] * 12] + school_a()[5:] + school_b())
    pf = parse(path, procedure="VPR-MATH-5", year=2020)
    assert not pf.refused and pf.layout == "1B" and pf.issues == []
    assert pf.pupil_rows == 15
    res = by_login(pf)
    assert_school_a(res["sch000001"])
    assert res["sch000001"].source_sheet == "Протокол" and res["sch000001"].source_row == 5
    b = res["sch000002"]
    assert (b.participants, b.low_count, b.marks) == (3, 1, {2: 1, 3: 0, 4: 1, 5: 1})
    assert b.journal_cmp == {"below": 1, "equal": 2, "above": 0}
    assert b.mean_score == 10.67                            # 32 / 3 rounded half up
    assert b.school.territory == "СПО Алтайский край"


def test_synthetic_1b_subtotal_rows_are_skipped(tmp_path):
    rows = school_a() + [["Итого по МО", None, None, None, None, None, None, None, "99", None, None, None]]
    pf = parse(protocol_1b(tmp_path, rows), procedure="VPR-MATH-5", year=2020)
    assert not pf.refused and list(by_login(pf)) == ["sch000001"] and pf.pupil_rows == 12


def many_pupils(n_good: int, bad: list[str]) -> list[list]:
    rows = [["sch000003", "город Энск", str(i), str(50001 + i), "4", "м", "а", "1", str(i % 21), "1", "1", BOOK]
            for i in range(n_good)]
    rows += [["sch000003", "город Энск", "x", "59999", "4", "м", "а", "1", v, "1", "1", BOOK] for v in bad]
    return rows


def test_one_percent_of_bad_totals_is_reported_row_by_row(tmp_path):
    pf = parse(protocol_1b(tmp_path, many_pupils(99, ["21"])), procedure="VPR-MATH-5", year=2020)
    assert not pf.refused                                   # 1 of 100: not more than 1 %
    [bad] = row_errors(pf)
    assert (bad.row, bad.column, bad.value) == (104, "Всего баллов", "21")
    assert by_login(pf)["sch000003"].participants == 99


def test_more_than_one_percent_of_bad_totals_refuses_the_file(tmp_path):
    pf = parse(protocol_1b(tmp_path, many_pupils(98, ["21", "двадцать"])), procedure="VPR-MATH-5", year=2020)
    assert pf.refused and pf.results == []
    [err] = errors(pf)
    assert "вероятно, выбрана не та процедура или шкала" in err.message.lower()
    assert "2 из 100" in err.message
    assert {i.value for i in row_errors(pf)} == {"21", "двадцать"}   # examples shown with the refusal
    nan = next(i for i in row_errors(pf) if i.value == "двадцать")
    assert "не число" in nan.message and nan.row == 104


def test_missing_year_and_procedure_are_asked_at_once_with_proposals(tmp_path):
    path = protocol_1b(tmp_path, school_a(), name="ма5_район.xlsx")
    pf = parse(path)
    assert pf.layout == "1B" and not pf.refused and pf.needs == {"procedure", "year"} and pf.results == []
    # the work: from the name («ма5») and the content (textbooks: математика; pupils' codes 5…): they agree
    prop = pf.proposals["procedure"]
    assert prop.value == "VPR-MATH-5"
    assert "ма5_район.xlsx" in prop.reason and "по учебникам — математика" in prop.reason and "5 класса" in prop.reason
    # the year: the only year with a scale of that work
    assert pf.proposals["year"].value == 2020 and "только за 2020/2021" in pf.proposals["year"].reason
    pf = parse(path, procedure="VPR-MATH-5")
    assert pf.needs == {"year"} and errors(pf) == []
    pf = parse(path, year=2020)
    assert pf.needs == {"procedure"} and pf.proposals["procedure"].value == "VPR-MATH-5"
    pf = parse(path, procedure="OGE-MATH", year=2020)
    assert "не работа ВПР" in errors(pf)[0].message


def test_a_name_that_disagrees_with_the_content_is_mentioned(tmp_path):
    pf = parse(protocol_1b(tmp_path, school_a(), name="vpr2021spring_ru6.xlsx"))
    prop = pf.proposals["procedure"]
    assert prop.value == "VPR-MATH-5" and "в имени файла — ВПР, русский язык, 6 кл." in prop.reason
    assert pf.proposals["year"].value == 2020 and "весна 2021" in pf.proposals["year"].reason


def test_missing_scale_is_asked_with_the_work_and_year(tmp_path):
    pf = parse(protocol_1b(tmp_path, school_a()), procedure="VPR-MATH-5", year=2019)
    assert not pf.refused and pf.needs == {"scale"} and (pf.procedure, pf.year) == ("VPR-MATH-5", 2019)
    assert pf.proposals["scale"].value == (7, 11, 15, 20)    # the work's 2020/2021 scale, to be checked
    pf = parse(protocol_1b(tmp_path, school_a()), {}, procedure="VPR-MATH-5", year=2019)
    prop = pf.proposals["scale"]       # no scale of the work: the highest total of the file as the maximum
    assert prop.value == (None, None, None, 20) and "наибольший общий балл в файле (20)" in prop.reason


def test_textbooks_of_another_subject_refuse_the_chosen_procedure(tmp_path):
    pf = parse(protocol_1b(tmp_path, school_a()), procedure="VPR-RUS-5", year=2020)
    [err] = errors(pf)
    assert "математика" in err.message and "ВПР, русский язык, 5 кл." in err.message


def test_xls_old_platform_1a(tmp_path):
    headers = ["groups", "user", "id", "code", "otc", "gender", "klass", "var-1", "var-2", "sum",
               "a-1-grade", "a-2-grade", "Учебник", "a-4-grade"]
    groups = "22-RU-ALT,EAST,reg22_vpr_m026,reg22_vpr.2017.m026,vpr2019.math5,vpr2020.ma5,vpr2020.ru5"
    rows = [[groups, "sch223504", 1.0, 60001.0, "5", "м", "а", "1", None, 15.0, "1", "2", None, "9"],
            [groups, "sch223504", 2.0, 60002.0, "3", "ж", "а", "2", None, 6.0, "X", "0", None, None],
            [groups, "sch223504", 3.0, 60003.0, "4", "ж", "а", "1", None, 9.0, "не пройд.", "1", "б", "7"],
            [groups, "sch223504", 4.0, 60004.0, None, None, None, "отсутствовал", None, None, None, None, None,
             None],
            [groups, "sch223504", 5.0, 60005.0, None, None, None, "0", None, None, None, None, None, None]]
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    for ri, row in enumerate([headers] + rows):
        for ci, v in enumerate(row):
            if v is not None:
                ws.write(ri, ci, v)
    path = tmp_path / "autumn.xls"
    wb.save(str(path))
    pf = parse(path, with_scales({}, 2019, {"VPR-MATH-5": MATH5}), procedure="VPR-MATH-5")
    assert not pf.refused and (pf.layout, pf.year) == ("1A", 2019)   # 2019/2020: the programme year
    [r] = pf.results
    assert (r.school.login, r.school.territory, r.grade_written) == ("sch223504", "reg22_m026", 6)
    assert (r.participants, r.marks) == (3, {2: 1, 3: 1, 4: 0, 5: 1})
    assert r.journal_cmp == {"below": 2, "equal": 1, "above": 0}
    assert r.task_points == {"1": 0.3333, "2": 1.0}         # a-4-grade after «Учебник» is not a task
    assert pf.pupil_rows == 5


def new_platform_frames(tag_cell: str, date: str = "17.03.2022 12:29:13"):
    base = ["edu223167", 22, "reg220000 | Алтайский край", "reg22_m009 | Егорьевский муниципальный район",
            'edu223167 | МОУ "Мирная ООШ "', date]
    classes = pd.DataFrame([base + ["нет", tag_cell]],
                           columns=["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа",
                                    "Дата загрузки", "Буква (цифра) класса", "Основной учебник по предмету"])
    cols = ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Код", "Вариант",
            "1 (2б)", "2 (3б)", "Наименование класса", "Пол",
            "Отметка за предыдущий триместр/ четверть/полугодие", "Итого баллов"]
    pupils = [[50001, 1, 2, 3, "нет", "ж", 5, 5],
              [50002, 2, 1, 0, "нет", "м", "3", "1"],
              [50003, "отсутствовал", None, None, "нет", None, None, 0],
              [50004, "1", "X", "2", "нет", "м", "4", "2,0"]]
    protocol = pd.DataFrame([base + p for p in pupils], columns=cols)
    return classes, protocol


RUS5_TINY = {"VPR-RUS-5": {2: (0, 1), 3: (2, 3), 4: (4, 4), 5: (5, 5)}}


def write_ods(path: Path, classes: pd.DataFrame, protocol: pd.DataFrame) -> Path:
    with pd.ExcelWriter(path, engine="odf") as xw:
        classes.to_excel(xw, sheet_name="Классы", index=False)
        protocol.to_excel(xw, sheet_name="Протокол", index=False)
    return path


def test_ods_new_platform_1c_detects_procedure_and_year_from_content(tmp_path):
    path = write_ods(tmp_path / "vpr.ods", *new_platform_frames("ru5.7 | 1.2.1.1.7.1 | Бабайцева В.В. Русский язык"))
    pf = parse(path, with_scales({}, 2021, RUS5_TINY))
    assert not pf.refused, [i.text() for i in errors(pf)]
    assert (pf.layout, pf.procedure, pf.year) == ("1C", "VPR-RUS-5", 2021)
    [r] = pf.results
    assert (r.school.login, r.school.name) == ("edu223167", 'МОУ "Мирная ООШ "')
    assert r.school.territory == "reg22_m009 | Егорьевский муниципальный район"
    assert (r.participants, r.low_count, r.marks) == (3, 1, {2: 1, 3: 1, 4: 0, 5: 1})
    assert r.task_max == {"1": 2.0, "2": 3.0}
    assert r.task_points == {"1": 1.0, "2": 1.6667}         # (2+1+0)/3, (3+0+2)/3
    assert r.journal_cmp == {"below": 2, "equal": 1, "above": 0}
    assert (r.round_date, r.grade_written, r.source_sheet, r.source_row) == ("2022-03-17", 5, "Протокол", 2)


def test_new_platform_conflicts_and_scale_maximum_mismatch_are_refused(tmp_path):
    path = write_ods(tmp_path / "vpr.ods", *new_platform_frames("ru5.7 | 1.2.1.1.7.1 | Русский язык"))
    scales = with_scales({}, 2021, dict(RUS5_TINY, **{"VPR-MATH-5": MATH5}))
    [err] = errors(parse(path, scales, procedure="VPR-MATH-5"))
    assert "ВПР, русский язык, 5 кл." in err.message and "ВПР, математика, 5 кл." in err.message
    [err] = errors(parse(path, with_scales({}, 2020, RUS5_TINY), year=2020))
    assert "2021/2022" in err.message and "2020/2021" in err.message
    wide = {"VPR-RUS-5": {2: (0, 1), 3: (2, 3), 4: (4, 4), 5: (5, 6)}}
    [err] = errors(parse(path, with_scales({}, 2021, wide)))
    assert "максимум работы — 5" in err.message and "6 баллов" in err.message


def test_new_platform_autumn_round_counts_for_the_programme_year_by_default(tmp_path):
    frames = new_platform_frames("ru5.7 | 1.2.1.1.7.1 | Русский язык", date="03.10.2022 09:00:00")
    path = write_ods(tmp_path / "autumn.ods", *frames)
    scales = with_scales(with_scales({}, 2021, RUS5_TINY), 2022, RUS5_TINY)
    pf = parse(path, scales)
    assert pf.year == 2021 and pf.results[0].round_date == "2022-10-03"
    assert parse(path, scales, year=2022).year == 2022       # the setting may count it for 2022/2023
    assert errors(parse(path, scales, year=2020))


def write_csv_1b(path: Path, rows: list[list], encoding="cp1251", delimiter=";") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["логин школы", "регион", "код обучающегося", "отметка за предыдущую четверть/триместр",
                    "вариант", "всего баллов", "балл за 1"])
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


def test_csv_cp1251_semicolon_with_decimal_commas(tmp_path):
    rows = [["sch000009", "Пономаревский район", "50001", "3", "1", "6,0", "1,0"],
            ["sch000009", "Пономаревский район", "50002", "4", "2", "11,0", "Х"],
            ["sch000009", "Пономаревский район", "50003", "", "отсутствовал", "", ""],
            ["sch000009", "Пономаревский район", "50004", "4", "1", "20", "2"]]
    path = write_csv_1b(tmp_path / "район.csv", rows)
    assert path.read_bytes().decode("cp1251").count(";") > 20
    pf = parse(path, procedure="VPR-MATH-5", year=2020)
    assert not pf.refused and pf.layout == "1B"
    [r] = pf.results
    assert (r.participants, r.low_count, r.marks) == (3, 1, {2: 1, 3: 0, 4: 1, 5: 1})
    assert r.mean_score == 12.33 and r.task_points == {"1": 1.0}
    assert r.journal_cmp == {"below": 1, "equal": 1, "above": 1}
    assert r.school.territory == "Пономаревский район"


pupil = st.tuples(st.booleans(), st.one_of(st.none(), st.integers(0, 20)), st.one_of(st.none(), st.integers(2, 5)))


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(pupil, min_size=1, max_size=12), min_size=1, max_size=4))
def test_aggregates_match_a_direct_count(tmp_path, schools):
    """Whatever the pupils, the parser's aggregates equal a plain count over the same pupils."""
    rows, expected = [], {}
    for si, pupils in enumerate(schools):
        login = f"sch1000{si:02d}"
        for pi, (absent, total, journal) in enumerate(pupils):
            rows.append([login, "город Энск", str(50001 + pi), "" if journal is None else str(journal),
                         "отсутствовал" if absent else "1", "" if total is None or absent else str(total), "1"])
        scores = [t for a, t, _ in pupils if not a and t is not None]
        marks = [next(m for m, (lo, hi) in MATH5.items() if lo <= s <= hi) for s in scores]
        if scores:
            jm = [(next(m for m, (lo, hi) in MATH5.items() if lo <= t <= hi), j)
                  for a, t, j in pupils if not a and t is not None and j is not None]
            expected[login] = (len(scores), marks.count(2), {m: marks.count(m) for m in (2, 3, 4, 5)},
                               {"below": sum(m < j for m, j in jm), "equal": sum(m == j for m, j in jm),
                                "above": sum(m > j for m, j in jm)})
    path = write_csv_1b(tmp_path / "prop.csv", rows, encoding="utf-8", delimiter=",")
    pf = parse(path, procedure="VPR-MATH-5", year=2020)
    assert not pf.refused
    got = {r.school.login: (r.participants, r.low_count, r.marks, r.journal_cmp) for r in pf.results}
    assert got == expected
