"""Indicator values (per territory or school and school year) and their targets, and the partnerships the
«ШНОР в сотрудничестве» indicator counts. The catalogue of indicators is shnor/domain/indicators.py.

A territory value has school_id NULL (territory_id NULL: the whole region); a school value carries the
school's territory too. One value per (indicator, territory or school, year): setting one replaces it.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from shnor.store.territories import TerritoryRepo

VALUE_COLUMNS = ["indicator", "territory_id", "school_id", "year", "value", "source", "entered_by", "entered_at",
                 "territory", "school", "school_code"]
TARGET_COLUMNS = ["indicator", "territory_id", "year", "target", "set_by", "set_at"]


class IndicatorRepo:
    def __init__(self, sql):
        self.sql = sql
        self.territories = TerritoryRepo(sql)

    # -- values ---------------------------------------------------------------------------------------
    def territory_values(self, territory_id: int | None, indicators: list[str] | None = None) -> pd.DataFrame:
        """The values kept for exactly this territory (None: the region), every year."""
        where, params = ["v.school_id IS NULL", "v.territory_id IS NOT DISTINCT FROM ?"], [territory_id]
        if indicators:
            where.append(f"v.indicator IN ({','.join('?' * len(indicators))})")
            params += list(indicators)
        return self.sql.df(
            "SELECT v.indicator, v.territory_id, v.school_id, v.year, v.value, v.source, v.entered_by, v.entered_at, "
            "coalesce(t.name, 'Регион') AS territory, NULL::VARCHAR AS school, NULL::VARCHAR AS school_code "
            "FROM indicator_values v LEFT JOIN territories t ON t.id = v.territory_id "
            f"WHERE {' AND '.join(where)} ORDER BY v.indicator, v.year", params)

    def school_values(self, territory_id: int | None, indicators: list[str] | None = None,
                      years: list[int] | None = None) -> pd.DataFrame:
        """The values kept for the schools of a territory and its districts (None: every school)."""
        where, params = ["v.school_id IS NOT NULL"], []
        self.territories.filter_schools(territory_id, where, params)
        if indicators:
            where.append(f"v.indicator IN ({','.join('?' * len(indicators))})")
            params += list(indicators)
        if years:
            where.append(f"v.year IN ({','.join('?' * len(years))})")
            params += list(years)
        return self.sql.df(
            "SELECT v.indicator, v.territory_id, v.school_id, v.year, v.value, v.source, v.entered_by, v.entered_at, "
            "t.name AS territory, s.short_name AS school, "
            "coalesce(s.fisoko_login, s.exam_code_oge, s.exam_code_ege, s.registry_code, s.inn, "
            "'id' || s.id::VARCHAR) AS school_code "
            "FROM indicator_values v JOIN schools s ON s.id = v.school_id JOIN territories t ON t.id = s.territory_id "
            f"WHERE {' AND '.join(where)} ORDER BY v.indicator, v.year, t.name, s.short_name", params)

    def value(self, indicator: str, year: int, territory_id: int | None = None,
              school_id: int | None = None) -> float | None:
        if school_id is not None:
            v = self.sql.scalar("SELECT value FROM indicator_values WHERE indicator = ? AND year = ? AND school_id = ?",
                                [indicator, int(year), int(school_id)])
        else:
            v = self.sql.scalar("SELECT value FROM indicator_values WHERE indicator = ? AND year = ? AND "
                                "school_id IS NULL AND territory_id IS NOT DISTINCT FROM ?",
                                [indicator, int(year), territory_id])
        return None if v is None else float(v)

    def set_value(self, indicator: str, year: int, value: float, territory_id: int | None, school_id: int | None,
                  source: str | None, actor: str | None) -> None:
        """Keep one value (a write: inside a unit), replacing the one kept for the same key."""
        if school_id is not None:
            self.sql.run("DELETE FROM indicator_values WHERE indicator = ? AND year = ? AND school_id = ?",
                         [indicator, int(year), int(school_id)])
        else:
            self.sql.run("DELETE FROM indicator_values WHERE indicator = ? AND year = ? AND school_id IS NULL AND "
                         "territory_id IS NOT DISTINCT FROM ?", [indicator, int(year), territory_id])
        self.sql.run("INSERT INTO indicator_values (indicator, territory_id, school_id, year, value, source, "
                     "entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [indicator, territory_id, school_id, int(year), float(value), source, actor,
                      dt.datetime.now()])

    def years(self) -> list[int]:
        rows = self.sql.rows("SELECT DISTINCT year FROM indicator_values UNION SELECT DISTINCT year FROM "
                             "indicator_targets ORDER BY 1")
        return [int(r[0]) for r in rows]

    # -- targets --------------------------------------------------------------------------------------
    def targets(self, indicators: list[str] | None = None) -> pd.DataFrame:
        where, params = ["TRUE"], []
        if indicators:
            where.append(f"indicator IN ({','.join('?' * len(indicators))})")
            params += list(indicators)
        return self.sql.df(f"SELECT {', '.join(TARGET_COLUMNS)} FROM indicator_targets WHERE {' AND '.join(where)} "
                           "ORDER BY indicator, territory_id NULLS FIRST, year", params)

    def target(self, indicator: str, territory_id: int | None, year: int) -> float | None:
        v = self.sql.scalar("SELECT target FROM indicator_targets WHERE indicator = ? AND year = ? AND "
                            "territory_id IS NOT DISTINCT FROM ?", [indicator, int(year), territory_id])
        return None if v is None else float(v)

    def set_target(self, indicator: str, territory_id: int | None, year: int, target: float,
                   actor: str | None) -> None:
        self.sql.run("DELETE FROM indicator_targets WHERE indicator = ? AND year = ? AND "
                     "territory_id IS NOT DISTINCT FROM ?", [indicator, int(year), territory_id])
        self.sql.run("INSERT INTO indicator_targets (indicator, territory_id, year, target, set_by, set_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [indicator, territory_id, int(year), float(target), actor,
                                                    dt.datetime.now()])

    # -- partnerships ---------------------------------------------------------------------------------
    def partnered(self, school_ids: list[int], start: dt.date, end: dt.date) -> set[int]:
        """Of `school_ids`, the supported schools with a partnership in force at some day from `start` to
        `end` (begun by `end` or with no start date, not ended before `start`)."""
        if not school_ids:
            return set()
        # partnerships are few (pairs of schools): read the window's and intersect, rather than pass 40 000 ids
        rows = self.sql.rows("SELECT DISTINCT school_id FROM partnerships "
                             "WHERE (since IS NULL OR since <= ?) AND (ended IS NULL OR ended >= ?)", [end, start])
        return {int(r[0]) for r in rows} & {int(i) for i in school_ids}
