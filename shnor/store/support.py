"""The support of schools: risk levels per (school, year, factor), partnerships (a school and its partner,
with the dates they began and ended), and the people and flags beside the registry (curator, coordinator,
«500+»). The ШНСУ flag is the registry's own `schools.is_shnsu` (shnor/store/schools.py)."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from shnor.store import dialect

RISK_COLUMNS = ["school_id", "year", "factor", "level", "measured", "source", "set_by", "set_at"]


def _now() -> dt.datetime:
    return pd.Timestamp.now().to_pydatetime()


class SupportRepo:
    def __init__(self, sql):
        self.sql = sql

    # -- risk levels ----------------------------------------------------------------------------------
    def risk_levels(self, school_ids: list[int] | None = None, year: int | None = None) -> pd.DataFrame:
        """Stored levels (of some schools, of a year): RISK_COLUMNS, `measured` as a dict (or None)."""
        where, params = ["TRUE"], []
        if school_ids is not None:
            if not school_ids:
                return pd.DataFrame(columns=RISK_COLUMNS)
            where.append(f"school_id IN ({','.join('?' * len(school_ids))})")
            params += [int(i) for i in school_ids]
        if year is not None:
            where.append("year = ?")
            params.append(int(year))
        df = self.sql.df("SELECT school_id, year, factor, level, CAST(measured AS VARCHAR) AS measured, source, "
                         f"set_by, set_at FROM risk_levels WHERE {' AND '.join(where)} "
                         "ORDER BY school_id, year, factor", params)
        df["measured"] = [json.loads(m) if isinstance(m, str) and m else None for m in df["measured"]]
        return df

    def risk_years(self, school_id: int) -> list[int]:
        return [int(r[0]) for r in self.sql.rows(
            "SELECT DISTINCT year FROM risk_levels WHERE school_id = ? ORDER BY year DESC", [int(school_id)])]

    def set_risk(self, school_id: int, year: int, factor: int, level: str, measured: dict | None,
                 source: str | None, actor: str | None) -> None:
        self.sql.run(dialect.upsert("risk_levels", ["school_id", "year", "factor", "level", "measured", "source",
                                                    "set_by", "set_at"], ["school_id", "year", "factor"]),
                     [int(school_id), int(year), int(factor), level,
                      json.dumps(measured, ensure_ascii=False) if measured else None, source, actor, _now()])

    def delete_risk(self, school_id: int, year: int, factor: int) -> int:
        return len(self.sql.run("DELETE FROM risk_levels WHERE school_id = ? AND year = ? AND factor = ? "
                                "RETURNING factor", [int(school_id), int(year), int(factor)]))

    # -- partnerships ---------------------------------------------------------------------------------
    def partnerships(self, school_id: int | None = None, partner_id: int | None = None,
                     active_only: bool = False) -> pd.DataFrame:
        """Partnerships (a school's, a partner's, or all) with both names: school_id, school_name, partner_id,
        partner_name, partner_territory, since, reason, ended, created_by, created_at; newest first."""
        where, params = ["TRUE"], []
        if school_id is not None:
            where.append("p.school_id = ?")
            params.append(int(school_id))
        if partner_id is not None:
            where.append("p.partner_id = ?")
            params.append(int(partner_id))
        if active_only:
            where.append("p.ended IS NULL")
        return self.sql.df(
            "SELECT p.school_id, s.short_name AS school_name, p.partner_id, q.short_name AS partner_name, "
            "t.name AS partner_territory, p.since, p.reason, p.ended, p.created_by, p.created_at "
            "FROM partnerships p JOIN schools s ON s.id = p.school_id JOIN schools q ON q.id = p.partner_id "
            f"JOIN territories t ON t.id = q.territory_id WHERE {' AND '.join(where)} "
            "ORDER BY p.ended IS NULL DESC, p.created_at DESC", params)

    def partner_counts(self) -> dict[int, int]:
        """Active partnerships per partner school."""
        return {int(p): int(n) for p, n in self.sql.rows(
            "SELECT partner_id, count(*) FROM partnerships WHERE ended IS NULL GROUP BY partner_id")}

    def add_partnership(self, school_id: int, partner_id: int, since: dt.date | None, reason: str | None,
                        actor: str | None) -> None:
        self.sql.run("INSERT INTO partnerships (school_id, partner_id, since, reason, created_by, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [int(school_id), int(partner_id), since, reason, actor, _now()])

    def end_partnerships(self, school_id: int, ended: dt.date) -> list[int]:
        """End the school's active partnerships; the partners' ids."""
        return [int(r[0]) for r in self.sql.run(
            "UPDATE partnerships SET ended = ? WHERE school_id = ? AND ended IS NULL RETURNING partner_id",
            [ended, int(school_id)])]

    # -- curator, coordinator, «500+» -----------------------------------------------------------------
    def support(self, school_id: int) -> dict | None:
        row = self.sql.one("SELECT curator, coordinator, is_500plus, updated_by, updated_at FROM school_support "
                           "WHERE school_id = ?", [int(school_id)])
        if row is None:
            return None
        return dict(zip(["curator", "coordinator", "is_500plus", "updated_by", "updated_at"], row))

    def set_support(self, school_id: int, curator: str | None, coordinator: str | None, is_500plus: bool,
                    actor: str | None) -> None:
        self.sql.run(dialect.upsert("school_support", ["school_id", "curator", "coordinator", "is_500plus",
                                                       "updated_by", "updated_at"], ["school_id"]),
                     [int(school_id), curator, coordinator, bool(is_500plus), actor, _now()])

    def flags(self) -> pd.DataFrame:
        """school_id, curator, coordinator, is_500plus of every school with a record."""
        return self.sql.df("SELECT school_id, curator, coordinator, is_500plus FROM school_support ORDER BY school_id")
