"""Read model combining the store's repositories and the rule: the list for a year, the share of ШНОР by
year. No SQL here and no writes (the rule's defaults are saved by shnor/services/settings.py).

Shared by the CLI, the dashboard, the reports and the services (which pass their unit of work as `store`
to read inside it). The rule itself stays pure (shnor/domain/rule.py).
"""
from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pandas as pd

from shnor.domain.coverage import COVERAGE_SETTING_KEY, DEFAULT_MIN_COVERAGE_PCT, Coverage
from shnor.domain.rule import SHNOR, Identification, RuleSettings, identify_shnor
from shnor.store import Store, active_in

RULE_SETTINGS_KEY = "rule"


def load_rule_settings(store: Store) -> RuleSettings:
    """The rule's stored defaults (saved by shnor.services.settings.save_rule_settings)."""
    return RuleSettings.from_dict(store.settings.get(RULE_SETTINGS_KEY))


def load_min_coverage(store: Store) -> int:
    """The coverage setting (a whole percent 0–100, default 90): below it no verdict on the target is given.
    A stored value that is not a whole number from 0 to 100 is ignored (the default applies)."""
    value = store.settings.get(COVERAGE_SETTING_KEY)
    if isinstance(value, bool):
        return DEFAULT_MIN_COVERAGE_PCT
    try:
        pct = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MIN_COVERAGE_PCT
    return pct if 0 <= pct <= 100 and pct == value else DEFAULT_MIN_COVERAGE_PCT


def schools_with_results(results: pd.DataFrame, year: int, procedures_: tuple[str, ...]) -> set[int]:
    """Schools with at least one result (participants > 0) of the rule's procedures in `year`."""
    if results.empty:
        return set()
    r = results[(results["year"] == year) & results["procedure"].isin(procedures_) & (results["participants"] > 0)]
    return set(int(x) for x in r["school_id"])


class ListResult:
    """The computed list for a year and territory, with the schools it covers.

    `table`: the schools joined with their status, criteria and reasons; `has_results`: the school has a result of
    the rule's procedures in Y-1 (counted in the coverage). The reasons (a Russian sentence per school) are worded
    when `table` is first read; the counts, the share and the coverage never need them, and `rows_with_reasons`
    words them only for the rows asked for (the schools shown or exported)."""

    def __init__(self, year: int, territory_id: int | None, identification: Identification, schools: pd.DataFrame,
                 table: pd.DataFrame, min_coverage: int = DEFAULT_MIN_COVERAGE_PCT, reasons_filled: bool = True):
        self.year = year
        self.territory_id = territory_id
        self.identification = identification
        self.schools = schools        # schools active in the results year (Y-1), with names and territory
        self._table = table
        self._filled = reasons_filled
        self.min_coverage = min_coverage

    def __repr__(self) -> str:
        return (f"ListResult(year={self.year}, territory_id={self.territory_id}, schools={self.school_count}, "
                f"shnor={self.shnor_count})")

    def __getstate__(self) -> dict:
        """A pickled list (st.cache_data) carries its reasons: a cached list is never worded again at each rerun."""
        self.table
        return dict(self.__dict__)

    @property
    def table(self) -> pd.DataFrame:
        if not self._filled:
            self._table["reasons"] = self.identification.reasons_of(range(len(self._table)))
            self._filled = True
        return self._table

    @property
    def bare(self) -> pd.DataFrame:
        """`table` without wording the reasons (its «reasons» column may be empty): for counts, statuses, names."""
        return self._table

    @table.setter
    def table(self, value: pd.DataFrame) -> None:
        self._table, self._filled = value, True

    def rows_with_reasons(self, mask=None) -> pd.DataFrame:
        """Rows of `table` (all, or where the boolean `mask` holds) with their reasons, worded only for them."""
        rows = self._table if mask is None else self._table[np.asarray(mask, dtype=bool)]
        if self._filled:
            return rows.copy()
        rows = rows.copy()
        # the table keeps the schools' order: its positions are the identification's
        where = np.flatnonzero(np.ones(len(self._table), dtype=bool) if mask is None else np.asarray(mask, dtype=bool))
        rows["reasons"] = self.identification.reasons_of(where) if len(rows) else rows["reasons"]
        return rows

    @property
    def statuses(self) -> pd.Series:
        """The status of each row of `table` (no reasons worded)."""
        return self._table["status"]

    @property
    def coverage(self) -> Coverage:
        """Of the schools counted in the share, how many have a result of the rule's procedures in Y-1."""
        return self.coverage_of(self._table)

    def coverage_of(self, rows: pd.DataFrame) -> Coverage:
        """The coverage of some rows of `table` (a territory's schools)."""
        return Coverage(self.year - 1, len(rows), int(rows["has_results"].sum()) if len(rows) else 0,
                        self.min_coverage)

    @property
    def shnor_count(self) -> int:
        return int((self._table["status"] == SHNOR).sum())

    @property
    def school_count(self) -> int:
        return len(self._table)

    @property
    def share(self) -> float | None:
        return self.shnor_count / self.school_count if self.school_count else None


def counted_schools(all_schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """The schools the list of `year` counts (SPEC.md's denominator): general-education schools of the
    registry active in the results year year-1, those with no data included."""
    schools = active_in(all_schools, year - 1)
    return schools[schools["is_general"].fillna(True).astype(bool)].reset_index(drop=True)


def compute_list(store: Store, year: int, territory_id: int | None = None,
                 settings: RuleSettings | None = None, results: pd.DataFrame | None = None,
                 all_schools: pd.DataFrame | None = None, min_coverage: int | None = None) -> ListResult:
    """The list formed for school year `year`: results of year-1 and year-2, schools active in year-1
    (general-education schools of the registry, those with no data included), with the coverage of the
    share (the setting `min_coverage`, default the stored one)."""
    settings = settings or load_rule_settings(store)
    if min_coverage is None:
        min_coverage = load_min_coverage(store)
    if all_schools is None:
        all_schools = store.schools.list(territory_id=territory_id)
    schools = counted_schools(all_schools, year)
    if results is None:
        results = store.results.list(years=[year - 1, year - 2], procedures_=list(settings.procedures),
                                territory_id=territory_id)
    ident = identify_shnor(results, schools, year, settings)
    # the identification's rows are the schools' rows, in order: joined by position (reasons worded later)
    table = schools[["id", "school_code", "short_name", "territory", "district", "territory_id", "is_shnsu",
                     "is_rural"]].reset_index(drop=True)
    frame = ident.frame(reasons=False)
    for col in frame.columns:
        table[col] = frame[col].to_numpy() if len(frame) else frame[col]
    if not len(table):       # the same columns (and types) as a merge of two empty frames
        table = schools[["id", "school_code", "short_name", "territory", "district", "territory_id", "is_shnsu",
                         "is_rural"]].merge(ident.frame(), left_on="id", right_on="school_id", how="left")
    table["has_results"] = _has_results(results, table["id"], year - 1, tuple(settings.procedures))
    return ListResult(year, territory_id, ident, schools, table, min_coverage, reasons_filled=not len(table))


def _has_results(results: pd.DataFrame, ids: pd.Series, year: int, procedures_: tuple[str, ...]) -> list[bool]:
    """Per school id: a result (participants > 0) of the rule's procedures in `year` (schools_with_results)."""
    if results.empty or not len(ids):
        return [False] * len(ids)
    r = results[(results["year"] == year) & results["procedure"].isin(procedures_) & (results["participants"] > 0)]
    return ids.isin(pd.unique(r["school_id"])).tolist()


def share_by_year(store: Store, territory_id: int | None = None, settings: RuleSettings | None = None,
                  years: list[int] | None = None) -> pd.DataFrame:
    """The target indicator by school year Y: the share of schools the rule finds on the results of Y
    (the list formed for Y+1), with the target for Y and the coverage of the share: `with_data` of the schools
    have a result of the rule's procedures in Y, `min_coverage` is the setting.
    Columns: year, schools, shnor, share, target, with_data, min_coverage. A few rows computed from every
    school of every year (6 lists of 40 000 schools in a country): remembered per data version, so the overview's
    trend and the indicators' share of ШНОР compute them once."""
    settings = settings or load_rule_settings(store)
    years = years or store.results.years()
    min_coverage = load_min_coverage(store)
    if not isinstance(store, Store) or str(store.path) == ":memory:":     # inside a unit of work: never remembered
        return _share_by_year(store, territory_id, settings, years, min_coverage)
    key = (str(store.path), id(store), store.data_version(), territory_id,
           json.dumps(settings.to_dict(), sort_keys=True), tuple(int(y) for y in years), min_coverage)
    if key in _SHARE_MEMO:
        _SHARE_MEMO.move_to_end(key)
        return _SHARE_MEMO[key].copy()
    frame = _share_by_year(store, territory_id, settings, years, min_coverage)
    _SHARE_MEMO[key] = frame.copy()
    while len(_SHARE_MEMO) > 64:
        _SHARE_MEMO.popitem(last=False)
    return frame


_SHARE_MEMO: OrderedDict = OrderedDict()


def _share_by_year(store: Store, territory_id: int | None, settings: RuleSettings, years: list[int],
                   min_coverage: int) -> pd.DataFrame:
    all_results = store.results.list(procedures_=list(settings.procedures), territory_id=territory_id)
    all_schools = store.schools.list(territory_id=territory_id)
    rows = []
    for y in years:
        lst = compute_list(store, y + 1, territory_id, settings, results=all_results, all_schools=all_schools,
                           min_coverage=min_coverage)
        rows.append({"year": y, "schools": lst.school_count, "shnor": lst.shnor_count, "share": lst.share,
                     "target": store.targets.for_year(territory_id, y), "with_data": lst.coverage.with_data,
                     "min_coverage": min_coverage})
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


SHARE_COLUMNS = ["year", "schools", "shnor", "share", "target", "with_data", "min_coverage"]


def coverage_of_row(row) -> Coverage:
    """The coverage of one row of share_by_year (a namedtuple or a Series)."""
    get = row.get if hasattr(row, "get") else lambda k: getattr(row, k)
    return Coverage(int(get("year")), int(get("schools")), int(get("with_data")), int(get("min_coverage")))
