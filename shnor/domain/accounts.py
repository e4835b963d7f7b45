"""Accounts, pure: password hashing, validation of names, roles and passwords, the login settings, login
throttling per (name, client address), the client address behind a trusted proxy, session lifetimes.

- Passwords: `hashlib.scrypt` (memory-hard) with a per-user random salt, compared in constant time.
- Login answers the same for an unknown name and a wrong password (`WRONG_LOGIN`, the same work: a dummy
  hash for unknown names). Failures are counted per (name, client address): after `max_failed` failures
  from one client for one name, that client is refused for that name for `lockout_min` minutes; the owner
  logging in from another address is not locked out. Unknown names are throttled the same way.
- Sessions: a random token is given to the browser; only its SHA-256 (`token_hash`) is stored.
No database, files or Streamlit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Iterable

from shnor.domain.permissions import ROLE_RU, ROLES

# ---------------------------------------------------------------------------------------------
# Settings (stored in the settings table under SETTINGS_KEY)
# ---------------------------------------------------------------------------------------------
SETTINGS_KEY = "accounts"
DEFAULTS = {"session_timeout_min": 60, "session_max_hours": 12, "max_failed": 5, "lockout_min": 15,
            "min_password_len": 8}
# what an admin may set: key -> (lowest, highest)
LIMITS = {"session_timeout_min": (5, 24 * 60), "session_max_hours": (1, 24 * 7), "max_failed": (3, 20),
          "lockout_min": (1, 24 * 60), "min_password_len": (8, 64)}
SETTING_RU = {"session_timeout_min": "выход после бездействия, мин", "session_max_hours": "длительность сеанса, ч",
              "max_failed": "неудачных попыток до блокировки", "lockout_min": "блокировка, мин",
              "min_password_len": "длина пароля не меньше"}


def settings_from(stored: dict | None) -> dict:
    """The login settings: the stored values over the defaults."""
    stored = stored or {}
    out = {}
    for k, v in DEFAULTS.items():
        try:
            out[k] = int(stored.get(k, v))
        except (TypeError, ValueError):
            out[k] = v
    return out


def validate_settings(values: dict) -> dict:
    """The settings as integers within their limits, or AccountError naming the setting."""
    out = {}
    for k, (lo, hi) in LIMITS.items():
        v = values.get(k, DEFAULTS[k])
        try:
            v = int(v)
        except (TypeError, ValueError):
            raise AccountError(f"«{SETTING_RU[k]}»: «{v}» — не целое число.") from None
        if not lo <= v <= hi:
            raise AccountError(f"«{SETTING_RU[k]}»: {v} вне допустимого диапазона {lo}–{hi}.")
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------
# Errors (messages are Russian and meant for the user)
# ---------------------------------------------------------------------------------------------
class AccountError(ValueError):
    """A refused account operation; the message is Russian and meant for the user."""


class LoginRefused(AccountError):
    """Wrong login or password, too many failures from this client, or a disabled account."""


WRONG_LOGIN = "Неверный логин или пароль."


def throttled_message(lockout_min: int) -> str:
    """Said when a client is throttled for a name: the same for a name that exists and one that does not."""
    return (f"Слишком много неудачных попыток входа с этого адреса. Попробуйте через {lockout_min} мин "
            "или обратитесь к администратору.")


DISABLED_MESSAGE = "Учётная запись отключена. Обратитесь к администратору."

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


# the same work as for a real user, for names that do not exist: no timing hint
DUMMY_HASH = {"pw_hash": "00" * KEY_BYTES, "salt": "00" * SALT_BYTES, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


def random_password() -> str:
    return secrets.token_urlsafe(12)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
NAME_MAX = 64


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError("Логин не может быть пустым.")
    if len(name) > NAME_MAX or any(ch.isspace() for ch in name) or not name.isprintable():
        raise AccountError(f"Логин «{name[:NAME_MAX]}» недопустим: без пробелов, не длиннее {NAME_MAX} символов.")
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Роль «{role}» неизвестна. Допустимо: " +
                           ", ".join(f"{r} ({ROLE_RU[r]})" for r in ROLES) + ".")
    return role


def validate_password(password: str | None, min_len: int) -> None:
    if password is None or len(password) < min_len:
        raise AccountError(f"Пароль слишком короткий: нужно не меньше {min_len} символов.")
    if password != password.strip():
        raise AccountError("Пароль не должен начинаться или заканчиваться пробелом.")


def login_name(name: str | None) -> str:
    """A typed login as it is counted and audited: trimmed and cut to the longest valid name (so a stranger
    cannot fill the database with long names)."""
    return (name or "").strip()[:NAME_MAX]


# ---------------------------------------------------------------------------------------------
# Throttling of failed logins per (name, client)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    """The state of failures of one name from one client after one more failure."""
    failed_count: int
    locked_until: dt.datetime | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def is_throttled(locked_until: dt.datetime | None, now: dt.datetime) -> bool:
    return locked_until is not None and now < locked_until


def next_failure(failed_count: int | None, last_failed: dt.datetime | None, now: dt.datetime,
                 max_failed: int, lockout_min: int) -> Failure:
    """One more failure: the count of failures within the last `lockout_min` minutes (older ones are
    forgotten); reaching `max_failed` throttles the client for `lockout_min` minutes and starts over."""
    window = dt.timedelta(minutes=lockout_min)
    recent = int(failed_count or 0) if last_failed is not None and now - last_failed < window else 0
    count = recent + 1
    if count >= max_failed:
        return Failure(0, now + window)
    return Failure(count, None)


# ---------------------------------------------------------------------------------------------
# The client address
# ---------------------------------------------------------------------------------------------
LOCAL = "127.0.0.1"     # Streamlit gives no address for a connection from this machine


def parse_networks(text: str | Iterable[str] | None) -> tuple:
    """Trusted proxies from configuration: addresses or networks («127.0.0.1,10.0.0.0/8»); bad items are
    left out (never trusted)."""
    items = text.split(",") if isinstance(text, str) else list(text or [])
    nets = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return tuple(nets)


def _ip(text: str | None):
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None


def _trusted(addr, nets: tuple) -> bool:
    return addr is not None and any(addr.version == n.version and addr in n for n in nets)


def client_address(remote_ip: str | None, forwarded_for: Iterable[str] | None, trusted: tuple) -> str:
    """The address a login is counted against. `remote_ip` is the connection's address (None: this machine);
    when it is a trusted proxy, the client is the last address of X-Forwarded-For that is not itself a
    trusted proxy (each proxy appends the address it saw, so the last entries cannot be forged by the client).
    An unusable header leaves the connection's address."""
    remote = _ip(remote_ip) if remote_ip else _ip(LOCAL)
    remote_text = str(remote) if remote is not None else str(remote_ip)[:64]
    if not _trusted(remote, trusted):
        return remote_text
    hops = [h.strip() for v in (forwarded_for or []) for h in str(v).split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            return remote_text
        if not _trusted(addr, trusted):
            return str(addr)
    return str(_ip(hops[0])) if hops and _ip(hops[0]) is not None else remote_text


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------
TOUCH_EVERY = dt.timedelta(seconds=30)   # do not write last_seen on every rerun


def session_alive(created: dt.datetime, last_seen: dt.datetime, expires: dt.datetime, now: dt.datetime,
                  timeout_min: int, max_hours: int) -> bool:
    return not (now >= expires or now - last_seen >= dt.timedelta(minutes=timeout_min)
                or now - created >= dt.timedelta(hours=max_hours))
