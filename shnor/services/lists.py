"""The official list of ШНОР: the rule computes, officials decide (SPEC.md, «The official list») — the use cases.

For a school year and a territory (None: the whole region) there is at most one list:
- a *draft* holds the head's manual decisions: include or exclude a school, each with a written reason
  (`set_decision`, `clear_decision`; Action.LIST_DECIDE);
- `approve_list` freezes it with the order's number and date, recording who approved it, when, and the rule
  settings it was made with; every school of the territory gets an item (Action.LIST_APPROVE);
- an approved list never changes: `diff_with_computed` shows how the list computed from today's data (with the
  settings of the approved list) differs from the one approved.
The region's own list (seed 004, appendix 3: «Территория | ОО») is parsed in the sandbox, matched to the
registry and stored (`import_region_list`, Action.REGION_LIST), then compared (`compare_with_region_list`).

Every use case takes the acting user and asks the domain's permission table for the list's territory first (a
user bound to a territory acts on lists of their territory and its districts; a region-wide list, territory
None, only users bound to no territory). Changes run in one unit of work with a typed event. The logic is in
shnor/domain/official_list.py, the SQL in shnor/store/lists.py. Messages are Russian.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.domain import events
from shnor.domain.fmt import plural
from shnor.domain.matching import NameIndex
from shnor.domain.official_list import (  # noqa: F401 (re-exported for pages and tests)
    APPROVED, BOTH, DIFF_CRITERIA, DIFF_NEW_SCHOOL, DIFF_NO_LONGER, DIFF_NOW_SHNOR, DRAFT, NOT_FOUND, ONLY_COMPUTED,
    ONLY_REGION, OfficialList, OfficialListError, RegionListRow, check_order, check_reason, compare_region, diff_items,
    diff_summary_ru, frozen_message, match_rows, proposed_list, territory_by_expanded_name, territory_label)
from shnor.domain.permissions import Action, Forbidden, User, require  # noqa: F401
from shnor.domain.rule import RuleSettings
from shnor.domain.years import format_school_year
from shnor.importing.model import WARNING, Hints, Issue
from shnor.importing.sandbox import parse_in_child
from shnor.read.analysis import ListResult, compute_list
from shnor.store import Store


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------
def get_list(store: Store, user: User, year: int, territory_id: int | None) -> OfficialList | None:
    """The list of a year and territory: the approved one if there is one, else the draft, else None."""
    require(user, Action.READ, territory_id)
    return store.lists.get(year, territory_id)


def _readable(store: Store, user: User, lst: OfficialList) -> OfficialList:
    require(user, Action.READ, lst.territory_id)
    return lst


def decisions(store: Store, user: User, lst: OfficialList) -> pd.DataFrame:
    """Manual decisions of a list: school_id, included, reason."""
    return store.lists.decisions(_readable(store, user, lst).id)


def list_items(store: Store, user: User, lst: OfficialList) -> pd.DataFrame:
    """Items of a list with the schools' names (shnor/store/lists.py `items`)."""
    return store.lists.items(_readable(store, user, lst).id)


def approved_lists(store: Store, user: User, territory_id: int | None = None) -> pd.DataFrame:
    """Approved lists of a territory (all the user may see when territory_id is None), newest year first."""
    if territory_id is not None:
        require(user, Action.READ, territory_id)
        return store.lists.approved([territory_id])
    return store.lists.approved(None if user.scope is None else sorted(user.scope))


def current_proposal(store: Store, user: User, year: int, territory_id: int | None,
                     settings: RuleSettings | None = None,
                     computed: ListResult | None = None) -> tuple[OfficialList | None, pd.DataFrame]:
    """(the draft or approved list, the proposal: the computed list with the draft's manual decisions).
    `computed` (the list already computed with `settings`) saves computing it again."""
    lst = get_list(store, user, year, territory_id)
    if computed is None:
        computed = compute_list(store, year, territory_id, settings)
    manual = store.lists.decisions(lst.id) if lst is not None else None
    return lst, proposed_list(computed.table, manual)


def diff_with_computed(store: Store, user: User, approved: OfficialList,
                       current: ListResult | None = None) -> pd.DataFrame:
    """How the list computed from today's data differs from the approved one (shnor/domain/official_list.py
    `diff_items`). The recomputation uses the settings the list was approved with, so every difference comes
    from data (later imports, corrections)."""
    _readable(store, user, approved)
    if not approved.frozen:
        raise OfficialListError("Список ещё не утверждён — сравнивать не с чем.")
    if current is None:
        current = compute_list(store, approved.year, approved.territory_id, approved.settings)
    return diff_items(store.lists.items(approved.id), current.table)


# ---------------------------------------------------------------------------------------------
# Decisions and approval
# ---------------------------------------------------------------------------------------------
def _label(store: Store, territory_id: int | None) -> str:
    return territory_label(store.territories.name(territory_id), territory_id)


def _refuse_frozen(store: Store, lst: OfficialList | None) -> None:
    if lst is not None and lst.frozen:
        raise OfficialListError(frozen_message(lst, _label(store, lst.territory_id)))


def _school_in_territory(store: Store, school_id: int, territory_id: int | None) -> bool:
    place = store.schools.place(school_id)
    if place is None:
        return False
    ids = store.territories.subtree(territory_id)
    return ids is None or place[0] in ids or (place[1] is not None and place[1] in ids)


def set_decision(store: Store, user: User, year: int, territory_id: int | None, school_id: int, included: bool,
                 reason: str) -> OfficialList:
    """Include (included=True) or exclude a school by hand, before approval. The reason is required."""
    require(user, Action.LIST_DECIDE, territory_id)
    reason = check_reason(reason)
    _refuse_frozen(store, store.lists.get(year, territory_id))
    school_id = int(school_id)
    if not _school_in_territory(store, school_id, territory_id):
        raise OfficialListError(f"Школа № {school_id} не относится к территории «{_label(store, territory_id)}» "
                                "— решение по ней принимается в списке её территории.")
    with store.unit(user) as u:
        list_id = u.lists.draft_id(year, territory_id, user.name)
        if u.lists.status(list_id) == APPROVED:   # approved meanwhile by someone else
            raise OfficialListError(frozen_message(u.lists.by_id(list_id), _label(store, territory_id)))
        u.lists.set_decision(list_id, school_id, bool(included), reason)
        u.record(events.LIST_DECISION, list=list_id, year=year, territory_id=territory_id, school_id=school_id,
                 included=bool(included), reason=reason)
    return store.lists.get(year, territory_id)


def clear_decision(store: Store, user: User, year: int, territory_id: int | None, school_id: int) -> bool:
    """Withdraw a manual decision (before approval): the school follows the rule again. False when there
    was no decision to withdraw."""
    require(user, Action.LIST_DECIDE, territory_id)
    lst = store.lists.get(year, territory_id)
    if lst is None:
        return False
    _refuse_frozen(store, lst)
    if int(school_id) not in set(store.lists.decisions(lst.id)["school_id"]):
        return False
    with store.unit(user) as u:
        u.lists.clear_decision(lst.id, int(school_id))
        u.record(events.LIST_DECISION_CLEARED, list=lst.id, year=year, territory_id=territory_id,
                 school_id=int(school_id))
    return True


def approve_list(store: Store, user: User, year: int, territory_id: int | None, order_number: str,
                 order_date: dt.date | None, settings: RuleSettings | None = None,
                 today: dt.date | None = None) -> OfficialList:
    """Approve the list of a year by an order: computed statuses plus manual decisions are frozen."""
    require(user, Action.LIST_APPROVE, territory_id)
    order_number, order_date = check_order(order_number, order_date, today or dt.date.today())
    lst = store.lists.get(year, territory_id)
    _refuse_frozen(store, lst)
    computed = compute_list(store, year, territory_id, settings)
    settings = computed.identification.settings
    proposal = proposed_list(computed.table, store.lists.decisions(lst.id) if lst is not None else None)
    if proposal.empty:
        raise OfficialListError("В территории нет ни одной школы — утверждать нечего.")
    with store.unit(user) as u:
        list_id = u.lists.draft_id(year, territory_id, user.name)
        if u.lists.status(list_id) == APPROVED:   # approved meanwhile by someone else
            raise OfficialListError(frozen_message(u.lists.by_id(list_id), _label(store, territory_id)))
        u.lists.approve(list_id, proposal, order_number, order_date, user.name, settings.to_dict())
        u.record(events.LIST_APPROVED, list=list_id, year=year, territory_id=territory_id, order_number=order_number,
                 order_date=order_date.isoformat(), included=int(proposal["included"].sum()),
                 manual=int(proposal["manual"].sum()))
    return store.lists.get(year, territory_id)


def record_identification_run(store: Store, user: User, computed: ListResult) -> int:
    """Remember that a list was computed (the command line's `identify`): year, territory, settings, counts."""
    require(user, Action.READ, computed.territory_id)
    settings = computed.identification.settings
    with store.unit(user) as u:
        run_id = u.lists.record_run(computed.year, computed.territory_id, settings.to_dict(), computed.shnor_count,
                                    computed.school_count, user.name)
        u.record(events.IDENTIFICATION_RUN, run=run_id, year=computed.year, territory_id=computed.territory_id)
    return run_id


# ---------------------------------------------------------------------------------------------
# The region's own list
# ---------------------------------------------------------------------------------------------
@dataclass
class RegionListReport:
    """What an import of the region's list did. `rows` has one row per school of the file kept."""
    file_name: str
    status: str                               # stored | refused
    list_id: int | None = None
    year: int | None = None
    issues: list[Issue] = field(default_factory=list)
    rows: pd.DataFrame | None = None          # territory_text, school_text, territory_id, school_id, school_name, …

    @property
    def matched(self) -> int:
        return 0 if self.rows is None else int(self.rows["school_id"].notna().sum())

    @property
    def unmatched(self) -> int:
        return 0 if self.rows is None else int(self.rows["school_id"].isna().sum())

    def unmatched_rows(self) -> pd.DataFrame:
        """Rows not found in the registry: territory_text, school_text, note, sheet, row."""
        if self.rows is None:
            return pd.DataFrame(columns=["territory_text", "school_text", "note", "sheet", "row"])
        return self.rows.loc[self.rows["school_id"].isna(), ["territory_text", "school_text", "note", "sheet", "row"]]

    def summary_ru(self) -> str:
        if self.status != "stored":
            return f"{self.file_name}: список не загружен."
        total = self.matched + self.unmatched
        text = (f"{self.file_name}: список региона на {format_school_year(self.year)} загружен — "
                f"{total} {plural(total, 'школа', 'школы', 'школ')}, сопоставлено с реестром: {self.matched}")
        if self.unmatched:
            text += f", не найдено в реестре: {self.unmatched} (они показаны в сравнении отдельно)"
        return text + "."


def _find_territory(store: Store, text: str) -> int | None:
    tid = store.territories.find(text)
    if tid is not None:
        return tid
    return territory_by_expanded_name(text, ((r.id, r.name, r.short_name)
                                             for r in store.territories.list().itertuples()))


def match_region_rows(store: Store, rows: list[RegionListRow]) -> pd.DataFrame:
    """Each (territory, school name) of the region's list matched to the registry within its territory."""
    records = store.schools.match_records()
    index = NameIndex(records, store.schools.aliases())
    names = {r.id: r.short_name for r in records}
    return match_rows(rows, index, lambda text: _find_territory(store, text), names)


def import_region_list(store: Store, user: User, path: str | Path, year: int, territory_id: int | None = None,
                       file_name: str | None = None) -> RegionListReport:
    """Parse (in the sandbox), match and store the region's own list for school year `year`, for a territory
    (None: the whole region). Rows outside the territory are left out and counted; unmatched rows are stored
    too (without a school) and reported with file, sheet, row and column, so the comparison can show them."""
    require(user, Action.REGION_LIST, territory_id)
    file_name = file_name or Path(path).name
    rep = RegionListReport(file_name=file_name, status="refused", year=year)
    parsed = parse_in_child(path, file_name, Hints(), {}, entry="region_list")
    rows = getattr(parsed, "rows", None)
    if parsed.refused or not rows:
        rep.issues = parsed.issues
        return rep
    df = match_region_rows(store, rows)
    ids = store.territories.subtree(territory_id)
    if ids is not None:
        inside = df["territory_id"].isin(ids).fillna(False).astype(bool)
        left = int((~inside).sum())
        df = df[inside].reset_index(drop=True)
        if left:
            rep.issues.append(Issue(WARNING, f"строк вне вашей территории: {left} — они не загружены", file=file_name))
        if df.empty:
            rep.issues.append(Issue(WARNING, f"в файле нет ни одной школы территории «{_label(store, territory_id)}» "
                                             "— список не загружен.", file=file_name))
            return rep
    for r in df[df["school_id"].isna()].itertuples(index=False):
        rep.issues.append(Issue(WARNING, f"{r.note} — строка показана в сравнении как «не найдена в реестре»",
                                file=file_name, sheet=r.sheet, row=int(r.row), column="ОО", value=r.school_text))
    with store.unit(user) as u:
        list_id = u.lists.add_region_list(year, territory_id, file_name, user.name, df)
        u.record(events.REGION_LIST_UPLOADED, list=list_id, year=year, territory_id=territory_id, file=file_name,
                 rows=len(df), matched=int(df["school_id"].notna().sum()))
    rep.status, rep.list_id, rep.rows = "stored", list_id, df
    return rep


def region_lists(store: Store, user: User, year: int | None = None) -> pd.DataFrame:
    """Uploaded region lists the user may see (region-wide ones and those of their territory), newest first."""
    require(user, Action.READ, user.territory_id)
    return store.lists.region_lists(year, None if user.scope is None else sorted(user.scope))


def compare_with_region_list(store: Store, user: User, region_list_id: int, computed: ListResult) -> pd.DataFrame:
    """The region's list against the computed one (shnor/domain/official_list.py `compare_region`). Rows of the
    region's list outside the computed territory are left out."""
    require(user, Action.READ, computed.territory_id)
    exists, uploaded_for = store.lists.region_list_territory(region_list_id)
    if not exists:
        raise OfficialListError(f"Список региона № {region_list_id} не найден.")
    if uploaded_for is not None:
        require(user, Action.READ, uploaded_for)
    ids = store.territories.subtree(computed.territory_id)

    def outside(territory_text: str) -> bool:
        if ids is None:
            return False
        tid = _find_territory(store, territory_text)
        return tid is not None and tid not in ids

    return compare_region(store.lists.region_items(region_list_id), computed.table, outside)
