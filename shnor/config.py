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


def trusted_proxies() -> str:
    """Addresses or networks of the reverse proxies in front of the dashboard (`$SHNOR_TRUSTED_PROXIES`,
    comma-separated, e.g. «127.0.0.1,10.0.0.5»): for a connection from one of them the client's address is
    taken from X-Forwarded-For (login throttling). Empty: no proxy is trusted."""
    return os.environ.get("SHNOR_TRUSTED_PROXIES", "")
