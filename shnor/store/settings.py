"""Settings (JSON per key) and targets per territory and year."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd

from shnor.store import dialect


class SettingsRepo:
    def __init__(self, sql):
        self.sql = sql

    def get(self, key: str, default: Any = None) -> Any:
        v = self.sql.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if v is None else json.loads(v)

    def set(self, key: str, value: Any, actor: str | None) -> None:
        self.sql.run(dialect.upsert("settings", ["key", "value", "updated_at", "updated_by"], ["key"]),
                     [key, json.dumps(value, ensure_ascii=False), pd.Timestamp.now().to_pydatetime(), actor])


class TargetRepo:
    def __init__(self, sql):
        self.sql = sql

    def list(self) -> pd.DataFrame:
        return self.sql.df("SELECT g.territory_id, coalesce(t.name, 'Регион') AS territory, g.year, g.target_share "
                           "FROM targets g LEFT JOIN territories t ON t.id = g.territory_id ORDER BY 2, 3")

    def set(self, territory_id: int | None, year: int, share: float) -> None:
        self.sql.run("DELETE FROM targets WHERE territory_id IS NOT DISTINCT FROM ? AND year = ?", [territory_id, year])
        self.sql.run("INSERT INTO targets (territory_id, year, target_share) VALUES (?, ?, ?)",
                     [territory_id, year, share])

    def own(self, territory_id: int | None, year: int) -> float | None:
        v = self.sql.scalar("SELECT target_share FROM targets WHERE territory_id IS NOT DISTINCT FROM ? AND year = ?",
                            [territory_id, year])
        return None if v is None else float(v)

    def for_year(self, territory_id: int | None, year: int) -> float | None:
        """The target for a territory and year; a territory without its own target takes its parent's (a district
        its municipality's, then its region's), and the root's (territory None) last."""
        chain: list[int | None] = []
        if territory_id is not None:
            rows = self.sql.rows("WITH RECURSIVE up(id, parent_id, depth) AS ("
                                 "SELECT id, parent_id, 0 FROM territories WHERE id = ? UNION ALL "
                                 "SELECT t.id, t.parent_id, up.depth + 1 FROM territories t JOIN up ON t.id = up.parent_id "
                                 "WHERE up.depth < 10) SELECT id FROM up ORDER BY depth", [int(territory_id)])
            chain = [int(r[0]) for r in rows] or [int(territory_id)]
        for tid in chain + [None]:
            v = self.own(tid, year)
            if v is not None:
                return v
        return None
