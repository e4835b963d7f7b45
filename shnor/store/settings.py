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
        return self.resolver(year)(territory_id)

    def resolver(self, year: int):
        """tid -> the target of `year` as `for_year` finds it, from the year's targets and the tree read once
        (a comparison of 2 300 municipalities asks 2 300 times)."""
        own: dict[int | None, float] = {(None if t is None else int(t)): float(v) for t, v in self.sql.rows(
            "SELECT territory_id, target_share FROM targets WHERE year = ?", [int(year)])}
        parents = {int(i): (None if p is None else int(p))
                   for i, p in self.sql.rows("SELECT id, parent_id FROM territories")} if set(own) - {None} else {}

        def target(territory_id: int | None) -> float | None:
            seen: set[int] = set()
            tid = territory_id
            while tid is not None and tid not in seen:
                if tid in own:
                    return own[tid]
                seen.add(tid)
                tid = parents.get(tid)
            return own.get(None)
        return target
