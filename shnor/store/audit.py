"""The audit log: one row per typed event (shnor/domain/events.py), written inside the unit that made it."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from shnor.domain.events import Event


class AuditRepo:
    def __init__(self, sql):
        self.sql = sql

    def write(self, actor: str | None, event: Event) -> None:
        self.sql.run("INSERT INTO audit_log (actor, action, detail, changes_data) VALUES (?, ?, ?, ?)",
                     [actor, event.kind.name, event.detail_json(), event.kind.changes_data])

    def data_version(self) -> tuple:
        """Count and time of the last event that changed data: a cache key for the dashboard."""
        return tuple(self.sql.one("SELECT count(*), max(logged_at) FROM audit_log WHERE changes_data"))

    def list(self, since: dt.date | None = None, actor: str | None = None, action: str | None = None,
             limit: int | None = None) -> pd.DataFrame:
        """Events, newest first: logged_at, actor, action, detail (JSON text), changes_data."""
        where, params = ["TRUE"], []
        if since is not None:
            where.append("logged_at >= ?")
            params.append(dt.datetime.combine(since, dt.time()))
        if actor:
            where.append("actor = ?")
            params.append(actor)
        if action:
            where.append("action = ?")
            params.append(action)
        lim = f" LIMIT {int(limit)}" if limit else ""
        return self.sql.df("SELECT logged_at, actor, action, CAST(detail AS VARCHAR) AS detail, changes_data "
                           f"FROM audit_log WHERE {' AND '.join(where)} ORDER BY logged_at DESC{lim}", params)
