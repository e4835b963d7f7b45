"""Commands: user: accounts of the dashboard (add, list, remove, passwd, unlock, ensure-admin).

Each acts as the global `--user` (default: the system account) and needs the right to manage users
(an admin bound to no territory); refusals are exit 2 with a Russian message.
"""
from __future__ import annotations

import datetime as dt
import sys

from shnor.cli.common import EXIT_OK, Refused, open_store, session, write_table
from shnor.domain.permissions import ROLES
from shnor.services import accounts
from shnor.services.accounts import AccountError


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


def cmd_add(args) -> int:
    password = _read_password(args)
    store, actor = session(args)
    u = accounts.add_user(store, actor, args.name, args.role, password, args.territory)
    print(f"Пользователь «{u.name}» добавлен: {u.role_ru}, {u.scope_ru}.")
    return EXIT_OK


def cmd_list(args) -> int:
    store, actor = session(args)
    df = accounts.list_users(store, actor)
    if df.empty:
        print("Пользователей нет. Создать первого администратора: python -m shnor user ensure-admin")
        return EXIT_OK
    locks = accounts.list_locks(store, actor)
    until = locks.groupby("name")["locked_until"].max() if len(locks) else {}
    rows = []
    for r in df.itertuples(index=False):
        if r.disabled:
            state = "отключён"
        elif r.locks:
            state = f"вход заблокирован с адресов: {r.locks} (до {until[r.name]:%d.%m.%Y %H:%M})"
        else:
            state = "активен"
        rows.append({"name": r.name, "role": f"{r.role} ({r.role_ru})",
                     "territory": r.territory if isinstance(r.territory, str) else "весь регион", "state": state})
    write_table(rows, ["name", "role", "territory", "state"], ["Логин", "Роль", "Территория", "Состояние"])
    return EXIT_OK


def cmd_remove(args) -> int:
    store, actor = session(args)
    accounts.remove_user(store, actor, args.name)
    print(f"Пользователь «{args.name}» удалён.")
    return EXIT_OK


def cmd_passwd(args) -> int:
    password = _read_password(args)
    store, actor = session(args)
    accounts.set_password(store, actor, args.name, password)
    print(f"Пароль пользователя «{args.name}» изменён; его сеансы завершены, блокировки входа сняты.")
    return EXIT_OK


def cmd_unlock(args) -> int:
    store, actor = session(args)
    n = accounts.unlock(store, actor, args.name, now=dt.datetime.now())
    if n:
        print(f"Блокировки входа для «{args.name}» сняты: адресов — {n}.")
    else:
        print(f"Блокировок входа для «{args.name}» нет.")
    return EXIT_OK


def cmd_ensure_admin(args) -> int:
    store = open_store(args)
    password = accounts.ensure_first_admin(store)
    if password is None:
        return EXIT_OK
    print("Пользователей не было: создан администратор.\n"
          f"  Логин:  admin\n  Пароль: {password}\n"
          "Пароль показан один раз — запишите его. Сменить: на странице «Пользователи» или "
          "python -m shnor user passwd admin --password-stdin")
    return EXIT_OK


def _refusing(func):
    """An account refusal (AccountError) becomes the CLI's refusal: exit 2 with the Russian message."""
    def run(args) -> int:
        try:
            return func(args)
        except AccountError as exc:
            raise Refused(str(exc)) from None
    return run


def register(sub) -> None:
    """Registers `user …` on the CLI's subparsers."""
    user = sub.add_parser("user", help="пользователи панели: add, list, remove, passwd, unlock, ensure-admin")
    cmds = user.add_subparsers(dest="user_command", required=True,
                               metavar="{add,list,remove,passwd,unlock,ensure-admin}")
    add = cmds.add_parser("add", help="добавить пользователя (пароль — из стандартного ввода)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--territory", help="территория, к которой привязан пользователь (по умолчанию весь регион)")
    add.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    add.set_defaults(func=_refusing(cmd_add))
    cmds.add_parser("list", help="список пользователей").set_defaults(func=_refusing(cmd_list))
    rm = cmds.add_parser("remove", help="удалить пользователя")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=_refusing(cmd_remove))
    pw = cmds.add_parser("passwd", help="сменить пароль (из стандартного ввода)")
    pw.add_argument("name", metavar="NAME")
    pw.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    pw.set_defaults(func=_refusing(cmd_passwd))
    un = cmds.add_parser("unlock", help="снять блокировки входа с логина (со всех адресов)")
    un.add_argument("name", metavar="NAME")
    un.set_defaults(func=_refusing(cmd_unlock))
    cmds.add_parser("ensure-admin", help="создать первого администратора, если пользователей нет"
                    ).set_defaults(func=_refusing(cmd_ensure_admin))
