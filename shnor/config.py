"""Where the database lives: `--db`, then `$SHNOR_DB`, then `data/shnor.duckdb`."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "shnor.duckdb"
DEMO_DB = ROOT / "data" / "demo.duckdb"


def db_path(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("SHNOR_DB")
    return Path(env) if env else DEFAULT_DB
