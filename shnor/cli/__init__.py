"""Command line: `python -m shnor [--db PATH] [--user NAME] COMMAND …`.

Other tools depend on this contract: exit 0 when done; 2 when an input, an argument or the action itself is
refused, with Russian messages on stderr (argument errors too); never a traceback for bad input. Every
command acts as a user (`--user`, default the built-in system account) and calls the services, which decide
what that user may do. One module per area registers its commands (`register(sub)`).
"""
from __future__ import annotations

import sys

from shnor.cli import analyses, audit, data, imports, lists, reference, schools, users
from shnor.cli import roadmap
from shnor.cli import report
from shnor.cli.common import EXIT_OK, EXIT_REFUSED, Refused, RussianArgumentParser
from shnor.domain.permissions import Forbidden
from shnor.store import DatabaseBusy

AREAS = [data, imports, schools, lists, reference, audit, users, roadmap, analyses, report]   # each: register(subparsers)


def build_parser() -> RussianArgumentParser:
    p = RussianArgumentParser(prog="python -m shnor", description="Мониторинг ШНОР: база, загрузка, выявление.")
    p.add_argument("--db", help="файл базы данных (по умолчанию $SHNOR_DB, затем data/shnor.duckdb)")
    p.add_argument("--user", metavar="NAME", help="от чьего имени выполняется команда (по умолчанию — системная "
                   "учётная запись с правами администратора)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=RussianArgumentParser,
                           metavar="КОМАНДА")
    for area in AREAS:
        area.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (Refused, DatabaseBusy, Forbidden) as exc:
        sys.stderr.write(f"Ошибка: {exc}\n")
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
