"""Identification runs, official lists (draft, approved) and the region's own lists."""
from __future__ import annotations

import json


class ListRepo:
    def __init__(self, sql, territories):
        self.sql = sql
        self.territories = territories

    def record_run(self, year: int, territory_id: int | None, settings: dict, shnor_count: int,
                   school_count: int, actor: str | None) -> int:
        return self.sql.run("INSERT INTO identification_runs (year, territory_id, settings, shnor_count, "
                            "school_count, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            [year, territory_id, json.dumps(settings, ensure_ascii=False), shnor_count,
                             school_count, actor])[0][0]
