"""The permission matrix through the services: every role, bound to Северный район or unbound, every action
of today, on its own territory and on another (Южный район) or the whole region. Each case runs on a fresh copy
of the region of tests/listdb.py; a refusal must change nothing, an allowed call must do its work.
The expectations come from the rules written out in tests/test_permissions.py."""
from __future__ import annotations

import datetime as dt
import itertools
import shutil

import pytest

from listdb import NORTH, SOUTH, YEAR, build, results_parsed, stub_file
from shnor.domain.permissions import SYSTEM, Action, Forbidden, User
from shnor.domain.rule import RuleSettings
from shnor.domain.scales import MarkScale
from shnor.services import accounts, audit, imports, lists, settings
from shnor.store import Store
from test_permissions import EXPECTED, ROLE_LETTER

ROLES = list(ROLE_LETTER)


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    d = tmp_path_factory.mktemp("matrix")
    ids = build(d / "m.duckdb", d)
    store = Store.open(d / "m.duckdb")
    tid = {NORTH: store.territories.find(NORTH), SOUTH: store.territories.find(SOUTH)}
    # one import by SYSTEM per territory, for the undo cases
    batches = {}
    for terr, login in ((NORTH, "sch420002"), (SOUTH, "sch420005")):
        rep = imports.import_file(store, stub_file(d, f"undo-{login}"), SYSTEM,
                                  parsed=results_parsed([(login, "VPR-RUS-6", 2021, 10, 1)], f"undo-{login}.xlsx"))
        batches[terr] = rep.batch_id
    store.close()
    return d / "m.duckdb", ids, tid, batches


@pytest.fixture
def store(master, tmp_path):
    path = tmp_path / "case.duckdb"
    shutil.copy(master[0], path)
    s = Store.open(path)
    yield s
    s.close()


def acting(store, role: str, bound: bool) -> User:
    name = f"{role}-{'b' if bound else 'u'}"
    accounts.add_user(store, SYSTEM, name, role, "password-123", NORTH if bound else None)
    return accounts.get_user(store, name)


def expected(action: Action, role: str, bound: bool, own: bool) -> bool:
    rule = EXPECTED[action]
    if action == Action.UNDO_IMPORT and bound:     # the batches were stored by the system user, not by them
        return False
    return ROLE_LETTER[role] in rule and not (bound and ("R" in rule or not own))


# each case: action, does the target lie in the user's own territory, and the call (store, user, ctx) -> None
def _import(store, user, ctx, terr):
    login = "sch420001" if terr == NORTH else "sch420004"
    rep = imports.import_file(store, stub_file(ctx["dir"], f"m-{user.name}-{terr}"), user,
                              parsed=results_parsed([(login, "VPR-MATH-6", 2021, 10, 2)], f"m-{terr}.xlsx"))
    if rep.rows_stored == 0:   # a bound user's rows outside the territory are left out, not stored
        raise Forbidden("rows left out")


CASES = {
    ("import", True): (Action.IMPORT, lambda s, u, c: _import(s, u, c, NORTH)),
    ("import", False): (Action.IMPORT, lambda s, u, c: _import(s, u, c, SOUTH)),
    ("undo", True): (Action.UNDO_IMPORT, lambda s, u, c: imports.undo_import(s, c["batches"][NORTH], u)),
    ("decide", True): (Action.LIST_DECIDE, lambda s, u, c: lists.set_decision(
        s, u, YEAR, c["tid"][NORTH], c["ids"]["sch420002"], True, "по списку региона")),
    ("decide", False): (Action.LIST_DECIDE, lambda s, u, c: lists.set_decision(
        s, u, YEAR, c["tid"][SOUTH], c["ids"]["sch420005"], True, "по списку региона")),
    ("decide-region", False): (Action.LIST_DECIDE, lambda s, u, c: lists.set_decision(
        s, u, YEAR, None, c["ids"]["sch420002"], True, "по списку региона")),
    ("approve", True): (Action.LIST_APPROVE, lambda s, u, c: lists.approve_list(
        s, u, YEAR, c["tid"][NORTH], "17", dt.date(2022, 9, 1))),
    ("approve", False): (Action.LIST_APPROVE, lambda s, u, c: lists.approve_list(
        s, u, YEAR, c["tid"][SOUTH], "17", dt.date(2022, 9, 1))),
    ("read-list", False): (Action.READ, lambda s, u, c: lists.current_proposal(s, u, YEAR, c["tid"][SOUTH])),
    ("rule", False): (Action.RULE_SETTINGS, lambda s, u, c: settings.save_rule_settings(
        s, u, RuleSettings(threshold_pct=35))),
    ("targets", True): (Action.TARGETS, lambda s, u, c: settings.set_targets(s, u, [(c["tid"][NORTH], 2022, 0.1)])),
    ("scale", False): (Action.SCALES, lambda s, u, c: settings.set_mark_scale(
        s, u, MarkScale("VPR-MATH-5", 2021, {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}))),
    ("threshold", False): (Action.THRESHOLDS, lambda s, u, c: settings.set_exam_threshold(
        s, u, "OGE-RUS", 2026, "min_primary_score", 15, 33)),
    ("territory", True): (Action.TERRITORIES, lambda s, u, c: settings.add_territory(
        s, u, "Новый микрорайон", kind="district", parent_id=c["tid"][NORTH])),
    ("users", False): (Action.USERS, lambda s, u, c: accounts.add_user(s, u, "newcomer", "viewer", "password-123")),
    ("audit", False): (Action.AUDIT_READ, lambda s, u, c: audit.audit_rows(s, u)),
}


@pytest.mark.parametrize("case,role,bound", list(itertools.product(CASES, ROLES, [False, True])),
                         ids=lambda x: x if isinstance(x, str) else (f"{x[0]}-{'own' if x[1] else 'other'}"
                                                                     if isinstance(x, tuple) else str(x)))
def test_service_obeys_the_table(master, store, tmp_path, case, role, bound):
    _, ids, tid, batches = master
    action, call = CASES[case]
    own = case[1]
    user = acting(store, role, bound)
    ctx = {"ids": ids, "tid": tid, "batches": batches, "dir": tmp_path}
    allowed = expected(action, role, bound, own)
    before = (len(store.audit.list()), len(store.imports.batches()))
    if allowed:
        call(store, user, ctx)
    else:
        with pytest.raises(Forbidden):
            call(store, user, ctx)
        after = (len(store.audit.list()), len(store.imports.batches()))
        if action != Action.IMPORT:       # a refused import of a bound user's foreign rows keeps an empty batch
            assert after == before, "a refused action changed something"
