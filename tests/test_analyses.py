"""The analyses of shnor/domain/analyses/ on hand-made frames, every figure computed by hand (no database).

Distance to exit is checked by re-running the rule (identify_shnor) on the changed counts: a school at its
max_low_count in every procedure leaves the list; one more «2» keeps it (or puts a risk school on it)."""
from __future__ import annotations

import random

import pandas as pd
import pytest

from shnor.domain.analyses import exit as ex
from shnor.domain.analyses import forecast as fc
from shnor.domain.analyses import objectivity as ob
from shnor.domain.analyses import similar as sm
from shnor.domain.analyses import tasks as tk
from shnor.domain.rule import NO_DATA, OK, RISK, SHNOR, RuleSettings, identify_shnor
from shnor.domain.scales import is_low

RCOLS = ["school_id", "procedure", "year", "participants", "low_count"]


def results(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RCOLS)


def schools(*ids) -> pd.DataFrame:
    return pd.DataFrame({"id": list(ids)})


# ---------------------------------------------------------------------------------------------
# Distance to exit
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,thr,expected", [
    (25, 30, 7),     # 30 % of 25 = 7,5: 7 keeps it below
    (20, 30, 5),     # 30 % of 20 = 6: 6 is low (>=), so 5
    (10, 30, 2),     # 3 of 10 is low
    (3, 30, 0),      # 1 of 3 = 33 %
    (1, 30, 0),
    (100, 30, 29),
    (7, 25, 1),      # 2 of 7 = 28,6 % >= 25 %
    (40, 40, 15),    # 16 of 40 = 40 % is low
    (5, 100, 4),     # only all five is 100 %
])
def test_max_low_count_by_hand(n, thr, expected):
    assert ex.max_low_count(n, thr) == expected


def test_max_low_count_mirrors_is_low_everywhere():
    for thr in range(1, 101):
        for n in range(1, 120):
            k = ex.max_low_count(n, thr)
            assert not is_low(k, n, thr) and is_low(k + 1, n, thr), (n, thr, k)
    assert ex.max_low_count(0, 30) is None


def _next_year(plan: ex.ExitPlan, changes: dict[str, int]) -> list[tuple]:
    """The plan's procedures in the next results year at max_low_count (+ changes)."""
    return [(plan.school_id, t.procedure, plan.next_year, t.participants, t.max_low_count + changes.get(t.procedure, 0))
            for t in plan.targets]


def _status_next(plan: ex.ExitPlan, base: pd.DataFrame, changes: dict[str, int], settings: RuleSettings) -> str:
    """The school's status in the list of next_list_year when the next results are the plan's maxima + changes."""
    r = pd.concat([base[base["school_id"] == plan.school_id], results(_next_year(plan, changes))], ignore_index=True)
    return identify_shnor(r, schools(plan.school_id), plan.next_list_year, settings).statuses[0].status


# List 2022 (results 2021 = Y-1, 2020 = Y-2), threshold 30 %:
#   1: criterion 1 — ВПР мат-5 10/25 (40 %), ВПР рус-5 8/20 (40 %), ВПР мат-6 2/20 (10 %, fine)
#   2: criterion 2 — ОГЭ мат 4/10 in 2021, ОГЭ мат 3/10 in 2020
#   3: risk group — one low procedure (ВПР мат-5 6/20) and ВПР рус-5 1/20
#   4: risk group — no low, ВПР мат-5 26/100 (26 %, within the 5-point margin), ВПР рус-5 5/40
#   5: ok — ВПР мат-5 1/20
BASE = results([
    (1, "VPR-MATH-5", 2021, 25, 10), (1, "VPR-RUS-5", 2021, 20, 8), (1, "VPR-MATH-6", 2021, 20, 2),
    (2, "OGE-MATH", 2021, 10, 4), (2, "OGE-MATH", 2020, 10, 3),
    (3, "VPR-MATH-5", 2021, 20, 6), (3, "VPR-RUS-5", 2021, 20, 1),
    (4, "VPR-MATH-5", 2021, 100, 26), (4, "VPR-RUS-5", 2021, 40, 5),
    (5, "VPR-MATH-5", 2021, 20, 1),
])


def test_exit_plans_by_hand():
    ident = identify_shnor(BASE, schools(1, 2, 3, 4, 5), 2022)
    assert [s.status for s in ident.statuses] == [SHNOR, SHNOR, RISK, RISK, OK]
    plans = {p.school_id: p for p in ex.exit_plans(ident, BASE)}
    assert set(plans) == {1, 2, 3, 4}
    p1 = {t.procedure: t for t in plans[1].targets}
    assert [t.procedure for t in plans[1].targets] == ["VPR-MATH-5", "VPR-MATH-6", "VPR-RUS-5"]  # the rule's order
    assert (p1["VPR-MATH-5"].max_low_count, p1["VPR-MATH-5"].excess) == (7, 3)
    assert (p1["VPR-RUS-5"].max_low_count, p1["VPR-RUS-5"].excess) == (5, 3)
    assert (p1["VPR-MATH-6"].max_low_count, p1["VPR-MATH-6"].excess) == (5, 0)
    assert all(t.binding == ex.EACH for t in plans[1].targets)
    assert p1["VPR-MATH-5"].sentence() == "ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10"
    assert plans[2].targets[0].sentence() == "ОГЭ, математика: при 10 участниках не более 2 ниже минимума, в 2021/2022 — 4"
    assert plans[1].condition().startswith("Чтобы выйти из списка на 2023/2024, в 2022/2023 ни одна процедура правила")
    # the risk group: one low in Y-1 -> one low next year is enough; none -> two are needed
    assert all(t.binding == ex.EACH for t in plans[3].targets)
    assert all(t.binding == ex.ONE_OF for t in plans[4].targets)
    p4 = {t.procedure: t for t in plans[4].targets}
    assert p4["VPR-MATH-5"].sentence(for_entry=True) == \
        "ВПР, математика, 5 кл.: 30 «2» и более при 100 участниках — низкий результат, в 2021/2022 — 26"
    assert plans[4].condition().startswith("Школа попадёт в список на 2023/2024, если в 2022/2023 две процедуры")
    frame = ex.plans_frame(list(plans.values()))
    assert list(frame.columns) == ex.PLAN_COLUMNS and len(frame) == 3 + 1 + 2 + 2


def test_exit_verified_by_rerunning_the_rule():
    s = RuleSettings()
    ident = identify_shnor(BASE, schools(1, 2, 3, 4, 5), 2022, s)
    plans = {p.school_id: p for p in ex.exit_plans(ident, BASE)}
    for sid in (1, 2):   # ШНОР: at the maximum everywhere -> out; one more «2» anywhere -> still in
        plan = plans[sid]
        assert _status_next(plan, BASE, {}, s) != SHNOR
        for t in plan.targets:
            assert _status_next(plan, BASE, {t.procedure: 1}, s) == SHNOR, (sid, t.procedure)
    plan = plans[3]      # risk, one low: one more «2» in any procedure puts it on the list
    assert _status_next(plan, BASE, {}, s) != SHNOR
    for t in plan.targets:
        assert _status_next(plan, BASE, {t.procedure: 1}, s) == SHNOR
    plan = plans[4]      # risk, no low: one procedure over is not enough, two are
    assert _status_next(plan, BASE, {"VPR-MATH-5": 1}, s) != SHNOR
    assert _status_next(plan, BASE, {"VPR-MATH-5": 1, "VPR-RUS-5": 1}, s) == SHNOR


def test_exit_variant_same_binds_only_the_procedures_low_before():
    s = RuleSettings(variant="same")
    base = results([(1, "VPR-MATH-5", 2021, 20, 8), (1, "VPR-MATH-5", 2020, 20, 7), (1, "VPR-RUS-5", 2021, 20, 2),
                    (1, "VPR-MATH-6", 2021, 30, 3)])
    ident = identify_shnor(base, schools(1), 2022, s)
    assert ident.statuses[0].status == SHNOR and ident.statuses[0].criteria == (2,)
    plan = ex.exit_plans(ident, base)[0]
    binding = {t.procedure: t.binding for t in plan.targets}
    assert binding == {"VPR-MATH-5": ex.EACH, "VPR-MATH-6": ex.ONE_OF, "VPR-RUS-5": ex.ONE_OF}
    assert _status_next(plan, base, {}, s) != SHNOR
    assert _status_next(plan, base, {"VPR-MATH-5": 1}, s) == SHNOR          # the same procedure low again
    assert _status_next(plan, base, {"VPR-RUS-5": 1}, s) != SHNOR           # one other low: criterion 1 needs two
    assert _status_next(plan, base, {"VPR-RUS-5": 1, "VPR-MATH-6": 1}, s) == SHNOR
    assert "не более одной" in plan.condition()


def test_exit_uses_the_stored_threshold_and_min_participants():
    s = RuleSettings(threshold_pct=40, min_participants=5)
    base = results([(1, "VPR-MATH-5", 2021, 25, 10), (1, "VPR-RUS-5", 2021, 20, 9), (1, "VPR-MATH-6", 2021, 4, 4)])
    ident = identify_shnor(base, schools(1), 2022, s)
    plan = ex.exit_plans(ident, base)[0]
    t = {x.procedure: x for x in plan.targets}
    assert t["VPR-MATH-5"].max_low_count == 9          # 40 % of 25 = 10 is low
    assert t["VPR-RUS-5"].max_low_count == 7           # 40 % of 20 = 8 is low
    assert t["VPR-MATH-6"].binding == ex.NOT_COUNTED and t["VPR-MATH-6"].excess == 0
    assert _status_next(plan, base, {}, s) != SHNOR
    assert _status_next(plan, base, {"VPR-MATH-5": 1}, s) == SHNOR
    assert _status_next(plan, base, {"VPR-MATH-6": 0}, s) != SHNOR


def test_exit_property_on_random_regions():
    """On random results, for both variants: every ШНОР leaves the list at its maxima, and one more «2» in a
    binding procedure keeps it; every school of the risk group stays off at its maxima."""
    rng = random.Random(7)
    procs = ["VPR-MATH-5", "VPR-RUS-5", "VPR-MATH-6", "OGE-MATH"]
    rows = []
    for sid in range(1, 61):
        for year in (2020, 2021):
            for p in procs:
                if rng.random() < 0.7:
                    n = rng.randint(1, 60)
                    rows.append((sid, p, year, n, rng.randint(0, n // 2)))
    base = results(rows)
    for s in (RuleSettings(), RuleSettings(variant="same"), RuleSettings(threshold_pct=25, min_participants=5)):
        ident = identify_shnor(base, schools(*range(1, 61)), 2022, s)
        plans = ex.exit_plans(ident, base)
        assert any(p.status == SHNOR for p in plans) and any(p.status == RISK for p in plans)
        for plan in plans:
            assert _status_next(plan, base, {}, s) != SHNOR, plan
            for t in plan.targets:
                if t.binding == ex.EACH:
                    assert _status_next(plan, base, {t.procedure: 1}, s) == SHNOR, (plan, t)
            one_of = [t.procedure for t in plan.targets if t.binding == ex.ONE_OF]
            if len(one_of) >= 2:
                assert _status_next(plan, base, {one_of[0]: 1}, s) != SHNOR
                assert _status_next(plan, base, {one_of[0]: 1, one_of[1]: 1}, s) == SHNOR


def test_no_data_and_ok_schools_have_no_plan():
    base = results([(1, "VPR-MATH-5", 2021, 20, 1)])
    ident = identify_shnor(base, schools(1, 2), 2022)
    assert [s.status for s in ident.statuses] == [OK, NO_DATA]
    assert ex.exit_plans(ident, base) == []


# ---------------------------------------------------------------------------------------------
# Objectivity
# ---------------------------------------------------------------------------------------------

JCOLS = ["school_id", "territory_id", "procedure", "year", "participants", "low_count", "journal_below",
         "journal_equal", "journal_above"]


def journal(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=JCOLS)


def test_objectivity_by_hand():
    # territory 1: A 19 of 20 confirmed or raised (95 %), B 18/30, C 30/50 -> territory 67/100 = 67 %
    # territory 2: D 8/10 (80 %) alone; region: 75/110
    df = journal([
        (1, 1, "VPR-MATH-5", 2020, 20, 1, 1, 17, 2),
        (2, 1, "VPR-MATH-5", 2020, 30, 6, 12, 15, 3),
        (3, 1, "VPR-MATH-5", 2020, 50, 10, 20, 28, 2),
        (4, 2, "VPR-MATH-5", 2020, 10, 0, 2, 8, 0),
    ])
    t = ob.objectivity_table(df).set_index("school_id")
    assert t.at[1, "compared"] == 20 and t.at[1, "confirmed"] == 19
    assert t.at[1, "share"] == pytest.approx(0.95)
    assert t.at[1, "territory_share"] == pytest.approx(0.67)
    assert t.at[1, "region_share"] == pytest.approx(75 / 110)
    assert t.at[1, "gap_pp"] == pytest.approx(28.0)
    assert t.at[1, "territory_low_share"] == pytest.approx(17 / 100)
    assert bool(t.at[1, "match"])
    # «2»: 1/20 = 5 % <= 17 %/3 = 5,67 %, territory 17 % >= 10 % -> the second pattern too
    assert bool(t.at[1, "few_twos"]) and t.at[1, "pattern"] == "match+few_twos" and bool(t.at[1, "flag"])
    assert not t.loc[[2, 3, 4], "flag"].any()       # D: 80 % alone in its territory (gap 0)
    assert t.at[1, "reason"].startswith("Отметки ВПР подтвердили или превысили журнальные у 95,0\u00a0% участников "
                                        "(19 из 20) при 67,0\u00a0% по территории")
    assert "на 28,0 п. п." in t.at[1, "reason"]


@pytest.mark.parametrize("conf,other,flag", [
    (18, 57, True),    # 90 % and territory (18+57)/100 = 75 %: gap exactly 15 p.p. -> flag
    (18, 58, False),   # territory 76 %: gap 14 p.p.
    (17, 55, False),   # 85 % < 90 %, territory 72 %: gap 13
])
def test_match_criterion_either_side(conf, other, flag):
    df = journal([(1, 1, "VPR-RUS-5", 2020, 20, 5, 20 - conf, conf, 0),
                  (2, 1, "VPR-RUS-5", 2020, 80, 16, 80 - other, other, 0)])
    t = ob.objectivity_table(df).set_index("school_id")
    assert bool(t.at[1, "match"]) is flag


def test_match_needs_ten_compared_pupils():
    assert ob.is_match(10, 10, 60, 100)          # 10 of 10, territory 60 %
    assert not ob.is_match(9, 9, 59, 99)         # 9 of 9: too few compared
    assert ob.is_match(9, 10, 70, 100)           # 90 % and 20 p.p. above
    assert ob.is_match(9, 10, 75, 100)           # exactly 15 p.p.
    assert not ob.is_match(9, 10, 76, 100)       # 14 p.p.
    assert not ob.is_match(8, 10, 50, 100)       # 80 % < 90 %, though 30 p.p. above


@pytest.mark.parametrize("low,t_low,t_n,flag", [
    (1, 10, 100, True),     # 1/30 = 3,33 % <= 10 %/3: 1*3*100 = 300 <= 10*30 = 300
    (2, 10, 100, False),    # 6,67 % > 3,33 %
    (0, 9, 100, False),     # the territory has only 9 % «2»
    (0, 10, 100, True),
])
def test_few_twos_criterion_either_side(low, t_low, t_n, flag):
    assert ob.is_few_twos(27, 30, low, 30, t_low, t_n) is flag
    assert ob.is_few_twos(26, 30, low, 30, t_low, t_n) is False     # 86,7 % < 90 %


def test_objectivity_rows_without_journal_data_and_history():
    df = journal([
        (1, 1, "VPR-MATH-5", 2018, 20, 1, 1, 19, 0),       # 95 %, territory 95 % (alone): no flag
        (1, 1, "VPR-MATH-5", 2020, 20, 1, 0, 20, 0),
        (2, 1, "VPR-MATH-5", 2020, 20, 8, 10, 10, 0),
        (1, 1, "VPR-RUS-5", 2020, 20, 1, None, None, None),
    ])
    t = ob.objectivity_table(df)
    none = t[t["procedure"] == "VPR-RUS-5"].iloc[0]
    assert none["compared"] == 0 and pd.isna(none["share"]) and not none["flag"]
    assert none["reason"] == "Нет данных о журнальных отметках — сравнение невозможно."
    h = ob.with_history(t, 2020).set_index(["school_id", "procedure"])
    row = h.loc[(1, "VPR-MATH-5")]
    assert bool(row["flag"]) and row["flags"] == 1       # 100 % vs (20+10)/40 = 75 %
    assert row["flag_1"] is None and row["flag_2"] is False
    assert row["history_ru"] == ("2018/2019 — 95,0\u00a0%; 2019/2020 — нет данных; 2020/2021 — 100,0\u00a0% (флаг)")


def test_objectivity_criterion_is_stated_with_its_thresholds():
    assert "не менее 10 участников" in ob.CRITERION_RU and "90 %" in ob.CRITERION_RU
    assert "15 п. п." in ob.CRITERION_RU and "не больше трети" in ob.CRITERION_RU


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------

TCOLS = ["school_id", "territory_id", "procedure", "year", "participants", "task", "points", "max_points"]
MAX = {"1": 1.0, "2": 2.0, "3": 1.0}
POINTS = {1: (1, 10, {"1": 0.5, "2": 1.0, "3": 0.2}),
          2: (1, 30, {"1": 0.9, "2": 1.5, "3": 0.6}),
          3: (2, 60, {"1": 0.8, "2": 0.4, "3": 0.9})}


def points(with_max: bool = True, work: tuple[str, int] = ("VPR-MATH-5", 2022)) -> pd.DataFrame:
    return pd.DataFrame([(sid, terr, *work, n, task, v, MAX[task] if with_max else None)
                         for sid, (terr, n, tasks) in POINTS.items() for task, v in tasks.items()], columns=TCOLS)


def test_task_completion_by_hand():
    t = tk.task_table(points())
    a = tk.school_tasks(t, 1, "VPR-MATH-5", 2022)
    # school 1: 50 %, 50 %, 20 %; territory 1: (5+27)/40 = 80 %, (10+45)/40/2 = 68,75 %, (2+18)/40 = 50 %;
    # region: 80 %, (10+45+24)/100/2 = 39,5 %, (2+18+54)/100 = 74 %
    assert list(a["task"]) == ["3", "1", "2"]           # 20 %, then 50 % with the larger gap below the region
    by = a.set_index("task")
    assert by.at["3", "school_pct"] == pytest.approx(20.0)
    assert by.at["1", "territory_pct"] == pytest.approx(80.0)
    assert by.at["2", "territory_pct"] == pytest.approx(68.75)
    assert by.at["3", "territory_pct"] == pytest.approx(50.0)
    assert by.at["2", "region_pct"] == pytest.approx(39.5)
    assert by.at["3", "region_pct"] == pytest.approx(74.0)
    assert by.at["1", "gap_region_pp"] == pytest.approx(-30.0)
    assert by.at["2", "gap_region_pp"] == pytest.approx(10.5)
    assert list(a["rank"]) == [1, 2, 3]
    r = tk.region_tasks(points())
    assert list(r["task"]) == ["2", "3", "1"]
    assert list(r["pct"].round(2)) == [39.5, 74.0, 80.0]
    assert list(r["participants"]) == [100, 100, 100] and list(r["schools"]) == [3, 3, 3]


def test_task_maxima_sources():
    got = tk.work_maxima(points())
    assert got[("VPR-MATH-5", 2022)] == (MAX, tk.SRC_HEADERS)
    # no maxima in the file: inferred from the highest school means (0,9 -> 1, 1,5 -> 2, 0,9 -> 1) when they add
    # up to the work's maximum, else unknown
    got = tk.work_maxima(points(False), {("VPR-MATH-5", 2022): 4})
    assert got[("VPR-MATH-5", 2022)] == ({"1": 1.0, "2": 2.0, "3": 1.0}, tk.SRC_INFERRED)
    got = tk.work_maxima(points(False), {("VPR-MATH-5", 2022): 5})
    assert got[("VPR-MATH-5", 2022)] == (None, tk.SRC_UNKNOWN)
    t = tk.task_table(points(False), work_max={("VPR-MATH-5", 2022): 5})
    assert t["school_pct"].isna().all() and len(t) == 9
    # the 2021 works without maxima in their protocols: the known table
    p = pd.DataFrame([(1, 1, "VPR-MATH-6", 2020, 10, str(i), 0.5, None) for i in range(1, 14)], columns=TCOLS)
    mx, src = tk.work_maxima(p)[("VPR-MATH-6", 2020)]
    assert src == tk.SRC_KNOWN and sum(mx.values()) == 16 and mx["13"] == 2.0
    for (proc, year), maxima in tk.KNOWN_TASK_MAX.items():
        assert sum(maxima) == {"VPR-MATH-5": 20, "VPR-RUS-5": 45, "VPR-MATH-6": 16, "VPR-RUS-6": 51}[proc]


def test_task_labels_in_natural_order():
    assert sorted(["10", "2", "12.2", "12.1", "1"], key=tk.task_key) == ["1", "2", "10", "12.1", "12.2"]


# ---------------------------------------------------------------------------------------------
# Similar schools
# ---------------------------------------------------------------------------------------------

def test_similar_schools_by_hand():
    # 1..7 rural СОШ with 20 participants (10–24); 8 an urban гимназия with 20; ШНСУ marked nowhere
    reg = pd.DataFrame({"id": range(1, 9), "territory_id": [1, 1, 1, 1, 2, 2, 2, 2],
                        "is_rural": [True] * 7 + [False], "is_shnsu": [False] * 8,
                        "school_type": ["СОШ"] * 7 + ["гимназия"]})
    res = results([(1, "VPR-MATH-5", 2022, 20, 8)] + [(i, "VPR-MATH-5", 2022, 20, 2) for i in range(2, 9)])
    t = sm.similar_table(res, reg).set_index("school_id")
    # school 1: peers 2..7 (6): 12/120 = 10 %; own 40 % -> 30 p.p. above
    assert t.at[1, "peers"] == 6 and t.at[1, "peer_low"] == 12 and t.at[1, "peer_participants"] == 120
    assert t.at[1, "peer_share"] == pytest.approx(0.10) and t.at[1, "diff_pp"] == pytest.approx(30.0)
    assert t.at[1, "basis_ru"] == "10–24 участника, сельская, СОШ"
    assert t.at[1, "position_ru"] == "доля выше, чем у похожих школ, на 30,0 п. п."
    assert "ШНСУ не отмечена ни у одной школы реестра" in t.at[1, "not_used_ru"]
    # territory 1 (1..4): (8+2+2+2)/80 = 17,5 %; region (8+14)/160 = 13,75 %
    assert t.at[1, "territory_share"] == pytest.approx(0.175) and t.at[1, "region_share"] == pytest.approx(0.1375)
    # school 8: no urban гимназия peers -> type and urban/rural dropped; peers 1..7: 20/140
    assert t.at[8, "peers"] == 7 and t.at[8, "peer_share"] == pytest.approx(20 / 140)
    assert t.at[8, "basis_ru"] == "10–24 участника"
    assert "не учтено, чтобы набралось не менее 5 похожих школ: местность, тип" in t.at[8, "not_used_ru"]
    assert t.at[8, "position_ru"].startswith("на уровне похожих школ")   # 10 % vs 14,3 %: within 5 p.p.
    # the peers themselves, lowest share first
    rows = sm.similar_table(res, reg)
    p8 = sm.peers_of(rows[rows["school_id"] == 8].iloc[0], res, reg)
    assert list(p8["school_id"]) == [2, 3, 4, 5, 6, 7, 1]
    p1 = sm.peers_of(rows[rows["school_id"] == 1].iloc[0], res, reg)
    assert sorted(p1["school_id"]) == [2, 3, 4, 5, 6, 7] and p1["share"].tolist() == [0.1] * 6


def test_similar_says_what_the_registry_lacks():
    reg = pd.DataFrame({"id": [1, 2], "territory_id": [1, 1], "is_rural": [None, None], "is_shnsu": [False, False],
                        "school_type": [None, None]})
    t = sm.similar_table(results([(1, "OGE-RUS", 2022, 30, 3), (2, "OGE-RUS", 2022, 60, 3)]), reg).set_index("school_id")
    note = t.at[1, "not_used_ru"]
    assert "городская или сельская — нет в реестре" in note and "тип школы — нет в реестре" in note
    assert t.at[1, "basis_ru"] == "все школы региона с этой работой" and t.at[1, "peers"] == 1   # 25–49 alone
    assert sm.size_band(9) == "до 10 участников" and sm.size_band(100) == "100 участников и более"


# ---------------------------------------------------------------------------------------------
# Forecast
# ---------------------------------------------------------------------------------------------

def test_forecast_building_blocks_by_hand():
    slope, intercept = fc.linear_trend([2019, 2020, 2021], [0.1, 0.2, 0.3])
    assert slope == pytest.approx(0.1)
    assert fc.project([2019, 2020, 2021], [0.1, 0.2, 0.3], 2022) == pytest.approx(0.4)
    assert fc.project([2020, 2021], [0.5, 0.9], 2022) == 1.0            # clipped
    assert fc.project([2021], [0.25], 2022) == 0.25                     # one year: stays
    assert fc.p_at_least(2, 0.5, 1) == pytest.approx(0.75)
    assert fc.p_at_least(3, 0.5, 2) == pytest.approx(0.5)
    assert fc.p_at_least(20, 0.5, 6) == pytest.approx(1 - 21700 / 2 ** 20)
    assert fc.p_shnor({"a": 0.5, "b": 0.5}, set()) == pytest.approx(0.25)         # two lows needed
    assert fc.p_shnor({"a": 0.5, "b": 0.5}, {"a"}) == pytest.approx(0.75)         # one low is enough
    assert fc.p_shnor({"a": 0.5, "b": 0.5}, {"a"}, "same") == pytest.approx(0.5)  # a again (b alone is not)
    assert fc.count_distribution([0.5, 0.5]) == pytest.approx([0.25, 0.5, 0.25])
    assert fc.quantile([0.25, 0.5, 0.25], 0.1) == 0 and fc.quantile([0.25, 0.5, 0.25], 0.9) == 2


def test_forecast_by_hand():
    # school 1: 10/20 in 2020 and 2021 -> 50 % stays; P(6 or more of 20) = 1 - 21700/2^20; low now -> that's all
    # school 2: 0/20 twice -> 0; school 3: no result -> no estimate
    hist = results([(1, "VPR-MATH-5", 2020, 20, 10), (1, "VPR-MATH-5", 2021, 20, 10),
                    (2, "VPR-MATH-5", 2020, 20, 0), (2, "VPR-MATH-5", 2021, 20, 0)])
    f = fc.forecast(hist, [1, 2, 3], 2021, RuleSettings(), target=0.0, allowed=0)
    p = 1 - 21700 / 2 ** 20
    assert f.results_year == 2022 and f.list_year == 2023 and f.schools == 3 and f.without_projection == 1
    assert f.expected == pytest.approx(p)
    assert f.distribution == pytest.approx([1 - p, p, 0, 0])
    assert (f.low, f.high) == (1, 1)
    assert f.p_meet == pytest.approx(1 - p)
    proj = f.projections.set_index("school_id")
    assert proj.at[1, "max_low_count"] == 5 and proj.at[1, "projected_share"] == pytest.approx(0.5)
    assert proj.at[2, "p_low"] == 0.0
    text = f.sentence()
    assert text.startswith("Оценка: если у каждой школы") and "2022/2023" in text
    assert "около 1 из 3 школ" in text and "У 1 школы нет результатов за 2021/2022" in text
    assert "только один год" not in text
    one = fc.forecast(hist[hist["year"] == 2021], [1, 2, 3], 2021, RuleSettings())
    assert "У 2 из 2 результатов есть только один год данных" in one.sentence()


def test_forecast_trend_and_variant():
    # falling 60 % -> 40 % -> 20 %: next 0 % -> never low; rising 0 -> 20 % -> 40 %: next 60 %
    hist = results([(1, "OGE-RUS", y, 10, k) for y, k in ((2019, 6), (2020, 4), (2021, 2))] +
                   [(2, "OGE-RUS", y, 10, k) for y, k in ((2019, 0), (2020, 2), (2021, 4))])
    f = fc.forecast(hist, [1, 2], 2021, RuleSettings())
    proj = f.projections.set_index("school_id")
    assert proj.at[1, "slope_pp"] == pytest.approx(-20.0) and proj.at[1, "projected_share"] == pytest.approx(0.0)
    assert proj.at[2, "projected_share"] == pytest.approx(0.6)
    assert proj.at[2, "p_low"] == pytest.approx(fc.p_at_least(10, 0.6, 3))
    by = f.by_school.set_index("school_id")
    assert by.at[1, "p_shnor"] == 0.0
    assert by.at[2, "p_shnor"] == pytest.approx(fc.p_at_least(10, 0.6, 3))   # 4/10 low in 2021: one low is enough
    assert f.target is None and "не задана" in f.sentence()
