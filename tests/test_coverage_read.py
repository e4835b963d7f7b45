"""The coverage rule through the read models, the list workbook and the coverage setting, on the hand-made
region of tests/coveragedb.py: full data, 89 %, 90 % and 91 %, an empty territory, a year with no results."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from coveragedb import AT89, AT90, AT91, EMPTY, FULL, YEAR, build_coverage_db
from shnor.domain.coverage import COVERAGE_SETTING_KEY
from shnor.domain.permissions import SYSTEM, Action
from shnor.read import overview as ov
from shnor.read.analysis import compute_list, load_min_coverage, load_rule_settings, share_by_year
from shnor.reports.excel import export_frame, list_workbook
from shnor.reports.list_export import list_export
from shnor.services.settings import set_setting
from shnor.store import Store

NBSP = "\u00a0"


@pytest.fixture
def region(tmp_path):
    terr = build_coverage_db(tmp_path / "c.duckdb")
    store = Store.open(tmp_path / "c.duckdb")
    yield store, terr
    store.close()


def figures(store, tid, year=YEAR) -> ov.TargetFigures:
    return ov.target_figures(compute_list(store, year, tid), ov.list_target(store, tid, year))


@pytest.mark.parametrize("name,schools,with_data,sufficient", [
    (FULL, 10, 10, True), (AT90, 10, 9, True), (AT89, 100, 89, False), (AT91, 100, 91, True)])
def test_coverage_of_each_territory(region, name, schools, with_data, sufficient):
    store, terr = region
    cov = compute_list(store, YEAR, terr[name]).coverage
    assert (cov.results_year, cov.schools, cov.with_data, cov.min_pct) == (2023, schools, with_data, 90)
    assert cov.sufficient is sufficient


def test_verdicts_at_89_90_91_and_full(region):
    store, terr = region
    full = figures(store, terr[FULL])
    assert (full.gap, full.met, full.withheld) == (1, False, None)
    assert full.gap_sentence() == f"Нужно на 1 ШНОР меньше: цель 5{NBSP}% для 10 школ не допускает ни одной ШНОР."
    at90 = figures(store, terr[AT90])                                 # 9 of 10: 90 % exactly keeps the verdict
    assert at90.met is True and at90.gap_sentence() == f"Цель 5{NBSP}% достигнута: ШНОР нет."
    at91 = figures(store, terr[AT91])
    assert at91.met is True and at91.gap_sentence().startswith(f"Цель 5{NBSP}% достигнута: ШНОР 1")
    at89 = figures(store, terr[AT89])                                 # 1 ШНОР of 100 would «meet» 5 %: withheld
    assert (at89.share, at89.allowed) == (0.01, 5)
    assert at89.gap is None and at89.met is None
    assert at89.gap_sentence() == ("Вывод о цели не делается: результаты за 2023/2024 есть только у 89 из 100 "
                                   f"школ (89,0{NBSP}%), нужно не меньше 90{NBSP}%.")
    region_ = figures(store, None)                                    # 199 of 220
    assert (region_.schools, region_.shnor, region_.coverage.with_data) == (220, 3, 199)
    assert region_.met is True


def test_empty_territory_gives_no_verdict(region):
    store, terr = region
    f = figures(store, terr[EMPTY])
    assert f.schools == 0 and f.share is None and f.gap is None and f.met is None
    assert f.gap_sentence() == "В территории нет ни одной школы — вывод о цели не делается."
    assert "достигнута" not in f.gap_sentence()
    # without a coverage the figures still refuse a verdict over no schools
    assert ov.TargetFigures(YEAR, 0, 0, 0.05).met is None
    data = ov.build_overview(store, YEAR, None, load_rule_settings(store))
    assert data.empty_territories == [EMPTY]
    assert EMPTY not in set(data.territories["territory"])


def test_a_year_without_results(region):
    store, terr = region
    at90 = figures(store, terr[AT90], 2023)
    assert at90.coverage.no_results and at90.met is None
    assert at90.gap_sentence() == "За 2022/2023 учебный год результатов нет — вывод о цели не делается."
    r = figures(store, None, 2023)                                    # only Полный район: 10 of 220
    assert (r.coverage.with_data, r.coverage.schools, r.met) == (10, 220, None)
    nothing = compute_list(store, 2022, None).coverage                # no results at all in 2021
    assert nothing.no_results and nothing.schools == 220


def test_territory_comparison_carries_each_coverage(region):
    store, _ = region
    df = ov.territory_comparison(store, compute_list(store, YEAR, None)).set_index("territory")
    assert set(df.index) == {FULL, AT90, AT89, AT91}
    assert df.at[AT89, "met"] is None and pd.isna(df.at[AT89, "gap"]) and not df.at[AT89, "sufficient"]
    assert df.at[AT89, "withheld"].startswith("Вывод о цели не делается: результаты за 2023/2024 есть только у 89")
    assert df.at[AT90, "met"] and df.at[AT90, "with_data"] == 9 and df.at[AT90, "withheld"] == ""
    assert df.at[AT91, "met"] and not df.at[FULL, "met"] and df.at[FULL, "gap"] == 1


def test_trend_withholds_the_latest_verdict_and_marks_thin_years(region):
    store, terr = region
    trend = share_by_year(store, None)
    assert list(trend["with_data"]) == [10, 199] and list(trend["min_coverage"]) == [90, 90]
    trend["target"] = [ov.inherited_target(store, None, int(y)) for y in trend["year"]]
    # 2022: 10 of 220 schools — too few to read a direction from; 2023 keeps its verdict
    assert ov.trend_message(trend) == (f"Доля ШНОР по результатам 2023/2024 — 1,4{NBSP}% (за прежние годы данных "
                                       f"мало) — цель 5{NBSP}% достигнута")
    tf = ov.trend_frame(trend)
    assert list(tf["sufficient"]) == [False, True]
    assert list(tf["note"]) == ["данных мало: 10 из 220 школ", ""]
    assert pd.isna(tf["gap"].iloc[0]) and tf["gap"].iloc[1] == 0
    # Район-89: its latest year has too few data — the title gives no verdict for it
    t89 = share_by_year(store, terr[AT89])
    t89["target"] = [ov.inherited_target(store, terr[AT89], int(y)) for y in t89["year"]]
    assert ov.trend_message(t89) == (f"Доля ШНОР по результатам 2023/2024 — 1,0{NBSP}% — вывод о цели за 2023/2024 "
                                     "не делается: данных мало (89 из 100 школ)")
    tf89 = ov.trend_frame(t89)
    assert list(tf89["share_label"]) == ["нет результатов", f"1,0{NBSP}%"]     # no results in 2022: no 0 %


def test_trend_message_without_coverage_columns_keeps_its_verdict():
    t = pd.DataFrame({"year": [2021, 2022], "schools": [100, 100], "shnor": [15, 5], "share": [0.15, 0.05],
                      "target": [None, 0.05]})
    assert ov.trend_message(t) == f"Доля ШНОР снизилась с 15,0{NBSP}% до 5,0{NBSP}% — цель 5{NBSP}% достигнута"


def test_the_setting_moves_the_bar(region):
    store, terr = region
    assert load_min_coverage(store) == 90
    set_setting(store, SYSTEM, COVERAGE_SETTING_KEY, 85, Action.RULE_SETTINGS)
    assert load_min_coverage(store) == 85
    assert figures(store, terr[AT89]).met is True                     # 89 % ≥ 85 %: a verdict again
    set_setting(store, SYSTEM, COVERAGE_SETTING_KEY, 95, Action.RULE_SETTINGS)
    assert figures(store, terr[AT91]).met is None                     # 91 % < 95 %
    for junk in ("девяносто", 150, -1, 90.5, True, None):             # not a whole percent: the default applies
        set_setting(store, SYSTEM, COVERAGE_SETTING_KEY, junk, Action.RULE_SETTINGS)
        assert load_min_coverage(store) == 90, junk


def test_school_counts_say_why_they_differ():
    schools = pd.DataFrame({"id": [1, 2, 3, 4, 5], "active_from": [None, None, None, 2024, None],
                            "active_to": [None, 2022, None, None, None],
                            "is_general": [True, True, False, True, None]})
    c = ov.school_counts(schools, 2024)
    assert (c.registry, c.counted, c.inactive, c.not_general) == (5, 2, 2, 1)
    assert c.sentence_ru() == ("В реестре 5 школ, из них в списке на 2024/2025 учитываются 2: 2 не действовали в "
                               "2023/2024; 1 не общеобразовательная.")
    one = ov.school_counts(schools.iloc[[0, 1]], 2024)
    assert one.sentence_ru() == ("В реестре 2 школы, из них в списке на 2024/2025 учитывается 1: 1 не действовала в "
                                 "2023/2024.")
    assert ov.school_counts(schools.iloc[[0, 4]], 2024).sentence_ru() == \
        "В реестре 2 школы, в списке на 2024/2025 учитываются все."


def workbook_lines(data: bytes) -> list[str]:
    ws = load_workbook(io.BytesIO(data))["Список ШНОР"]
    return [str(ws.cell(r, 1).value) for r in range(1, 6)]


def test_list_workbook_states_the_coverage(region):
    store, terr = region
    lst = compute_list(store, YEAR, terr[AT91])
    lines = workbook_lines(list_workbook(export_frame(lst), year=YEAR, territory_name=AT91,
                                         settings=lst.identification.settings, coverage=lst.coverage))
    assert lines[4] == f"Данные за 2023/2024: 91 из 100 школ (91,0{NBSP}%)."
    low = compute_list(store, YEAR, terr[AT89])
    lines = workbook_lines(list_workbook(export_frame(low), year=YEAR, territory_name=AT89,
                                         settings=low.identification.settings, coverage=low.coverage))
    assert lines[4] == (f"Данные за 2023/2024: 89 из 100 школ (89,0{NBSP}%). Вывод о цели не делается: результаты за "
                        f"2023/2024 есть только у 89 из 100 школ (89,0{NBSP}%), нужно не меньше 90{NBSP}%. Школа без "
                        "результатов не может попасть в список: доля ШНОР может быть занижена.")
    # the list export (the page's and `export list`'s workbook) carries the line too
    exp = list_export(store, SYSTEM, YEAR, terr[AT89])
    assert workbook_lines(exp.data)[4].startswith("Данные за 2023/2024: 89 из 100 школ")
    empty = list_export(store, SYSTEM, YEAR, terr[EMPTY])
    assert workbook_lines(empty.data)[4] == "В территории нет ни одной школы — вывод о цели не делается."
    nothing = list_export(store, SYSTEM, 2022, None)                  # no results at all in 2021
    assert workbook_lines(nothing.data)[4] == "За 2021/2022 учебный год результатов нет — вывод о цели не делается."
