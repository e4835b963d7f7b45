"""The demo's plan of work (shnor/demo/plan.py): roadmaps with progress, risk profiles, partners and indicators,
built through the services on a copy of the demo database (fixture `demo_db_master`, built once per run).

The build already made a plan for the real today; the module fixture clears it on its own copy and builds it
again for a fixed day, so that every figure below is deterministic."""
from __future__ import annotations

import resource
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from shnor import demo
from shnor.demo.plan import ENTERED, HIGH_QUOTA, build_plan, school_year_of
from shnor.domain import events
from shnor.domain import indicators as ind_
from shnor.domain.permissions import SYSTEM
from shnor.domain.rule import RISK, SHNOR
from shnor.read import roadmap as rm
from shnor.read.analysis import compute_list
from shnor.read.indicators import build_indicators
from shnor.read.support import common_risks
from shnor.services.roadmap import remove_roadmap
from shnor.store import Store

TODAY = date(2026, 11, 30)          # the school year 2026/2027, a quarter of it gone
LIST_YEAR = 2025                    # the demo's latest results are of 2024/2025


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


@pytest.fixture(scope="module")
def planned(demo_db_master, tmp_path_factory):
    """(store, figures, timing) — a copy of the demo with the plan cleared and built again for TODAY."""
    path = tmp_path_factory.mktemp("demo_plan") / "demo.duckdb"
    shutil.copy(demo_db_master, path)
    wal = Path(str(demo_db_master) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(path) + ".wal"))
    store = Store.open(path)
    for rid in [int(i) for i in store.roadmaps.list()["id"]]:
        remove_roadmap(store, SYSTEM, rid)
    with store.unit(SYSTEM) as u:      # a clean slate for the rest of the plan (a test's own shortcut)
        for table in ("risk_levels", "partnerships", "school_support", "indicator_values", "indicator_targets"):
            u.sql.run(f"DELETE FROM {table}")
        u.record(events.RISK_LEVELS_SET, test="cleared before building the plan again")
    region = demo.generate_region(2024)
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    figures = build_plan(store, region, today=TODAY)
    timing = {"wall": time.perf_counter() - wall,
              "cpu": (time.process_time() - cpu) + (_children_cpu() - children)}
    print(f"\nплан демо-региона: {timing['wall']:.1f} с по часам, {timing['cpu']:.1f} с процессора; "
          f"по частям: {figures['seconds']}")
    yield store, figures, timing, region
    store.close()


@pytest.fixture(scope="module")
def lists(planned):
    store = planned[0]
    t = compute_list(store, LIST_YEAR).table
    return ([int(i) for i in t.loc[t["status"] == SHNOR, "id"]], [int(i) for i in t.loc[t["status"] == RISK, "id"]])


def _day(v) -> date:
    return pd.Timestamp(v).date()


def _regional(store):
    maps = rm.visible_roadmaps(store, SYSTEM)
    region = maps[maps["territory_id"].isna() & maps["school_id"].isna()]
    assert len(region) == 1
    return region.iloc[0]


# ---------------------------------------------------------------------------------------------
# Roadmaps
# ---------------------------------------------------------------------------------------------
def test_the_regional_roadmap_in_document_order_with_sections(planned):
    store = planned[0]
    r = _regional(store)
    assert r["title"] == ("Дорожная карта по повышению качества образования в общеобразовательных организациях, "
                          "имеющих низкие образовательные результаты, на 2026-2027 учебный год")
    assert (_day(r["period_start"]), _day(r["period_end"])) == (date(2026, 9, 1), date(2027, 8, 31))
    assert r["order_number"] and date(2026, 8, 20) <= _day(r["order_date"]) <= date(2026, 8, 28)
    ms = rm.measures(store, SYSTEM, TODAY, roadmap_id=int(r["id"]))
    assert 18 <= len(ms) <= 22
    assert list(ms["position"]) == sorted(ms["position"])
    assert ms["number"].iloc[0] == "1.1." and ms["number"].iloc[-1].startswith("3.")
    sections = list(dict.fromkeys(ms["section"]))
    assert [s.split(" ")[0] for s in sections] == ["1.", "2.", "3."]
    assert sections[0] == "1. Организационные мероприятия"
    assert sections[1].startswith("2. Методическая поддержка") and sections[2].startswith("3. Мониторинг и анализ")
    # the deadlines as the seeds write them, read into dates (only «по отдельному графику» has none)
    texts = set(ms["deadline_text"])
    assert {"сентябрь 2026 года", "Октябрь-ноябрь 2026 года", "В течение учебного года", "По отдельному графику",
            "до 25.12.2026", "I квартал 2027 года", "ежегодно май"} <= texts
    assert ms.loc[ms["deadline_end"].isna(), "deadline_text"].tolist() == ["По отдельному графику"]


def test_progress_past_due_soon_and_ahead(planned):
    store = planned[0]
    ms = rm.measures(store, SYSTEM, TODAY, roadmap_id=int(_regional(store)["id"]))
    past = ms[[e is not None and e < TODAY for e in ms["deadline_end"]]]
    ahead = ms[[e is not None and e > TODAY for e in ms["deadline_end"]]]
    assert len(past) >= 6 and len(ahead) >= 8
    # most past measures done with evidence; two left open and one «не выполнено» — all three overdue
    done = past[past["status"] == "done"]
    assert len(done) == len(past) - 3
    assert done["evidence"].notna().all() and done["evidence_doc"].str.match(r"^\S.* № \d+ от \d\d\.\d\d\.2026$").all()
    assert (done["status_date"] <= TODAY).all()
    assert sorted(past.loc[past["status"] != "done", "status"]) == ["in_progress", "not_done", "planned"]
    assert (ms["flag"] == "overdue").sum() == 3
    # the first measure approves the roadmap: its evidence is the approving order
    r = _regional(store)
    assert ms["evidence_doc"].iloc[0] == f"Приказ № {r['order_number']} от {_day(r['order_date']):%d.%m.%Y}"
    # one or two due within the next 14 days, the nearest of them in work
    soon = ms[ms["flag"] == "due_soon"]
    assert 1 <= len(soon) <= 2 and "in_progress" in set(soon["status"])
    # success criteria with ratings; ШНОР linked to the measures that concern them
    crit = store.roadmaps.criteria([int(i) for i in ms["id"]])
    assert len(crit) >= 3 and set(crit["rating"]) <= {"met", "partly", "not_met"} and crit["rating"].all()
    assert ms["schools"].notna().sum() >= 3
    hist = rm.history(store, SYSTEM, [int(i) for i in ms["id"]])
    assert (hist["field"] == "note").sum() >= 3


def test_a_municipal_and_a_school_roadmap(planned, lists):
    store, _, _, region = planned
    shnor, _ = lists
    maps = rm.visible_roadmaps(store, SYSTEM)
    assert len(maps) == 3 and set(maps["period_text"]) == {"на 2026-2027 учебный год"}
    muni = maps[maps["territory_id"].notna() & maps["school_id"].isna()].iloc[0]
    improving = {t.name for t in region.territories if t.improving}
    assert muni["territory"] in improving
    school = maps[maps["school_id"].notna()].iloc[0]
    assert int(school["school_id"]) in shnor
    assert school["title"] == (f"Дорожная карта {school['school']} по переходу в эффективный режим работы "
                               "на 2026-2027 учебный год")
    own = rm.school_measures(store, SYSTEM, int(school["school_id"]), TODAY)
    assert len(own) >= 8 and (own["roadmap_id"] == school["id"]).sum() == 8
    assert (rm.measures(store, SYSTEM, TODAY, int(muni["id"]))["status"] == "done").any()


def test_deadlines_follow_today(planned):
    """Another day: the school year that contains it, and the phrases placed around it."""
    from shnor.demo.plan import REGION_SECTIONS, _rows
    assert school_year_of(date(2027, 8, 31)) == 2026 and school_year_of(date(2027, 9, 1)) == 2027
    rows, _ = _rows(REGION_SECTIONS, date(2027, 3, 10), 2026)
    deadlines = [r[2] for _, section in rows for r in section]
    assert "январь 2027 года" in deadlines and "до 16.03.2027" in deadlines and "Февраль-март 2027 года" in deadlines


# ---------------------------------------------------------------------------------------------
# Risk profiles, partners, indicators
# ---------------------------------------------------------------------------------------------
def test_risk_levels_for_every_shnor_and_the_risk_group(planned, lists):
    store = planned[0]
    shnor, risk = lists
    cr = common_risks(store, SYSTEM, LIST_YEAR)
    assert sorted(cr.shnor_ids) == sorted(shnor) and cr.profiled_shnor == len(shnor) > 0
    assert cr.profiled_risk == len(risk) > 0
    levels = store.support.risk_levels(shnor, LIST_YEAR)
    assert len(levels) == 10 * len(shnor) and levels["measured"].map(bool).all()
    top = cr.top(n=2)
    assert list(top["short"]) == ["Учебная мотивация", "Дефицит кадров"]
    assert list(top["high"]) == [round(HIGH_QUOTA[6] * len(shnor)), round(HIGH_QUOTA[2] * len(shnor))]


def test_partners_curators_and_500plus(planned, lists):
    store = planned[0]
    shnor, risk = lists
    pairs = store.support.partnerships(active_only=True)
    assert len(shnor) // 3 <= len(pairs) <= (len(shnor) + 1) // 2
    assert set(pairs["school_id"]) <= set(shnor)
    assert not set(pairs["partner_id"]) & (set(shnor) | set(risk))
    flags = store.support.flags()
    assert flags["curator"].notna().sum() >= len(shnor) // 3 and flags["coordinator"].notna().all()
    assert 1 <= flags["is_500plus"].sum() <= 5


def test_indicator_targets_and_values(planned):
    store = planned[0]
    last = max(store.results.years())
    values = store.indicators.territory_values(None)
    assert set(values["indicator"]) == set(ENTERED) and set(values["year"]) == {last - 1, last}
    targets = store.indicators.targets()
    assert set(ENTERED) | {ind_.GIA_PASS, ind_.VPR_FAIL} <= set(targets["indicator"])
    t = build_indicators(store, None, last).table.set_index("code")
    assert {ind_.REACHED, ind_.CLOSE, ind_.OFF} <= set(t["status"])
    for code in (ind_.GIA_PASS, ind_.OGE_GOOD, ind_.VPR_QUALITY, ind_.VPR_FAIL):   # still computed
        assert t.at[code, "source"].startswith("рассчитано") and t.at[code, "target"] is not None
    assert t.at[ind_.SHNOR_PARTNERSHIP, "actual"] > 0            # the partnerships count for the last year


# ---------------------------------------------------------------------------------------------
# Determinism, figures, time
# ---------------------------------------------------------------------------------------------
def test_figures_and_a_second_run_changes_nothing(planned):
    store, figures, _, region = planned
    assert figures["дорожных карт"] == 3 and figures["мероприятий дорожной карты"] == 37
    assert figures["мероприятий просрочено"] >= 3 and figures["мероприятий со сроком в ближайшие дни"] >= 1
    assert figures["рисковых профилей школ"] > 0 and figures["партнёрств"] > 0
    events_before = store.sql.scalar("SELECT count(*) FROM audit_log")
    again = build_plan(store, region, today=TODAY)   # the same documents (byte for byte): duplicates
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in figures.items() if k != "seconds"}
    assert store.sql.scalar("SELECT count(*) FROM audit_log") == events_before


def test_the_plan_adds_little_time_to_the_build(planned):
    _, figures, timing, _ = planned
    # the processor time is what the plan costs (2 cores shared with other work can stretch the wall clock)
    assert timing["cpu"] < 20, timing
    assert timing["wall"] < 120, timing
    assert figures["seconds"]["plan"] == pytest.approx(timing["wall"], abs=1.0)


def test_the_built_demo_holds_a_plan(demo_db):
    """build_demo runs the plan for the real today: every new page has something to show."""
    store = Store.open(demo_db, read_only=True)
    try:
        maps = store.roadmaps.list()
        sy = school_year_of(date.today())
        assert len(maps) == 3 and set(maps["period_text"]) == {f"на {sy}-{sy + 1} учебный год"}
        assert len(store.support.risk_levels(None, LIST_YEAR)) > 0
        assert len(store.support.partnerships(active_only=True)) > 0
        assert len(store.indicators.territory_values(None)) > 0
    finally:
        store.close()
