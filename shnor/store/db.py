"""The database: one DuckDB file, its migrations, reads, and the unit of work every change goes through.

    store = Store.open(path)
    store.schools.list(territory_id=3, year=2021)          # reads: a fresh cursor per query (thread-safe)
    with store.unit(actor) as u:                           # one transaction, one writer at a time
        u.targets.set(None, 2022, 0.05)
        u.record(events.TARGET_SET, territory_id=None, year=2022, share=0.05)

A unit that changes something without recording an event refuses to commit: every change is audited.
Writes outside a unit are refused by `Sql` itself. Nothing outside shnor/store/ sees a cursor.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from shnor.domain.events import Event, EventKind
from shnor.domain.permissions import User
from shnor.store.schema import MIGRATIONS


class DatabaseBusy(RuntimeError):
    """Another process (usually the dashboard) holds the database file."""


class Sql:
    """Queries on a connection: reads on a fresh cursor each (or the unit's), writes only inside a unit."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection | None = None):
        self._conn, self._cur = conn, cur
        self.wrote = False

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._cur is not None:
            yield self._cur
            return
        cur = self._conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._cursor() as c:
            return c.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with self._cursor() as c:
            return c.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple | None:
        with self._cursor() as c:
            return c.execute(sql, params or []).fetchone()

    def scalar(self, sql: str, params: list | None = None) -> Any:
        row = self.one(sql, params)
        return row[0] if row else None

    # -- writes: only inside a unit of work ----------------------------------------------------------
    def _writer(self) -> duckdb.DuckDBPyConnection:
        if self._cur is None:
            raise RuntimeError("writes go through store.unit(): one transaction with its audit event")
        self.wrote = True
        return self._cur

    def run(self, sql: str, params: list | None = None) -> list[tuple]:
        """A write (INSERT/UPDATE/DELETE); returns the rows of a RETURNING clause."""
        cur = self._writer().execute(sql, params or [])
        try:
            return cur.fetchall()
        except duckdb.InvalidInputException:
            return []

    def many(self, sql: str, rows: list) -> None:
        if rows:
            self._writer().executemany(sql, rows)

    @contextmanager
    def registered(self, name: str, table) -> Iterator[None]:
        """A pyarrow table or DataFrame visible as `name` to the unit's statements (set-based writes)."""
        cur = self._writer()
        cur.register(name, table)
        try:
            yield
        finally:
            cur.unregister(name)


def _repositories(target, sql: Sql) -> None:
    """The repositories, each on the same Sql (a store's reads or a unit's transaction)."""
    from shnor.store import accounts, audit, imports, lists, reference, results, schools, settings, territories
    target.territories = territories.TerritoryRepo(sql)
    target.schools = schools.SchoolRepo(sql, target.territories)
    target.results = results.ResultRepo(sql, target.territories)
    target.imports = imports.ImportRepo(sql)
    target.lists = lists.ListRepo(sql, target.territories)
    target.reference = reference.ReferenceRepo(sql)
    target.settings = settings.SettingsRepo(sql)
    target.targets = settings.TargetRepo(sql)
    target.accounts = accounts.AccountRepo(sql)
    target.audit = audit.AuditRepo(sql)
    from shnor.store import support
    target.support = support.SupportRepo(sql)
    from shnor.store import roadmaps
    target.roadmaps = roadmaps.RoadmapRepo(sql)
    from shnor.store import analyses
    target.analyses = analyses.AnalysesRepo(sql)
    from shnor.store import indicators
    target.indicators = indicators.IndicatorRepo(sql)
    from shnor.store import templates
    target.templates = templates.TemplateRepo(sql)
    from shnor.store import interviews
    target.interviews = interviews.InterviewRepo(sql)


class Unit:
    """One transaction: the repositories on its cursor and the audit events written inside it."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection, actor: str | None):
        self.sql = Sql(conn, cur)
        self.actor = actor
        self.events: list[Event] = []
        _repositories(self, self.sql)

    def record(self, event_kind: EventKind, /, **detail) -> Event:
        ev = Event(event_kind, detail)
        self.audit.write(self.actor, ev)
        self.events.append(ev)
        return ev


def _actor_name(actor: User | str | None) -> str | None:
    return actor.name if isinstance(actor, User) else actor


class Store:
    """A connection to one database file: the repositories for reads, `unit()` for changes."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: str):
        self.conn = conn
        self.path = path
        self._write_lock = threading.RLock()
        self.sql = Sql(conn)
        _repositories(self, self.sql)

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

    @contextmanager
    def unit(self, actor: User | str | None, audited: bool = True) -> Iterator[Unit]:
        """One transaction, one writer at a time. `audited=False` only for housekeeping that changes no
        user-visible data (a session's last activity)."""
        with self._transaction() as cur:
            u = Unit(self.conn, cur, _actor_name(actor))
            yield u
            if audited and u.sql.wrote and not u.events:
                raise RuntimeError("a change without an audit event: record one with unit.record(...)")

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN … COMMIT on a cursor of its own, ROLLBACK on any error; one writer at a time."""
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

    # -- migrations ------------------------------------------------------------------------------------
    def migrate(self) -> int:
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR, "
                  "applied_at TIMESTAMP DEFAULT current_timestamp)")
        done = {r[0] for r in c.execute("SELECT version FROM schema_version").fetchall()}
        applied = 0
        for version, (name, steps) in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with self._transaction() as cur:
                for step in steps:
                    _run_step(cur, step)
                cur.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
            applied += 1
        return applied

    def schema_version(self) -> int:
        return self.sql.scalar("SELECT coalesce(max(version), 0) FROM schema_version")

    def data_version(self) -> tuple:
        """Changes whenever stored data change (events that change data): a cache key for the dashboard."""
        return self.audit.data_version()


def _run_step(cur: duckdb.DuckDBPyConnection, step) -> None:
    if callable(step):
        step(cur)
        return
    for stmt in step.split(";\n"):
        if stmt.strip():
            cur.execute(stmt)
