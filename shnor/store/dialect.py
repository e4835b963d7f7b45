"""What differs between DuckDB and PostgreSQL, in one place. The repositories' SQL is otherwise written so
that it runs on both (standard `INSERT … ON CONFLICT`, `RETURNING`, `IS NOT DISTINCT FROM`, recursive CTEs).

Known DuckDB-only spots, to port with the PostgreSQL store: sequences created with `CREATE SEQUENCE` and
`DEFAULT nextval(...)` in shnor/store/schema.py (PostgreSQL accepts them as they are), the `JSON` column
type (PostgreSQL: `jsonb`), `rowid` (replaced by explicit ordering columns), registering Arrow tables as
views for set-based writes (`Sql.registered`; PostgreSQL: `COPY` into a temporary table).
"""
from __future__ import annotations

DIALECT = "duckdb"


def upsert(table: str, columns: list[str], key: list[str]) -> str:
    """INSERT … ON CONFLICT (key) DO UPDATE: the same text on DuckDB and PostgreSQL."""
    marks = ", ".join("?" * len(columns))
    rest = [c for c in columns if c not in key]
    action = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in rest)) if rest else "DO NOTHING"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {action}"
