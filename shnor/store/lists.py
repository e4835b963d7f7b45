"""Identification runs, official lists (draft, approved) and the region's own lists.

Reads return domain objects (shnor/domain/official_list.py) or frames; writes run only inside a unit of work
(`store.unit(user)`), which records the typed event beside them.
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from shnor.domain.official_list import APPROVED, DRAFT, OfficialList, with_status_ru
from shnor.domain.rule import RuleSettings
from shnor.store.schools import SCHOOL_CODE_SQL

_SAME_LIST = "year = ? AND territory_id IS NOT DISTINCT FROM ?"
_LIST_COLS = ("id, year, territory_id, status, order_number, order_date, approved_by, approved_at, "
              "CAST(settings AS VARCHAR) AS settings")


def _date(v) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _to_list(row: tuple) -> OfficialList:
    lid, year, tid, status, number, date, by, at, settings = row
    return OfficialList(
        id=int(lid), year=int(year), territory_id=None if tid is None else int(tid), status=status,
        order_number=number or None, order_date=_date(date), approved_by=by or None,
        approved_at=at if isinstance(at, dt.datetime) or at is None else pd.Timestamp(at).to_pydatetime(),
        settings=RuleSettings.from_dict(json.loads(settings)) if settings else None)


class ListRepo:
    def __init__(self, sql, territories):
        self.sql = sql
        self.territories = territories

    # -- identification runs -------------------------------------------------------------------------
    def record_run(self, year: int, territory_id: int | None, settings: dict, shnor_count: int,
                   school_count: int, actor: str | None) -> int:
        return self.sql.run("INSERT INTO identification_runs (year, territory_id, settings, shnor_count, "
                            "school_count, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            [year, territory_id, json.dumps(settings, ensure_ascii=False), shnor_count,
                             school_count, actor])[0][0]

    # -- official lists: reads -----------------------------------------------------------------------
    def get(self, year: int, territory_id: int | None) -> OfficialList | None:
        """The list of a year and territory: the approved one if there is one, else the draft, else None."""
        row = self.sql.one(f"SELECT {_LIST_COLS} FROM official_lists WHERE {_SAME_LIST} "
                           "ORDER BY status = 'approved' DESC, id DESC LIMIT 1", [year, territory_id])
        return None if row is None else _to_list(row)

    def by_id(self, list_id: int) -> OfficialList | None:
        row = self.sql.one(f"SELECT {_LIST_COLS} FROM official_lists WHERE id = ?", [int(list_id)])
        return None if row is None else _to_list(row)

    def approved(self, territory_ids: list[int] | None = None) -> pd.DataFrame:
        """Approved lists (of the given territories; all when None), newest year first: id, year, territory_id,
        territory, order_number, order_date, approved_by, approved_at, included."""
        where, params = "l.status = 'approved'", []
        if territory_ids is not None:
            if not territory_ids:
                where += " AND FALSE"
            else:
                where += f" AND l.territory_id IN ({','.join('?' * len(territory_ids))})"
                params += [int(t) for t in territory_ids]
        return self.sql.df(
            "SELECT l.id, l.year, l.territory_id, coalesce(t.name, 'Весь регион') AS territory, l.order_number, "
            "l.order_date, l.approved_by, l.approved_at, "
            "(SELECT count(*) FROM official_list_items i WHERE i.list_id = l.id AND i.included) AS included "
            f"FROM official_lists l LEFT JOIN territories t ON t.id = l.territory_id WHERE {where} "
            "ORDER BY l.year DESC, territory", params)

    def decisions(self, list_id: int) -> pd.DataFrame:
        """Manual decisions of a list: school_id, included, reason."""
        return self.sql.df("SELECT school_id, included, reason FROM official_list_items WHERE list_id = ? AND manual "
                           "ORDER BY school_id", [int(list_id)])

    def items(self, list_id: int) -> pd.DataFrame:
        """Items of a list with the schools' names: school_id, territory, short_name, school_code, included,
        computed_status, status_ru, manual, reason, criteria, reasons."""
        df = self.sql.df(
            f"SELECT i.school_id, t.name AS territory, s.short_name, {SCHOOL_CODE_SQL} AS school_code, i.included, "
            "i.computed_status, i.manual, coalesce(i.reason, '') AS reason, coalesce(i.criteria, '') AS criteria, "
            "coalesce(i.reasons, '') AS reasons FROM official_list_items i JOIN schools s ON s.id = i.school_id "
            "JOIN territories t ON t.id = s.territory_id WHERE i.list_id = ? ORDER BY t.name, s.short_name",
            [int(list_id)])
        return with_status_ru(df)

    # -- official lists: writes (inside a unit) ------------------------------------------------------
    def draft_id(self, year: int, territory_id: int | None, actor: str | None) -> int:
        """The id of the list of a year and territory, a new draft when there is none."""
        row = self.sql.one(f"SELECT id FROM official_lists WHERE {_SAME_LIST} "
                           "ORDER BY status = 'approved' DESC, id DESC LIMIT 1", [year, territory_id])
        if row is not None:
            return int(row[0])
        return int(self.sql.run("INSERT INTO official_lists (year, territory_id, status, created_by) "
                                "VALUES (?, ?, ?, ?) RETURNING id", [year, territory_id, DRAFT, actor])[0][0])

    def status(self, list_id: int) -> str | None:
        return self.sql.scalar("SELECT status FROM official_lists WHERE id = ?", [int(list_id)])

    def set_decision(self, list_id: int, school_id: int, included: bool, reason: str) -> None:
        self.sql.run("DELETE FROM official_list_items WHERE list_id = ? AND school_id = ?", [list_id, school_id])
        self.sql.run("INSERT INTO official_list_items (list_id, school_id, included, manual, reason) "
                     "VALUES (?, ?, ?, TRUE, ?)", [list_id, school_id, bool(included), reason])

    def clear_decision(self, list_id: int, school_id: int) -> int:
        """Withdraw a manual decision; the number of rows removed (0 or 1)."""
        return len(self.sql.run("DELETE FROM official_list_items WHERE list_id = ? AND school_id = ? AND manual "
                                "RETURNING school_id", [list_id, school_id]))

    def approve(self, list_id: int, proposal: pd.DataFrame, order_number: str, order_date: dt.date,
                actor: str | None, settings: dict) -> None:
        """Freeze a list: one item per school of the proposal (proposed_list columns), the order, the settings."""
        self.sql.run("DELETE FROM official_list_items WHERE list_id = ?", [list_id])
        self.sql.many(
            "INSERT INTO official_list_items (list_id, school_id, included, computed_status, manual, reason, "
            "criteria, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[list_id, int(r.school_id), bool(r.included), r.computed_status, bool(r.manual), r.reason or None,
              r.criteria or None, r.reasons or None] for r in proposal.itertuples(index=False)])
        self.sql.run("UPDATE official_lists SET status = ?, order_number = ?, order_date = ?, approved_by = ?, "
                     "approved_at = current_timestamp, settings = ? WHERE id = ?",
                     [APPROVED, order_number, order_date, actor, json.dumps(settings, ensure_ascii=False), list_id])

    # -- the region's own lists ----------------------------------------------------------------------
    def add_region_list(self, year: int, territory_id: int | None, file_name: str, actor: str | None,
                        rows: pd.DataFrame) -> int:
        """Store an uploaded region list (rows: territory_text, school_text, school_id, row)."""
        list_id = int(self.sql.run("INSERT INTO region_lists (year, territory_id, file_name, uploaded_by) "
                                   "VALUES (?, ?, ?, ?) RETURNING id", [year, territory_id, file_name, actor])[0][0])
        self.sql.many("INSERT INTO region_list_items (list_id, territory_text, school_text, school_id, row_number) "
                      "VALUES (?, ?, ?, ?, ?)",
                      [[list_id, r.territory_text, r.school_text, None if pd.isna(r.school_id) else int(r.school_id),
                        int(r.row)] for r in rows.itertuples(index=False)])
        return list_id

    def region_lists(self, year: int | None = None, territory_ids: list[int] | None = None) -> pd.DataFrame:
        """Uploaded region lists, newest first: id, year, territory_id, file_name, uploaded_by, uploaded_at,
        schools. `territory_ids` (a bound user's scope): the region-wide lists and those uploaded for one of
        these territories."""
        where, params = ["TRUE"], []
        if year is not None:
            where.append("l.year = ?")
            params.append(year)
        if territory_ids is not None:
            marks = ",".join("?" * len(territory_ids)) or "NULL"
            where.append(f"(l.territory_id IS NULL OR l.territory_id IN ({marks}))")
            params += [int(t) for t in territory_ids]
        return self.sql.df("SELECT l.id, l.year, l.territory_id, l.file_name, l.uploaded_by, l.uploaded_at, "
                           "(SELECT count(*) FROM region_list_items i WHERE i.list_id = l.id) AS schools "
                           f"FROM region_lists l WHERE {' AND '.join(where)} ORDER BY l.uploaded_at DESC, l.id DESC",
                           params)

    def region_list_territory(self, list_id: int) -> tuple[bool, int | None]:
        """(exists, territory id the list was uploaded for)."""
        row = self.sql.one("SELECT territory_id FROM region_lists WHERE id = ?", [int(list_id)])
        return (False, None) if row is None else (True, None if row[0] is None else int(row[0]))

    def region_items(self, list_id: int) -> pd.DataFrame:
        return self.sql.df("SELECT territory_text, school_text, school_id FROM region_list_items WHERE list_id = ? "
                           "ORDER BY row_number", [int(list_id)])
