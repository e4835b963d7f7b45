"""The analyses on the real Алтай 2021 ВПР protocols (../shared/realdata, read in place; skipped when absent),
imported through the import service into a fresh DuckDB once for the module.

The figures are checked against an independent recount straight from the protocol (openpyxl, the 2021 mark
scale of realdata/README.md), not against the importer's own aggregates, and the distance to exit by re-running
the rule on the changed counts for every ШНОР of the real list.
Found (results year 2020/2021, 4 works, 2 532 results of 638 schools): 255 objectivity flags — ВПР мат-5 64,
рус-5 66, мат-6 60, рус-6 65 — at 139 schools; the worst tasks of the region: ВПР мат-5 №16 (6,8 %),
мат-6 №13 (8,6 %), мат-5 №8 (23,0 %), мат-6 №11 (27,0 %), мат-6 №9 (29,4 %).
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from functools import lru_cache

import openpyxl
import pandas as pd
import pytest

from conftest import REALDATA, realdata

from shnor.domain.analyses import exit as ex
from shnor.domain.analyses import similar as sm
from shnor.domain.permissions import SYSTEM
from shnor.domain.rule import SHNOR, RuleSettings, identify_shnor
from shnor.domain.scales import VPR_SCALES_2021
from shnor.importing.model import Hints
from shnor.read import analyses as an
from shnor.services.imports import import_file
from shnor.store import Store

pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not (REALDATA / "fisoko_vpr_protocols_altai").is_dir(),
                                 reason="../shared/realdata is absent")]

WORKS = {"ma5": "VPR-MATH-5", "ru5": "VPR-RUS-5", "ma6": "VPR-MATH-6", "ru6": "VPR-RUS-6"}
YEAR = 2020      # 2020/2021


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("real_analyses") / "real.duckdb"
    s = Store.open(path)
    for tag, proc in WORKS.items():
        rep = import_file(s, realdata("fisoko_vpr_protocols_altai", f"vpr2021spring_{tag}.xlsx"), SYSTEM,
                          hints=Hints(procedure=proc, year=YEAR))
        assert rep.status == "stored", rep.summary_ru()
    yield s
    s.close()


@lru_cache(maxsize=None)
def recount(tag: str) -> tuple[dict, dict]:
    """Straight from the protocol: per school login (territory, participants, «2», below, equal, above) and the
    mean points of every task over all participants of the region."""
    scale = VPR_SCALES_2021[WORKS[tag]]
    top = max(hi for _, hi in scale.values())
    wb = openpyxl.load_workbook(realdata("fisoko_vpr_protocols_altai", f"vpr2021spring_{tag}.xlsx"), read_only=True)
    rows = wb.active.iter_rows(values_only=True)
    head = [str(h).strip() if h is not None else "" for h in next(rows)]
    col = {h: i for i, h in enumerate(head)}
    tasks = [(h[len("балл за "):], i) for i, h in enumerate(head) if h.startswith("балл за ")]
    schools: dict[str, list] = {}
    sums: dict[str, float] = defaultdict(float)
    pupils = 0
    for r in rows:
        total, variant = r[col["всего баллов"]], r[col["вариант"]]
        if total is None or str(variant).strip().lower() == "отсутствовал":
            continue
        try:
            score = int(str(total).strip())
        except ValueError:
            continue
        if not 0 <= score <= top:
            continue
        mark = next(m for m, (lo, hi) in scale.items() if lo <= score <= hi)
        login = str(r[col["логин школы"]]).strip()
        s = schools.setdefault(login, [str(r[col["регион"]]).strip(), 0, 0, 0, 0, 0])
        s[1] += 1
        s[2] += mark == 2
        j = str(r[col["отметка за предыдущую четверть/триместр"]] or "").strip()
        if j in ("1", "2", "3", "4", "5"):
            s[3 if mark < int(j) else 4 if mark == int(j) else 5] += 1
        pupils += 1
        for t, i in tasks:
            try:
                v = float(str(r[i]).strip().replace(",", "."))
            except ValueError:
                v = 0.0
            sums[t] += max(v, 0.0)
    wb.close()
    return schools, {t: v / pupils for t, v in sums.items()}


def flags_by_hand(schools: dict) -> set[str]:
    """The criterion (objectivity.py) in exact fractions over the recount."""
    terr = defaultdict(lambda: [0, 0, 0, 0])
    for t, n, low, below, equal, above in schools.values():
        a = terr[t]
        a[0] += equal + above
        a[1] += below + equal + above
        a[2] += low
        a[3] += n
    out = set()
    for login, (t, n, low, below, equal, above) in schools.items():
        c = below + equal + above
        if c < 10:
            continue
        share = Fraction(equal + above, c)
        tc, tcmp, tlow, tn = terr[t]
        match = share >= Fraction(9, 10) and share - Fraction(tc, tcmp) >= Fraction(15, 100)
        few = share >= Fraction(9, 10) and Fraction(tlow, tn) >= Fraction(1, 10) and \
            Fraction(low, n) <= Fraction(tlow, tn) / 3
        if match or few:
            out.add(login)
    return out


def test_objectivity_flags_on_the_real_files(store):
    v = an.objectivity(store, SYSTEM, YEAR)
    t = v.table
    assert len(t) == 2532 and t["school_code"].nunique() == 638
    by_work = t.groupby("procedure")["flag"].sum().to_dict()
    assert by_work == {"VPR-MATH-5": 64, "VPR-RUS-5": 66, "VPR-MATH-6": 60, "VPR-RUS-6": 65}
    assert t.loc[t["flag"], "school_code"].nunique() == 139
    # schools flagged in all four works
    four = t[t["flag"]].groupby("school_code").size()
    assert {"sch223019", "sch224015", "sch223777"} <= set(four[four == 4].index)
    # the region: 62–66 % of the compared pupils confirmed or raised their journal mark
    reg = t.groupby("procedure")["region_share"].first().round(4).to_dict()
    assert reg == {"VPR-MATH-5": 0.6461, "VPR-MATH-6": 0.6184, "VPR-RUS-5": 0.665, "VPR-RUS-6": 0.6384}
    # no history before 2020/2021 in these files
    assert set(t["flags"]) <= {0, 1} and t["flag_1"].isna().all()


def test_objectivity_agrees_with_a_recount_of_the_protocol(store):
    schools, _ = recount("ma5")
    v = an.objectivity(store, SYSTEM, YEAR, "VPR-MATH-5")
    got = {r.school_code: (int(r.participants), int(r.low_count), int(r.below), int(r.equal), int(r.above))
           for r in v.table.itertuples()}
    want = {login: (n, low, b, e, a) for login, (_, n, low, b, e, a) in schools.items() if n}
    assert got == want
    assert set(v.table.loc[v.table["flag"], "school_code"]) == flags_by_hand(schools)
    top = v.table[v.table["flag"]].sort_values("gap_pp", ascending=False).iloc[0]
    assert top["school_code"] == "sch224015" and top["compared"] == 15 and top["share"] == 1.0


def test_the_worst_tasks_of_the_region(store):
    v = an.task_analysis(store, SYSTEM, YEAR)
    assert set(v.sources.values()) == {"максимальные баллы заданий работы этого года"}
    worst = v.worst.head(5)
    assert [(p, t) for p, t in zip(worst["procedure"], worst["task"])] == [
        ("VPR-MATH-5", "16"), ("VPR-MATH-6", "13"), ("VPR-MATH-5", "8"), ("VPR-MATH-6", "11"), ("VPR-MATH-6", "9")]
    assert [round(x, 1) for x in worst["pct"]] == [6.8, 8.6, 23.0, 27.0, 29.4]
    # the region's completion straight from the protocol: mean points of all participants / the task's maximum
    # (the stored means per school are rounded to 4 decimals: the pooled figure agrees within 0,01 p.p.)
    _, means = recount("ma5")
    region = v.worst[v.worst["procedure"] == "VPR-MATH-5"].set_index("task")
    for task in region.index:
        assert region.at[task, "pct"] == pytest.approx(means[task] / region.at[task, "max_points"] * 100, abs=0.01)
    # one school, worst first, against its territory and the region
    school = v.table.loc[v.table["school_code"] == "sch223015", "school_id"].iloc[0]
    s = v.school(int(school), "VPR-MATH-5")
    assert len(s) == 16 and list(s["rank"]) == list(range(1, 17))
    assert s["school_pct"].is_monotonic_increasing


def test_distance_to_exit_by_rerunning_the_rule_on_the_real_list(store):
    s = RuleSettings()
    v = an.exit_distance(store, SYSTEM, YEAR + 1)
    shnor_ids = {p.school_id for p in v.plans if p.status == SHNOR}
    assert len(shnor_ids) == 95              # the list of 2021/2022: criterion 1 only (no results of 2019/2020)
    base = store.results.list(years=[YEAR], procedures_=list(s.procedures))
    for plan in v.plans:
        own = base[base["school_id"] == plan.school_id]
        nxt = pd.DataFrame([(plan.school_id, t.procedure, YEAR + 1, t.participants, t.max_low_count)
                            for t in plan.targets], columns=["school_id", "procedure", "year", "participants",
                                                              "low_count"])
        one = pd.DataFrame({"id": [plan.school_id]})
        assert identify_shnor(pd.concat([own, nxt]), one, YEAR + 2, s).statuses[0].status != SHNOR
        if plan.status == SHNOR:
            for t in plan.targets:
                assert t.binding == ex.EACH
                more = nxt.assign(low_count=[k + (p == t.procedure) for p, k in zip(nxt["procedure"], nxt["low_count"])])
                assert identify_shnor(pd.concat([own, more]), one, YEAR + 2, s).statuses[0].status == SHNOR
    row = v.table[(v.table["school_code"] == "sch223015") & (v.table["procedure"] == "VPR-MATH-5")].iloc[0]
    assert row["sentence"] == "ВПР, математика, 5 кл.: при 8 участниках не более 2 «2», в 2020/2021 — 3"


def test_similar_schools_say_the_registry_has_no_type_or_place(store):
    v = an.similar_schools(store, SYSTEM, YEAR)
    t = v.table
    assert len(t) == 2532
    assert t["not_used_ru"].str.contains("городская или сельская — нет в реестре").all()
    assert t["not_used_ru"].str.contains("тип школы — нет в реестре").all()
    assert set(t["basis_ru"]) <= {label for _, _, label in sm.SIZE_BANDS} | {"все школы региона с этой работой"}
    # the peers pool: own + peers = the school's band (schools and pupils add up)
    r = t.iloc[0]
    band = t[(t["procedure"] == r["procedure"]) & (t["basis_ru"] == r["basis_ru"])]
    assert r["peers"] + 1 == len(band)
    assert r["peer_participants"] + r["participants"] == band["participants"].sum()


def test_forecast_on_one_year_of_data_is_flat_and_ranged(store):
    v = an.forecast_share(store, SYSTEM)
    f = v.forecast
    assert f.last_year == YEAR and f.schools == v.current_schools
    assert (f.projections["years"] == 1).all() and (f.projections["slope_pp"] == 0).all()
    assert f.low <= f.expected <= f.high and f.low < f.high
    assert v.current_shnor == 95
    assert round(f.expected) == 182
    assert "Оценка" in v.sentence() and "Цель на 2021/2022 не задана" in v.sentence()
    assert "есть только один год данных — для них доля принята неизменной" in v.sentence()
