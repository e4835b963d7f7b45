"""What every command shares: Russian argument errors, the acting user, opening the database, output."""
from __future__ import annotations

import argparse
import csv
import io
import sys

from shnor.config import db_path
from shnor.domain import procedures
from shnor.domain.permissions import SYSTEM, Action, Forbidden, User, require
from shnor.domain.years import SchoolYearError, parse_school_year
from shnor.reports.cells import csv_cell
from shnor.store import Store

EXIT_OK, EXIT_REFUSED = 0, 2


class Refused(Exception):
    """An input or argument the CLI refuses: the message is Russian and goes to stderr, exit 2."""

class RussianArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own messages are English
        ru = message
        if "the following arguments are required:" in message:
            ru = "не указаны обязательные аргументы: " + message.split(":", 1)[1].strip()
        elif message.startswith("unrecognized arguments:"):
            ru = "непонятные аргументы: " + message.split(":", 1)[1].strip()
        elif message.startswith("argument ") and "invalid choice" in message:
            arg, _, rest = message[len("argument "):].partition(":")
            ru = f"недопустимое значение аргумента {arg}: {rest.split('invalid choice:')[1].split('(')[0].strip()}"
            if "(choose from" in rest:
                ru += "; допустимо: " + rest.split("(choose from", 1)[1].rstrip(")").strip()
        elif message.startswith("argument ") and "expected one argument" in message:
            ru = f"у аргумента {message[len('argument '):].split(':')[0]} не указано значение"
        elif message.startswith("argument "):
            ru = "ошибка в аргументе " + message[len("argument "):]
        sys.stderr.write(f"Ошибка: {ru}\nСправка: python -m shnor --help\n")
        sys.exit(EXIT_REFUSED)


def year_arg(text: str) -> int:
    try:
        return parse_school_year(text)
    except SchoolYearError as exc:
        raise Refused(str(exc))


def procedure_arg(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return procedures.get(code.strip().upper()).code
    except procedures.UnknownProcedure as exc:
        raise Refused(str(exc))


def territory_arg(store: Store, actor: User, name: str | None) -> int | None:
    """A territory named on the command line, refused when unknown or outside the acting user's territory;
    None for the whole region (a bound user then gets their own territory)."""
    if not name:
        return actor.territory_id
    tid = store.territories.find(name)
    if tid is None:
        known = ", ".join(store.territories.list()["name"].head(12))
        raise Refused(f"территория «{name}» не найдена." + (f" Известные территории: {known}." if known else ""))
    if tid == store.territories.root_id():
        tid = None
    try:
        require(actor, Action.READ, tid)
    except Forbidden as exc:
        raise Refused(str(exc))
    return tid


def open_store(args) -> Store:
    return Store.open(db_path(args.db))


def acting_user(store: Store, args) -> User:
    """The user named by --user (default: the built-in system account, an unbound admin)."""
    name = getattr(args, "user", None)
    if not name:
        return SYSTEM
    from shnor.services.accounts import get_user
    user = get_user(store, name)
    if user is None:
        raise Refused(f"пользователь «{name}» не найден или отключён: команды выполняются от имени существующего "
                      "пользователя (список: python -m shnor user list).")
    return user


def session(args) -> tuple[Store, User]:
    """The database and the acting user of a command."""
    store = open_store(args)
    return store, acting_user(store, args)


def write_csv(rows: list[dict], cols: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows({k: csv_cell(v) for k, v in r.items()} for r in rows)
    sys.stdout.write(buf.getvalue())


def write_table(rows: list[dict], cols: list[str], heads: list[str]) -> None:
    cells = [[str(r[c]) for c in cols] for r in rows]
    widths = [min(60, max([len(h)] + [len(c[i]) for c in cells])) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths)))
    for c in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(c, widths)))
