"""Accounts: the use cases of users, logins, sessions and login locks (the CLI, the dashboard and tests share them).

- Roles: viewer (read-only), methodist (upload, undo imports, edit data), head (руководитель: approves
  official lists), admin (settings, users, everything). The permission table is shnor/domain/permissions.py.
- User administration (add, update, remove, passwd, unlock, the list of users and locks, login settings)
  takes the acting `User` and needs `Action.USERS` (an admin bound to no territory); every change is one
  unit of work with its typed event (shnor/domain/events.py).
- A user may be bound to one territory (`territory_id`; None = the whole region): pages show and change
  only that territory and its districts (`clamp_territory`).
- Login (`authenticate`) answers the same for an unknown name and a wrong password and throttles failures
  per (name, client address): shnor/domain/accounts.py. Failures and locks are audited.
- Sessions: a random token is given to the browser; only its SHA-256 is stored. A session ends after
  `session_timeout_min` minutes without activity, after `session_max_hours` in any case, or on logout.
Passwords' hashing and the rules are pure (shnor/domain/accounts.py); the SQL is in shnor/store/accounts.py.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from shnor import config
from shnor.domain import events
from shnor.domain.accounts import (DEFAULTS, DISABLED_MESSAGE, DUMMY_HASH, KEY_BYTES, LOCAL,  # noqa: F401
                                   SETTINGS_KEY, TOUCH_EVERY, WRONG_LOGIN, AccountError, LoginRefused,
                                   hash_password, is_throttled, login_name, new_password_hash, new_token,
                                   next_failure, parse_networks, random_password, session_alive, settings_from,
                                   throttled_message, token_hash, validate_name, validate_password,
                                   validate_role, validate_settings, verify_password)
from shnor.domain.accounts import client_address as _client_address
from shnor.domain.permissions import (ADMIN, HEAD, METHODIST, ROLE_RU, ROLES, SYSTEM, VIEWER,  # noqa: F401
                                      Action, User, pages_for, require)
from shnor.store import Store


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now()


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------
def account_settings(store: Store) -> dict:
    return settings_from(store.settings.get(SETTINGS_KEY))


def save_account_settings(store: Store, actor: User, values: dict) -> dict:
    """Save the login settings (session timeout, failures before a lock, lock minutes, password length)."""
    require(actor, Action.USERS)
    new = validate_settings(dict(account_settings(store), **values))
    with store.unit(actor) as u:
        u.settings.set(SETTINGS_KEY, new, actor.name)
        u.record(events.SETTING_CHANGED, key=SETTINGS_KEY, value=new)
    return new


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------
def _to_user(store: Store, name: str, role: str, territory_id) -> User:
    tid = None if territory_id is None or pd.isna(territory_id) else int(territory_id)
    scope = store.territories.subtree(tid)
    return User(name, role, tid, store.territories.name(tid), None if scope is None else frozenset(scope))


def resolve_territory(store: Store, territory: str | int | None) -> int | None:
    """A territory name (or id) -> id; the region itself means the whole region (None)."""
    if territory is None or territory == "":
        return None
    if isinstance(territory, int):
        tid = territory if store.territories.exists(territory) else None
    else:
        tid = store.territories.find(territory)
    if tid is None:
        known = ", ".join(store.territories.list()["name"].head(12))
        raise AccountError(f"Территория «{territory}» не найдена." + (f" Известные территории: {known}." if known else ""))
    return None if tid == store.territories.root_id() else tid


def get_user(store: Store, name: str) -> User | None:
    """An enabled user by name (who is logged in, who acts on the command line); None when unknown."""
    row = store.accounts.active(name)
    return _to_user(store, *row) if row else None


def user_count(store: Store) -> int:
    return store.accounts.count()


def list_users(store: Store, actor: User, now: dt.datetime | None = None) -> pd.DataFrame:
    """A DataFrame: name, role, role_ru, territory_id, territory, created_at, disabled, locks (how many
    client addresses are refused for this name now)."""
    require(actor, Action.USERS)
    df = store.accounts.list()
    df.insert(2, "role_ru", df["role"].map(ROLE_RU))
    locks = store.accounts.locks(_now(now))
    df["locks"] = df["name"].map(locks.groupby("name").size()).fillna(0).astype(int) if len(locks) else 0
    return df


def add_user(store: Store, actor: User, name: str, role: str, password: str,
             territory: str | int | None = None) -> User:
    require(actor, Action.USERS)
    name = validate_name(name)
    role = validate_role(role)
    validate_password(password, account_settings(store)["min_password_len"])
    tid = resolve_territory(store, territory)
    pw = new_password_hash(password)
    with store.unit(actor) as u:
        if u.accounts.exists(name):
            raise AccountError(f"Пользователь «{name}» уже есть. Сменить пароль: user passwd {name}.")
        u.accounts.add(name, role, tid, pw)
        u.record(events.USER_ADDED, name=name, role=role, territory_id=tid)
    return _to_user(store, name, role, tid)


def remove_user(store: Store, actor: User, name: str) -> None:
    require(actor, Action.USERS)
    with store.unit(actor) as u:
        row = u.accounts.role_and_territory(name)
        if not row:
            raise AccountError(f"Пользователь «{name}» не найден.")
        if actor.name == name:
            raise AccountError("Нельзя удалить самого себя.")
        if row[0] == ADMIN and u.accounts.admin_count(exclude=name) == 0:
            raise AccountError(f"Нельзя удалить «{name}»: это последний администратор. Сначала назначьте другого.")
        u.accounts.remove(name)
        u.record(events.USER_REMOVED, name=name)


def update_user(store: Store, actor: User, name: str, role: str | None = None,
                territory: str | int | None = "") -> User:
    """Change role and/or territory (territory "" leaves it as it is; None makes it the whole region).
    New rights end the user's sessions: they log in again."""
    require(actor, Action.USERS)
    with store.unit(actor) as u:
        row = u.accounts.role_and_territory(name)
        if not row:
            raise AccountError(f"Пользователь «{name}» не найден.")
        old_role, old_tid = row
        new_role = validate_role(role) if role is not None else old_role
        new_tid = old_tid if territory == "" else resolve_territory(store, territory)
        if old_role == ADMIN and new_role != ADMIN and u.accounts.admin_count(exclude=name) == 0:
            raise AccountError(f"Нельзя снять роль администратора с «{name}»: это последний администратор.")
        if (new_role, new_tid) != (old_role, old_tid):
            u.accounts.update(name, new_role, new_tid)
            u.accounts.end_sessions(name)
            u.record(events.USER_UPDATED, name=name, role=new_role, territory_id=new_tid,
                     old_role=old_role, old_territory_id=old_tid)
    return _to_user(store, name, new_role, new_tid)


def set_password(store: Store, actor: User, name: str, password: str) -> None:
    """Set a new password; lifts the login locks of the name and ends the user's sessions."""
    require(actor, Action.USERS)
    validate_password(password, account_settings(store)["min_password_len"])
    pw = new_password_hash(password)
    with store.unit(actor) as u:
        if not u.accounts.exists(name):
            raise AccountError(f"Пользователь «{name}» не найден.")
        u.accounts.set_password(name, pw)
        u.accounts.end_sessions(name)
        lifted = u.accounts.clear_failures(name)
        u.record(events.PASSWORD_SET, name=name, failures_cleared=lifted)


def ensure_first_admin(store: Store) -> str | None:
    """On a database with no users, create `admin` with a random password and return it (shown once).
    Acts as the built-in system user."""
    if user_count(store):
        return None
    password = random_password()
    add_user(store, SYSTEM, "admin", ADMIN, password)
    return password


# ---------------------------------------------------------------------------------------------
# Login locks (per name and client address)
# ---------------------------------------------------------------------------------------------
def list_locks(store: Store, actor: User, now: dt.datetime | None = None) -> pd.DataFrame:
    """Clients refused for a name now: name, client, locked_until, last_failed."""
    require(actor, Action.USERS)
    return store.accounts.locks(_now(now))


def unlock(store: Store, actor: User, name: str, client: str | None = None, now: dt.datetime | None = None) -> int:
    """Lift the locks of a name (from one client address, or from all): the number of locks lifted. The
    counts of failures of the name are forgotten too. A name that is neither a user nor locked is refused."""
    require(actor, Action.USERS)
    now = _now(now)
    with store.unit(actor) as u:
        locked = u.accounts.locks(now, name)
        if client is not None:
            locked = locked[locked["client"] == client]
        if not u.accounts.exists(name) and locked.empty:
            raise AccountError(f"Пользователь «{name}» не найден, и входов с таким логином никто не блокировал.")
        if locked.empty:
            return 0
        u.accounts.clear_failures(name, client)
        u.record(events.LOGIN_UNLOCKED, name=name, clients=sorted(locked["client"]))
    return len(locked)


# ---------------------------------------------------------------------------------------------
# Login and sessions
# ---------------------------------------------------------------------------------------------
def client_address(remote_ip: str | None, forwarded_for: list[str] | None = None) -> str:
    """The client a login is counted against: the connection's address, or behind a proxy named in
    $SHNOR_TRUSTED_PROXIES the last address of X-Forwarded-For (shnor/domain/accounts.py)."""
    return _client_address(remote_ip, forwarded_for, parse_networks(config.trusted_proxies()))


def _failed(store: Store, name: str, client: str, now: dt.datetime, cfg: dict) -> LoginRefused:
    """Count one failure of `name` from `client`, throttling the client at `max_failed`: the refusal to raise."""
    with store.unit(None) as u:
        row = u.accounts.failures(name, client)
        f = next_failure(row[0] if row else 0, row[1] if row else None, now, cfg["max_failed"], cfg["lockout_min"])
        u.accounts.prune_failures(now, now - dt.timedelta(minutes=cfg["lockout_min"]))
        u.accounts.set_failures(name, client, f.failed_count, now, f.locked_until)
        u.record(events.LOGIN_FAILED, name=name, client=client)
        if f.locked:
            u.record(events.LOGIN_LOCKED, name=name, client=client, until=f.locked_until)
    return LoginRefused(throttled_message(cfg["lockout_min"]) if f.locked else WRONG_LOGIN)


def authenticate(store: Store, name: str, password: str, client: str = LOCAL,
                 now: dt.datetime | None = None) -> User:
    """The user when the password is right; otherwise LoginRefused with a Russian message that is the same
    for a name that exists and one that does not (and the same work: a dummy hash)."""
    now = _now(now)
    cfg = account_settings(store)
    name = login_name(name)
    client = str(client or LOCAL)[:64]
    row = store.accounts.failures(name, client)
    if row is not None and is_throttled(row[2], now):
        raise LoginRefused(throttled_message(cfg["lockout_min"]))
    user = store.accounts.login_row(name) if name else None
    if user is None:
        verify_password(password or "", **DUMMY_HASH)
        raise _failed(store, name, client, now, cfg)
    ok = verify_password(password or "", user["pw_hash"], user["salt"], user["scrypt_n"], user["scrypt_r"],
                         user["scrypt_p"])
    if not ok:
        raise _failed(store, name, client, now, cfg)
    if user["disabled"]:
        raise LoginRefused(DISABLED_MESSAGE)
    if row is not None:
        with store.unit(name, audited=False) as u:   # housekeeping: the count of this client's failures
            u.accounts.clear_failures(name, client)
    return _to_user(store, name, user["role"], user["territory_id"])


def create_session(store: Store, user: User | str, now: dt.datetime | None = None, client: str | None = None) -> str:
    """A new login session; returns the token for the browser (only its hash is stored)."""
    now = _now(now)
    name = user.name if isinstance(user, User) else user
    cfg = account_settings(store)
    token = new_token()
    with store.unit(name) as u:
        u.accounts.add_session(token_hash(token), name, now, now + dt.timedelta(minutes=cfg["session_timeout_min"]))
        u.record(events.LOGIN, name=name, **({"client": client} if client else {}))
    return token


def resolve_session(store: Store, token: str | None, now: dt.datetime | None = None, touch: bool = True) -> User | None:
    """The user of a live session, extending it (activity); None when unknown, expired or the user is gone."""
    if not token:
        return None
    now = _now(now)
    cfg = account_settings(store)
    th = token_hash(token)
    row = store.accounts.session(th)
    if row is None:
        return None
    name, created, last_seen, expires, role, tid = row
    if not session_alive(created, last_seen, expires, now, cfg["session_timeout_min"], cfg["session_max_hours"]):
        with store.unit(name, audited=False) as u:   # housekeeping: an expired session
            u.accounts.end_session(th)
        return None
    if touch and now - last_seen >= TOUCH_EVERY:
        with store.unit(name, audited=False) as u:   # housekeeping: the session's last activity
            u.accounts.touch_session(th, now, now + dt.timedelta(minutes=cfg["session_timeout_min"]))
    return _to_user(store, name, role, tid)


def end_session(store: Store, token: str | None) -> None:
    """Logout: the session ends (audited when there was one)."""
    if not token:
        return
    th = token_hash(token)
    name = store.accounts.session_user(th)
    if name is None:
        return
    with store.unit(name) as u:
        u.accounts.end_session(th)
        u.record(events.LOGOUT, name=name)


# ---------------------------------------------------------------------------------------------
# Territory binding
# ---------------------------------------------------------------------------------------------
def visible_territory_ids(store: Store, user: User) -> list[int] | None:
    """Territory ids the user may see (its territory and districts); None = the whole region."""
    return store.territories.subtree(user.territory_id)


def clamp_territory(store: Store, user: User, chosen: int | None) -> int | None:
    """The territory a page may use for the user's choice: a bound user stays inside their territory."""
    allowed = visible_territory_ids(store, user)
    if allowed is None:
        return chosen
    return chosen if chosen in allowed else user.territory_id
