"""Roadmaps and their measures: the document's rows, statuses, evidence, criteria, schools and every change."""
from __future__ import annotations

import pandas as pd

# a measure's fields a methodist may change, with the history's field names
EDITABLE = ("status", "status_date", "evidence", "evidence_link", "evidence_doc")


class RoadmapRepo:
    def __init__(self, sql):
        self.sql = sql

    # -- roadmaps -------------------------------------------------------------------------------------
    def by_sha(self, sha256: str) -> int | None:
        v = self.sql.scalar("SELECT id FROM roadmaps WHERE sha256 = ?", [sha256])
        return None if v is None else int(v)

    def create(self, *, title: str, period_text: str, period_start, period_end, order_number: str, order_date,
               territory_id: int | None, school_id: int | None, file_name: str, sha256: str, actor: str | None) -> int:
        return int(self.sql.scalar(
            "INSERT INTO roadmaps (title, period_text, period_start, period_end, order_number, order_date, "
            "territory_id, school_id, file_name, sha256, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            [title, period_text, period_start, period_end, order_number, order_date, territory_id, school_id,
             file_name, sha256, actor]))

    def roadmap(self, roadmap_id: int) -> dict | None:
        df = self.sql.df("SELECT * FROM roadmaps WHERE id = ?", [int(roadmap_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def list(self) -> pd.DataFrame:
        """Every roadmap with its territory's and school's names and the count of its measures."""
        return self.sql.df(
            "SELECT r.*, coalesce(t.name, 'Регион') AS territory, s.short_name AS school, "
            "(SELECT count(*) FROM measures m WHERE m.roadmap_id = r.id) AS measures "
            "FROM roadmaps r LEFT JOIN territories t ON t.id = r.territory_id "
            "LEFT JOIN schools s ON s.id = r.school_id ORDER BY r.id")

    def delete(self, roadmap_id: int) -> None:
        ids = "SELECT id FROM measures WHERE roadmap_id = ?"
        for table in ("measure_schools", "measure_updates", "measure_criteria", "interview_measures"):
            self.sql.run(f"DELETE FROM {table} WHERE measure_id IN ({ids})", [int(roadmap_id)])
        self.sql.run("DELETE FROM measures WHERE roadmap_id = ?", [int(roadmap_id)])
        self.sql.run("DELETE FROM roadmaps WHERE id = ?", [int(roadmap_id)])

    # -- measures -------------------------------------------------------------------------------------
    def add_measure(self, roadmap_id: int, position: int, m: dict) -> int:
        cols = ["number", "section", "text", "deadline_text", "deadline_start", "deadline_end", "deadline_kind",
                "deadline_flagged", "deadline_note", "responsible", "expected_result", "schools_text"]
        return int(self.sql.scalar(
            f"INSERT INTO measures (roadmap_id, position, {', '.join(cols)}) VALUES (?, ?, {', '.join('?' * len(cols))}) "
            "RETURNING id", [int(roadmap_id), int(position)] + [m.get(c) for c in cols]))

    def measures(self, roadmap_ids: list[int] | None = None) -> pd.DataFrame:
        """Measures in the documents' order (roadmap, then position), with their roadmap's title, territory and
        school, and the schools each concerns (names joined by «; »)."""
        where, params = "TRUE", []
        if roadmap_ids is not None:
            if not roadmap_ids:
                where = "FALSE"
            else:
                where = f"m.roadmap_id IN ({', '.join('?' * len(roadmap_ids))})"
                params = [int(i) for i in roadmap_ids]
        return self.sql.df(
            "SELECT m.*, r.title AS roadmap, r.territory_id, r.school_id AS roadmap_school_id, "
            "coalesce(t.name, 'Регион') AS territory, "
            "(SELECT string_agg(s.short_name, '; ' ORDER BY s.short_name) FROM measure_schools ms "
            " JOIN schools s ON s.id = ms.school_id WHERE ms.measure_id = m.id) AS schools, "
            "(SELECT list(ms.school_id ORDER BY ms.school_id) FROM measure_schools ms WHERE ms.measure_id = m.id) "
            " AS school_ids "
            "FROM measures m JOIN roadmaps r ON r.id = m.roadmap_id LEFT JOIN territories t ON t.id = r.territory_id "
            f"WHERE {where} ORDER BY m.roadmap_id, m.position", params)

    def measure(self, measure_id: int) -> dict | None:
        df = self.sql.df("SELECT m.*, r.territory_id, r.school_id AS roadmap_school_id, r.title AS roadmap "
                         "FROM measures m JOIN roadmaps r ON r.id = m.roadmap_id WHERE m.id = ?", [int(measure_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def update_measure(self, measure_id: int, changes: dict, actor: str | None) -> None:
        bad = set(changes) - set(EDITABLE)
        if bad:
            raise KeyError(f"not editable: {sorted(bad)}")
        if not changes:
            return
        sets = ", ".join(f"{c} = ?" for c in changes)
        self.sql.run(f"UPDATE measures SET {sets}, updated_at = ?, updated_by = ? WHERE id = ?",
                     list(changes.values()) + [pd.Timestamp.now().to_pydatetime(), actor, int(measure_id)])

    def log(self, measure_id: int, actor: str | None, field: str, old, new, update_date=None) -> None:
        self.sql.run("INSERT INTO measure_updates (measure_id, by_user, update_date, field, old_value, new_value) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     [int(measure_id), actor, update_date, field, None if old is None else str(old),
                      None if new is None else str(new)])

    def history(self, measure_ids: list[int] | None = None) -> pd.DataFrame:
        where, params = "TRUE", []
        if measure_ids is not None:
            where = f"u.measure_id IN ({', '.join('?' * len(measure_ids))})" if measure_ids else "FALSE"
            params = [int(i) for i in measure_ids]
        return self.sql.df("SELECT u.*, m.number, m.text FROM measure_updates u JOIN measures m ON m.id = u.measure_id "
                           f"WHERE {where} ORDER BY u.changed_at DESC, u.id DESC", params)

    # -- schools and criteria -------------------------------------------------------------------------
    def set_schools(self, measure_id: int, school_ids: list[int]) -> None:
        self.sql.run("DELETE FROM measure_schools WHERE measure_id = ?", [int(measure_id)])
        for sid in sorted(set(int(s) for s in school_ids)):
            self.sql.run("INSERT INTO measure_schools VALUES (?, ?)", [int(measure_id), sid])

    def criteria(self, measure_ids: list[int] | None = None) -> pd.DataFrame:
        where, params = "TRUE", []
        if measure_ids is not None:
            where = f"measure_id IN ({', '.join('?' * len(measure_ids))})" if measure_ids else "FALSE"
            params = [int(i) for i in measure_ids]
        return self.sql.df(f"SELECT * FROM measure_criteria WHERE {where} ORDER BY measure_id, id", params)

    def criterion(self, criterion_id: int) -> dict | None:
        df = self.sql.df("SELECT * FROM measure_criteria WHERE id = ?", [int(criterion_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def add_criterion(self, measure_id: int, text: str, rating: str | None, actor: str | None) -> int:
        return int(self.sql.scalar(
            "INSERT INTO measure_criteria (measure_id, text, rating, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id", [int(measure_id), text, rating or None, pd.Timestamp.now().to_pydatetime(), actor]))

    def rate_criterion(self, criterion_id: int, rating: str | None, actor: str | None) -> None:
        self.sql.run("UPDATE measure_criteria SET rating = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                     [rating or None, pd.Timestamp.now().to_pydatetime(), actor, int(criterion_id)])
