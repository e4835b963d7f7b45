"""Schools of the registry: codes, names, territory and district, flags, active years."""
from __future__ import annotations

import pandas as pd

SCHOOL_CODE_SQL = ("coalesce(s.fisoko_login, s.exam_code_oge, s.exam_code_ege, s.registry_code, s.inn, "
                   "'id' || s.id::VARCHAR)")


def active_in(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """The schools of a frame (SchoolRepo.list() columns) active in a school year, index reset."""
    start = pd.to_numeric(schools["active_from"], errors="coerce")
    end = pd.to_numeric(schools["active_to"], errors="coerce")
    keep = (start.isna() | (start <= year)) & (end.isna() | (end >= year))
    return schools[keep.to_numpy(dtype=bool)].reset_index(drop=True)


class SchoolRepo:
    def __init__(self, sql, territories):
        self.sql = sql
        self.territories = territories

    def list(self, territory_id: int | None = None, year: int | None = None) -> pd.DataFrame:
        """Schools (optionally of a territory and its districts, and active in a school year)."""
        where, params = ["TRUE"], []
        self.territories.filter_schools(territory_id, where, params)
        df = self.sql.df(
            f"SELECT s.*, t.name AS territory, d.name AS district, {SCHOOL_CODE_SQL} AS school_code "
            "FROM schools s JOIN territories t ON t.id = s.territory_id "
            f"LEFT JOIN territories d ON d.id = s.district_id WHERE {' AND '.join(where)} "
            "ORDER BY t.name, s.short_name", params)
        return df if year is None else active_in(df, year)

    def place(self, school_id: int) -> tuple[int, int | None] | None:
        """(territory id, district id) of a school, None when there is no such school."""
        row = self.sql.one("SELECT territory_id, district_id FROM schools WHERE id = ?", [int(school_id)])
        return None if row is None else (int(row[0]), None if row[1] is None else int(row[1]))

    def places(self) -> dict[int, tuple[int, int | None]]:
        return {sid: (t, d) for sid, t, d in self.sql.rows("SELECT id, territory_id, district_id FROM schools")}
