"""The analyses over a small real DuckDB file: the repository (shnor/store/analyses.py) and the read models
(shnor/read/analyses.py), with the acting user's scope. Figures by hand:

Тестовая область: Северный район — schools 1, 2 (СОШ, rural), 3 (гимназия, urban); Южный район — 4 (СОШ, rural),
5 (ООШ, rural). ВПР мат-5, results year 2021 (journal: below / equal / above):
  1: 20 pupils, 1 «2», 1/17/2 (95 %)      2: 30, 6 «2», 12/15/3 (60 %)     3: 50, 10 «2», 20/28/2 (60 %)
  4: 10, 4 «2», 2/8/0 (80 %)              5: 25, 10 «2», no journal (a flat-template result)
  Северный: 67/100 = 67 %, 17/100 «2»; Южный: 8/10 = 80 %; region 75/110.
  -> school 1 flagged (95 % is 28 p.p. above 67 %; 5 % «2» <= 17 %/3): both patterns.
  2020: school 1 20 of 20 equal (100 %), school 2 10/10/0 of 20 (50 %) -> Северный 30/40 = 75 %: 1 flagged again.
Task points, ВПР мат-5 2021, maxima 1, 2, 1 from the protocol: 1 (0,5; 1,0; 0,2), 2 (0,9; 1,5; 0,6),
  4 (0,8; 0,4; 0,9); 3 and 5 have none.
  School 1: 50 %, 50 %, 20 %. Северный (1, 2): task 1 (10+27)/50 = 74 %, task 2 (20+45)/50/2 = 65 %, task 3
  (4+18)/50 = 44 %. Region (1, 2, 4): 75 %, 57,5 %, 31/60 = 51,67 %.
List 2022 (results 2021 and 2020), 30 %:
  2: ВПР мат-5 2020 7/20 (35 %), ВПР рус-5 2021 9/30 (30 %) -> ШНОР, criterion 2; 5: ВПР мат-5 10/25 and
  ВПР рус-5 8/20 in 2021 -> ШНОР, criterion 1; 4: ВПР мат-5 4/10 -> группа риска.
  Exit: 2 — мат-5 at 30 participants not more than 8 (now 6), рус-5 not more than 8 (now 9, one too many);
        5 — мат-5 at 25 not more than 7 (now 10), рус-5 at 20 not more than 5 (now 8).
"""
from __future__ import annotations

import json

import pytest

from shnor.domain import events
from shnor.domain.analyses import forecast as fc
from shnor.domain.permissions import SYSTEM, Forbidden, User
from shnor.domain.rule import RISK, SHNOR, RuleSettings
from shnor.read import analyses as an
from shnor.store import Store

NORTH, SOUTH = "Северный район", "Южный район"
SCHOOLS = {1: (NORTH, "СОШ", True), 2: (NORTH, "СОШ", True), 3: (NORTH, "гимназия", False),
           4: (SOUTH, "СОШ", True), 5: (SOUTH, "ООШ", True)}
MAX = {"1": 1, "2": 2, "3": 1}
TASKS = {1: {"1": 0.5, "2": 1.0, "3": 0.2}, 2: {"1": 0.9, "2": 1.5, "3": 0.6}, 4: {"1": 0.8, "2": 0.4, "3": 0.9}}
# school, procedure, year, participants, low, journal (below, equal, above) or None
RESULTS = [
    (1, "VPR-MATH-5", 2021, 20, 1, (1, 17, 2)),
    (2, "VPR-MATH-5", 2021, 30, 6, (12, 15, 3)),
    (3, "VPR-MATH-5", 2021, 50, 10, (20, 28, 2)),
    (4, "VPR-MATH-5", 2021, 10, 4, (2, 8, 0)),
    (5, "VPR-MATH-5", 2021, 25, 10, None),
    (5, "VPR-RUS-5", 2021, 20, 8, None),
    (2, "VPR-RUS-5", 2021, 30, 9, None),
    (1, "VPR-MATH-5", 2020, 20, 2, (0, 20, 0)),
    (2, "VPR-MATH-5", 2020, 20, 7, (10, 10, 0)),
]


def build(path) -> tuple[dict[int, int], dict[str, int]]:
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            region = u.territories.add("Тестовая область", kind="region")
            terr = {n: u.territories.add(n, parent_id=region) for n in (NORTH, SOUTH)}
            ids = {}
            for n, (t, typ, rural) in SCHOOLS.items():
                ids[n] = u.sql.run("INSERT INTO schools (login_key, fisoko_login, short_name, territory_id, "
                                   "school_type, is_rural) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                   [f"S4200{n:02d}", f"sch4200{n:02d}", f"Школа №{n}", terr[t], typ, rural])[0][0]
            batch = u.sql.run("INSERT INTO import_batches (file_name, sha256, status) VALUES ('t', 'x', 'stored') "
                              "RETURNING id")[0][0]
            for n, proc, year, part, low, j in RESULTS:
                tp = json.dumps(TASKS[n]) if (n in TASKS and proc == "VPR-MATH-5" and year == 2021) else None
                u.sql.run("INSERT INTO results (school_id, procedure, year, participants, low_count, task_points, "
                          "task_max, journal_below, journal_equal, journal_above, batch_id) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [ids[n], proc, year, part, low, tp, json.dumps(MAX) if tp else None,
                           *(j or (None, None, None)), batch])
            u.targets.set(None, 2022, 0.2)
            u.record(events.IMPORT_STORED, batch=batch, file="t")
        return ids, terr
    finally:
        store.close()


@pytest.fixture
def db(tmp_path):
    ids, terr = build(tmp_path / "a.duckdb")
    store = Store.open(tmp_path / "a.duckdb")
    yield store, ids, terr
    store.close()


def south_user(store, terr) -> User:
    return User("south", "viewer", terr[SOUTH], SOUTH, frozenset({terr[SOUTH]}))


# ---------------------------------------------------------------------------------------------
# The repository
# ---------------------------------------------------------------------------------------------

def test_repository_reads_journal_and_task_points(db):
    store, ids, terr = db
    j = store.analyses.journal([2021])
    assert sorted(j["school_id"]) == sorted(ids[n] for n in (1, 2, 3, 4))     # 5 has no journal data
    row = j[j["school_id"] == ids[1]].iloc[0]
    assert (row["journal_below"], row["journal_equal"], row["journal_above"]) == (1, 17, 2)
    assert row["territory_id"] == terr[NORTH]
    assert set(store.analyses.journal([2021], territory_id=terr[SOUTH])["school_id"]) == {ids[4]}
    tp = store.analyses.task_points([2021], ["VPR-MATH-5"])
    assert len(tp) == 9 and set(tp["max_points"]) == {1.0, 2.0}
    one = tp[(tp["school_id"] == ids[1])].set_index("task")
    assert one.at["3", "points"] == pytest.approx(0.2) and one.at["2", "max_points"] == 2.0
    assert store.analyses.task_years() == [("VPR-MATH-5", 2021)]


# ---------------------------------------------------------------------------------------------
# Objectivity
# ---------------------------------------------------------------------------------------------

def test_objectivity_view_by_hand(db):
    store, ids, terr = db
    v = an.objectivity(store, SYSTEM, 2021)
    assert len(v.table) == 4 and v.table.iloc[0]["school_id"] == ids[1]       # flagged first
    r = v.table.set_index("school_id").loc[ids[1]]
    assert bool(r["flag"]) and r["pattern"] == "match+few_twos"
    assert r["share"] == pytest.approx(0.95) and r["territory_share"] == pytest.approx(0.67)
    assert r["region_share"] == pytest.approx(75 / 110)
    assert r["flags"] == 2 and r["flag_1"] is True and r["flag_2"] is None
    assert r["short_name"] == "Школа №1" and r["territory"] == NORTH and r["school_code"] == "sch420001"
    assert v.flagged["school_id"].tolist() == [ids[1]]
    d = v.download()
    assert d.iloc[0]["Подтвердили или повысили, %"] == 95.0 and d.iloc[0]["Флаг"] == "да"
    assert d.iloc[0]["То же по территории, %"] == 67.0 and d.iloc[0]["Критерий"] == v.criterion


def test_objectivity_scope_of_a_bound_user(db):
    store, ids, terr = db
    user = south_user(store, terr)
    v = an.objectivity(store, user, 2021)
    assert v.table["school_id"].tolist() == [ids[4]]
    r = v.table.iloc[0]
    assert r["territory_share"] == pytest.approx(0.8) and r["region_share"] == pytest.approx(75 / 110)
    with pytest.raises(Forbidden):
        an.objectivity(store, user, 2021, territory_id=terr[NORTH])
    assert an.objectivity(store, SYSTEM, 2021, territory_id=terr[SOUTH]).table["school_id"].tolist() == [ids[4]]


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------

def test_task_view_by_hand(db):
    store, ids, terr = db
    v = an.task_analysis(store, SYSTEM, 2021, "VPR-MATH-5", territory_id=terr[NORTH])
    s1 = v.school(ids[1], "VPR-MATH-5")
    assert list(s1["task"]) == ["3", "1", "2"]
    by = s1.set_index("task")
    assert [round(by.at[t, "school_pct"], 2) for t in "123"] == [50.0, 50.0, 20.0]
    assert [round(by.at[t, "territory_pct"], 2) for t in "123"] == [74.0, 65.0, 44.0]
    assert [round(by.at[t, "region_pct"], 2) for t in "123"] == [75.0, 57.5, 51.67]
    assert set(v.table["school_id"]) == {ids[1], ids[2]}                 # the scope: Северный only
    assert list(v.worst["task"]) == ["3", "2", "1"]
    assert [round(x, 2) for x in v.worst["pct"]] == [44.0, 65.0, 74.0]
    assert [round(x, 2) for x in v.worst["region_pct"]] == [51.67, 57.5, 75.0]
    assert v.sources[("VPR-MATH-5", 2021)] == "по заголовкам протокола"
    d = v.download()
    assert len(d) == 6 and "Выполнение по региону, %" in d.columns


# ---------------------------------------------------------------------------------------------
# Distance to exit
# ---------------------------------------------------------------------------------------------

def test_exit_view_by_hand(db):
    store, ids, terr = db
    v = an.exit_distance(store, SYSTEM, 2022)
    t = v.table
    assert set(t.loc[t["status"] == SHNOR, "school_id"]) == {ids[2], ids[5]}
    assert set(t.loc[t["status"] == RISK, "school_id"]) == {ids[4]}
    rows = {(r.school_id, r.procedure): r for r in t.itertuples()}
    assert (rows[(ids[2], "VPR-MATH-5")].max_low_count, rows[(ids[2], "VPR-MATH-5")].excess) == (8, 0)
    assert (rows[(ids[2], "VPR-RUS-5")].max_low_count, rows[(ids[2], "VPR-RUS-5")].excess) == (8, 1)
    assert (rows[(ids[5], "VPR-MATH-5")].max_low_count, rows[(ids[5], "VPR-MATH-5")].low_count) == (7, 10)
    assert rows[(ids[5], "VPR-MATH-5")].sentence == \
        "ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10"
    assert rows[(ids[5], "VPR-RUS-5")].max_low_count == 5
    assert t.iloc[0]["status"] == SHNOR and t.iloc[-1]["status"] == RISK
    south = an.exit_distance(store, south_user(store, terr), 2022)
    assert set(south.table["school_id"]) == {ids[4], ids[5]}
    d = v.download()
    assert "Не более (при том же числе участников)" in d.columns and len(d) == len(t)


def test_exit_follows_the_stored_threshold(db):
    store, ids, terr = db
    with store.unit("test") as u:
        u.settings.set("rule", RuleSettings(threshold_pct=40).to_dict(), "test")
        u.record(events.RULE_SETTINGS_SAVED, settings={"threshold_pct": 40})
    v = an.exit_distance(store, SYSTEM, 2022)
    # at 40 %: 5 has 10/25 (40 %) and 8/20 (40 %) -> still ШНОР; at 25 participants at most 9, at 20 at most 7
    rows = {(r.school_id, r.procedure): r for r in v.table.itertuples()}
    assert rows[(ids[5], "VPR-MATH-5")].max_low_count == 9 and rows[(ids[5], "VPR-RUS-5")].max_low_count == 7
    assert ids[2] not in set(v.table.loc[v.table["status"] == SHNOR, "school_id"])   # 35 % and 30 % are not low


# ---------------------------------------------------------------------------------------------
# Similar schools and the forecast
# ---------------------------------------------------------------------------------------------

def test_similar_view_by_hand(db):
    store, ids, terr = db
    v = an.similar_schools(store, SYSTEM, 2021, procedure="VPR-MATH-5")
    r = v.table.set_index("school_id").loc[ids[1]]
    # five schools: never 5 peers sharing features -> all schools of the region with the work: 4 peers
    assert r["peers"] == 4 and r["peer_share"] == pytest.approx(30 / 115)
    assert r["basis_ru"] == "все школы региона с этой работой"
    assert r["territory_share"] == pytest.approx(17 / 100) and r["region_share"] == pytest.approx(31 / 135)
    south = an.similar_schools(store, south_user(store, terr), 2021, procedure="VPR-MATH-5")
    assert set(south.table["school_id"]) == {ids[4], ids[5]}
    r4 = south.table.set_index("school_id").loc[ids[4]]
    assert r4["peers"] == 4 and r4["peer_share"] == pytest.approx(27 / 125)     # peers from the whole region
    named, outside = south.peers(ids[4], "VPR-MATH-5")
    assert named["school_id"].tolist() == [ids[5]] and outside == 3                 # others are counted, not named
    named, outside = v.peers(ids[1], "VPR-MATH-5")
    assert named["school_id"].tolist() == [ids[2], ids[3], ids[4], ids[5]] and outside == 0   # 20 %, 20 %, 40 %, 40 %
    assert "Похожие школы" in v.download().columns


def test_forecast_view_against_the_target(db):
    store, ids, terr = db
    v = an.forecast_share(store, SYSTEM)
    f = v.forecast
    assert f.last_year == 2021 and f.results_year == 2022 and f.schools == 5
    assert f.target == pytest.approx(0.2) and f.allowed == 1
    history = store.results.list(procedures_=list(RuleSettings().procedures))
    same = fc.forecast(history, list(ids.values()), 2021, RuleSettings(), 0.2, 1)
    assert f.distribution == pytest.approx(same.distribution)
    assert v.current_shnor == 2 and v.current_schools == 5          # the list of 2022
    text = v.sentence()
    assert "Оценка" in text and "Цель 20\u00a0%" in text and "оценка, а не прогноз" in text
    d = v.download()
    assert set(d["Код ОО"]) == {f"sch4200{n:02d}" for n in (1, 2, 3, 4, 5)}
    south = an.forecast_share(store, south_user(store, terr))
    assert south.forecast.schools == 2


def test_one_schools_exit_plan_is_its_plan_among_all(db):
    store, ids, terr = db
    every = an.exit_distance(store, SYSTEM, 2022)
    assert len(every.plans) == 3
    sid = every.plans[1].school_id
    one = an.exit_distance(store, SYSTEM, 2022, school_id=sid)
    assert [p.school_id for p in one.plans] == [sid] and one.plans[0] == every.plans[1]
    assert one.table.reset_index(drop=True).equals(
        every.table[every.table["school_id"] == sid].reset_index(drop=True))


def test_one_schools_similar_rows_are_its_rows_among_all(db):
    store, ids, terr = db
    every = an.similar_schools(store, SYSTEM, 2021)
    assert every.table["school_id"].nunique() > 1
    sid = int(every.table["school_id"].iloc[0])
    one = an.similar_schools(store, SYSTEM, 2021, school_id=sid)
    assert one.table.reset_index(drop=True).equals(
        every.table[every.table["school_id"] == sid].reset_index(drop=True))
    assert one.region.empty                        # the peers are worked out, the region's results not carried
    for proc in one.table["procedure"]:
        named, outside = one.peers(sid, proc)
        named_all, outside_all = every.peers(sid, proc)
        assert named.equals(named_all) and outside == outside_all
