"""Accounts: scrypt hashing with per-user salt, wrong passwords and lockout, sessions and their timeout,
the permission map, and the `user` CLI commands (through a real subprocess on a temporary database)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shnor.services import accounts
from shnor.services.accounts import AccountError, LoginRefused
from shnor.store import Store

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime(2025, 3, 1, 9, 0, 0)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "acc.duckdb")
    yield s
    s.close()


def _row(store, name):
    return store.conn.execute("SELECT pw_hash, salt, failed_count, locked_until, scrypt_n FROM users WHERE name = ?",
                              [name]).fetchone()


# -- hashing ----------------------------------------------------------------------------------------
def test_password_is_stored_as_salted_scrypt_hash(store):
    accounts.add_user(store, "ann", "viewer", "correct horse")
    accounts.add_user(store, "bob", "viewer", "correct horse")
    a_hash, a_salt, _, _, n = _row(store, "ann")
    b_hash, b_salt, _, _, _ = _row(store, "bob")
    assert "correct horse" not in a_hash and len(bytes.fromhex(a_hash)) == accounts.KEY_BYTES
    assert a_salt != b_salt and a_hash != b_hash          # same password, different salt -> different hash
    assert n == 2 ** 14
    import hashlib
    expected = hashlib.scrypt(b"correct horse", salt=bytes.fromhex(a_salt), n=2 ** 14, r=8, p=1,
                              maxmem=64 * 1024 * 1024, dklen=32).hex()
    assert a_hash == expected
    assert accounts.verify_password("correct horse", a_hash, a_salt, 2 ** 14, 8, 1)
    assert not accounts.verify_password("correct horsE", a_hash, a_salt, 2 ** 14, 8, 1)


def test_authenticate_right_and_wrong(store):
    accounts.add_user(store, "ann", "methodist", "password1")
    u = accounts.authenticate(store, "ann", "password1", now=T0)
    assert (u.name, u.role, u.territory_id) == ("ann", "methodist", None)
    with pytest.raises(LoginRefused, match="Неверный логин или пароль. Осталось попыток до блокировки: 4"):
        accounts.authenticate(store, "ann", "password2", now=T0)
    with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
        accounts.authenticate(store, "nobody", "password1", now=T0)
    # a success resets the count of wrong passwords
    accounts.authenticate(store, "ann", "password1", now=T0)
    assert _row(store, "ann")[2] == 0


def test_lockout_after_five_wrong_passwords_and_its_expiry(store):
    accounts.add_user(store, "ann", "viewer", "password1")
    for i in range(4):
        with pytest.raises(LoginRefused, match=f"Осталось попыток до блокировки: {4 - i}"):
            accounts.authenticate(store, "ann", "wrong", now=T0)
    with pytest.raises(LoginRefused, match="заблокирован на 15 мин"):
        accounts.authenticate(store, "ann", "wrong", now=T0)
    assert _row(store, "ann")[3] == T0 + dt.timedelta(minutes=15)
    # locked: even the right password is refused until the lock expires
    with pytest.raises(LoginRefused, match="заблокирован до 09:15"):
        accounts.authenticate(store, "ann", "password1", now=T0 + dt.timedelta(minutes=14, seconds=59))
    assert accounts.authenticate(store, "ann", "password1", now=T0 + dt.timedelta(minutes=15)).name == "ann"
    assert _row(store, "ann")[3] is None


def test_new_password_unlocks(store):
    accounts.add_user(store, "ann", "viewer", "password1")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(store, "ann", "wrong", now=T0)
    accounts.set_password(store, "ann", "password2")
    assert accounts.authenticate(store, "ann", "password2", now=T0).name == "ann"


def test_lockout_settings_come_from_the_database(store):
    store.set_setting(accounts.SETTINGS_KEY, {"max_failed": 3, "lockout_min": 2})
    accounts.add_user(store, "ann", "viewer", "password1")
    for _ in range(2):
        with pytest.raises(LoginRefused, match="Осталось"):
            accounts.authenticate(store, "ann", "x", now=T0)
    with pytest.raises(LoginRefused, match="заблокирован на 2 мин"):
        accounts.authenticate(store, "ann", "x", now=T0)


# -- sessions ---------------------------------------------------------------------------------------
def test_session_token_is_random_and_stored_hashed(store):
    accounts.add_user(store, "ann", "viewer", "password1")
    t1 = accounts.create_session(store, "ann", now=T0)
    t2 = accounts.create_session(store, "ann", now=T0)
    assert t1 != t2 and len(t1) >= 40
    stored = [r[0] for r in store.conn.execute("SELECT token_hash FROM sessions").fetchall()]
    assert t1 not in stored and accounts._token_hash(t1) in stored


def test_session_inactivity_timeout_and_activity_extends_it(store):
    accounts.add_user(store, "ann", "viewer", "password1")
    tok = accounts.create_session(store, "ann", now=T0)
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=50)).name == "ann"   # activity
    # 50 + 59 minutes after the start, but only 59 after the last activity: alive
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=109)) is not None
    # 60 minutes without activity: ended, and stays ended
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=169)) is None
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=110)) is None
    assert store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_session_ends_on_logout_password_change_and_removal(store):
    accounts.add_user(store, "ann", "viewer", "password1")
    accounts.add_user(store, "root", "admin", "password1")
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.end_session(store, tok)
    assert accounts.resolve_session(store, tok, now=T0) is None
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.set_password(store, "ann", "password2")
    assert accounts.resolve_session(store, tok, now=T0) is None
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.update_user(store, "ann", role="methodist")
    assert accounts.resolve_session(store, tok, now=T0) is None        # new rights: log in again
    tok = accounts.create_session(store, "ann", now=T0)
    assert accounts.resolve_session(store, tok, now=T0).role == "methodist"
    accounts.remove_user(store, "ann")
    assert accounts.resolve_session(store, tok, now=T0) is None
    assert accounts.resolve_session(store, "made-up-token", now=T0) is None


# -- users, roles, territories ----------------------------------------------------------------------
def test_permission_map():
    from shnor.domain.permissions import TABLE, Action, User, may, pages_for
    u = {r: User(r, r) for r in ("viewer", "methodist", "head", "admin")}
    assert pages_for(u["viewer"]) == ["overview", "identification", "school"]
    assert pages_for(u["methodist"]) == ["overview", "identification", "school", "upload", "settings"]
    assert pages_for(u["head"]) == ["overview", "identification", "school", "settings"]
    assert pages_for(u["admin"]) == ["overview", "identification", "school", "upload", "settings", "users", "audit"]
    assert pages_for(None) == []
    assert may(u["head"], Action.LIST_APPROVE) and not may(u["methodist"], Action.LIST_APPROVE)
    assert may(u["methodist"], Action.IMPORT) and not may(u["viewer"], Action.IMPORT)
    assert not may(u["head"], Action.IMPORT)
    assert all(may(u["admin"], a) for a in TABLE)
    assert [a for a in TABLE if may(u["viewer"], a)] == [Action.READ, Action.REPORTS]
    with pytest.raises(KeyError):
        may(u["admin"], "no-such-action")


def test_refusals_are_russian(store):
    accounts.add_user(store, "root", "admin", "password1")
    with pytest.raises(AccountError, match="слишком короткий"):
        accounts.add_user(store, "ann", "viewer", "short")
    with pytest.raises(AccountError, match="Роль «boss» неизвестна"):
        accounts.add_user(store, "ann", "boss", "password1")
    with pytest.raises(AccountError, match="уже есть"):
        accounts.add_user(store, "root", "viewer", "password1")
    with pytest.raises(AccountError, match="последний администратор"):
        accounts.remove_user(store, "root")
    with pytest.raises(AccountError, match="последний администратор"):
        accounts.update_user(store, "root", role="viewer")
    with pytest.raises(AccountError, match="не найден"):
        accounts.set_password(store, "ghost", "password1")
    with pytest.raises(AccountError, match="Территория «Нигде» не найдена"):
        accounts.add_user(store, "ann", "viewer", "password1", territory="Нигде")


def test_territory_binding_and_clamp(store):
    with store.transaction() as cur:
        region = store.ensure_territory(cur, "Тестовая область", kind="region")
        north = store.ensure_territory(cur, "Северный район")
        south = store.ensure_territory(cur, "Южный район")
        north_d = store.ensure_territory(cur, "Центральный район города", kind="district", parent_id=north)
    u = accounts.add_user(store, "ann", "viewer", "password1", territory="Северный район")
    assert (u.territory_id, u.territory, u.scope_ru) == (north, "Северный район", "Северный район")
    assert sorted(accounts.visible_territory_ids(store, u)) == sorted([north, north_d])
    assert accounts.clamp_territory(store, u, None) == north           # cannot widen to the region
    assert accounts.clamp_territory(store, u, south) == north          # nor jump to another territory
    assert accounts.clamp_territory(store, u, north_d) == north_d      # may narrow to a district
    whole = accounts.add_user(store, "bob", "viewer", "password1", territory="Тестовая область")
    assert whole.territory_id is None and whole.scope_ru == "весь регион"   # the region itself = everything
    assert accounts.clamp_territory(store, whole, south) == south
    assert region is not None


def test_ensure_first_admin_only_on_empty_database(store):
    pw = accounts.ensure_first_admin(store)
    assert pw and len(pw) >= 12
    assert accounts.authenticate(store, "admin", pw).role == "admin"
    assert accounts.ensure_first_admin(store) is None
    assert accounts.ensure_first_admin(store) is None
    assert accounts.user_count(store) == 1


def test_user_actions_are_audited(store):
    accounts.add_user(store, "root", "admin", "password1", actor="cli")
    accounts.add_user(store, "ann", "viewer", "password1", actor="root")
    accounts.set_password(store, "ann", "password2", actor="root")
    accounts.remove_user(store, "ann", actor="root")
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log WHERE action LIKE 'user_%' "
                                                "ORDER BY logged_at, action").fetchall()]
    assert actions.count("user_add") == 2 and "user_passwd" in actions and "user_remove" in actions
    assert "password1" not in str(store.conn.execute("SELECT list(detail) FROM audit_log").fetchone()[0])


# -- CLI --------------------------------------------------------------------------------------------
def _cli(db, *args, stdin: str | None = None):
    env = dict(os.environ)
    env.pop("SHNOR_DB", None)
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_cli_user_add_list_passwd_remove(tmp_path):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    with s.transaction() as cur:
        s.ensure_territory(cur, "Северный район")
    s.close()
    r = _cli(db, "user", "add", "root", "--role", "admin", "--password-stdin", stdin="adminpass1\n")
    assert r.returncode == 0, r.stderr
    assert "добавлен" in r.stdout and "администратор" in r.stdout
    r = _cli(db, "user", "add", "ann", "--role", "viewer", "--territory", "Северный район", "--password-stdin",
             stdin="viewerpass\n")
    assert r.returncode == 0, r.stderr
    r = _cli(db, "user", "list")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["Логин", "Роль", "Территория", "Состояние"]
    ann = next(line for line in lines if line.startswith("ann "))
    assert "viewer (наблюдатель)" in ann and "Северный район" in ann and "активен" in ann
    assert any(line.startswith("root ") and "весь регион" in line for line in lines)
    r = _cli(db, "user", "passwd", "ann", "--password-stdin", stdin="newviewerpass\n")
    assert r.returncode == 0, r.stderr
    s = Store.open(db)
    try:
        assert accounts.authenticate(s, "ann", "newviewerpass").territory == "Северный район"
        with pytest.raises(LoginRefused):
            accounts.authenticate(s, "ann", "viewerpass")
    finally:
        s.close()
    r = _cli(db, "user", "remove", "ann")
    assert r.returncode == 0 and "удалён" in r.stdout
    r = _cli(db, "user", "list")
    assert "ann " not in r.stdout and "root " in r.stdout


@pytest.mark.parametrize("args, stdin, message", [
    (["user", "add", "ann", "--role", "boss", "--password-stdin"], "password1\n", "недопустимое значение аргумента --role"),
    (["user", "add", "ann", "--password-stdin"], "password1\n", "не указаны обязательные аргументы: --role"),
    (["user", "add", "ann", "--role", "viewer"], "password1\n", "добавьте --password-stdin"),
    (["user", "add", "ann", "--role", "viewer", "--password-stdin"], "short\n", "слишком короткий"),
    (["user", "add", "ann", "--role", "viewer", "--password-stdin"], "", "стандартный ввод пуст"),
    (["user", "add", "ann", "--role", "viewer", "--territory", "Нигде", "--password-stdin"], "password1\n",
     "Территория «Нигде» не найдена"),
    (["user", "remove", "ghost"], None, "Пользователь «ghost» не найден"),
    (["user", "remove", "root"], None, "последний администратор"),
    (["user", "passwd", "ghost", "--password-stdin"], "password1\n", "не найден"),
    (["user", "frobnicate"], None, "недопустимое значение аргумента"),
    (["user", "add", "root", "--role", "viewer", "--password-stdin"], "password1\n", "уже есть"),
])
def test_cli_refusals_are_russian_with_exit_2(tmp_path, args, stdin, message):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    accounts.add_user(s, "root", "admin", "password1")
    s.close()
    r = _cli(db, *args, stdin=stdin)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    s = Store.open(db)
    try:
        assert list(accounts.list_users(s)["name"]) == ["root"]    # nothing changed
    finally:
        s.close()


def test_cli_ensure_admin_prints_password_once(tmp_path):
    db = tmp_path / "fresh.duckdb"
    r = _cli(db, "user", "ensure-admin")
    assert r.returncode == 0, r.stderr
    pw = next(line.split("Пароль:")[1].strip() for line in r.stdout.splitlines() if "Пароль:" in line)
    again = _cli(db, "user", "ensure-admin")
    assert again.returncode == 0 and again.stdout == ""
    s = Store.open(db)
    try:
        assert accounts.authenticate(s, "admin", pw).role == "admin"
    finally:
        s.close()
