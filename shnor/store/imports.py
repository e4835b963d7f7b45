"""Import batches: each stored file, its SHA-256, layout, counts, who stored or undid it, its report; and
`stored_files`, which holds one stored batch per file content (its primary key decides when two users save
the same file at the same moment)."""
from __future__ import annotations

import json

import pandas as pd

_COLUMNS = ("id, file_name, layout, procedure, year, rows_read, rows_stored, status, created_at, created_by, "
            "undone_at, undone_by, sha256")


class ImportRepo:
    def __init__(self, sql):
        self.sql = sql

    def batches(self, scope: frozenset[int] | set[int] | None = None, user: str | None = None) -> pd.DataFrame:
        """Batches, newest first. With `scope` (territory ids): only those that stored or replaced a result, or
        changed or created a school, of those territories and their districts — or were made by `user`."""
        if scope is None:
            return self.sql.df(f"SELECT {_COLUMNS} FROM import_batches ORDER BY id DESC")
        ids = sorted(int(t) for t in scope) or [-1]
        marks = ", ".join("?" * len(ids))
        in_scope = f"(s.territory_id IN ({marks}) OR s.district_id IN ({marks}))"
        return self.sql.df(
            f"SELECT {_COLUMNS} FROM import_batches WHERE created_by = ? "
            f"OR id IN (SELECT r.batch_id FROM result_replacements r JOIN schools s ON s.id = r.school_id "
            f"WHERE {in_scope}) "
            f"OR id IN (SELECT n.batch_id FROM school_snapshots n JOIN schools s ON s.id = n.school_id WHERE {in_scope}) "
            "ORDER BY id DESC", [user] + ids * 4)

    def batch(self, batch_id: int) -> dict | None:
        """One batch as a dict of its columns, None when there is no such batch."""
        df = self.sql.df(f"SELECT {_COLUMNS} FROM import_batches WHERE id = ?", [int(batch_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def stored_batch_of(self, sha256: str) -> int | None:
        """The stored batch holding a file of this content, if any."""
        return self.sql.scalar(
            "SELECT min(id) FROM (SELECT batch_id AS id FROM stored_files WHERE sha256 = ? UNION ALL "
            "SELECT id FROM import_batches WHERE sha256 = ? AND status = 'stored')", [sha256, sha256])

    # -- writes (inside a unit) ----------------------------------------------------------------------------
    def create(self, file_name: str, sha256: str, layout: str, procedure: str | None, year: int | None,
               rows_read: int, created_by: str | None) -> int:
        return self.sql.run(
            "INSERT INTO import_batches (file_name, sha256, layout, procedure, year, rows_read, status, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, 'stored', ?) RETURNING id",
            [file_name, sha256, layout, procedure, year, rows_read, created_by])[0][0]

    def claim_file(self, sha256: str, batch_id: int) -> bool:
        """Record that `batch_id` holds this file content; False when another batch already does."""
        return bool(self.sql.run("INSERT INTO stored_files (sha256, batch_id) VALUES (?, ?) "
                                 "ON CONFLICT (sha256) DO NOTHING RETURNING batch_id", [sha256, batch_id]))

    def finish(self, batch_id: int, rows_stored: int, report: list[str]) -> None:
        """The counts and the warnings shown at import."""
        self.sql.run("UPDATE import_batches SET rows_stored = ?, report = ? WHERE id = ?",
                     [rows_stored, json.dumps(report, ensure_ascii=False), batch_id])

    def mark_undone(self, batch_id: int, by: str | None) -> None:
        """The batch is undone; its file may be stored again."""
        self.sql.run("UPDATE import_batches SET status = 'undone', undone_at = current_timestamp, undone_by = ? "
                     "WHERE id = ?", [by, batch_id])
        self.sql.run("DELETE FROM stored_files WHERE batch_id = ?", [batch_id])
