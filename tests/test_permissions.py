"""The permission table (shnor/domain/permissions.py), every role × action × territory: a unit test with no
database. The expectations are written out here as the product's rules, independently of the table."""
from __future__ import annotations

import itertools

import pytest

from shnor.domain.permissions import (ACTION_RU, SYSTEM, TABLE, Action, Forbidden, User, may, may_open, pages_for,
                                      require, why_not)

# territory tree of the test: region 1 → municipality 2 (districts 4, 5), municipality 3
OWN, DISTRICT, OTHER = 2, 4, 3
SCOPE = frozenset({2, 4, 5})

# who may, as the roadmaps' users work: v viewer, m methodist, h head, a admin; R = region-wide (unbound admin only)
EXPECTED = {
    Action.READ: "vmha", Action.IMPORT: "m a", Action.UNDO_IMPORT: "m a", Action.MAP_SCHOOL: "m a",
    Action.EDIT_SCHOOL: "m a", Action.MOVE_SCHOOL: "a R", Action.LIST_DECIDE: "mha", Action.LIST_APPROVE: "ha",
    Action.REGION_LIST: "mha", Action.RULE_SETTINGS: "a R", Action.TARGETS: "a R", Action.SCALES: "a R",
    Action.THRESHOLDS: "a R", Action.TERRITORIES: "a R", Action.USERS: "a R", Action.AUDIT_READ: "a R",
    Action.ROADMAP: "m a", Action.MEASURE_STATUS: "m a", Action.INDICATOR_VALUES: "m a",
    Action.INDICATOR_TARGETS: "ha", Action.RISK_PROFILES: "m a", Action.PARTNERS: "mha", Action.INTERVIEWS: "mha", Action.REPORTS: "vmha", Action.REPORT_TEMPLATES: "a R",
    Action.BACKUP: "a R",
}
ROLE_LETTER = {"viewer": "v", "methodist": "m", "head": "h", "admin": "a"}


def user(role: str, bound: bool) -> User:
    if bound:
        return User(f"{role}-b", role, OWN, "Таштагольский муниципальный район", SCOPE)
    return User(f"{role}-u", role)


def test_every_action_has_a_row_a_russian_name_and_an_expectation():
    assert set(TABLE) == set(Action) == set(ACTION_RU) == set(EXPECTED)


@pytest.mark.parametrize("action,role,bound,where", list(itertools.product(
    list(Action), list(ROLE_LETTER), [False, True], [None, OWN, DISTRICT, OTHER])))
def test_matrix(action, role, bound, where):
    rule = EXPECTED[action]
    allowed = ROLE_LETTER[role] in rule
    if bound and "R" in rule:
        allowed = False
    if bound and where not in (OWN, DISTRICT):   # the region as a whole, or another territory
        allowed = False
    u = user(role, bound)
    assert may(u, action, where) is allowed
    reason = why_not(u, action, where)
    if allowed:
        assert reason is None
        require(u, action, where)
    else:
        assert reason and any("а" <= ch <= "я" for ch in reason.lower())   # a Russian reason
        with pytest.raises(Forbidden):
            require(u, action, where)


def test_bound_methodist_undoes_only_own_imports():
    m = user("methodist", True)
    assert may(m, Action.UNDO_IMPORT, OWN, owner=m.name)
    assert not may(m, Action.UNDO_IMPORT, OWN, owner="someone-else")
    assert "someone-else" in why_not(m, Action.UNDO_IMPORT, OWN, owner="someone-else")
    # an unbound methodist or admin undoes anyone's
    assert may(user("methodist", False), Action.UNDO_IMPORT, OWN, owner="someone-else")
    assert may(user("admin", True), Action.UNDO_IMPORT, OWN, owner="admin-b")


def test_nobody_logged_in_may_nothing():
    assert not any(may(None, a) for a in Action)
    assert pages_for(None) == []
    assert "Войдите" in why_not(None, Action.READ)


def test_system_user_is_an_unbound_admin():
    assert SYSTEM.role == "admin" and SYSTEM.scope is None
    assert all(may(SYSTEM, a, t) for a in Action for t in (None, OWN, OTHER))


def test_pages_follow_the_table():
    assert pages_for(user("viewer", True)) == ["overview", "identification", "school", "indicators", "roadmap",
                                               "analyses", "reports"]
    assert pages_for(user("admin", True)) == ["overview", "identification", "school", "indicators", "roadmap",
                                              "analyses", "reports", "upload", "settings"]
    assert pages_for(user("admin", False))[-2:] == ["users", "audit"]
    assert not may_open(user("admin", False), "no-such-page")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        may(SYSTEM, "delete_everything")
