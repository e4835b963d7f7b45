"""Results per (school, procedure, year): aggregates only, never pupil rows."""
from __future__ import annotations

import pandas as pd


class ResultRepo:
    def __init__(self, sql, territories):
        self.sql = sql
        self.territories = territories

    def list(self, years: list[int] | None = None, procedures_: list[str] | None = None,
             territory_id: int | None = None) -> pd.DataFrame:
        where, params = ["TRUE"], []
        if years:
            where.append(f"r.year IN ({','.join('?' * len(years))})")
            params += list(years)
        if procedures_:
            where.append(f"r.procedure IN ({','.join('?' * len(procedures_))})")
            params += list(procedures_)
        self.territories.filter_schools(territory_id, where, params)
        return self.sql.df(
            "SELECT r.school_id, r.procedure, r.year, r.participants, r.low_count, r.mark2, r.mark3, r.mark4, "
            "r.mark5, r.mean_score, r.journal_below, r.journal_equal, r.journal_above, r.round_date, "
            "r.grade_written, r.batch_id FROM results r JOIN schools s ON s.id = r.school_id "
            f"WHERE {' AND '.join(where)} ORDER BY r.school_id, r.procedure, r.year", params)

    def years(self) -> list[int]:
        return [int(r[0]) for r in self.sql.rows("SELECT DISTINCT year FROM results ORDER BY year")]
