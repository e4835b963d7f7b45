"""shnor/overview.py on the hand-made region of tests/smalldb.py (figures computed by hand there)."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from shnor.domain import events
from shnor.read import overview as ov
from shnor.read.analysis import compute_list, load_rule_settings, share_by_year
from shnor.domain.rule import RuleSettings
from shnor.store import Store
from smalldb import build_small_db


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.duckdb"
    ids = build_small_db(path)
    store = Store.open(path)
    terr = store.territories.list().set_index("name")["id"].astype(int).to_dict()
    yield store, ids, terr
    store.close()


# -- the gap in schools ---------------------------------------------------------------------------

def test_allowed_is_floor_in_decimals():
    assert ov.allowed_shnor(0.10, 10) == 1
    assert ov.allowed_shnor(0.05, 15) == 0
    assert ov.allowed_shnor(0.29, 100) == 29       # float 0.29 * 100 = 28.999…
    assert ov.allowed_shnor(0.07, 100) == 7
    assert ov.allowed_shnor(0.15, 0) == 0


@given(hs.integers(0, 100), hs.integers(0, 2000))
def test_allowed_is_the_largest_count_within_target(pct, schools):
    target = pct / 100
    allowed = ov.allowed_shnor(target, schools)
    assert Fraction(allowed) <= Fraction(pct, 100) * schools
    assert Fraction(allowed + 1) > Fraction(pct, 100) * schools


def test_gap_sentence_and_met():
    f = ov.TargetFigures(list_year=2024, schools=10, shnor=2, target=0.10)
    assert f.share == 0.2 and f.allowed == 1 and f.gap == 1 and f.met is False
    assert f.gap_sentence() == "Нужно на 1 ШНОР меньше: цель 10\u00a0% допускает не более 1 из 10 школ."
    ok = ov.TargetFigures(2024, 24, 1, 0.05)
    assert ok.gap == 0 and ok.met
    assert ok.gap_sentence().startswith("Цель 5\u00a0% достигнута: ШНОР 1, допустимо не более 1 из 24 школ")
    zero = ov.TargetFigures(2024, 15, 3, 0.05)
    assert zero.gap_sentence() == "Нужно на 3 ШНОР меньше: цель 5\u00a0% для 15 школ не допускает ни одной ШНОР."
    assert ov.TargetFigures(2024, 15, 0, 0.05).gap_sentence() == "Цель 5\u00a0% достигнута: ШНОР нет."
    none = ov.TargetFigures(2024, 15, 3, None)
    assert none.gap is None and "не задана" in none.gap_sentence() and "2023/2024" in none.gap_sentence()
    assert ov.TargetFigures(2024, 1234, 10, 0.125).gap_sentence().endswith("не более 154 из 1\u00a0234 школ.")
    assert ov.fmt_target(0.125) == "12,5\u00a0%"


def test_trend_message_states_direction_and_target():
    t = pd.DataFrame({"year": [2021, 2022], "schools": [100, 100], "shnor": [15, 8], "share": [0.152, 0.081],
                      "target": [None, 0.05]})
    assert ov.trend_message(t) == "Доля ШНОР снизилась с 15,2\u00a0% до 8,1\u00a0% — цель 5\u00a0% не достигнута"
    t2 = t.assign(shnor=[15, 5], share=[0.15, 0.05])
    assert ov.trend_message(t2).endswith("цель 5\u00a0% достигнута")
    t3 = t.assign(target=[None, None])
    assert ov.trend_message(t3).endswith("цель на 2022/2023 не задана")
    assert "нет результатов" in ov.trend_message(t.iloc[0:0])


# -- the small region -----------------------------------------------------------------------------

def test_years(small):
    store, _, _ = small
    assert ov.list_years(store) == [2024, 2023, 2022]
    assert ov.default_list_year(store) == 2024


def test_figures_of_a_territory(small):
    store, _, terr = small
    north = terr["Северный район"]
    lst = compute_list(store, 2024, north)
    f = ov.target_figures(lst, ov.list_target(store, north, 2024))
    assert (f.schools, f.shnor, f.target, f.allowed, f.gap) == (10, 2, 0.10, 1, 1)
    region = compute_list(store, 2024, None)
    fr = ov.target_figures(region, ov.list_target(store, None, 2024))
    assert (fr.schools, fr.shnor, fr.allowed, fr.gap) == (15, 3, 0, 3)
    assert ov.status_counts(lst) == {"ШНОР": 2, "группа риска": 2, "без низких результатов": 5, "нет данных": 1}


def test_trend_of_north(small):
    store, _, terr = small
    trend = share_by_year(store, terr["Северный район"])
    # results in 2021 for 2 of 11 schools, in 2022 for 9 of 11: too few (< 90 %) to read a direction from
    assert ov.trend_message(trend) == ("Доля ШНОР по результатам 2023/2024 — 20,0\u00a0% (за прежние годы данных "
                                       "мало) — цель 10\u00a0% не достигнута")
    tf = ov.trend_frame(trend)
    assert list(tf["year_label"]) == ["2021/2022", "2022/2023", "2023/2024"]
    assert list(tf["share_label"]) == ["9,1\u00a0%", "27,3\u00a0%", "20,0\u00a0%"]
    assert list(tf["target_label"]) == ["не задана", "не задана", "10\u00a0%"]
    assert list(tf["detail"]) == ["1 из 11", "3 из 11", "2 из 10"]


def test_entered_left_stayed(small):
    store, ids, terr = small
    ch = ov.list_changes(store, 2024, terr["Северный район"], load_rule_settings(store))
    assert ch.previous_available
    assert list(ch.entered["id"]) == [ids[1]]
    assert "Критерий 1" in ch.entered["reasons"].iloc[0]
    left = ch.left.set_index("id")
    assert set(left.index) == {ids[7], ids[11]}
    assert left.at[ids[7], "status_now"] == "без низких результатов"
    assert left.at[ids[11], "status_now"] == "не действовала"
    assert list(ch.stayed["id"]) == [ids[2]]


def test_no_previous_list_when_no_results(small):
    store, _, terr = small
    ch = ov.list_changes(store, 2022, terr["Северный район"], load_rule_settings(store))
    assert not ch.previous_available and ch.entered.empty and ch.left.empty


def test_low_results_by_procedure(small):
    store, _, terr = small
    df = ov.low_results_by_procedure(compute_list(store, 2024, terr["Северный район"]))
    got = df.set_index("procedure")
    assert df["procedure"].iloc[0] == "VPR-MATH-5"
    assert got.at["VPR-MATH-5", "schools"] == 2 and got.at["VPR-MATH-5", "schools_y1"] == 2
    assert got.at["VPR-MATH-6", "schools"] == 1 and got.at["VPR-MATH-6", "schools_y2"] == 1
    assert got.at["VPR-RUS-5", "schools"] == 1
    assert got.at["OGE-MATH", "schools"] == 0           # S3's low ОГЭ is a risk, not a ШНОР reason
    assert len(df) == 9 and got.at["VPR-MATH-5", "name"] == "ВПР, математика, 5 кл."


def test_territory_comparison(small):
    store, _, terr = small
    df = ov.territory_comparison(store, compute_list(store, 2024, None))
    assert list(df["territory"]) == ["Северный район", "Южный район"]     # equal 20 %: by name
    row = df.set_index("territory")
    assert (row.at["Северный район", "schools"], row.at["Северный район", "shnor"]) == (10, 2)
    assert row.at["Северный район", "target"] == 0.10 and row.at["Северный район", "gap"] == 1
    assert row.at["Южный район", "target"] == 0.05                      # the region's target applies
    assert row.at["Южный район", "allowed"] == 0 and not row.at["Южный район", "met"]
    # a municipality without districts has nothing to compare
    assert ov.territory_comparison(store, compute_list(store, 2024, terr["Южный район"])).empty


def test_risk_group(small):
    store, ids, terr = small
    rg = ov.risk_group(compute_list(store, 2024, terr["Северный район"]))
    assert set(rg["id"]) == {ids[3], ids[4]}
    assert all("Группа риска" in r for r in rg["reasons"])


# -- one school ----------------------------------------------------------------------------------

def test_find_school(small):
    store, ids, _ = small
    schools = store.schools.list()
    assert ov.find_school(schools, str(ids[3])) == ids[3]
    assert ov.find_school(schools, "sch420003") == ids[3]
    assert ov.find_school(schools, "EDU420003") == ids[3]              # the 2022 login form, any case
    assert ov.find_school(schools, "OGE004") == ids[4]
    assert ov.find_school(schools, "nobody") is None
    assert ov.find_school(schools, "") is None and ov.find_school(schools, None) is None


def test_school_card_shows_missing_as_no_data(small):
    store, ids, _ = small
    schools = store.schools.list().set_index("id", drop=False)
    card = dict(ov.school_card(schools.loc[ids[5]]))
    assert card["ИНН"] == "нет данных" and card["Логин ФИС ОКО"] == "sch420005"
    assert card["Годы работы"] == "действует" and card["Местность"] == "городская"
    card11 = dict(ov.school_card(schools.loc[ids[11]]))
    assert card11["Годы работы"] == "по 2022/2023" and card11["Местность"] == "сельская"


def test_school_history(small):
    store, ids, _ = small
    schools = store.schools.list().set_index("id", drop=False)
    res = store.results.list()
    h = ov.school_history(schools.loc[ids[1]], res, [2022, 2023, 2024], RuleSettings())
    assert list(h["year"]) == [2024, 2023, 2022]
    assert list(h["status_ru"]) == ["ШНОР", "без низких результатов", "ШНОР"]
    assert h["reasons"].iloc[0].startswith("Критерий 1 — 2 процедуры")
    assert list(h["low_y1"]) == ["2 из 2", "0 из 1", "2 из 2"]
    assert list(h["low_y2"]) == ["0 из 1", "2 из 2", "нет данных"]
    h11 = ov.school_history(schools.loc[ids[11]], res, [2023, 2024], RuleSettings())
    assert list(h11["status_ru"]) == ["не действовала", "ШНОР"]
    h5 = ov.school_history(schools.loc[ids[5]], res, [2024], RuleSettings())
    assert h5["status_ru"].iloc[0] == "нет данных"


def test_procedure_trends_and_table(small):
    store, ids, terr = small
    res = store.results.list(territory_id=terr["Северный район"])
    t = ov.procedure_trends(ids[1], res, RuleSettings())
    school = t[(t["series"] == "Школа") & (t["procedure"] == "VPR-MATH-5")].set_index("year")
    assert school.at[2023, "share"] == 0.4 and school.at[2023, "label"] == "40,0\u00a0% (4 из 10)"
    assert school.at[2022, "share"] == 0.0                              # a real 0 of 10 stays 0
    terr_row = t[(t["series"] == "Территория") & (t["procedure"] == "VPR-MATH-5")].set_index("year")
    # 2023 in Северный: S1 4/10, S2 6/20, S4 26/100, S6 S8 S9 S10 1/20 each, S7 0/10 -> 40/220
    assert terr_row.at[2023, "low"] == 40 and terr_row.at[2023, "participants"] == 220
    rus6 = t[(t["series"] == "Школа") & (t["procedure"] == "VPR-RUS-6")]
    assert rus6["share"].isna().all() and set(rus6["label"]) == {"нет данных"}
    table = ov.procedure_table(t).set_index("Процедура")
    assert table.at["ВПР, математика, 5 кл.", "2023/2024"] == "40,0\u00a0% «2» (4 из 10)"
    assert table.at["ОГЭ, математика", "2023/2024"] == "нет данных"
    assert list(table.columns) == ["2021/2022", "2022/2023", "2023/2024"]
    oge = ov.procedure_table(ov.procedure_trends(ids[3], res, RuleSettings())).set_index("Процедура")
    assert oge.at["ОГЭ, математика", "2023/2024"] == "30,0\u00a0% ниже минимума (3 из 10)"


def test_mark_distribution(small):
    store, ids, _ = small
    res = store.results.list()
    md = ov.mark_distribution(ids[1], res)
    assert list(md["mark"]) == ["«2»", "«3»", "«4»", "«5»"]
    assert list(md["pupils"]) == [4, 3, 2, 1] and md["share"].sum() == pytest.approx(1.0)
    assert ov.mark_distribution(ids[5], res).empty


def test_districts_compared_against_their_city_target(small):
    store, ids, terr = small
    north = terr["Северный район"]
    from shnor.domain.permissions import SYSTEM
    from shnor.services.settings import add_territory
    east = add_territory(store, SYSTEM, "Восточный микрорайон", kind="district", parent_id=north)
    west = add_territory(store, SYSTEM, "Западный микрорайон", kind="district", parent_id=north)
    with store.unit("test") as u:
        u.sql.run("UPDATE schools SET district_id = ? WHERE id IN (?, ?, ?, ?)", [east, ids[1], ids[2], ids[3], ids[4]])
        u.sql.run("UPDATE schools SET district_id = ? WHERE id IN (?, ?, ?, ?, ?, ?)",
                  [west, ids[5], ids[6], ids[7], ids[8], ids[9], ids[10]])
        u.record(events.IMPORT_STORED, batch=0, file="districts")
    # a district has no target of its own: the city's 10 % applies, not the region's 5 %
    assert ov.inherited_target(store, east, 2023) == 0.10
    assert ov.inherited_target(store, terr["Южный район"], 2023) == 0.05
    assert ov.inherited_target(store, east, 2022) is None
    df = ov.territory_comparison(store, compute_list(store, 2024, north)).set_index("territory")
    assert list(df.index) == ["Восточный микрорайон", "Западный микрорайон"]
    assert (df.at["Восточный микрорайон", "schools"], df.at["Восточный микрорайон", "shnor"]) == (4, 2)
    assert df.at["Восточный микрорайон", "target"] == 0.10 and df.at["Восточный микрорайон", "gap"] == 2
    assert (df.at["Западный микрорайон", "schools"], df.at["Западный микрорайон", "shnor"]) == (6, 0)
    data = ov.build_overview(store, 2024, east, load_rule_settings(store))
    assert (data.figures.schools, data.figures.shnor, data.figures.target) == (4, 2, 0.10)
    assert data.trend["target"].iloc[-1] == 0.10
