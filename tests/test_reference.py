"""Reference data as users edit it: ВПР scale validation, percentages typed in Russian, the targets grid."""
from __future__ import annotations

import pandas as pd
import pytest

from shnor.domain import reference
from shnor.domain.reference import PercentError


def test_valid_scale_and_each_kind_of_error():
    assert reference.validate_mark_scale({2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}) == []
    assert reference.validate_mark_scale({2: (1, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}) == [
        "Отметка «2» должна начинаться с 0 баллов, а начинается с 1."]
    gap = reference.validate_mark_scale({2: (0, 6), 3: (8, 10), 4: (11, 14), 5: (15, 20)})
    assert len(gap) == 1 and "«3» должна начинаться с 7 баллов" in gap[0]
    overlap = reference.validate_mark_scale({2: (0, 6), 3: (6, 10), 4: (11, 14), 5: (15, 20)})
    assert len(overlap) == 1 and "начинается с 6" in overlap[0]
    assert "верхняя граница 9 меньше нижней 11" in " ".join(
        reference.validate_mark_scale({2: (0, 6), 3: (7, 10), 4: (11, 9), 5: (10, 20)}))
    assert reference.validate_mark_scale({2: (0, 6), 3: (7, 20)}) == [
        "Шкала должна задавать ровно отметки «2», «3», «4» и «5»."]
    assert reference.validate_mark_scale({1: (0, 0), 2: (1, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)})


def test_scale_from_minimums():
    sc = reference.scale_from_minimums("VPR-MATH-5", 2021, 7, 11, 15, 20)
    assert sc.bounds == {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}
    assert reference.validate_mark_scale(sc.bounds) == []
    bad = reference.scale_from_minimums("VPR-MATH-5", 2021, 12, 11, 15, 20)
    assert reference.validate_mark_scale(bad.bounds)


@pytest.mark.parametrize("text, value", [("10", 0.10), ("12,5", 0.125), ("12.5 %", 0.125), (" 7,25% ", 0.0725),
                                         ("0", 0.0), ("100", 1.0), ("", None), (None, None), ("\u00a05\u00a0%", 0.05)])
def test_parse_percent(text, value):
    assert reference.parse_percent(text) == pytest.approx(value) if value is not None else \
        reference.parse_percent(text) is None


@pytest.mark.parametrize("text", ["десять", "10,5,5", "-3", "100,1", "5 %%"])
def test_parse_percent_refuses(text):
    with pytest.raises(PercentError):
        reference.parse_percent(text)


def test_format_percent_round_trip():
    assert reference.format_percent(0.125) == "12,5\u00a0%"
    assert reference.format_percent(None) == ""
    assert reference.parse_percent(reference.format_percent(0.105)) == pytest.approx(0.105)


def _grid():
    terr = pd.DataFrame({"id": [1, 2, 3], "name": ["Область", "Северный", "Южный"],
                         "kind": ["region", "municipality", "municipality"]})
    targets = pd.DataFrame({"territory_id": [None, 2], "year": [2023, 2023], "target_share": [0.05, 0.10]})
    return reference.targets_grid(targets, terr, [2023, 2024])


def test_targets_grid_layout():
    g = _grid()
    assert list(g.columns) == ["Территория", "2023/2024", "2024/2025"]
    assert list(g.index) == [-1, 2, 3]
    assert g.loc[-1, "2023/2024"] == "5,0\u00a0%" and g.loc[2, "2023/2024"] == "10,0\u00a0%"
    assert g.loc[3, "2023/2024"] == "" and g.loc[2, "2024/2025"] == ""


def test_target_changes():
    g = _grid()
    e = g.copy()
    e.loc[3, "2024/2025"] = "7,5"          # new
    e.loc[-1, "2023/2024"] = "5"           # same value typed differently: no change
    e.loc[2, "2023/2024"] = "9 %"          # changed
    changes, errors = reference.target_changes(g, e)
    assert errors == []
    assert {(tid, year): share for tid, year, share in changes} == {
        (3, 2024): pytest.approx(0.075), (2, 2023): pytest.approx(0.09)}
    assert len(changes) == 2
    e2 = g.copy()
    e2.loc[2, "2023/2024"] = ""
    e2.loc[3, "2023/2024"] = "сто"
    changes, errors = reference.target_changes(g, e2)
    assert changes == []
    assert errors == ["Северный, 2023/2024: цель нельзя стереть — введите новое значение.",
                      "Южный, 2023/2024: «сто» — не процент. Введите число от 0 до 100, например 10 или 12,5."]


def test_target_years():
    assert reference.target_years([2021, 2022], [2023], 2024) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert reference.target_years([], [], 2024) == [2024, 2025, 2026]
