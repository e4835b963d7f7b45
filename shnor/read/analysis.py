"""Read model combining the store's repositories and the rule: the list for a year, the share of ШНОР by
year. No SQL here and no writes (the rule's defaults are saved by shnor/services/settings.py).

Shared by the CLI, the dashboard, the reports and the services (which pass their unit of work as `store`
to read inside it). The rule itself stays pure (shnor/domain/rule.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shnor.domain.rule import SHNOR, Identification, RuleSettings, identify_shnor
from shnor.store import Store, active_in

RULE_SETTINGS_KEY = "rule"


def load_rule_settings(store: Store) -> RuleSettings:
    """The rule's stored defaults (saved by shnor.services.settings.save_rule_settings)."""
    return RuleSettings.from_dict(store.settings.get(RULE_SETTINGS_KEY))


@dataclass
class ListResult:
    """The computed list for a year and territory, with the schools it covers."""
    year: int
    territory_id: int | None
    identification: Identification
    schools: pd.DataFrame      # schools active in the results year (Y-1), with names and territory
    table: pd.DataFrame        # schools joined with their status, criteria and reasons

    @property
    def shnor_count(self) -> int:
        return int((self.table["status"] == SHNOR).sum())

    @property
    def school_count(self) -> int:
        return len(self.table)

    @property
    def share(self) -> float | None:
        return self.shnor_count / self.school_count if self.school_count else None


def compute_list(store: Store, year: int, territory_id: int | None = None,
                 settings: RuleSettings | None = None, results: pd.DataFrame | None = None,
                 all_schools: pd.DataFrame | None = None) -> ListResult:
    """The list formed for school year `year`: results of year-1 and year-2, schools active in year-1
    (general-education schools of the registry, those with no data included)."""
    settings = settings or load_rule_settings(store)
    if all_schools is None:
        all_schools = store.schools.list(territory_id=territory_id)
    schools = active_in(all_schools, year - 1)
    schools = schools[schools["is_general"].fillna(True).astype(bool)].reset_index(drop=True)
    if results is None:
        results = store.results.list(years=[year - 1, year - 2], procedures_=list(settings.procedures),
                                territory_id=territory_id)
    ident = identify_shnor(results, schools, year, settings)
    table = schools[["id", "school_code", "short_name", "territory", "district", "territory_id", "is_shnsu",
                     "is_rural"]].merge(ident.frame(), left_on="id", right_on="school_id", how="left")
    return ListResult(year, territory_id, ident, schools, table)


def share_by_year(store: Store, territory_id: int | None = None, settings: RuleSettings | None = None,
                  years: list[int] | None = None) -> pd.DataFrame:
    """The target indicator by school year Y: the share of schools the rule finds on the results of Y
    (the list formed for Y+1), with the target for Y. Columns: year, schools, shnor, share, target."""
    settings = settings or load_rule_settings(store)
    years = years or store.results.years()
    all_results = store.results.list(procedures_=list(settings.procedures), territory_id=territory_id)
    all_schools = store.schools.list(territory_id=territory_id)
    rows = []
    for y in years:
        lst = compute_list(store, y + 1, territory_id, settings, results=all_results, all_schools=all_schools)
        rows.append({"year": y, "schools": lst.school_count, "shnor": lst.shnor_count, "share": lst.share,
                     "target": store.targets.for_year(territory_id, y)})
    return pd.DataFrame(rows, columns=["year", "schools", "shnor", "share", "target"])
