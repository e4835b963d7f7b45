"""Reference data kept per year: ВПР mark scales and exam minimums, and what a scale decides in the stored
results (the marks recomputed from the score histograms when a scale is corrected)."""
from __future__ import annotations

import json

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

    def set_mark_scale(self, scale: MarkScale, source: str = "введена пользователем") -> None:
        self.sql.run("DELETE FROM vpr_scales WHERE procedure = ? AND year = ?", [scale.procedure, scale.year])
        self.sql.many("INSERT INTO vpr_scales (procedure, year, mark, min_score, max_score, source) "
                      "VALUES (?, ?, ?, ?, ?, ?)", [[scale.procedure, scale.year, mark, lo, hi, source]
                                                    for mark, (lo, hi) in sorted(scale.bounds.items())])

    def scale_sources(self) -> dict[tuple[str, int], str]:
        return {(p, int(y)): s or "" for p, y, s in self.sql.rows(
            "SELECT procedure, year, min(source) FROM vpr_scales GROUP BY procedure, year")}

    def exam_thresholds(self) -> pd.DataFrame:
        return self.sql.df("SELECT * FROM exam_thresholds ORDER BY year, procedure, kind")

    def set_exam_threshold(self, procedure: str, year: int, kind: str, value: int, max_value: int | None,
                           note: str | None) -> None:
        self.sql.run(dialect.upsert("exam_thresholds", ["procedure", "year", "kind", "value", "max_value", "note"],
                                    ["procedure", "year", "kind"]),
                     [procedure, year, kind, value, max_value, note])

    # -- the marks a scale decides: stored results with a score histogram ---------------------------------
    def scored_results(self, procedure: str, year: int) -> tuple[list[dict], int]:
        """Results of (procedure, year) with a score histogram — school_id, participants, low_count, marks
        {2: …, 5: …} (None when not stored), hist {score: pupils} — and how many results have none (reports,
        exam tables: not recomputable)."""
        rows = self.sql.rows(
            "SELECT school_id, participants, low_count, mark2, mark3, mark4, mark5, CAST(score_hist AS VARCHAR) "
            "FROM results WHERE procedure = ? AND year = ? ORDER BY school_id", [procedure, year])
        out, without = [], 0
        for sid, n, low, m2, m3, m4, m5, hist in rows:
            h = _histogram(hist)
            if h is None:
                without += 1
                continue
            out.append({"school_id": int(sid), "participants": int(n), "low_count": int(low),
                        "marks": {2: m2, 3: m3, 4: m4, 5: m5}, "hist": h})
        return out, without

    def set_result_marks(self, procedure: str, year: int, rows: list[tuple[int, dict[int, int]]]) -> None:
        """New marks of results (school_id, {2: …, 5: …}); the low count is the number of «2» (a write)."""
        self.sql.many("UPDATE results SET low_count = ?, mark2 = ?, mark3 = ?, mark4 = ?, mark5 = ? "
                      "WHERE school_id = ? AND procedure = ? AND year = ?",
                      [[m[2], m[2], m[3], m[4], m[5], sid, procedure, year] for sid, m in rows])

    def replaced_scored_results(self, procedure: str, year: int) -> list[dict]:
        """Earlier values kept for undo (result_replacements) of (procedure, year) that have a histogram:
        batch_id, school_id, row (the stored values as a dict), hist."""
        out = []
        for batch, sid, old in self.sql.rows(
                "SELECT batch_id, school_id, CAST(old_row AS VARCHAR) FROM result_replacements "
                "WHERE procedure = ? AND year = ? AND old_row IS NOT NULL", [procedure, year]):
            row = json.loads(old)
            h = _histogram(row.get("score_hist"))
            if h is not None:
                out.append({"batch_id": int(batch), "school_id": int(sid), "row": row, "hist": h})
        return out

    def set_replaced_row(self, batch_id: int, school_id: int, procedure: str, year: int, row: dict) -> None:
        self.sql.run("UPDATE result_replacements SET old_row = ? WHERE batch_id = ? AND school_id = ? AND "
                     "procedure = ? AND year = ?",
                     [json.dumps(row, ensure_ascii=False, default=str), batch_id, school_id, procedure, year])


def _histogram(value) -> dict[int, int] | None:
    """A stored histogram (JSON text or a dict) as {score: pupils}; None when absent or empty."""
    if value is None:
        return None
    h = json.loads(value) if isinstance(value, str) else value
    if not isinstance(h, dict) or not h:
        return None
    return {int(k): int(v) for k, v in h.items()}
