"""Commands: user: accounts of the dashboard (add, list, remove, passwd, unlock, ensure-admin)."""
from __future__ import annotations


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
