"""The Overview's «Требует внимания» on the region of tests/listdb.py (list 2022: ШНОР S1 in the north, S4 in the
south): overdue measures of a seed-shaped roadmap, an indicator off its target, the risk most often high among
ШНОР with the schools that have it — in the read model and on the page, for a viewer and a bound head."""
from __future__ import annotations

from datetime import date

import pytest

from pagetest import page_store, run_page, texts
from roadmapdocs import seed004_blocks, write_docx
from shnor.domain.permissions import SYSTEM
from shnor.read.attention import attention
from shnor.services import indicators as ind_service
from shnor.services import roadmap as rm_service
from shnor.services import support as sup_service

YEAR = 2022


@pytest.fixture
def region(listdb_ids, tmp_path):
    store = page_store()
    south = store.territories.find("Южный район")
    rep = rm_service.import_roadmap(store, SYSTEM, write_docx(tmp_path / "rm.docx", seed004_blocks()), territory_id=south)
    assert rep.ok
    ind_service.set_target(store, SYSTEM, "olympiad_part", None, YEAR - 1, 20)
    ind_service.set_value(store, SYSTEM, "olympiad_part", YEAR - 1, 10)
    s1, s4 = listdb_ids["sch420001"], listdb_ids["sch420004"]
    sup_service.set_risk_levels(store, SYSTEM, s1, YEAR, {8: "high"})
    sup_service.set_risk_levels(store, SYSTEM, s4, YEAR, {8: "high", 2: "medium"})
    return store, s1, s4


def test_the_read_model_counts_what_needs_attention(region):
    store, s1, s4 = region
    a = attention(store, SYSTEM, YEAR, None, today=date(2026, 11, 30))
    # every dated measure of a 2020/2021 roadmap is overdue by now; undated ones never are
    dated = store.sql.scalar("SELECT count(*) FROM measures WHERE deadline_end IS NOT NULL")
    undated = store.sql.scalar("SELECT count(*) FROM measures WHERE deadline_end IS NULL")
    assert len(a.overdue) == dated > 0 and undated > 0 and a.due_soon.empty
    assert a.measures_total == dated + undated
    assert list(a.overdue["deadline_end"]) == sorted(a.overdue["deadline_end"])
    assert list(a.off_target["code"]) == ["olympiad_part"]
    assert a.top_factor == "Дисциплина" and set(a.top_factor_schools["id"]) == {s1, s4}
    # in November 2020, the measures of November 2020 are due soon, not overdue
    early = attention(store, SYSTEM, YEAR, None, today=date(2020, 11, 20))
    assert len(early.due_soon) > 0 and all(str(t) != "" for t in early.due_soon["deadline_text"])


def test_a_bound_user_sees_only_their_territory(region):
    store, s1, s4 = region
    from shnor.services.accounts import get_user
    head = get_user(store, "north-head")
    a = attention(store, head, YEAR, None, today=date(2026, 11, 30))
    assert a.measures_total == 0                     # the roadmap is the south's
    assert set(a.top_factor_schools["id"]) == {s1}


def test_the_overview_shows_the_section_with_its_links(region):
    at = run_page("overview", "viewer")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["⚠ Просрочено мероприятий"]) > 0
    assert metrics["✖ Показатели не на цели"] == "1"
    assert metrics["Частый высокий риск ШНОР"] == "Дисциплина"
    labels = [b.label for b in at.button]
    assert "Открыть просроченные" in labels and "Открыть показатели" in labels
    assert "Чаще всего высокий риск у ШНОР" in texts(at)
