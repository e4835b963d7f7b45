"""Reference data kept per year: ВПР mark scales and exam minimums."""
from __future__ import annotations

import pandas as pd

from shnor.domain.scales import MarkScale
from shnor.store import dialect


class ReferenceRepo:
    def __init__(self, sql):
        self.sql = sql

    def mark_scales(self) -> dict[tuple[str, int], MarkScale]:
        out: dict[tuple[str, int], MarkScale] = {}
        for proc, year, mark, lo, hi in self.sql.rows(
                "SELECT procedure, year, mark, min_score, max_score FROM vpr_scales ORDER BY 1, 2, 3"):
            out.setdefault((proc, year), MarkScale(proc, year, {})).bounds[mark] = (lo, hi)
        return out

    def scales_frame(self) -> pd.DataFrame:
        return self.sql.df("SELECT * FROM vpr_scales ORDER BY procedure, year, mark")

    def set_mark_scale(self, scale: MarkScale) -> None:
        self.sql.run("DELETE FROM vpr_scales WHERE procedure = ? AND year = ?", [scale.procedure, scale.year])
        self.sql.many("INSERT INTO vpr_scales VALUES (?, ?, ?, ?, ?)",
                      [[scale.procedure, scale.year, mark, lo, hi] for mark, (lo, hi) in sorted(scale.bounds.items())])

    def exam_thresholds(self) -> pd.DataFrame:
        return self.sql.df("SELECT * FROM exam_thresholds ORDER BY year, procedure, kind")

    def set_exam_threshold(self, procedure: str, year: int, kind: str, value: int, max_value: int | None,
                           note: str | None) -> None:
        self.sql.run(dialect.upsert("exam_thresholds", ["procedure", "year", "kind", "value", "max_value", "note"],
                                    ["procedure", "year", "kind"]),
                     [procedure, year, kind, value, max_value, note])
