"""The list workbook of a year and territory, as the identification page downloads it and
`python -m shnor export list` writes it: the approved list if there is one, otherwise the computed list with
the head's manual decisions, marked «проект». Reads go through the services (the acting user's territory)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from shnor.domain.official_list import OfficialList
from shnor.domain.permissions import Action, User, require
from shnor.domain.rule import RuleSettings
from shnor.read.analysis import ListResult, compute_list
from shnor.reports.excel import export_frame, export_frame_from_items, list_workbook
from shnor.services import lists as ol
from shnor.store import Store


@dataclass
class ListExport:
    data: bytes
    approved: bool
    official: OfficialList | None       # the approved list, or the draft with decisions (None: no decision yet)
    file_name: str
    territory_name: str
    included: int                       # schools in the list
    schools: int                        # schools of the territory


def _safe_file_part(text: str) -> str:
    """An order number as part of a file name: letters, digits, '-' and '_' only."""
    return re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("_") or "без_номера"


def territory_title(store: Store, territory_id: int | None) -> str:
    if territory_id is not None:
        return store.territories.name(territory_id) or f"территория {territory_id}"
    region = store.territories.name(store.territories.region_id())
    return f"Весь регион ({region})" if region else "Весь регион"


def list_export(store: Store, user: User, year: int, territory_id: int | None, settings: RuleSettings | None = None,
                computed: ListResult | None = None, territory_name: str | None = None,
                generated_at: dt.datetime | None = None) -> ListExport:
    """The workbook of the approved list of `year` and territory, or else of the draft (computed with
    `settings`, default the saved ones, and the manual decisions) marked «проект»."""
    require(user, Action.REPORTS, territory_id)
    territory_name = territory_name or territory_title(store, territory_id)
    official = ol.get_list(store, user, year, territory_id)
    span = f"{year}-{year + 1}"
    if official is not None and official.frozen:
        frame = export_frame_from_items(ol.list_items(store, user, official))
        settings_then = official.settings or RuleSettings()
        now = compute_list(store, year, territory_id, settings_then)   # the data behind the list today
        data = list_workbook(frame, year=year, territory_name=territory_name,
                             settings=settings_then, order_ru=official.order_ru(),
                             generated_at=generated_at, coverage=now.coverage)
        return ListExport(data, True, official, f"ШНОР_{span}_приказ_{_safe_file_part(official.order_number or '')}.xlsx",
                          territory_name, int(frame["included"].sum()), len(frame))
    if computed is None:
        computed = compute_list(store, year, territory_id, settings)
    _, proposal = ol.current_proposal(store, user, year, territory_id, computed=computed)
    frame = export_frame(computed, proposal)
    data = list_workbook(frame, year=year, territory_name=territory_name, settings=computed.identification.settings,
                         generated_at=generated_at, draft=True, coverage=computed.coverage)
    return ListExport(data, False, official, f"ШНОР_{span}_проект.xlsx", territory_name,
                      int(frame["included"].sum()), len(frame))
