"""Import batches: each stored file, its SHA-256, layout, counts, who stored or undid it, its report."""
from __future__ import annotations

import pandas as pd


class ImportRepo:
    def __init__(self, sql):
        self.sql = sql

    def batches(self) -> pd.DataFrame:
        return self.sql.df("SELECT id, file_name, layout, procedure, year, rows_read, rows_stored, status, "
                           "created_at, created_by, undone_at, undone_by, sha256 FROM import_batches ORDER BY id DESC")

    def stored_batch_of(self, sha256: str) -> int | None:
        """The stored batch holding a file of this content, if any."""
        return self.sql.scalar("SELECT id FROM import_batches WHERE sha256 = ? AND status = 'stored' "
                               "ORDER BY id LIMIT 1", [sha256])
