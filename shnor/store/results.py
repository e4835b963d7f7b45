"""Results per (school, procedure, year): aggregates only, never pupil rows."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa


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

    # -- storing a file's results and undoing it (shnor/services/imports.py) ------------------------------
    def existing(self, keys: list[tuple[int, str, int]]) -> dict[tuple, tuple]:
        """Stored values (VALUE_COLS + batch_id) of (school, procedure, year) keys, in one query."""
        if not keys:
            return {}
        with self.sql.registered("incoming_keys", _table(keys, _KEY_SCHEMA)):   # inside the import's unit
            rows = self.sql.rows(
                f"SELECT r.school_id, r.procedure, r.year, {', '.join('r.' + c for c in VALUE_COLS)}, r.batch_id "
                "FROM results r JOIN incoming_keys k USING (school_id, procedure, year)")
        return {tuple(row[:3]): tuple(row[3:]) for row in rows}

    def replace_bulk(self, batch_id: int, rows: list[tuple[tuple, list, tuple | None]]) -> None:
        """Store rows (key, values in VALUE_COLS order, the stored values it replaces or None): what is replaced
        is recorded for undo, removed, and the new values inserted — three set-based statements."""
        if not rows:
            return
        repl = [(batch_id, *key, None if old is None else
                 json.dumps(dict(zip(VALUE_COLS + ["batch_id"], old)), default=str)) for key, _, old in rows]
        new = [(*key, *values, batch_id) for key, values, _ in rows]
        cols = ", ".join(f.name for f in _RESULT_SCHEMA)
        with self.sql.registered("repl", _table(repl, _REPL_SCHEMA)), \
                self.sql.registered("new_rows", _table(new, _RESULT_SCHEMA)):
            self.sql.run("INSERT INTO result_replacements (batch_id, school_id, procedure, year, old_row) "
                         "SELECT batch_id, school_id, procedure, year, old_row FROM repl")
            self.sql.run("DELETE FROM results WHERE (school_id, procedure, year) IN "
                         "(SELECT (school_id, procedure, year) FROM new_rows)")
            self.sql.run(f"INSERT INTO results ({cols}) SELECT {cols} FROM new_rows")

    def keys_of_batch(self, batch_id: int) -> list[tuple[int, str, int]]:
        return [tuple(r) for r in self.sql.rows("SELECT school_id, procedure, year FROM results WHERE batch_id = ?",
                                                 [batch_id])]

    def restorable(self, batch_id: int, key: tuple) -> dict | None:
        """The value a batch replaced at `key`, skipping values of batches that were undone since."""
        current = batch_id
        for _ in range(1000):
            rec = self.sql.one("SELECT CAST(old_row AS VARCHAR) FROM result_replacements WHERE batch_id = ? AND "
                               "school_id = ? AND procedure = ? AND year = ? ORDER BY replaced_at DESC LIMIT 1",
                               [current, *key])
            if rec is None or rec[0] is None:
                return None
            old = json.loads(rec[0])
            status = self.sql.scalar("SELECT status FROM import_batches WHERE id = ?", [old["batch_id"]])
            if status == "stored":
                return old
            current = old["batch_id"]
        return None

    def undo(self, batch_id: int) -> tuple[int, int]:
        """Remove a batch's results and bring back what it replaced: (removed, restored)."""
        removed = restored = 0
        cols = VALUE_COLS + ["batch_id"]
        for key in self.keys_of_batch(batch_id):
            old = self.restorable(batch_id, key)
            self.sql.run("DELETE FROM results WHERE school_id = ? AND procedure = ? AND year = ?", list(key))
            if old is not None:
                self.sql.run(f"INSERT INTO results (school_id, procedure, year, {', '.join(cols)}) VALUES "
                             f"(?, ?, ?, {', '.join('?' * len(cols))})", [*key, *[old[c] for c in cols]])
                restored += 1
            else:
                removed += 1
        return removed, restored


# the stored values of a result besides its key (school_id, procedure, year) and batch
VALUE_COLS = ["participants", "low_count", "mark2", "mark3", "mark4", "mark5", "mean_score", "score_hist",
              "task_points", "task_max", "journal_below", "journal_equal", "journal_above", "round_date",
              "grade_written"]
_KEY_SCHEMA = pa.schema([("school_id", pa.int32()), ("procedure", pa.string()), ("year", pa.int32())])
_RESULT_SCHEMA = pa.schema(list(_KEY_SCHEMA) + [
    ("participants", pa.int32()), ("low_count", pa.int32()), ("mark2", pa.int32()), ("mark3", pa.int32()),
    ("mark4", pa.int32()), ("mark5", pa.int32()), ("mean_score", pa.float64()), ("score_hist", pa.string()),
    ("task_points", pa.string()), ("task_max", pa.string()), ("journal_below", pa.int32()),
    ("journal_equal", pa.int32()), ("journal_above", pa.int32()), ("round_date", pa.string()),
    ("grade_written", pa.int32()), ("batch_id", pa.int32())])
_REPL_SCHEMA = pa.schema([("batch_id", pa.int32())] + list(_KEY_SCHEMA) + [("old_row", pa.string())])


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    cols = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.table([pa.array(list(c), type=f.type) for c, f in zip(cols, schema)], schema=schema)
