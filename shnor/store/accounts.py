"""Users, login sessions and login throttling (the passwords' hashing is in shnor/domain/accounts.py)."""
from __future__ import annotations


class AccountRepo:
    def __init__(self, sql):
        self.sql = sql
