"""The ШНОР rule, clause by clause, with hand-computed cases (SPEC.md, seed 000)."""
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from shnor.domain.rule import NO_DATA, OK, RISK, SHNOR, RuleSettings, identify_shnor

Y = 2022  # list formed for 2022/2023: Y-1 = 2021/2022, Y-2 = 2020/2021


def res(*rows):
    return pd.DataFrame([dict(school_id=s, procedure=p, year=y, participants=n, low_count=low)
                         for s, p, y, n, low in rows],
                        columns=["school_id", "procedure", "year", "participants", "low_count"])


def one(rows, settings=RuleSettings(), school=1):
    ident = identify_shnor(res(*rows), pd.DataFrame({"id": [school]}), Y, settings)
    return ident.statuses[0]


def test_thirty_percent_exactly_is_low_and_two_procedures_fire_criterion_1():
    s = one([(1, "VPR-MATH-5", 2021, 10, 3), (1, "VPR-RUS-5", 2021, 20, 6)])
    assert s.status == SHNOR and s.criteria == (1,) and s.criteria_label == "1"
    assert "30,0\u00a0% «2» (3 из 10)" in s.reasons
    assert "Критерий 1 — 2 процедуры с низкими результатами в 2021/2022" in s.reasons


def test_29_6_percent_is_not_low_but_is_risk_group():
    # 8 of 27 = 29.63 %: below 30 %, within the 25 % margin
    s = one([(1, "VPR-MATH-5", 2021, 27, 8), (1, "VPR-RUS-5", 2021, 27, 8)])
    assert s.status == RISK and s.criteria == ()
    assert len(s.near) == 2 and "29,6\u00a0%" in s.reasons


def test_criterion_2_any_procedure_in_each_year():
    s = one([(1, "VPR-MATH-5", 2021, 20, 6), (1, "OGE-RUS", 2020, 10, 5)])
    assert s.status == SHNOR and s.criteria == (2,)
    assert "в каждом из двух прошлых лет: в 2020/2021: ОГЭ, русский язык" in s.reasons
    assert "; в 2021/2022: ВПР, математика, 5 кл." in s.reasons


def test_criterion_2_same_variant_needs_the_same_procedure():
    rows = [(1, "VPR-MATH-5", 2021, 20, 6), (1, "OGE-RUS", 2020, 10, 5)]
    same = RuleSettings(variant="same")
    assert one(rows, same).status == RISK  # one low procedure in Y-1 only
    rows.append((1, "VPR-MATH-5", 2020, 10, 4))
    s = one(rows, same)
    assert s.status == SHNOR and s.criteria == (2,)
    assert {e.procedure for e in s.evidence} == {"VPR-MATH-5"}


def test_both_criteria():
    s = one([(1, "VPR-MATH-5", 2021, 10, 3), (1, "VPR-MATH-6", 2021, 10, 5), (1, "EGE-RUS", 2020, 4, 2)])
    assert s.criteria == (1, 2) and s.criteria_label == "1+2"


def test_no_data_is_not_not_low():
    s = one([(1, "VPR-MATH-5", 2019, 10, 9)])  # only Y-3: outside the window
    assert s.status == NO_DATA
    assert "нет данных" in s.reasons and "а не «нет низких результатов»" in s.reasons
    assert len(s.missing) == 18  # nine procedures × two years


def test_criterion_1_needs_only_previous_year_and_says_the_older_year_has_no_data():
    s = one([(1, "VPR-MATH-5", 2021, 10, 3), (1, "VPR-RUS-6", 2021, 10, 4)])
    assert s.status == SHNOR
    assert "За 2020/2021 нет данных" in s.reasons


def test_a_school_of_two_pupils_is_flagged_as_small_group_not_dropped():
    s = one([(1, "VPR-MATH-5", 2021, 2, 1), (1, "VPR-RUS-5", 2021, 2, 1)])
    assert s.status == SHNOR
    assert len(s.small_groups) == 2 and "Малая группа (менее 10 участников)" in s.reasons


def test_min_participants_excludes_small_results_and_says_so():
    st_ = one([(1, "VPR-MATH-5", 2021, 2, 1), (1, "VPR-RUS-5", 2021, 2, 1)], RuleSettings(min_participants=5))
    assert st_.status == NO_DATA
    assert len(st_.excluded) == 2


def test_without_low_results_the_missing_procedures_are_named_as_not_assessed():
    s = one([(1, "VPR-MATH-5", 2021, 20, 1), (1, "VPR-RUS-5", 2021, 20, 1), (1, "VPR-MATH-5", 2020, 20, 1)])
    assert s.status == OK
    assert "За 2021/2022 нет данных по 7 из 9 процедур правила (ВПР мат-6, ВПР рус-6, ОГЭ мат" in s.reasons
    assert "по ним школа не оценена" in s.reasons
    full = [(1, p, 2021, 20, 1) for p in RuleSettings().procedures] + [(1, "VPR-MATH-5", 2020, 20, 1)]
    assert "не оценена" not in one(full).reasons


def test_two_years_one_low_each_and_old_year_alone_is_not_enough():
    assert one([(1, "VPR-MATH-5", 2020, 10, 5)]).status == OK  # only Y-2 low, Y-1 absent
    assert one([(1, "VPR-MATH-5", 2020, 10, 5), (1, "VPR-MATH-5", 2021, 10, 1)]).status == OK


def test_procedures_outside_the_set_are_ignored():
    rows = [(1, "VPR-HIST-5", 2021, 10, 9), (1, "VPR-BIO-5", 2021, 10, 9)]
    assert one(rows).status == NO_DATA
    s = one(rows, RuleSettings(procedures=("VPR-HIST-5", "VPR-BIO-5")))
    assert s.status == SHNOR


def test_threshold_is_a_setting():
    rows = [(1, "VPR-MATH-5", 2021, 10, 2), (1, "VPR-RUS-5", 2021, 10, 2)]
    assert one(rows).status == OK
    assert one(rows, RuleSettings(threshold_pct=20)).status == SHNOR


def test_stably_high_needs_both_years_and_quality():
    base = [dict(school_id=1, procedure="VPR-MATH-5", year=2021, participants=20, low_count=1, mark4=8, mark5=4),
            dict(school_id=1, procedure="VPR-MATH-5", year=2020, participants=20, low_count=2, mark4=6, mark5=5)]
    ident = identify_shnor(pd.DataFrame(base), pd.DataFrame({"id": [1]}), Y)
    assert ident.statuses[0].stably_high  # 23 of 40 with 4-5 = 57.5 % >= 50 %; max 10 % of "2"
    base[1]["mark4"] = 2
    ident = identify_shnor(pd.DataFrame(base), pd.DataFrame({"id": [1]}), Y)
    assert not ident.statuses[0].stably_high  # 19 of 40 < 50 %


def test_nullable_mark_columns_as_duckdb_returns_them():
    # DuckDB gives Int32 columns with <NA> where marks are unknown (exam tables without marks)
    df = pd.DataFrame({"school_id": [1, 1], "procedure": ["VPR-MATH-5", "EGE-RUS"], "year": [2021, 2020],
                       "participants": [20, 10], "low_count": [1, 0],
                       "mark4": pd.array([9, None], dtype="Int32"), "mark5": pd.array([3, None], dtype="Int32")})
    s = identify_shnor(df, pd.DataFrame({"id": [1]}), Y).statuses[0]
    assert s.status == OK and s.stably_high  # 12 of 20 with "4"+"5"; the exam without marks is not counted


def test_settings_roundtrip_and_validation():
    s = RuleSettings(threshold_pct=25, variant="same", procedures=("OGE-MATH",))
    assert RuleSettings.from_dict(s.to_dict()) == s
    assert RuleSettings(threshold_pct=0).validate()
    assert RuleSettings(variant="x").validate()
    assert not RuleSettings().validate()


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["VPR-MATH-5", "VPR-RUS-5", "OGE-MATH"]), st.sampled_from([2020, 2021]),
                          st.integers(1, 60), st.integers(0, 60)), max_size=6, unique_by=lambda t: (t[0], t[1])))
def test_invariants(rows):
    rows = [(1, p, y, n, min(low, n)) for p, y, n, low in rows]
    any_ = one(rows)
    same = one(rows, RuleSettings(variant="same"))
    # "same" is stricter than "any"
    assert not (same.status == SHNOR and any_.status != SHNOR)
    # raising the threshold never adds a school
    strict = one(rows, RuleSettings(threshold_pct=50))
    assert not (strict.status == SHNOR and any_.status != SHNOR)
    # criteria are exactly what the integers say
    low1 = sum(1 for _, p, y, n, low in rows if y == 2021 and low * 100 >= 30 * n)
    low2 = sum(1 for _, p, y, n, low in rows if y == 2020 and low * 100 >= 30 * n)
    assert (1 in any_.criteria) == (low1 >= 2)
    assert (2 in any_.criteria) == (low1 >= 1 and low2 >= 1)
    assert (any_.status == NO_DATA) == (not rows)
