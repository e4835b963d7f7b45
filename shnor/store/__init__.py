"""The one place that owns the database: schema, migrations and queries.

DuckDB, one file. `Store.open(path)` runs the pending migrations (each in one transaction, recorded in
`schema_version`). School years are stored as their start year (2020 = 2020/2021). Pupil rows are never
stored: only aggregates per (school, procedure, year).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import pandas as pd

from shnor.domain import procedures
from shnor.domain.codes import login_key, norm_name  # noqa: F401 (re-exported: the store's matching keys)
from shnor.importing.model import MarkScale


class DatabaseBusy(RuntimeError):
    """Another process (usually the dashboard) holds the database file."""


# ---------------------------------------------------------------------------------------------
# Migrations: append only. Each is a list of SQL statements or a callable(conn).
# ---------------------------------------------------------------------------------------------

_M1 = """
CREATE SEQUENCE territory_id START 1;
CREATE TABLE territories (
    id INTEGER PRIMARY KEY DEFAULT nextval('territory_id'),
    name VARCHAR NOT NULL UNIQUE,          -- as users write it: «Таштагольский муниципальный район»
    short_name VARCHAR,
    kind VARCHAR NOT NULL DEFAULT 'municipality',  -- region | municipality | district | pseudo
    parent_id INTEGER,
    code VARCHAR                            -- e.g. reg22_m067 (ФИС ОКО municipality code)
);
CREATE TABLE territory_aliases (
    alias_norm VARCHAR PRIMARY KEY,
    territory_id INTEGER NOT NULL
);
CREATE SEQUENCE school_id START 1;
CREATE TABLE schools (
    id INTEGER PRIMARY KEY DEFAULT nextval('school_id'),
    login_key VARCHAR UNIQUE,      -- sch/edu + 6 digits -> 'S' + digits; other prefixes as written
    fisoko_login VARCHAR,          -- latest known form (edu… once seen, else sch…)
    inn VARCHAR,
    ogrn VARCHAR,
    exam_code_oge VARCHAR,
    exam_code_ege VARCHAR,
    registry_code VARCHAR,         -- the region's own code when there is no login
    short_name VARCHAR NOT NULL,
    full_name VARCHAR,
    territory_id INTEGER NOT NULL,
    district_id INTEGER,
    school_type VARCHAR,           -- СОШ, ООШ, НОШ, гимназия, лицей, школа-интернат, …
    ownership VARCHAR,             -- МБОУ, МКОУ, МАОУ, …
    is_shnsu BOOLEAN DEFAULT FALSE,
    is_rural BOOLEAN,
    is_general BOOLEAN DEFAULT TRUE,  -- general-education school (counts in the denominator)
    active_from INTEGER,           -- first school year active (NULL: always)
    active_to INTEGER,             -- last school year active (NULL: still open)
    merged_into INTEGER,
    created_batch INTEGER,
    created_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE school_aliases (      -- remembered mappings: a name or code as written -> school
    kind VARCHAR NOT NULL,         -- name | code
    value_norm VARCHAR NOT NULL,
    territory_id INTEGER,          -- names are per territory; codes are region-wide (NULL)
    school_id INTEGER NOT NULL,
    created_at TIMESTAMP DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE procedures (
    code VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    grade INTEGER,
    level VARCHAR,
    name_ru VARCHAR NOT NULL,
    in_default_set BOOLEAN NOT NULL
);
CREATE SEQUENCE batch_id START 1;
CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY DEFAULT nextval('batch_id'),
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    layout VARCHAR,
    procedure VARCHAR,
    year INTEGER,
    rows_read INTEGER,
    rows_stored INTEGER,
    status VARCHAR NOT NULL,       -- stored | undone
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR,
    undone_at TIMESTAMP,
    undone_by VARCHAR,
    report JSON                    -- warnings and row errors shown at import
);
CREATE TABLE results (
    school_id INTEGER NOT NULL,
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    low_count INTEGER NOT NULL,
    mark2 INTEGER, mark3 INTEGER, mark4 INTEGER, mark5 INTEGER,
    mean_score DOUBLE,
    score_hist JSON,               -- {"score": pupils}
    task_points JSON,              -- {"task": mean points}
    task_max JSON,
    journal_below INTEGER, journal_equal INTEGER, journal_above INTEGER,
    round_date DATE,
    grade_written INTEGER,
    batch_id INTEGER NOT NULL,
    PRIMARY KEY (school_id, procedure, year)
);
CREATE TABLE result_replacements ( -- what a batch replaced, so that undo restores it
    batch_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    old_row JSON,                  -- NULL: there was no value before
    replaced_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE vpr_scales (
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    mark INTEGER NOT NULL,
    min_score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    PRIMARY KEY (procedure, year, mark)
);
CREATE TABLE exam_thresholds (
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    kind VARCHAR NOT NULL,         -- min_test_score | min_primary_score | mark2 | geometry_min
    value INTEGER,
    max_value INTEGER,
    note VARCHAR,
    PRIMARY KEY (procedure, year, kind)
);
CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value JSON NOT NULL,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    updated_by VARCHAR
);
CREATE TABLE targets (
    territory_id INTEGER,          -- NULL: the whole region
    year INTEGER NOT NULL,
    target_share DOUBLE NOT NULL,  -- fraction, 0.10 = 10 %
    updated_at TIMESTAMP DEFAULT current_timestamp
);
CREATE SEQUENCE run_id START 1;
CREATE TABLE identification_runs (
    id INTEGER PRIMARY KEY DEFAULT nextval('run_id'),
    year INTEGER NOT NULL,
    territory_id INTEGER,
    settings JSON NOT NULL,
    shnor_count INTEGER,
    school_count INTEGER,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE audit_log (
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor VARCHAR,
    action VARCHAR NOT NULL,
    detail JSON
);
"""


def _seed_catalogue(conn: duckdb.DuckDBPyConnection) -> None:
    rows = [(p.code, p.kind, p.subject, p.grade, p.level, p.name_ru, p.code in procedures.DEFAULT_SET)
            for p in procedures.CATALOGUE.values()]
    conn.executemany("INSERT INTO procedures VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


# ВПР 2021 mark scales (realdata/README.md): procedure -> {mark: (min, max)}
VPR_SCALES_2021 = {
    "VPR-MATH-5": {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)},
    "VPR-RUS-5": {2: (0, 17), 3: (18, 28), 4: (29, 38), 5: (39, 45)},
    "VPR-MATH-6": {2: (0, 5), 3: (6, 9), 4: (10, 13), 5: (14, 16)},
    "VPR-RUS-6": {2: (0, 24), 3: (25, 34), 4: (35, 44), 5: (45, 51)},
}

# Certificate minimums (FORMATS.md §6), per year from 2019/2020 to 2025/2026.
EXAM_THRESHOLDS = [
    ("EGE-RUS", "min_test_score", 24, 100, "ЕГЭ русский язык: минимум для аттестата — 24 тестовых балла"),
    ("EGE-MATH-PROF", "min_test_score", 27, 100, "ЕГЭ профильная математика: минимум — 27 тестовых баллов"),
    ("EGE-MATH-BASE", "mark2", 2, 5, "ЕГЭ базовая математика: отметка «2» — ниже минимума"),
    ("OGE-RUS", "min_primary_score", 15, 33, "ОГЭ русский язык: ниже 15 из 33 первичных баллов"),
    ("OGE-MATH", "min_primary_score", 8, 31, "ОГЭ математика: ниже 8 из 31 первичного балла"),
    ("OGE-MATH", "geometry_min", 2, None, "ОГЭ математика: менее 2 баллов за задания по геометрии"),
]


def _seed_reference(conn: duckdb.DuckDBPyConnection) -> None:
    for proc, bounds in VPR_SCALES_2021.items():
        for mark, (lo, hi) in bounds.items():
            conn.execute("INSERT INTO vpr_scales VALUES (?, 2020, ?, ?, ?)", [proc, mark, lo, hi])
    for year in range(2019, 2026):
        for proc, kind, value, max_value, note in EXAM_THRESHOLDS:
            conn.execute("INSERT INTO exam_thresholds VALUES (?, ?, ?, ?, ?, ?)",
                         [proc, year, kind, value, max_value, note])


# users and login sessions (shnor/accounts.py); official lists approved by order and the region's own
# lists (seed 004 appendix 3) for comparison (the identification page)
_M3_ACCOUNTS_AND_LISTS = """
CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,             -- viewer | methodist | head | admin
    territory_id INTEGER,              -- NULL: the whole region
    pw_hash VARCHAR NOT NULL,          -- hashlib.scrypt, hex
    salt VARCHAR NOT NULL,             -- per user, hex
    scrypt_n INTEGER NOT NULL, scrypt_r INTEGER NOT NULL, scrypt_p INTEGER NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,    -- sha256 of the browser's token
    user_name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    expires TIMESTAMP NOT NULL
);
CREATE SEQUENCE official_list_id START 1;
CREATE TABLE official_lists (
    id INTEGER PRIMARY KEY DEFAULT nextval('official_list_id'),
    year INTEGER NOT NULL,             -- the list's school year (start year)
    territory_id INTEGER,              -- NULL: the whole region
    order_number VARCHAR,
    order_date DATE,
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    settings JSON,                     -- the rule settings the list was computed with
    status VARCHAR NOT NULL DEFAULT 'draft',   -- draft | approved
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE official_list_items (
    list_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    included BOOLEAN NOT NULL,
    computed_status VARCHAR,           -- the rule's status when the list was made
    manual BOOLEAN NOT NULL DEFAULT FALSE,
    reason VARCHAR,                    -- the written reason of a manual inclusion or exclusion
    criteria VARCHAR,
    reasons VARCHAR,
    PRIMARY KEY (list_id, school_id)
);
CREATE SEQUENCE region_list_id START 1;
CREATE TABLE region_lists (
    id INTEGER PRIMARY KEY DEFAULT nextval('region_list_id'),
    year INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    uploaded_by VARCHAR,
    uploaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE region_list_items (
    list_id INTEGER NOT NULL,
    territory_text VARCHAR,            -- «Территория» as written
    school_text VARCHAR,               -- «ОО» as written
    school_id INTEGER,                 -- NULL: not matched
    row_number INTEGER                 -- the row in the uploaded file
);
"""

MIGRATIONS: list[tuple[str, list[str | Callable[[duckdb.DuckDBPyConnection], None]]]] = [
    ("core schema", [_M1, _seed_catalogue, _seed_reference]),
    ("registry snapshots for undo", [
        "CREATE TABLE school_snapshots (batch_id INTEGER NOT NULL, school_id INTEGER NOT NULL, old_row JSON)"]),
    ("users, sessions, official and region lists", [_M3_ACCOUNTS_AND_LISTS]),
]


def _run_sql(conn: duckdb.DuckDBPyConnection, step: str | Callable) -> None:
    if callable(step):
        step(conn)
        return
    for stmt in step.split(";\n"):
        if stmt.strip():
            conn.execute(stmt)


def active_in(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """The schools of a frame (Store.schools() columns) active in a school year, index reset."""
    start = pd.to_numeric(schools["active_from"], errors="coerce")
    end = pd.to_numeric(schools["active_to"], errors="coerce")
    keep = (start.isna() | (start <= year)) & (end.isna() | (end >= year))
    return schools[keep.to_numpy(dtype=bool)].reset_index(drop=True)


class Store:
    """A connection to one database file. Writes go through `transaction()`; one writer at a time."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: str):
        self.conn = conn
        self.path = path
        self._write_lock = threading.RLock()

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> "Store":
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseBusy(
                    f"База данных {path} занята другим процессом (скорее всего, запущенной панелью). "
                    "Остановите панель или укажите другую базу (--db).") from exc
            raise
        store = cls(conn, path)
        if not read_only:
            store.migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for reads in the calling thread."""
        return self.conn.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._write_lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def migrate(self) -> int:
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR, "
                  "applied_at TIMESTAMP DEFAULT current_timestamp)")
        done = {r[0] for r in c.execute("SELECT version FROM schema_version").fetchall()}
        applied = 0
        for version, (name, steps) in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with self.transaction() as cur:
                for step in steps:
                    _run_sql(cur, step)
                cur.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
            applied += 1
        return applied

    def schema_version(self) -> int:
        return self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    # -- generic helpers ---------------------------------------------------------------------------
    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | None = None) -> Any:
        cur = self.cursor()
        try:
            row = cur.execute(sql, params or []).fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def audit(self, cur: duckdb.DuckDBPyConnection, actor: str | None, action: str, detail: dict) -> None:
        cur.execute("INSERT INTO audit_log (actor, action, detail) VALUES (?, ?, ?)",
                    [actor, action, json.dumps(detail, ensure_ascii=False, default=str)])

    # audit actions that change no figure: they must not invalidate the dashboard's caches
    _NON_DATA_ACTIONS = ("login", "logout", "user_locked", "user_add", "user_remove", "user_update", "user_passwd")

    def data_version(self) -> tuple:
        """Changes whenever stored data change (not on logins or user edits): a cache key for the dashboard."""
        ph = ", ".join("?" * len(self._NON_DATA_ACTIONS))
        return tuple(self.cursor().execute(
            f"SELECT count(*), max(logged_at) FROM audit_log WHERE action NOT IN ({ph})",
            list(self._NON_DATA_ACTIONS)).fetchone())

    # -- territories -------------------------------------------------------------------------------
    def territories(self) -> pd.DataFrame:
        return self.df("SELECT t.*, p.name AS parent_name FROM territories t "
                       "LEFT JOIN territories p ON p.id = t.parent_id ORDER BY t.kind = 'region' DESC, t.name")

    def territory_id(self, name: str | None, cur: duckdb.DuckDBPyConnection | None = None) -> int | None:
        """Find a territory by name, short name, code or remembered alias (normalised)."""
        if not name:
            return None
        c = cur or self.cursor()
        raw = str(name).strip()
        code, _, label = raw.partition(" | ")
        for candidate in ([label, code] if label else [raw]):
            n = norm_name(candidate)
            row = c.execute(
                "SELECT id FROM territories WHERE lower(code) = lower(?) OR id IN "
                "(SELECT territory_id FROM territory_aliases WHERE alias_norm = ?)", [candidate.strip(), n]).fetchone()
            if row:
                return row[0]
            for tid, tname, tshort in c.execute("SELECT id, name, short_name FROM territories").fetchall():
                if n and n in (norm_name(tname), norm_name(tshort)):
                    return tid
        return None

    def ensure_territory(self, cur: duckdb.DuckDBPyConnection, name: str, kind: str = "municipality",
                         parent_id: int | None = None, code: str | None = None,
                         short_name: str | None = None) -> int:
        raw = str(name).strip()
        fcode, _, label = raw.partition(" | ")
        if label:
            code, raw = code or fcode.strip(), label.strip()
        tid = self.territory_id(raw, cur) or (self.territory_id(code, cur) if code else None)
        if tid:
            return tid
        if parent_id is None and kind != "region":
            parent_id = self.region_id(cur)
        tid = cur.execute("INSERT INTO territories (name, short_name, kind, parent_id, code) VALUES (?, ?, ?, ?, ?) "
                          "RETURNING id", [raw, short_name, kind, parent_id, code]).fetchone()[0]
        cur.execute("INSERT OR REPLACE INTO territory_aliases VALUES (?, ?)", [norm_name(raw), tid])
        return tid

    def region_id(self, cur: duckdb.DuckDBPyConnection | None = None) -> int | None:
        c = cur or self.cursor()
        row = c.execute("SELECT id FROM territories WHERE kind = 'region' ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else None

    def territory_and_children(self, territory_id: int | None) -> list[int] | None:
        """Ids of a territory and everything below it; None means the whole region."""
        if territory_id is None or territory_id == self.region_id():
            return None
        rows = self.df("WITH RECURSIVE t(id) AS (SELECT ?::INTEGER UNION ALL "
                       "SELECT c.id FROM territories c JOIN t ON c.parent_id = t.id) SELECT id FROM t",
                       [territory_id])
        return [int(x) for x in rows["id"]]

    def _territory_filter(self, territory_id: int | None, where: list[str], params: list) -> None:
        """Restrict `s` (schools) to a territory and everything below it (districts); nothing for the region."""
        ids = self.territory_and_children(territory_id)
        if ids is not None:
            marks = ",".join("?" * len(ids))
            where.append(f"(s.territory_id IN ({marks}) OR s.district_id IN ({marks}))")
            params += ids + ids

    # -- schools -----------------------------------------------------------------------------------
    def schools(self, territory_id: int | None = None, year: int | None = None) -> pd.DataFrame:
        """Schools (optionally of a territory and its districts, and active in a school year)."""
        where, params = ["TRUE"], []
        self._territory_filter(territory_id, where, params)
        df = self.df(
            "SELECT s.*, t.name AS territory, d.name AS district, "
            "coalesce(s.fisoko_login, s.exam_code_oge, s.exam_code_ege, s.registry_code, s.inn, "
            "'id' || s.id::VARCHAR) AS school_code "
            "FROM schools s JOIN territories t ON t.id = s.territory_id "
            f"LEFT JOIN territories d ON d.id = s.district_id WHERE {' AND '.join(where)} "
            "ORDER BY t.name, s.short_name", params)
        return df if year is None else active_in(df, year)

    # -- results -----------------------------------------------------------------------------------
    def results(self, years: list[int] | None = None, procedures_: list[str] | None = None,
                territory_id: int | None = None) -> pd.DataFrame:
        where, params = ["TRUE"], []
        if years:
            where.append(f"r.year IN ({','.join('?' * len(years))})")
            params += list(years)
        if procedures_:
            where.append(f"r.procedure IN ({','.join('?' * len(procedures_))})")
            params += list(procedures_)
        self._territory_filter(territory_id, where, params)
        return self.df(
            "SELECT r.school_id, r.procedure, r.year, r.participants, r.low_count, r.mark2, r.mark3, r.mark4, "
            "r.mark5, r.mean_score, r.journal_below, r.journal_equal, r.journal_above, r.round_date, "
            "r.grade_written, r.batch_id FROM results r JOIN schools s ON s.id = r.school_id "
            f"WHERE {' AND '.join(where)} ORDER BY r.school_id, r.procedure, r.year", params)

    # -- reference data ----------------------------------------------------------------------------
    def mark_scales(self) -> dict[tuple[str, int], MarkScale]:
        out: dict[tuple[str, int], MarkScale] = {}
        for proc, year, mark, lo, hi in self.conn.cursor().execute(
                "SELECT procedure, year, mark, min_score, max_score FROM vpr_scales ORDER BY 1, 2, 3").fetchall():
            out.setdefault((proc, year), MarkScale(proc, year, {})).bounds[mark] = (lo, hi)
        return out

    def set_mark_scale(self, scale: MarkScale, actor: str | None = None) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM vpr_scales WHERE procedure = ? AND year = ?", [scale.procedure, scale.year])
            for mark, (lo, hi) in sorted(scale.bounds.items()):
                cur.execute("INSERT INTO vpr_scales VALUES (?, ?, ?, ?, ?)", [scale.procedure, scale.year, mark, lo, hi])
            self.audit(cur, actor, "set_mark_scale", {"procedure": scale.procedure, "year": scale.year,
                                                      "bounds": scale.bounds})

    def exam_thresholds(self) -> pd.DataFrame:
        return self.df("SELECT * FROM exam_thresholds ORDER BY year, procedure, kind")

    THRESHOLD_KINDS = ("min_test_score", "min_primary_score", "mark2", "geometry_min")

    def set_exam_threshold(self, procedure: str, year: int, kind: str, value: int, max_value: int | None,
                           note: str | None = None, actor: str | None = None) -> None:
        """Add or correct one exam minimum of a year (FORMATS.md §6: thresholds are data per year)."""
        if procedures.get(procedure).kind not in ("OGE", "EGE"):
            raise ValueError("Пороги задаются только для ОГЭ и ЕГЭ.")
        if kind not in self.THRESHOLD_KINDS:
            raise ValueError(f"Неизвестный вид порога «{kind}».")
        if value < 0 or (max_value is not None and not 0 < value <= max_value):
            raise ValueError("Порог должен быть положительным и не больше максимума.")
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO exam_thresholds VALUES (?, ?, ?, ?, ?, ?)",
                        [procedure, year, kind, value, max_value, note])
            self.audit(cur, actor, "set_exam_threshold", {"procedure": procedure, "year": year, "kind": kind,
                                                           "value": value, "max_value": max_value})

    # -- settings ----------------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        v = self.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if v is None else json.loads(v)

    def set_setting(self, key: str, value: Any, actor: str | None = None) -> None:
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO settings (key, value, updated_at, updated_by) "
                        "VALUES (?, ?, current_timestamp, ?)", [key, json.dumps(value, ensure_ascii=False), actor])
            self.audit(cur, actor, "set_setting", {"key": key, "value": value})

    # -- targets -----------------------------------------------------------------------------------
    def targets(self) -> pd.DataFrame:
        return self.df("SELECT g.territory_id, coalesce(t.name, 'Регион') AS territory, g.year, g.target_share "
                       "FROM targets g LEFT JOIN territories t ON t.id = g.territory_id ORDER BY 2, 3")

    def set_target(self, territory_id: int | None, year: int, share: float, actor: str | None = None,
                   cur: duckdb.DuckDBPyConnection | None = None) -> None:
        def write(c: duckdb.DuckDBPyConnection) -> None:
            c.execute("DELETE FROM targets WHERE territory_id IS NOT DISTINCT FROM ? AND year = ?", [territory_id, year])
            c.execute("INSERT INTO targets (territory_id, year, target_share) VALUES (?, ?, ?)",
                      [territory_id, year, share])
            self.audit(c, actor, "set_target", {"territory_id": territory_id, "year": year, "share": share})
        if cur is not None:
            write(cur)
        else:
            with self.transaction() as c:
                write(c)

    def target_for(self, territory_id: int | None, year: int) -> float | None:
        """The target for a territory and year; a territory without its own target uses the region's."""
        for tid in ([territory_id, None] if territory_id is not None else [None]):
            v = self.scalar("SELECT target_share FROM targets WHERE territory_id IS NOT DISTINCT FROM ? AND year = ?",
                            [tid, year])
            if v is not None:
                return float(v)
        return None

    # -- imports -----------------------------------------------------------------------------------
    def batches(self) -> pd.DataFrame:
        return self.df("SELECT id, file_name, layout, procedure, year, rows_read, rows_stored, status, created_at, "
                       "created_by, undone_at, undone_by, sha256 FROM import_batches ORDER BY id DESC")

    def batch_by_sha(self, sha256: str) -> int | None:
        return self.scalar("SELECT id FROM import_batches WHERE sha256 = ? AND status = 'stored' ORDER BY id LIMIT 1",
                           [sha256])

    def result_years(self) -> list[int]:
        return [int(x) for x in self.df("SELECT DISTINCT year FROM results ORDER BY year")["year"]]

    def record_run(self, year: int, territory_id: int | None, settings: dict, shnor_count: int,
                   school_count: int, actor: str | None = None) -> int:
        with self.transaction() as cur:
            rid = cur.execute("INSERT INTO identification_runs (year, territory_id, settings, shnor_count, "
                              "school_count, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                              [year, territory_id, json.dumps(settings, ensure_ascii=False), shnor_count,
                               school_count, actor]).fetchone()[0]
        return rid


def now() -> dt.datetime:
    return dt.datetime.now()
