"""Users, roles, passwords and login sessions (no Streamlit here: the CLI, the dashboard and tests share it).

- Roles: viewer (read-only), methodist (upload, undo imports, edit data), head (руководитель: approves
  official lists), admin (settings, users, everything). The permission table is shnor/domain/permissions.py.
- A user may be bound to one territory (`territory_id`; None = the whole region): pages show and change
  only that territory and its districts (`clamp_territory`).
- Passwords: `hashlib.scrypt` (memory-hard) with a per-user random salt, compared in constant time.
  After `max_failed` wrong passwords in a row the account is locked for `lockout_min` minutes.
- Sessions: a random token (`secrets`) is given to the browser; only its SHA-256 is stored. A session
  ends after `session_timeout_min` minutes without activity, after `session_max_hours` in any case, or
  on logout.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass

from shnor.store import Store

from shnor.domain.permissions import (ADMIN, HEAD, METHODIST, ROLE_RU, ROLES, VIEWER, User,  # noqa: F401
                                      pages_for)


# ---------------------------------------------------------------------------------------------
# Settings (stored in the settings table under "accounts")
# ---------------------------------------------------------------------------------------------
SETTINGS_KEY = "accounts"
DEFAULTS = {"session_timeout_min": 60, "session_max_hours": 12, "max_failed": 5, "lockout_min": 15,
            "min_password_len": 8}


def account_settings(store: Store) -> dict:
    stored = store.settings.get(SETTINGS_KEY) or {}
    return {k: int(stored.get(k, v)) for k, v in DEFAULTS.items()}


# ---------------------------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------------------------
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1   # 16 MiB per hash, ~50 ms
SALT_BYTES, KEY_BYTES = 16, 32


def hash_password(password: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r,
                          dklen=KEY_BYTES)


def new_password_hash(password: str) -> dict:
    """Columns of `users` for a new password: pw_hash, salt (hex) and the scrypt parameters."""
    salt = secrets.token_bytes(SALT_BYTES)
    return {"pw_hash": hash_password(password, salt).hex(), "salt": salt.hex(),
            "scrypt_n": SCRYPT_N, "scrypt_r": SCRYPT_R, "scrypt_p": SCRYPT_P}


def verify_password(password: str, pw_hash: str, salt: str, n: int, r: int, p: int) -> bool:
    try:
        got = hash_password(password, bytes.fromhex(salt), n, r, p)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, bytes.fromhex(pw_hash))


_DUMMY = {"pw_hash": "00" * KEY_BYTES, "salt": "00" * SALT_BYTES, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


def random_password() -> str:
    return secrets.token_urlsafe(12)


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------
class AccountError(ValueError):
    """A refused account operation; the message is Russian and meant for the user."""


class LoginRefused(AccountError):
    """Wrong login or password, or a locked or disabled account."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now()


def _validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError("Логин не может быть пустым.")
    if len(name) > 64 or any(ch.isspace() for ch in name):
        raise AccountError(f"Логин «{name}» недопустим: без пробелов, не длиннее 64 символов.")
    return name


def _validate_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Роль «{role}» неизвестна. Допустимо: " +
                           ", ".join(f"{r} ({ROLE_RU[r]})" for r in ROLES) + ".")
    return role


def _validate_password(store: Store, password: str) -> None:
    min_len = account_settings(store)["min_password_len"]
    if password is None or len(password) < min_len:
        raise AccountError(f"Пароль слишком короткий: нужно не меньше {min_len} символов.")
    if password != password.strip():
        raise AccountError("Пароль не должен начинаться или заканчиваться пробелом.")


def _territory_name(store: Store, territory_id: int | None) -> str | None:
    if territory_id is None:
        return None
    return store.scalar("SELECT name FROM territories WHERE id = ?", [territory_id])


def _row_to_user(store: Store, name: str, role: str, territory_id: int | None) -> User:
    tid = int(territory_id) if territory_id is not None else None
    scope = store.territories.subtree(tid)
    return User(name, role, tid, _territory_name(store, tid), None if scope is None else frozenset(scope))


def resolve_territory(store: Store, territory: str | int | None) -> int | None:
    """A territory name (or id) -> id; the region itself means the whole region (None)."""
    if territory is None or territory == "":
        return None
    if isinstance(territory, int):
        tid = territory if store.scalar("SELECT count(*) FROM territories WHERE id = ?", [territory]) else None
    else:
        tid = store.territories.find(territory)
    if tid is None:
        known = ", ".join(store.territories.list()["name"].head(12))
        raise AccountError(f"Территория «{territory}» не найдена." + (f" Известные территории: {known}." if known else ""))
    return None if tid == store.territories.region_id() else tid


def get_user(store: Store, name: str) -> User | None:
    cur = store.cursor()
    try:
        row = cur.execute("SELECT name, role, territory_id FROM users WHERE name = ? AND NOT disabled",
                          [name]).fetchone()
    finally:
        cur.close()
    return _row_to_user(store, *row) if row else None


def list_users(store: Store):
    """A DataFrame: name, role, role_ru, territory_id, territory, created_at, locked_until, failed_count, disabled."""
    df = store.df("SELECT u.name, u.role, u.territory_id, t.name AS territory, u.created_at, u.locked_until, "
                  "u.failed_count, u.disabled FROM users u LEFT JOIN territories t ON t.id = u.territory_id "
                  "ORDER BY u.name")
    df.insert(2, "role_ru", df["role"].map(ROLE_RU))
    return df


def user_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM users") or 0)


def _admin_count(cur, exclude: str | None = None) -> int:
    return cur.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND name IS DISTINCT FROM ?",
                       [exclude]).fetchone()[0]


def add_user(store: Store, name: str, role: str, password: str, territory: str | int | None = None,
             actor: str | None = None) -> User:
    name = _validate_name(name)
    role = _validate_role(role)
    _validate_password(store, password)
    tid = resolve_territory(store, territory)
    h = new_password_hash(password)
    with store.transaction() as cur:
        if cur.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchone()[0]:
            raise AccountError(f"Пользователь «{name}» уже есть. Сменить пароль: user passwd {name}.")
        cur.execute("INSERT INTO users (name, role, territory_id, pw_hash, salt, scrypt_n, scrypt_r, scrypt_p) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [name, role, tid, h["pw_hash"], h["salt"], h["scrypt_n"], h["scrypt_r"], h["scrypt_p"]])
        store.legacy_audit(cur, actor, "user_add", {"name": name, "role": role, "territory_id": tid})
    return _row_to_user(store, name, role, tid)


def remove_user(store: Store, name: str, actor: str | None = None) -> None:
    with store.transaction() as cur:
        row = cur.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()
        if not row:
            raise AccountError(f"Пользователь «{name}» не найден.")
        if row[0] == ADMIN and _admin_count(cur, exclude=name) == 0:
            raise AccountError(f"Нельзя удалить «{name}»: это последний администратор. Сначала назначьте другого.")
        if actor is not None and actor == name:
            raise AccountError("Нельзя удалить самого себя.")
        cur.execute("DELETE FROM sessions WHERE user_name = ?", [name])
        cur.execute("DELETE FROM users WHERE name = ?", [name])
        store.legacy_audit(cur, actor, "user_remove", {"name": name})


def update_user(store: Store, name: str, role: str | None = None, territory: str | int | None = "",
                actor: str | None = None) -> User:
    """Change role and/or territory (territory "" leaves it as it is; None makes it the whole region)."""
    with store.transaction() as cur:
        row = cur.execute("SELECT role, territory_id FROM users WHERE name = ?", [name]).fetchone()
        if not row:
            raise AccountError(f"Пользователь «{name}» не найден.")
        new_role = _validate_role(role) if role is not None else row[0]
        new_tid = row[1] if territory == "" else resolve_territory(store, territory)
        if row[0] == ADMIN and new_role != ADMIN and _admin_count(cur, exclude=name) == 0:
            raise AccountError(f"Нельзя снять роль администратора с «{name}»: это последний администратор.")
        cur.execute("UPDATE users SET role = ?, territory_id = ? WHERE name = ?", [new_role, new_tid, name])
        if (new_role, new_tid) != (row[0], row[1]):
            cur.execute("DELETE FROM sessions WHERE user_name = ?", [name])   # new rights: log in again
        store.legacy_audit(cur, actor, "user_update", {"name": name, "role": new_role, "territory_id": new_tid})
    return _row_to_user(store, name, new_role, new_tid)


def set_password(store: Store, name: str, password: str, actor: str | None = None) -> None:
    """Set a new password; unlocks the account and ends its sessions."""
    _validate_password(store, password)
    h = new_password_hash(password)
    with store.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchone()[0]:
            raise AccountError(f"Пользователь «{name}» не найден.")
        cur.execute("UPDATE users SET pw_hash = ?, salt = ?, scrypt_n = ?, scrypt_r = ?, scrypt_p = ?, "
                    "failed_count = 0, locked_until = NULL WHERE name = ?",
                    [h["pw_hash"], h["salt"], h["scrypt_n"], h["scrypt_r"], h["scrypt_p"], name])
        cur.execute("DELETE FROM sessions WHERE user_name = ?", [name])
        store.legacy_audit(cur, actor, "user_passwd", {"name": name})


def ensure_first_admin(store: Store) -> str | None:
    """On a database with no users, create `admin` with a random password and return it (shown once)."""
    if user_count(store):
        return None
    password = random_password()
    add_user(store, "admin", ADMIN, password, actor="ensure-admin")
    return password


# ---------------------------------------------------------------------------------------------
# Login and sessions
# ---------------------------------------------------------------------------------------------
def _fmt_time(t: dt.datetime) -> str:
    return t.strftime("%H:%M")


def authenticate(store: Store, name: str, password: str, now: dt.datetime | None = None) -> User:
    """The user when the password is right; otherwise LoginRefused with a Russian message.
    Wrong passwords count; `max_failed` in a row lock the account for `lockout_min` minutes."""
    now = _now(now)
    cfg = account_settings(store)
    name = (name or "").strip()
    cur = store.cursor()
    try:
        row = cur.execute("SELECT role, territory_id, pw_hash, salt, scrypt_n, scrypt_r, scrypt_p, failed_count, "
                          "locked_until, disabled FROM users WHERE name = ?", [name]).fetchone()
    finally:
        cur.close()
    if row is None:
        verify_password(password or "", **_DUMMY)   # same work as for a real user: no timing hint
        raise LoginRefused("Неверный логин или пароль.")
    role, tid, pw_hash, salt, n, r, p, failed, locked_until, disabled = row
    if disabled:
        raise LoginRefused("Учётная запись отключена. Обратитесь к администратору.")
    if locked_until is not None and now < locked_until:
        raise LoginRefused(f"Слишком много неверных паролей: вход для «{name}» заблокирован до "
                           f"{_fmt_time(locked_until)}. Попробуйте позже или попросите администратора сменить пароль.")
    if verify_password(password or "", pw_hash, salt, n, r, p):
        if failed or locked_until is not None:
            with store.transaction() as c:
                c.execute("UPDATE users SET failed_count = 0, locked_until = NULL WHERE name = ?", [name])
        return _row_to_user(store, name, role, tid)
    failed = (failed or 0) + 1
    with store.transaction() as c:
        if failed >= cfg["max_failed"]:
            until = now + dt.timedelta(minutes=cfg["lockout_min"])
            c.execute("UPDATE users SET failed_count = 0, locked_until = ? WHERE name = ?", [until, name])
            store.legacy_audit(c, name, "user_locked", {"name": name, "until": until})
        else:
            c.execute("UPDATE users SET failed_count = ?, locked_until = NULL WHERE name = ?", [failed, name])
    if failed >= cfg["max_failed"]:
        raise LoginRefused(f"Неверный пароль {cfg['max_failed']} раз подряд: вход для «{name}» заблокирован на "
                           f"{cfg['lockout_min']} мин (до {_fmt_time(until)}).")
    left = cfg["max_failed"] - failed
    raise LoginRefused(f"Неверный логин или пароль. Осталось попыток до блокировки: {left}.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(store: Store, user: User | str, now: dt.datetime | None = None) -> str:
    """A new login session; returns the token for the browser (only its hash is stored)."""
    now = _now(now)
    name = user.name if isinstance(user, User) else user
    cfg = account_settings(store)
    token = secrets.token_urlsafe(32)
    with store.transaction() as cur:
        cur.execute("DELETE FROM sessions WHERE expires <= ?", [now])   # housekeeping
        cur.execute("INSERT INTO sessions (token_hash, user_name, created_at, last_seen, expires) VALUES (?, ?, ?, ?, ?)",
                    [_token_hash(token), name, now, now, now + dt.timedelta(minutes=cfg["session_timeout_min"])])
        store.legacy_audit(cur, name, "login", {"name": name})
    return token


TOUCH_EVERY = dt.timedelta(seconds=30)   # do not write last_seen on every rerun


def resolve_session(store: Store, token: str | None, now: dt.datetime | None = None, touch: bool = True) -> User | None:
    """The user of a live session, extending it (activity); None when unknown, expired or the user is gone."""
    if not token:
        return None
    now = _now(now)
    cfg = account_settings(store)
    th = _token_hash(token)
    cur = store.cursor()
    try:
        row = cur.execute("SELECT s.user_name, s.created_at, s.last_seen, s.expires, u.role, u.territory_id "
                          "FROM sessions s JOIN users u ON u.name = s.user_name AND NOT u.disabled "
                          "WHERE s.token_hash = ?", [th]).fetchone()
    finally:
        cur.close()
    if row is None:
        return None
    name, created, last_seen, expires, role, tid = row
    timeout = dt.timedelta(minutes=cfg["session_timeout_min"])
    if now >= expires or now - last_seen >= timeout or now - created >= dt.timedelta(hours=cfg["session_max_hours"]):
        end_session(store, token)
        return None
    if touch and now - last_seen >= TOUCH_EVERY:
        with store.transaction() as c:
            c.execute("UPDATE sessions SET last_seen = ?, expires = ? WHERE token_hash = ?", [now, now + timeout, th])
    return _row_to_user(store, name, role, tid)


def end_session(store: Store, token: str | None) -> None:
    if not token:
        return
    with store.transaction() as cur:
        cur.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)])


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


# ---------------------------------------------------------------------------------------------
# CLI: python -m shnor user add|list|remove|passwd|ensure-admin
# ---------------------------------------------------------------------------------------------
def _read_password(args) -> str:
    if not getattr(args, "password_stdin", False):
        raise AccountError("Пароль передаётся только через стандартный ввод: добавьте --password-stdin, "
                           "например: echo 'пароль' | python -m shnor user add NAME --role viewer --password-stdin")
    data = sys.stdin.readline()
    if data.endswith("\n"):
        data = data[:-1]
    if data.endswith("\r"):
        data = data[:-1]
    if not data:
        raise AccountError("Пароль не получен: стандартный ввод пуст.")
    return data


def _cli_store(args) -> Store:
    from shnor.config import db_path
    return Store.open(db_path(args.db))


def _cmd_add(args) -> int:
    password = _read_password(args)
    store = _cli_store(args)
    u = add_user(store, args.name, args.role, password, args.territory, actor="cli")
    print(f"Пользователь «{u.name}» добавлен: {u.role_ru}, {u.scope_ru}.")
    return 0


def _cmd_list(args) -> int:
    store = _cli_store(args)
    df = list_users(store)
    if df.empty:
        print("Пользователей нет. Создать первого администратора: python -m shnor user ensure-admin")
        return 0
    now = dt.datetime.now()
    rows = []
    for r in df.itertuples(index=False):
        state = "отключён" if r.disabled else (
            f"заблокирован до {r.locked_until:%d.%m.%Y %H:%M}" if r.locked_until is not None
            and r.locked_until == r.locked_until and r.locked_until > now else "активен")
        rows.append([r.name, f"{r.role} ({r.role_ru})", r.territory if isinstance(r.territory, str) else "весь регион",
                     state])
    heads = ["Логин", "Роль", "Территория", "Состояние"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    return 0


def _cmd_remove(args) -> int:
    store = _cli_store(args)
    remove_user(store, args.name, actor="cli")
    print(f"Пользователь «{args.name}» удалён.")
    return 0


def _cmd_passwd(args) -> int:
    password = _read_password(args)
    store = _cli_store(args)
    set_password(store, args.name, password, actor="cli")
    print(f"Пароль пользователя «{args.name}» изменён; его сеансы завершены, блокировка снята.")
    return 0


def _cmd_ensure_admin(args) -> int:
    store = _cli_store(args)
    password = ensure_first_admin(store)
    if password is None:
        return 0
    print("Пользователей не было: создан администратор.\n"
          f"  Логин:  admin\n  Пароль: {password}\n"
          "Пароль показан один раз — запишите его. Сменить: на странице «Пользователи» или "
          "python -m shnor user passwd admin --password-stdin")
    return 0


def _guarded(func):
    def run(args) -> int:
        try:
            return func(args)
        except AccountError as exc:
            sys.stderr.write(f"Ошибка: {exc}\n")
            return 2
    return run


def add_cli(subparsers) -> None:
    """Register `user …` commands on the CLI's subparsers (RussianArgumentParser instances)."""
    user = subparsers.add_parser("user", help="пользователи панели: add, list, remove, passwd, ensure-admin")
    sub = user.add_subparsers(dest="user_command", required=True, metavar="{add,list,remove,passwd,ensure-admin}")
    add = sub.add_parser("add", help="добавить пользователя (пароль — из стандартного ввода)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--territory", help="территория, к которой привязан пользователь (по умолчанию весь регион)")
    add.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    add.set_defaults(func=_guarded(_cmd_add))
    sub.add_parser("list", help="список пользователей").set_defaults(func=_guarded(_cmd_list))
    rm = sub.add_parser("remove", help="удалить пользователя")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=_guarded(_cmd_remove))
    pw = sub.add_parser("passwd", help="сменить пароль (из стандартного ввода)")
    pw.add_argument("name", metavar="NAME")
    pw.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    pw.set_defaults(func=_guarded(_cmd_passwd))
    sub.add_parser("ensure-admin", help="создать первого администратора, если пользователей нет"
                   ).set_defaults(func=_guarded(_cmd_ensure_admin))
