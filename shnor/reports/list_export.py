"""The list of a year and territory in the appendix form (seed 004, appendix 3), as the identification and
«Отчёты» pages download it and `python -m shnor export list` / `report list` write it: the approved list if
there is one (its order's number and date in the heading), otherwise the computed list with the head's manual
decisions, marked «проект». Reads go through the services (the acting user's territory).

One code path: `list_form` gathers what the list is (rows, order, settings, coverage); `list_export` makes the
Excel workbook of it (shnor/reports/excel.py) and `list_docx_export` the Word appendix
(shnor/reports/list_docx.py)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from shnor.domain.coverage import Coverage
from shnor.domain.official_list import OfficialList
from shnor.domain.permissions import Action, User, require
from shnor.domain.rule import RuleSettings
from shnor.read.analysis import ListResult, compute_list
from shnor.reports.excel import export_frame, export_frame_from_items, list_workbook
from shnor.services import lists as ol
from shnor.store import Store

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class ListForm:
    """What the list of a year and territory is, for any file it is written to."""
    frame: pd.DataFrame                 # shnor/reports/excel.py EXPORT_COLUMNS: every school of the territory
    year: int
    territory_name: str
    settings: RuleSettings
    approved: bool
    official: OfficialList | None       # the approved list, or the draft with decisions (None: no decision yet)
    coverage: Coverage | None
    generated_at: dt.datetime

    @property
    def order_ru(self) -> str | None:
        return self.official.order_ru() if self.approved and self.official is not None else None

    @property
    def order_number(self) -> str | None:
        return self.official.order_number if self.approved and self.official is not None else None

    @property
    def order_date(self) -> dt.date | None:
        return self.official.order_date if self.approved and self.official is not None else None

    @property
    def included(self) -> int:
        return int(self.frame["included"].astype(bool).sum())

    @property
    def schools(self) -> int:
        return len(self.frame)

    def file_name(self, ext: str) -> str:
        return list_file_name(self.year, self.official, ext)


@dataclass
class ListExport:
    data: bytes
    approved: bool
    official: OfficialList | None       # the approved list, or the draft with decisions (None: no decision yet)
    file_name: str
    territory_name: str
    included: int                       # schools in the list
    schools: int                        # schools of the territory
    mime: str = XLSX_MIME


def list_file_name(year: int, official: OfficialList | None, ext: str) -> str:
    """«ШНОР_2022-2023_приказ_1324.xlsx» for an approved list, «ШНОР_2022-2023_проект.xlsx» otherwise."""
    span = f"{year}-{year + 1}"
    if official is not None and official.frozen:
        return f"ШНОР_{span}_приказ_{_safe_file_part(official.order_number or '')}.{ext}"
    return f"ШНОР_{span}_проект.{ext}"


def _safe_file_part(text: str) -> str:
    """An order number as part of a file name: letters, digits, '-' and '_' only."""
    return re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("_") or "без_номера"


def territory_title(store: Store, territory_id: int | None) -> str:
    title = store.territories.title(territory_id)
    return title[:1].upper() + title[1:]


def _full_names(store: Store, territory_id: int | None) -> dict[int, str]:
    s = store.schools.list(territory_id=territory_id)
    if "full_name" not in s:
        return {}
    return {int(i): n for i, n in zip(s["id"], s["full_name"]) if isinstance(n, str) and n.strip()}


def list_form(store: Store, user: User, year: int, territory_id: int | None, settings: RuleSettings | None = None,
              computed: ListResult | None = None, territory_name: str | None = None,
              generated_at: dt.datetime | None = None) -> ListForm:
    """The approved list of `year` and territory, or else the draft (computed with `settings`, default the saved
    ones, and the manual decisions)."""
    require(user, Action.REPORTS, territory_id)
    territory_name = territory_name or territory_title(store, territory_id)
    generated_at = generated_at or dt.datetime.now()
    official = ol.get_list(store, user, year, territory_id)
    if official is not None and official.frozen:
        frame = export_frame_from_items(ol.list_items(store, user, official), _full_names(store, territory_id))
        settings_then = official.settings or RuleSettings()
        now = compute_list(store, year, territory_id, settings_then)   # the data behind the list today
        return ListForm(frame, year, territory_name, settings_then, True, official, now.coverage, generated_at)
    if computed is None:
        computed = compute_list(store, year, territory_id, settings)
    _, proposal = ol.current_proposal(store, user, year, territory_id, computed=computed)
    return ListForm(export_frame(computed, proposal), year, territory_name, computed.identification.settings, False,
                    official, computed.coverage, generated_at)


def form_workbook(form: ListForm) -> bytes:
    """The Excel workbook of a list (shnor/reports/excel.py `list_workbook`)."""
    return list_workbook(form.frame, year=form.year, territory_name=form.territory_name, settings=form.settings,
                         order_ru=form.order_ru, order_number=form.order_number, order_date=form.order_date,
                         generated_at=form.generated_at, draft=not form.approved, coverage=form.coverage)


def _export(form: ListForm, data: bytes, ext: str, mime: str) -> ListExport:
    return ListExport(data, form.approved, form.official, form.file_name(ext), form.territory_name, form.included,
                      form.schools, mime)


def list_export(store: Store, user: User, year: int, territory_id: int | None, settings: RuleSettings | None = None,
                computed: ListResult | None = None, territory_name: str | None = None,
                generated_at: dt.datetime | None = None) -> ListExport:
    """The workbook of the approved list of `year` and territory, or else of the draft (computed with
    `settings`, default the saved ones, and the manual decisions) marked «проект»."""
    form = list_form(store, user, year, territory_id, settings, computed, territory_name, generated_at)
    return _export(form, form_workbook(form), "xlsx", XLSX_MIME)


def list_docx_export(store: Store, user: User, year: int, territory_id: int | None,
                     settings: RuleSettings | None = None, computed: ListResult | None = None,
                     territory_name: str | None = None, generated_at: dt.datetime | None = None) -> ListExport:
    """The same list as the order's appendix in Word (shnor/reports/list_docx.py)."""
    from shnor.reports.list_docx import list_document
    form = list_form(store, user, year, territory_id, settings, computed, territory_name, generated_at)
    return _export(form, list_document(form), "docx", DOCX_MIME)
