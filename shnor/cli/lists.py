"""Commands: export list."""
from __future__ import annotations


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
