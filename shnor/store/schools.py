"""Schools of the registry: codes, names, territory and district, flags, active years."""
from __future__ import annotations

import json

import pandas as pd

from shnor.domain.matching import Alias, SchoolRecord

# the fields a registry file sets (and an undo restores)
REGISTRY_FIELDS = ["fisoko_login", "login_key", "inn", "ogrn", "exam_code_oge", "exam_code_ege", "short_name",
                   "full_name", "territory_id", "district_id", "school_type", "ownership", "is_shnsu", "is_rural",
                   "active_from", "active_to"]

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

    # -- matching and the registry import (shnor/services/imports.py) ------------------------------------
    def match_records(self) -> list[SchoolRecord]:
        """Every school as matching needs it (shnor/domain/matching.py)."""
        return [SchoolRecord(*r) for r in self.sql.rows(
            "SELECT id, login_key, exam_code_oge, exam_code_ege, inn, ogrn, short_name, full_name, territory_id, "
            "district_id FROM schools ORDER BY id")]

    def aliases(self) -> list[Alias]:
        """Remembered mappings of names (per territory) and codes (region-wide) to schools."""
        return [Alias(*r) for r in self.sql.rows(
            "SELECT kind, value_norm, territory_id, school_id FROM school_aliases")]

    def add_alias(self, kind: str, value_norm: str, territory_id: int | None, school_id: int,
                  created_by: str | None) -> None:
        self.sql.run("INSERT INTO school_aliases (kind, value_norm, territory_id, school_id, created_by) "
                     "VALUES (?, ?, ?, ?, ?)", [kind, value_norm, territory_id, school_id, created_by])

    def registry_row(self, school_id: int) -> dict:
        """The registry fields of a school (REGISTRY_FIELDS), as stored."""
        row = self.sql.one(f"SELECT {', '.join(REGISTRY_FIELDS)} FROM schools WHERE id = ?", [int(school_id)])
        return dict(zip(REGISTRY_FIELDS, row))

    def create(self, fields: dict, batch_id: int | None) -> int:
        """A new school from the given registry fields (None values left out), made by an import batch."""
        unknown = set(fields) - set(REGISTRY_FIELDS)
        if unknown:
            raise KeyError(f"not registry fields: {sorted(unknown)}")
        cols = [k for k, v in fields.items() if v is not None]
        return self.sql.run(f"INSERT INTO schools ({', '.join(cols + ['created_batch'])}) VALUES "
                            f"({', '.join('?' * (len(cols) + 1))}) RETURNING id",
                            [fields[c] for c in cols] + [batch_id])[0][0]

    def update(self, school_id: int, changes: dict) -> None:
        unknown = set(changes) - set(REGISTRY_FIELDS)
        if unknown:
            raise KeyError(f"not registry fields: {sorted(unknown)}")
        if changes:
            self.sql.run(f"UPDATE schools SET {', '.join(k + ' = ?' for k in changes)} WHERE id = ?",
                         list(changes.values()) + [int(school_id)])

    def keep_edu_logins(self, logins: dict[int, str]) -> None:
        """Keep the latest known form of a login: edu… once seen (ФИС ОКО renamed sch… in 2022)."""
        edu = [(lg.strip().lower(), sid) for sid, lg in logins.items() if lg and lg.strip().lower().startswith("edu")]
        self.sql.many("UPDATE schools SET fisoko_login = ? WHERE id = ? AND (fisoko_login IS NULL OR "
                      "fisoko_login LIKE 'sch%')", edu)

    # -- snapshots: what a registry batch changed, so that an undo restores it ---------------------------
    def add_snapshot(self, batch_id: int, school_id: int, old: dict | None) -> None:
        """The school's registry fields before the batch changed them (None: the batch created the school).
        One per school and batch: the caller keeps the first."""
        self.sql.run("INSERT INTO school_snapshots (batch_id, school_id, old_row) VALUES (?, ?, ?)",
                     [batch_id, school_id, None if old is None else json.dumps(old, default=str)])

    def snapshots(self, batch_id: int) -> list[tuple[int, dict | None]]:
        """(school id, fields before the batch or None when it created the school), one per school."""
        out: dict[int, dict | None] = {}
        for sid, old in self.sql.rows("SELECT school_id, CAST(old_row AS VARCHAR) FROM school_snapshots "
                                      "WHERE batch_id = ?", [batch_id]):
            if sid not in out or old is None:
                out[int(sid)] = None if old is None else json.loads(old)
        return list(out.items())

    def has_results(self, school_id: int) -> bool:
        return bool(self.sql.scalar("SELECT count(*) FROM results WHERE school_id = ?", [int(school_id)]))

    def delete(self, school_id: int) -> None:
        self.sql.run("DELETE FROM schools WHERE id = ?", [int(school_id)])

    def delete_created_unused(self, batch_id: int) -> int:
        """Schools a batch created from logins of a results file that have no results left; how many."""
        rows = self.sql.run("DELETE FROM schools WHERE created_batch = ? AND id NOT IN (SELECT school_id FROM results) "
                            "AND id NOT IN (SELECT school_id FROM school_snapshots WHERE batch_id = ?) RETURNING id",
                            [batch_id, batch_id])
        return len(rows)
