"""Reads for the analyses (shnor/domain/analyses/): the journal comparison and the points per task of the
stored results, with each school's territory. Aggregates only, as stored; read-only."""
from __future__ import annotations

import json

import pandas as pd

from shnor.store.territories import TerritoryRepo

JOURNAL_COLUMNS = ["school_id", "territory_id", "procedure", "year", "participants", "low_count",
                   "journal_below", "journal_equal", "journal_above"]
TASK_COLUMNS = ["school_id", "territory_id", "procedure", "year", "participants", "task", "points", "max_points"]


class AnalysesRepo:
    def __init__(self, sql):
        self.sql = sql
        self.territories = TerritoryRepo(sql)

    def _where(self, years: list[int] | None, procedures_: list[str] | None, territory_id: int | None
               ) -> tuple[list[str], list]:
        where, params = ["r.participants > 0"], []
        if years:
            where.append(f"r.year IN ({','.join('?' * len(years))})")
            params += [int(y) for y in years]
        if procedures_:
            where.append(f"r.procedure IN ({','.join('?' * len(procedures_))})")
            params += list(procedures_)
        self.territories.filter_schools(territory_id, where, params)
        return where, params

    def journal(self, years: list[int] | None = None, procedures_: list[str] | None = None,
                territory_id: int | None = None) -> pd.DataFrame:
        """Results that carry the comparison with journal marks (ВПР protocols): JOURNAL_COLUMNS, the school's
        territory (its municipality) as `territory_id`."""
        where, params = self._where(years, procedures_, territory_id)
        where.append("(r.journal_below IS NOT NULL OR r.journal_equal IS NOT NULL OR r.journal_above IS NOT NULL)")
        return self.sql.df(
            "SELECT r.school_id, s.territory_id, r.procedure, r.year, r.participants, r.low_count, "
            "r.journal_below, r.journal_equal, r.journal_above FROM results r JOIN schools s ON s.id = r.school_id "
            f"WHERE {' AND '.join(where)} ORDER BY r.school_id, r.procedure, r.year", params)

    def task_points(self, years: list[int] | None = None, procedures_: list[str] | None = None,
                    territory_id: int | None = None) -> pd.DataFrame:
        """The mean points per task of the results that carry them, one row per task: TASK_COLUMNS
        (`max_points` from the protocol's headers, None when the file did not give it)."""
        where, params = self._where(years, procedures_, territory_id)
        where.append("r.task_points IS NOT NULL")
        rows = self.sql.rows(
            "SELECT r.school_id, s.territory_id, r.procedure, r.year, r.participants, "
            "CAST(r.task_points AS VARCHAR), CAST(r.task_max AS VARCHAR) FROM results r "
            f"JOIN schools s ON s.id = r.school_id WHERE {' AND '.join(where)} "
            "ORDER BY r.school_id, r.procedure, r.year", params)
        out = []
        for sid, tid, proc, year, n, tp, tm in rows:
            points = _json_dict(tp)
            maxima = _json_dict(tm)
            for task, value in points.items():
                mx = maxima.get(task)
                out.append((int(sid), int(tid), proc, int(year), int(n), str(task), _num(value), _num(mx)))
        return pd.DataFrame(out, columns=TASK_COLUMNS)

    def task_years(self) -> list[tuple[str, int]]:
        """The (procedure, year) works that have points per task."""
        return [(p, int(y)) for p, y in self.sql.rows(
            "SELECT DISTINCT procedure, year FROM results WHERE task_points IS NOT NULL ORDER BY year, procedure")]


def _json_dict(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _num(v) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None
