"""What needs attention, for the Overview: overdue and due-soon measures, indicators off target, and the risks
most common among ШНОР — each from its own read model (roadmap, indicators, support), never recomputed here.

    a = attention(store, user, list_year=2024, territory_id=None, today=date.today())
    a.overdue, a.due_soon            # measures (read.roadmap columns), deadline order
    a.off_target                     # indicators whose actual misses the target (read.indicators table rows)
    a.risks                          # read.support.CommonRisks of the list year
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from shnor.domain import indicators as ind_
from shnor.domain.permissions import Action, User, in_scope, require
from shnor.read import roadmap as rm
from shnor.read.indicators import build_indicators
from shnor.read.support import CommonRisks, common_risks


@dataclass
class Attention:
    list_year: int
    territory_id: int | None
    overdue: pd.DataFrame
    due_soon: pd.DataFrame
    measures_total: int
    off_target: pd.DataFrame
    indicators_with_target: int
    risks: CommonRisks
    top_factor: str = ""                      # the factor most often high among ШНОР (short name)
    top_factor_schools: pd.DataFrame | None = None   # ШНОР with it high: id, short_name, territory


def _in_territory(store, df: pd.DataFrame, territory_id: int | None) -> pd.DataFrame:
    """Measures of roadmaps of the territory and everything below it (None: every roadmap the user sees)."""
    if territory_id is None or df.empty:
        return df
    below = set(store.territories.subtree(territory_id) or [])
    keep = [t is not None and not pd.isna(t) and int(t) in below for t in df["territory_id"]]
    return df[keep]


def attention(store, user: User, list_year: int, territory_id: int | None, today: date | None = None) -> Attention:
    if territory_id is None or not in_scope(user, territory_id):
        territory_id = user.territory_id
    require(user, Action.READ, territory_id)
    ms = _in_territory(store, rm.measures(store, user, today or date.today()), territory_id)
    by_end = ms.sort_values(["deadline_end", "roadmap_id", "position"], na_position="last") if not ms.empty else ms
    overdue = by_end[by_end["flag"] == "overdue"].reset_index(drop=True) if not ms.empty else ms
    soon = by_end[by_end["flag"] == "due_soon"].reset_index(drop=True) if not ms.empty else ms
    ind = build_indicators(store, territory_id, int(list_year) - 1)
    t = ind.table
    off = t[t["status"] == ind_.OFF].reset_index(drop=True)
    with_target = int(t["target"].notna().sum())
    risks = common_risks(store, user, int(list_year), territory_id)
    top = risks.top(n=1)
    factor, schools = "", pd.DataFrame(columns=["id", "short_name", "territory"])
    if not top.empty:
        factor = str(top["short"].iloc[0])
        lv = store.support.risk_levels(risks.shnor_ids, int(list_year))
        ids = {int(i) for i in lv.loc[(lv["factor"].astype(int) == int(top["factor"].iloc[0])) &
                                      (lv["level"] == "high"), "school_id"]}
        all_schools = store.schools.list(territory_id=territory_id)
        schools = all_schools[all_schools["id"].astype(int).isin(ids)][["id", "short_name", "territory"]]
    return Attention(int(list_year), territory_id, overdue, soon, len(ms), off, with_target, risks, factor,
                     schools.reset_index(drop=True))
