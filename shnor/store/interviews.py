"""Interview records («собеседования» with a school's head, seeds 000 and 002): date, participants, what was found,
decisions and follow-up measures as written, and the roadmap measures the follow-up is linked to. Who created and
last changed a record is kept on the row; every change is an audit event (shnor/services/interviews.py)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

INTERVIEW_COLUMNS = ["id", "school_id", "school_name", "territory_id", "district_id", "held_on", "participants",
                     "findings", "decisions", "follow_up", "created_by", "created_at", "updated_by", "updated_at"]
LINK_COLUMNS = ["interview_id", "measure_id", "number", "text", "status", "deadline_text", "roadmap_id", "roadmap"]
TEXT_FIELDS = ("held_on", "participants", "findings", "decisions", "follow_up")


def _now() -> dt.datetime:
    return pd.Timestamp.now().to_pydatetime()


def _ids(values) -> list[int]:
    return sorted({int(v) for v in values})


class InterviewRepo:
    def __init__(self, sql):
        self.sql = sql

    # -- reads ----------------------------------------------------------------------------------------
    def list(self, school_ids: list[int] | None = None, interview_ids: list[int] | None = None) -> pd.DataFrame:
        """Records (of some schools / some ids; None: all) with the school's name and place, newest first:
        INTERVIEW_COLUMNS, `held_on` a date."""
        where, params = ["TRUE"], []
        for col, values in (("i.school_id", school_ids), ("i.id", interview_ids)):
            if values is None:
                continue
            ids = _ids(values)
            if not ids:
                return pd.DataFrame(columns=INTERVIEW_COLUMNS)
            where.append(f"{col} IN ({','.join('?' * len(ids))})")
            params += ids
        df = self.sql.df(
            "SELECT i.id, i.school_id, s.short_name AS school_name, s.territory_id, s.district_id, i.held_on, "
            "i.participants, i.findings, i.decisions, i.follow_up, i.created_by, i.created_at, i.updated_by, "
            "i.updated_at FROM interviews i JOIN schools s ON s.id = i.school_id "
            f"WHERE {' AND '.join(where)} ORDER BY i.held_on DESC, i.id DESC", params)
        df["held_on"] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in df["held_on"]]
        return df[INTERVIEW_COLUMNS]

    def get(self, interview_id: int) -> dict | None:
        df = self.list(interview_ids=[int(interview_id)])
        return None if df.empty else df.iloc[0].to_dict()

    def links(self, interview_ids: list[int]) -> pd.DataFrame:
        """The roadmap measures linked to records (measures since removed with their roadmap are left out),
        in the documents' order: LINK_COLUMNS."""
        ids = _ids(interview_ids)
        if not ids:
            return pd.DataFrame(columns=LINK_COLUMNS)
        return self.sql.df(
            "SELECT l.interview_id, l.measure_id, m.number, m.text, m.status, m.deadline_text, m.roadmap_id, "
            "r.title AS roadmap FROM interview_measures l JOIN measures m ON m.id = l.measure_id "
            "JOIN roadmaps r ON r.id = m.roadmap_id "
            f"WHERE l.interview_id IN ({','.join('?' * len(ids))}) ORDER BY l.interview_id, m.roadmap_id, m.position",
            ids)

    def measure_facts(self, measure_ids: list[int], school_id: int) -> pd.DataFrame:
        """For each existing measure of `measure_ids`: its roadmap's territory and school, and whether the measure
        names the school (measure_id, territory_id, roadmap_school_id, names_school)."""
        ids = _ids(measure_ids)
        if not ids:
            return pd.DataFrame(columns=["measure_id", "territory_id", "roadmap_school_id", "names_school"])
        return self.sql.df(
            "SELECT m.id AS measure_id, r.territory_id, r.school_id AS roadmap_school_id, "
            "EXISTS (SELECT 1 FROM measure_schools ms WHERE ms.measure_id = m.id AND ms.school_id = ?) AS names_school "
            f"FROM measures m JOIN roadmaps r ON r.id = m.roadmap_id WHERE m.id IN ({','.join('?' * len(ids))})",
            [int(school_id)] + ids)

    # -- writes (inside a unit) -----------------------------------------------------------------------
    def create(self, school_id: int, fields: dict, actor: str | None) -> int:
        return int(self.sql.run(
            "INSERT INTO interviews (school_id, held_on, participants, findings, decisions, follow_up, created_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [int(school_id), fields["held_on"], fields["participants"], fields["findings"], fields["decisions"],
             fields["follow_up"], actor, _now()])[0][0])

    def update(self, interview_id: int, fields: dict, actor: str | None) -> None:
        cols = [c for c in TEXT_FIELDS if c in fields]
        sets = ", ".join(f"{c} = ?" for c in cols)
        self.sql.run(f"UPDATE interviews SET {sets}{', ' if sets else ''}updated_by = ?, updated_at = ? WHERE id = ?",
                     [fields[c] for c in cols] + [actor, _now(), int(interview_id)])

    def set_measures(self, interview_id: int, measure_ids: list[int]) -> None:
        self.sql.run("DELETE FROM interview_measures WHERE interview_id = ?", [int(interview_id)])
        self.sql.many("INSERT INTO interview_measures (interview_id, measure_id) VALUES (?, ?)",
                      [[int(interview_id), m] for m in _ids(measure_ids)])

    def delete(self, interview_id: int) -> int:
        self.sql.run("DELETE FROM interview_measures WHERE interview_id = ?", [int(interview_id)])
        return len(self.sql.run("DELETE FROM interviews WHERE id = ? RETURNING id", [int(interview_id)]))
