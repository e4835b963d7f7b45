"""Accounts: scrypt hashing with per-user salt; a login that cannot enumerate names or lock the owner out
(the same answer and work for unknown names, throttling per name and client address, locks listed and lifted
by an admin, failures audited); sessions and their timeout; who may manage users; the permission map; the
`user` and `audit` CLI commands (through a real subprocess on a temporary database)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shnor.domain import events
from shnor.domain.accounts import KEY_BYTES, token_hash, verify_password
from shnor.domain.permissions import SYSTEM, Forbidden
from shnor.services import accounts, audit
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


def _failures(store):
    """(name, client, failed_count, locked_until) of every row of the login throttle."""
    return [tuple(r) for r in store.conn.execute("SELECT name, client, failed_count, locked_until FROM login_failures "
                                                 "ORDER BY name, client").fetchall()]


def _territory(store, name, kind="municipality", parent_id=None) -> int:
    with store.unit(SYSTEM) as u:
        tid = u.territories.add(name, kind=kind, parent_id=parent_id)
        u.record(events.TERRITORY_ADDED, territory_id=tid, name=name)
    return tid


# -- hashing ----------------------------------------------------------------------------------------
def test_password_is_stored_as_salted_scrypt_hash(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "correct horse")
    accounts.add_user(store, SYSTEM, "bob", "viewer", "correct horse")
    a_hash, a_salt, _, _, n = _row(store, "ann")
    b_hash, b_salt, _, _, _ = _row(store, "bob")
    assert "correct horse" not in a_hash and len(bytes.fromhex(a_hash)) == KEY_BYTES
    assert a_salt != b_salt and a_hash != b_hash          # same password, different salt -> different hash
    assert n == 2 ** 14
    import hashlib
    expected = hashlib.scrypt(b"correct horse", salt=bytes.fromhex(a_salt), n=2 ** 14, r=8, p=1,
                              maxmem=64 * 1024 * 1024, dklen=32).hex()
    assert a_hash == expected
    assert verify_password("correct horse", a_hash, a_salt, 2 ** 14, 8, 1)
    assert not verify_password("correct horsE", a_hash, a_salt, 2 ** 14, 8, 1)


def test_authenticate_right_and_wrong(store):
    accounts.add_user(store, SYSTEM, "ann", "methodist", "password1")
    u = accounts.authenticate(store, "ann", "password1", now=T0)
    assert (u.name, u.role, u.territory_id) == ("ann", "methodist", None)
    with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
        accounts.authenticate(store, "ann", "password2", now=T0)
    with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
        accounts.authenticate(store, "nobody", "password1", now=T0)
    # a success forgets this client's failures of that name (not of other names)
    accounts.authenticate(store, "ann", "password1", now=T0)
    assert _failures(store) == [("nobody", "127.0.0.1", 1, None)]


def test_unknown_name_and_wrong_password_answer_the_same(store):
    """No way to tell a name that exists: the same message, the same counting, the same lock message."""
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    answers = {}
    for name in ("ann", "nobody"):
        said = []
        for _ in range(6):
            with pytest.raises(LoginRefused) as exc:
                accounts.authenticate(store, name, "wrong-password", client="10.0.0.7", now=T0)
            said.append(str(exc.value))
        answers[name] = said
    assert answers["ann"] == answers["nobody"]
    assert answers["ann"][:4] == ["Неверный логин или пароль."] * 4
    assert answers["ann"][4:] == ["Слишком много неудачных попыток входа с этого адреса. Попробуйте через 15 мин "
                                  "или обратитесь к администратору."] * 2
    assert not any("осталось" in a.lower() or "ann" in a or "nobody" in a for a in answers["ann"])
    assert _failures(store) == [("ann", "10.0.0.7", 0, T0 + dt.timedelta(minutes=15)),
                                ("nobody", "10.0.0.7", 0, T0 + dt.timedelta(minutes=15))]


def test_unknown_name_costs_the_same_work_as_a_wrong_password(store):
    """A dummy scrypt hash for unknown names: the two refusals take about the same time (median of 5)."""
    import statistics
    import time
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")

    def took(name: str, client: str) -> float:
        t = time.perf_counter()
        with pytest.raises(LoginRefused):
            accounts.authenticate(store, name, "wrong-password", client=client, now=T0)
        return time.perf_counter() - t

    known = statistics.median(took("ann", f"10.0.1.{i}") for i in range(5))
    unknown = statistics.median(took("nobody", f"10.0.2.{i}") for i in range(5))
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_throttle_is_per_name_and_client_so_the_owner_still_logs_in(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(store, "ann", "guess", client="203.0.113.9", now=T0)
    # the stranger's client is refused even with the right password, saying nothing about the name
    with pytest.raises(LoginRefused, match="Слишком много неудачных попыток входа с этого адреса"):
        accounts.authenticate(store, "ann", "password1", client="203.0.113.9", now=T0 + dt.timedelta(minutes=14))
    # the owner from their own address is not locked out
    assert accounts.authenticate(store, "ann", "password1", client="192.0.2.1", now=T0).name == "ann"
    # another name from the stranger's client is not throttled either
    accounts.add_user(store, SYSTEM, "bob", "viewer", "password1")
    assert accounts.authenticate(store, "bob", "password1", client="203.0.113.9", now=T0).name == "bob"
    # the lock ends after lockout_min minutes
    assert accounts.authenticate(store, "ann", "password1", client="203.0.113.9",
                                 now=T0 + dt.timedelta(minutes=15)).name == "ann"
    assert _failures(store) == []


def test_old_failures_are_forgotten(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    for minutes in (0, 20, 40, 60, 80, 100):   # five failures, but never five within 15 minutes
        with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
            accounts.authenticate(store, "ann", "typo", client="192.0.2.1", now=T0 + dt.timedelta(minutes=minutes))
    assert accounts.list_locks(store, SYSTEM, now=T0 + dt.timedelta(minutes=100)).empty


def test_new_password_lifts_the_locks(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(store, "ann", "wrong", now=T0)
    accounts.set_password(store, SYSTEM, "ann", "password2")
    assert accounts.authenticate(store, "ann", "password2", now=T0).name == "ann"


def test_lockout_settings_come_from_the_database(store):
    accounts.save_account_settings(store, SYSTEM, {"max_failed": 3, "lockout_min": 2})
    assert accounts.account_settings(store)["max_failed"] == 3
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    for _ in range(2):
        with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
            accounts.authenticate(store, "ann", "x", now=T0)
    with pytest.raises(LoginRefused, match="через 2 мин"):
        accounts.authenticate(store, "ann", "x", now=T0)
    with pytest.raises(AccountError, match="вне допустимого диапазона"):
        accounts.save_account_settings(store, SYSTEM, {"max_failed": 1})


def test_disabled_account_is_named_only_after_the_right_password(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    store.conn.execute("UPDATE users SET disabled = TRUE WHERE name = 'ann'")
    with pytest.raises(LoginRefused, match="^Неверный логин или пароль.$"):
        accounts.authenticate(store, "ann", "wrong", now=T0)
    with pytest.raises(LoginRefused, match="отключена"):
        accounts.authenticate(store, "ann", "password1", now=T0)


# -- locks: listed and lifted by an admin, audited -------------------------------------------------------
def test_admin_lists_and_lifts_locks(store):
    accounts.add_user(store, SYSTEM, "root", "admin", "password1")
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    root = accounts.get_user(store, "root")
    for client in ("203.0.113.9", "198.51.100.4"):
        for _ in range(5):
            with pytest.raises(LoginRefused):
                accounts.authenticate(store, "ann", "guess", client=client, now=T0)
    locks = accounts.list_locks(store, root, now=T0)
    assert sorted(zip(locks["name"], locks["client"])) == [("ann", "198.51.100.4"), ("ann", "203.0.113.9")]
    assert set(locks["locked_until"]) == {T0 + dt.timedelta(minutes=15)}
    assert accounts.list_users(store, root, now=T0).set_index("name").loc["ann", "locks"] == 2
    assert accounts.unlock(store, root, "ann", client="203.0.113.9", now=T0) == 1
    assert list(accounts.list_locks(store, root, now=T0)["client"]) == ["198.51.100.4"]
    assert accounts.authenticate(store, "ann", "password1", client="203.0.113.9", now=T0).name == "ann"
    assert accounts.unlock(store, root, "ann", now=T0) == 1
    assert accounts.list_locks(store, root, now=T0).empty
    assert accounts.unlock(store, root, "ann", now=T0) == 0          # nothing left: nothing to do
    with pytest.raises(AccountError, match="«ghost» не найден"):
        accounts.unlock(store, root, "ghost", now=T0)
    unlocked = store.audit.list(action="user_unlocked")
    assert list(unlocked["actor"]) == ["root", "root"]
    assert '"203.0.113.9"' in unlocked["detail"].iloc[-1]


def test_failed_logins_and_locks_are_audited_without_the_password(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            accounts.authenticate(store, "ann", "my-secret-guess", client="203.0.113.9", now=T0)
    with pytest.raises(LoginRefused):
        accounts.authenticate(store, "nobody", "another-guess", client="198.51.100.4", now=T0)
    failed = store.audit.list(action="login_failed")
    assert len(failed) == 6
    details = [json.loads(d) for d in failed["detail"]]
    assert {(d["name"], d["client"]) for d in details} == {("ann", "203.0.113.9"), ("nobody", "198.51.100.4")}
    locked = [json.loads(d) for d in store.audit.list(action="user_locked")["detail"]]
    assert [(d["name"], d["client"]) for d in locked] == [("ann", "203.0.113.9")]
    everything = " ".join(store.audit.list()["detail"])
    assert "guess" not in everything and "password1" not in everything
    # the audit read model shows them for an admin, in Russian
    rows = audit.audit_rows(store, SYSTEM, action="login_failed")
    assert set(rows["action_ru"]) == {"неудачный вход"} and len(rows) == 6
    assert "client: 198.51.100.4; name: nobody" in set(rows["details"])


# -- who may manage users -----------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["bound-admin", "methodist", "head", "viewer"])
def test_only_an_unbound_admin_manages_users(store, who):
    _territory(store, "Северный район")
    accounts.add_user(store, SYSTEM, "bound-admin", "admin", "password1", territory="Северный район")
    for role in ("methodist", "head", "viewer"):
        accounts.add_user(store, SYSTEM, role, role, "password1")
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    actor = accounts.get_user(store, who)
    before = len(store.audit.list())
    attempts = [
        lambda: accounts.add_user(store, actor, "eve", "admin", "password1"),
        lambda: accounts.update_user(store, actor, "ann", role="admin"),
        lambda: accounts.set_password(store, actor, "ann", "password9"),
        lambda: accounts.remove_user(store, actor, "ann"),
        lambda: accounts.unlock(store, actor, "ann"),
        lambda: accounts.list_locks(store, actor),
        lambda: accounts.list_users(store, actor),
        lambda: accounts.save_account_settings(store, actor, {"max_failed": 20}),
        lambda: audit.audit_rows(store, actor),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as exc:
            attempt()
        assert re.search("[а-я]", str(exc.value))
    assert len(store.audit.list()) == before                                 # nothing happened
    assert accounts.get_user(store, "eve") is None and accounts.get_user(store, "ann").role == "viewer"
    assert accounts.authenticate(store, "ann", "password1", now=T0).name == "ann"


def test_client_address_behind_a_trusted_proxy():
    from shnor.domain.accounts import client_address, parse_networks
    proxies = parse_networks("127.0.0.1, 10.0.0.5, 172.16.0.0/12, garbage")
    assert len(proxies) == 3
    # no proxy trusted: the connection's address, whatever the header says
    assert client_address("198.51.100.4", ["1.2.3.4"], ()) == "198.51.100.4"
    assert client_address(None, [], ()) == "127.0.0.1"                 # Streamlit: None for this machine
    # a connection from an untrusted address cannot choose its client address
    assert client_address("198.51.100.4", ["1.2.3.4"], proxies) == "198.51.100.4"
    # through a trusted proxy: the last address of X-Forwarded-For (the one the proxy appended)
    assert client_address("10.0.0.5", ["6.6.6.6, 203.0.113.9"], proxies) == "203.0.113.9"
    assert client_address(None, ["203.0.113.9"], proxies) == "203.0.113.9"   # proxy on this machine
    assert client_address("10.0.0.5", ["6.6.6.6", "203.0.113.9, 172.16.4.4"], proxies) == "203.0.113.9"
    # a trusted proxy with no usable header: its own address
    assert client_address("10.0.0.5", [], proxies) == "10.0.0.5"
    assert client_address("10.0.0.5", ["not-an-address"], proxies) == "10.0.0.5"


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHNOR_TRUSTED_PROXIES", "10.0.0.5")
    assert accounts.client_address("10.0.0.5", ["203.0.113.9"]) == "203.0.113.9"
    monkeypatch.delenv("SHNOR_TRUSTED_PROXIES")
    assert accounts.client_address("10.0.0.5", ["203.0.113.9"]) == "10.0.0.5"


# -- sessions ---------------------------------------------------------------------------------------
def test_session_token_is_random_and_stored_hashed(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    t1 = accounts.create_session(store, "ann", now=T0)
    t2 = accounts.create_session(store, "ann", now=T0)
    assert t1 != t2 and len(t1) >= 40
    stored = [r[0] for r in store.conn.execute("SELECT token_hash FROM sessions").fetchall()]
    assert t1 not in stored and token_hash(t1) in stored


def test_session_inactivity_timeout_and_activity_extends_it(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    tok = accounts.create_session(store, "ann", now=T0)
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=50)).name == "ann"   # activity
    # 50 + 59 minutes after the start, but only 59 after the last activity: alive
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=109)) is not None
    # 60 minutes without activity: ended, and stays ended
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=169)) is None
    assert accounts.resolve_session(store, tok, now=T0 + dt.timedelta(minutes=110)) is None
    assert store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_session_ends_on_logout_password_change_and_removal(store):
    accounts.add_user(store, SYSTEM, "ann", "viewer", "password1")
    accounts.add_user(store, SYSTEM, "root", "admin", "password1")
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.end_session(store, tok)
    assert accounts.resolve_session(store, tok, now=T0) is None
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.set_password(store, SYSTEM, "ann", "password2")
    assert accounts.resolve_session(store, tok, now=T0) is None
    tok = accounts.create_session(store, "ann", now=T0)
    accounts.update_user(store, SYSTEM, "ann", role="methodist")
    assert accounts.resolve_session(store, tok, now=T0) is None        # new rights: log in again
    tok = accounts.create_session(store, "ann", now=T0)
    assert accounts.resolve_session(store, tok, now=T0).role == "methodist"
    accounts.remove_user(store, SYSTEM, "ann")
    assert accounts.resolve_session(store, tok, now=T0) is None
    assert accounts.resolve_session(store, "made-up-token", now=T0) is None


# -- users, roles, territories ----------------------------------------------------------------------
def test_permission_map():
    from shnor.domain.permissions import TABLE, Action, User, may, pages_for
    u = {r: User(r, r) for r in ("viewer", "methodist", "head", "admin")}
    reading = ["overview", "identification", "school", "indicators", "roadmap", "analyses", "reports"]
    assert pages_for(u["viewer"]) == reading
    assert pages_for(u["methodist"]) == reading + ["upload", "settings"]
    assert pages_for(u["head"]) == reading + ["settings"]
    assert pages_for(u["admin"]) == reading + ["upload", "settings", "users", "audit"]
    assert pages_for(None) == []
    assert may(u["head"], Action.LIST_APPROVE) and not may(u["methodist"], Action.LIST_APPROVE)
    assert may(u["methodist"], Action.IMPORT) and not may(u["viewer"], Action.IMPORT)
    assert not may(u["head"], Action.IMPORT)
    assert all(may(u["admin"], a) for a in TABLE)
    assert [a for a in TABLE if may(u["viewer"], a)] == [Action.READ, Action.REPORTS]
    with pytest.raises(KeyError):
        may(u["admin"], "no-such-action")


def test_refusals_are_russian(store):
    accounts.add_user(store, SYSTEM, "root", "admin", "password1")
    with pytest.raises(AccountError, match="слишком короткий"):
        accounts.add_user(store, SYSTEM, "ann", "viewer", "short")
    with pytest.raises(AccountError, match="Роль «boss» неизвестна"):
        accounts.add_user(store, SYSTEM, "ann", "boss", "password1")
    with pytest.raises(AccountError, match="уже есть"):
        accounts.add_user(store, SYSTEM, "root", "viewer", "password1")
    with pytest.raises(AccountError, match="последний администратор"):
        accounts.remove_user(store, SYSTEM, "root")
    with pytest.raises(AccountError, match="последний администратор"):
        accounts.update_user(store, SYSTEM, "root", role="viewer")
    with pytest.raises(AccountError, match="не найден"):
        accounts.set_password(store, SYSTEM, "ghost", "password1")
    with pytest.raises(AccountError, match="Территория «Нигде» не найдена"):
        accounts.add_user(store, SYSTEM, "ann", "viewer", "password1", territory="Нигде")


def test_territory_binding_and_clamp(store):
    region = _territory(store, "Тестовая область", kind="region")
    north = _territory(store, "Северный район")
    south = _territory(store, "Южный район")
    north_d = _territory(store, "Центральный район города", kind="district", parent_id=north)
    u = accounts.add_user(store, SYSTEM, "ann", "viewer", "password1", territory="Северный район")
    assert (u.territory_id, u.territory, u.scope_ru) == (north, "Северный район", "Северный район")
    assert sorted(accounts.visible_territory_ids(store, u)) == sorted([north, north_d])
    assert accounts.clamp_territory(store, u, None) == north           # cannot widen to the region
    assert accounts.clamp_territory(store, u, south) == north          # nor jump to another territory
    assert accounts.clamp_territory(store, u, north_d) == north_d      # may narrow to a district
    whole = accounts.add_user(store, SYSTEM, "bob", "viewer", "password1", territory="Тестовая область")
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


def test_user_actions_are_audited_as_the_acting_user(store):
    accounts.add_user(store, SYSTEM, "root", "admin", "password1")
    root = accounts.get_user(store, "root")
    accounts.add_user(store, root, "ann", "viewer", "password1")
    accounts.update_user(store, root, "ann", role="methodist")
    accounts.set_password(store, root, "ann", "password2")
    accounts.remove_user(store, root, "ann")
    log = store.audit.list()
    acted = list(zip(log["actor"], log["action"]))[::-1]     # oldest first
    assert acted == [("system", "user_add"), ("root", "user_add"), ("root", "user_update"), ("root", "user_passwd"),
                     ("root", "user_remove")]
    assert json.loads(log[log["action"] == "user_update"]["detail"].iloc[0])["old_role"] == "viewer"
    assert "password1" not in " ".join(log["detail"]) and "password2" not in " ".join(log["detail"])
    with pytest.raises(AccountError, match="самого себя"):
        accounts.remove_user(store, root, "root")


# -- CLI --------------------------------------------------------------------------------------------
def _cli(db, *args, stdin: str | None = None):
    env = dict(os.environ)
    env.pop("SHNOR_DB", None)
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_cli_user_add_list_passwd_remove(tmp_path):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    _territory(s, "Северный район")
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
    accounts.add_user(s, SYSTEM, "root", "admin", "password1")
    s.close()
    r = _cli(db, *args, stdin=stdin)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    s = Store.open(db)
    try:
        assert list(accounts.list_users(s, SYSTEM)["name"]) == ["root"]    # nothing changed
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


def _locked_out(db, name: str, client: str = "203.0.113.9") -> None:
    s = Store.open(db)
    try:
        for _ in range(5):
            with pytest.raises(LoginRefused):
                accounts.authenticate(s, name, "guess", client=client)
    finally:
        s.close()


def test_cli_user_unlock(tmp_path):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    accounts.add_user(s, SYSTEM, "root", "admin", "password1")
    accounts.add_user(s, SYSTEM, "ann", "viewer", "password1")
    s.close()
    _locked_out(db, "ann")
    _locked_out(db, "ann", client="198.51.100.4")
    r = _cli(db, "user", "list")
    assert "вход заблокирован с адресов: 2" in next(line for line in r.stdout.splitlines() if line.startswith("ann "))
    r = _cli(db, "--user", "ann", "user", "unlock", "ann")           # a viewer may not
    assert r.returncode == 2 and "не может управлять пользователями" in r.stderr
    r = _cli(db, "--user", "root", "user", "unlock", "ann")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Блокировки входа для «ann» сняты: адресов — 2."
    r = _cli(db, "user", "unlock", "ann")
    assert r.returncode == 0 and r.stdout.strip() == "Блокировок входа для «ann» нет."
    r = _cli(db, "user", "unlock", "ghost")
    assert r.returncode == 2 and "Пользователь «ghost» не найден" in r.stderr and "Traceback" not in r.stderr
    s = Store.open(db)
    try:
        assert accounts.list_locks(s, SYSTEM).empty
        assert accounts.authenticate(s, "ann", "password1", client="203.0.113.9").name == "ann"
        assert list(s.audit.list(action="user_unlocked")["actor"]) == ["root"]
    finally:
        s.close()


def test_cli_audit_csv_header_and_rows(tmp_path):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    accounts.add_user(s, SYSTEM, "root", "admin", "password1")
    accounts.add_user(s, SYSTEM, "=HYPERLINK(\"http://x\")", "viewer", "password1")
    s.close()
    _locked_out(db, "nobody")
    r = _cli(db, "audit", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "at,user,action,details"
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["action"] for x in rows].count("login_failed") == 5
    assert [x["action"] for x in rows].count("user_locked") == 1
    assert {x["user"] for x in rows if x["action"] == "user_add"} == {"system"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", x["at"]) for x in rows)
    failed = next(x for x in rows if x["action"] == "login_failed")
    assert failed["user"] == "" and failed["details"] == "client: 203.0.113.9; name: nobody"
    added = [x["details"] for x in rows if x["action"] == "user_add"]
    assert "name: =HYPERLINK" in " ".join(added)                   # a formula stays inside the text
    assert not any(v.startswith(("=", "+", "-", "@")) for x in rows for v in x.values())
    # the table: Russian names of the actions
    r = _cli(db, "audit")
    assert r.returncode == 0 and r.stdout.splitlines()[0].split()[:2] == ["Время", "Пользователь"]
    assert "неудачный вход" in r.stdout and "вход заблокирован" in r.stdout
    # --since: a later day has none; a bad date is refused in Russian
    r = _cli(db, "audit", "--since", "2999-01-01", "--format", "csv")
    assert r.returncode == 0 and r.stdout == "at,user,action,details\n"
    r = _cli(db, "audit", "--since", "01/02/2025")
    assert r.returncode == 2 and "не распознана" in r.stderr and "ГГГГ-ММ-ДД" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("who, reason", [("bound-admin", "администратор всего региона"),
                                         ("metod", "Роль «методист» не может смотреть журнал действий")])
def test_cli_audit_refused_to_a_bound_admin_and_a_methodist(tmp_path, who, reason):
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    _territory(s, "Северный район")
    accounts.add_user(s, SYSTEM, "bound-admin", "admin", "password1", territory="Северный район")
    accounts.add_user(s, SYSTEM, "metod", "methodist", "password1")
    s.close()
    r = _cli(db, "--user", who, "audit", "--format", "csv")
    assert r.returncode == 2 and r.stdout == ""
    assert reason in r.stderr and "Traceback" not in r.stderr
    r = _cli(db, "--user", who, "user", "add", "eve", "--role", "admin", "--password-stdin", stdin="password1\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr
