"""Command line: `python -m shnor [--db PATH] [--user NAME] COMMAND …`.

Other tools depend on this contract: exit 0 when done; 2 when an input, an argument or the action itself is
refused, with Russian messages on stderr (argument errors too); never a traceback for bad input. Every
command acts as a user (`--user`, default the built-in system account) and calls the services, which decide
what that user may do. One module per area registers its commands (`register(sub)`).

Only the area of the command being run is imported (COMMANDS says which area registers which command): a
command starts without loading what other areas need. `--help` and an unknown command load every area.
`import` starts the sandbox's child of its first file before anything heavy is loaded, so that the file is read
while the database is opened (shnor/importing/sandbox.py `expect`).
"""
from __future__ import annotations

import importlib
import sys

# each area module: register(subparsers); the commands it registers, in the order of `--help`
AREAS = {"data": ("init", "demo", "results", "identify"), "imports": ("import", "history", "undo"),
         "schools": ("school",), "lists": ("export",), "reference": ("scale",), "audit": ("audit",),
         "users": ("user",), "roadmap": ("roadmap",), "analyses": ("objectivity", "exit"), "report": ("report",),
         "bench": ("bench",)}
COMMANDS = {command: area for area, commands in AREAS.items() for command in commands}
_GLOBAL_OPTIONS = ("--db", "--user")      # the options before the command that take a value


def command_of(argv: list[str]) -> tuple[str | None, list[str]]:
    """(the command, the arguments after it) as argparse will read them; (None, []) for help or no command."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and "=" in arg:
            i += 1
        elif arg.startswith("--") and len(arg) > 2 and any(o.startswith(arg) for o in _GLOBAL_OPTIONS):
            i += 2
        elif arg.startswith("-"):
            return None, []
        else:
            return arg, argv[i + 1:]
    return None, []


def build_parser(command: str | None = None):
    """The parser with every area's commands, or only the area of `command` when it is a known one."""
    from shnor.cli.common import RussianArgumentParser
    p = RussianArgumentParser(prog="python -m shnor", description="Мониторинг ШНОР: база, загрузка, выявление.")
    p.add_argument("--db", help="файл базы данных (по умолчанию $SHNOR_DB, затем data/shnor.duckdb)")
    p.add_argument("--user", metavar="NAME", help="от чьего имени выполняется команда (по умолчанию — системная "
                   "учётная запись с правами администратора)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=RussianArgumentParser,
                           metavar="КОМАНДА")
    areas = [COMMANDS[command]] if command in COMMANDS else list(AREAS)
    for area in areas:
        importlib.import_module(f"shnor.cli.{area}").register(sub)
    return p


def _prestart_import(rest: list[str]) -> None:
    """`import FILE…`: the first file's sandboxed child starts reading it now (nothing is stored by it)."""
    files, skip = [], False
    for arg in rest:
        if skip:
            skip = False
        elif arg in ("--procedure", "--year", "--territory"):
            skip = True
        elif not arg.startswith("-"):
            files.append(arg)
    if files:
        from shnor.importing import sandbox
        sandbox.expect(files)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command, rest = command_of(argv)
    if command == "import":
        _prestart_import(rest)
    args = build_parser(command).parse_args(argv)
    from shnor.cli.common import EXIT_OK, EXIT_REFUSED, Refused
    from shnor.domain.permissions import Forbidden
    from shnor.store import DatabaseBusy
    try:
        return args.func(args)
    except (Refused, DatabaseBusy, Forbidden) as exc:
        sys.stderr.write(f"Ошибка: {exc}\n")
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
