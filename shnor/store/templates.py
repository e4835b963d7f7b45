"""The departments' own letterheads: one .docx per kind of document (`report_templates`, migration 8).

    store.templates.get("spravka")        -> Template | None (with its bytes)
    store.templates.for_kind("spravka")   -> the kind's own letterhead, else the one for every document
    store.templates.list()                -> DataFrame: kind, file_name, sha256, size, uploaded_by, uploaded_at
    u.templates.set(kind, file_name, content, sha256, uploaded_by)      # inside a unit, with its event
    u.templates.remove(kind) -> bool
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from shnor.store import dialect

DEFAULT_KIND = "default"      # a letterhead used by every document without one of its own


@dataclass(frozen=True)
class Template:
    kind: str
    file_name: str
    content: bytes
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime | None


class TemplateRepo:
    def __init__(self, sql):
        self.sql = sql

    def get(self, kind: str) -> Template | None:
        row = self.sql.one("SELECT kind, file_name, content, sha256, uploaded_by, uploaded_at FROM report_templates "
                           "WHERE kind = ?", [kind])
        if row is None:
            return None
        return Template(row[0], row[1], bytes(row[2]), row[3], row[4], row[5])

    def for_kind(self, kind: str) -> Template | None:
        """The letterhead of `kind`, else the one uploaded for every document, else None (the built-in one)."""
        return self.get(kind) or (self.get(DEFAULT_KIND) if kind != DEFAULT_KIND else None)

    def list(self) -> pd.DataFrame:
        return self.sql.df("SELECT kind, file_name, sha256, octet_length(content) AS size, uploaded_by, uploaded_at "
                           "FROM report_templates ORDER BY kind")

    def set(self, kind: str, file_name: str, content: bytes, sha256: str, uploaded_by: str | None) -> None:
        self.sql.run(dialect.upsert("report_templates",
                                    ["kind", "file_name", "content", "sha256", "uploaded_by", "uploaded_at"], ["kind"]),
                     [kind, file_name, content, sha256, uploaded_by, pd.Timestamp.now().to_pydatetime()])

    def remove(self, kind: str) -> bool:
        return bool(self.sql.run("DELETE FROM report_templates WHERE kind = ? RETURNING kind", [kind]))
