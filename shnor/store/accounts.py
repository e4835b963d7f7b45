"""Users, login sessions and login throttling (the passwords' hashing is in shnor/domain/accounts.py).

Tables (shnor/store/schema.py): `users` (the per-user `failed_count`/`locked_until` of migration 3 are no
longer used: throttling is per name and client address in `login_failures`, migration 4), `sessions`."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from shnor.store import dialect

_PW_COLS = ["pw_hash", "salt", "scrypt_n", "scrypt_r", "scrypt_p"]


class AccountRepo:
    def __init__(self, sql):
        self.sql = sql

    # -- users: reads --------------------------------------------------------------------------------
    def login_row(self, name: str) -> dict | None:
        """What a login needs: role, territory_id, the password hash and its parameters, disabled."""
        row = self.sql.one("SELECT role, territory_id, pw_hash, salt, scrypt_n, scrypt_r, scrypt_p, disabled "
                           "FROM users WHERE name = ?", [name])
        if row is None:
            return None
        return dict(zip(["role", "territory_id", *_PW_COLS, "disabled"], row))

    def active(self, name: str) -> tuple | None:
        """(name, role, territory_id) of a user who is not disabled."""
        return self.sql.one("SELECT name, role, territory_id FROM users WHERE name = ? AND NOT disabled", [name])

    def role_and_territory(self, name: str) -> tuple | None:
        return self.sql.one("SELECT role, territory_id FROM users WHERE name = ?", [name])

    def exists(self, name: str) -> bool:
        return bool(self.sql.scalar("SELECT count(*) FROM users WHERE name = ?", [name]))

    def count(self) -> int:
        return int(self.sql.scalar("SELECT count(*) FROM users") or 0)

    def admin_count(self, exclude: str | None = None) -> int:
        return int(self.sql.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled "
                                   "AND name IS DISTINCT FROM ?", [exclude]))

    def list(self) -> pd.DataFrame:
        """name, role, territory_id, territory, created_at, disabled — ordered by name."""
        return self.sql.df("SELECT u.name, u.role, u.territory_id, t.name AS territory, u.created_at, u.disabled "
                           "FROM users u LEFT JOIN territories t ON t.id = u.territory_id ORDER BY u.name")

    # -- users: writes (inside a unit) -----------------------------------------------------------------
    def add(self, name: str, role: str, territory_id: int | None, pw: dict) -> None:
        self.sql.run("INSERT INTO users (name, role, territory_id, pw_hash, salt, scrypt_n, scrypt_r, scrypt_p) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [name, role, territory_id, *(pw[c] for c in _PW_COLS)])

    def remove(self, name: str) -> None:
        self.end_sessions(name)
        self.sql.run("DELETE FROM users WHERE name = ?", [name])

    def update(self, name: str, role: str, territory_id: int | None) -> None:
        self.sql.run("UPDATE users SET role = ?, territory_id = ? WHERE name = ?", [role, territory_id, name])

    def set_password(self, name: str, pw: dict) -> None:
        self.sql.run("UPDATE users SET pw_hash = ?, salt = ?, scrypt_n = ?, scrypt_r = ?, scrypt_p = ? "
                     "WHERE name = ?", [*(pw[c] for c in _PW_COLS), name])

    # -- sessions ----------------------------------------------------------------------------------------
    def session(self, token_hash: str) -> tuple | None:
        """(user_name, created_at, last_seen, expires, role, territory_id) of a session of an enabled user."""
        return self.sql.one("SELECT s.user_name, s.created_at, s.last_seen, s.expires, u.role, u.territory_id "
                            "FROM sessions s JOIN users u ON u.name = s.user_name AND NOT u.disabled "
                            "WHERE s.token_hash = ?", [token_hash])

    def session_user(self, token_hash: str) -> str | None:
        return self.sql.scalar("SELECT user_name FROM sessions WHERE token_hash = ?", [token_hash])

    def session_count(self) -> int:
        return int(self.sql.scalar("SELECT count(*) FROM sessions") or 0)

    def add_session(self, token_hash: str, name: str, now: dt.datetime, expires: dt.datetime) -> None:
        self.sql.run("DELETE FROM sessions WHERE expires <= ?", [now])   # housekeeping
        self.sql.run("INSERT INTO sessions (token_hash, user_name, created_at, last_seen, expires) "
                     "VALUES (?, ?, ?, ?, ?)", [token_hash, name, now, now, expires])

    def touch_session(self, token_hash: str, now: dt.datetime, expires: dt.datetime) -> None:
        self.sql.run("UPDATE sessions SET last_seen = ?, expires = ? WHERE token_hash = ?", [now, expires, token_hash])

    def end_session(self, token_hash: str) -> None:
        self.sql.run("DELETE FROM sessions WHERE token_hash = ?", [token_hash])

    def end_sessions(self, name: str) -> None:
        self.sql.run("DELETE FROM sessions WHERE user_name = ?", [name])

    # -- failed logins per (name, client) --------------------------------------------------------------
    def failures(self, name: str, client: str) -> tuple | None:
        """(failed_count, last_failed, locked_until) of a name from a client."""
        return self.sql.one("SELECT failed_count, last_failed, locked_until FROM login_failures "
                            "WHERE name = ? AND client = ?", [name, client])

    def set_failures(self, name: str, client: str, failed_count: int, last_failed: dt.datetime,
                     locked_until: dt.datetime | None) -> None:
        self.sql.run(dialect.upsert("login_failures", ["name", "client", "failed_count", "last_failed", "locked_until"],
                                    ["name", "client"]), [name, client, failed_count, last_failed, locked_until])

    def clear_failures(self, name: str, client: str | None = None) -> int:
        """Forget the failures of a name (from one client, or from all); the number of rows removed."""
        if client is None:
            rows = self.sql.run("DELETE FROM login_failures WHERE name = ? RETURNING client", [name])
        else:
            rows = self.sql.run("DELETE FROM login_failures WHERE name = ? AND client = ? RETURNING client",
                                [name, client])
        return len(rows)

    def prune_failures(self, now: dt.datetime, forget_before: dt.datetime) -> None:
        """Forget rows that neither lock nor count any more (no lock now, last failure before `forget_before`)."""
        self.sql.run("DELETE FROM login_failures WHERE (locked_until IS NULL OR locked_until <= ?) "
                     "AND (last_failed IS NULL OR last_failed < ?)", [now, forget_before])

    def has_failures(self, name: str, client: str) -> bool:
        return bool(self.sql.scalar("SELECT count(*) FROM login_failures WHERE name = ? AND client = ?",
                                    [name, client]))

    def locks(self, now: dt.datetime, name: str | None = None) -> pd.DataFrame:
        """Current locks: name, client, locked_until, last_failed — newest first."""
        where, params = ["locked_until > ?"], [now]
        if name is not None:
            where.append("name = ?")
            params.append(name)
        return self.sql.df("SELECT name, client, locked_until, last_failed FROM login_failures "
                           f"WHERE {' AND '.join(where)} ORDER BY locked_until DESC, name, client", params)
