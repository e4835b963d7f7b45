"""The coverage rule (shnor/domain/coverage.py) on hand-made cases: full data, 89 %, 90 % and 91 %, an empty
territory, a year with no results."""
from __future__ import annotations

import pytest

from shnor.domain.coverage import Coverage


@pytest.mark.parametrize("with_data,sufficient", [(100, True), (91, True), (90, True), (89, False), (0, False)])
def test_ninety_percent_exactly_keeps_the_verdict(with_data, sufficient):
    c = Coverage(2023, 100, with_data)
    assert c.sufficient is sufficient
    assert (c.withheld_ru() is None) is sufficient


def test_integer_comparison_at_the_edge():
    # 9 of 10 is 90 % exactly; 26 of 29 is 89,66 %: below
    assert Coverage(2023, 10, 9).sufficient
    assert not Coverage(2023, 29, 26).sufficient
    assert Coverage(2023, 29, 27).sufficient


def test_the_reason_names_the_year_the_counts_and_the_setting():
    c = Coverage(2022, 940, 290)
    assert c.withheld_ru() == ("Вывод о цели не делается: результаты за 2022/2023 есть только у 290 из 940 школ "
                               "(30,9\u00a0%), нужно не меньше 90\u00a0%.")
    assert c.sentence_ru() == "Данные за 2022/2023: 290 из 940 школ (30,9\u00a0%)."


def test_empty_territory_and_year_without_results():
    empty = Coverage(2023, 0, 0)
    assert not empty.sufficient and empty.share is None
    assert "нет ни одной школы" in empty.withheld_ru() and "нет ни одной школы" in empty.sentence_ru()
    none = Coverage(2023, 692, 0)
    assert not none.sufficient
    assert none.withheld_ru() == "За 2023/2024 учебный год результатов нет — вывод о цели не делается."


def test_setting_changes_the_bar():
    assert not Coverage(2023, 100, 79, min_pct=80).sufficient
    assert Coverage(2023, 100, 80, min_pct=80).sufficient
