"""Commands: import, history, undo — through the import service, as the acting user (`--user`).

`import` refuses (exit 2) a file that does not say its work or year, naming everything missing in one message with
the likely values (`--procedure VPR-MATH-5 --year 2020/2021`), and one whose year has no mark scale, saying who
enters it. A file of another region (or with mostly unknown schools) is stored, with a warning on stderr (exit 0)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from shnor.cli.common import (EXIT_OK, EXIT_REFUSED, Refused, procedure_arg, session, territory_arg, write_csv,
                              write_table, year_arg)

HISTORY_COLUMNS = ["batch", "file", "kind", "user", "stored_at", "rows", "undone"]


def cmd_import(args) -> int:
    from shnor.importing.model import ERROR, ROW_ERROR, Hints
    from shnor.services.imports import import_file, needs_ru
    proc = procedure_arg(args.procedure)
    year = year_arg(args.year) if args.year else None
    store, actor = session(args)
    territory = args.territory
    if territory and store.territories.find(territory) is None and not store.territories.list().empty:
        territory_arg(store, actor, territory)  # refuses with the list of known territories
    hints = Hints(procedure=proc, year=year, territory=territory)
    refused = False
    for f in args.files:
        path = Path(f)
        if not path.is_file():
            sys.stderr.write(f"{f}: файл не найден.\n")
            refused = True
            continue
        rep = import_file(store, path, actor, hints=hints)
        if rep.status == "needs_input":
            # everything the file does not say, in one message, with the likely values: exit 2
            sys.stderr.write(f"{rep.file_name}: {needs_ru(rep, cli=True)}.\n")
            refused = True
            continue
        line = rep.summary_ru()
        if rep.status == "stored":
            line = f"загрузка № {rep.batch_id}: {line}"
        (sys.stdout if rep.ok else sys.stderr).write(line + "\n")
        if rep.foreign is not None and rep.ok:
            # stored (the command line does not ask), but said where warnings are read
            sys.stderr.write(f"  предупреждение: {rep.file_name}: похоже на файл другого региона — "
                             f"{rep.foreign.sentence_ru()}. Если это ошибка, отмените загрузку: "
                             f"python -m shnor undo {rep.batch_id}\n" if rep.batch_id else
                             f"  предупреждение: {rep.file_name}: похоже на файл другого региона — "
                             f"{rep.foreign.sentence_ru()}.\n")
        for issue in rep.issues:
            if issue.level == ERROR or issue.level == ROW_ERROR or not rep.ok:
                sys.stderr.write("  " + ("ошибка: " if issue.level == ERROR else "пропущена строка: "
                                         if issue.level == ROW_ERROR else "предупреждение: ") + issue.text() + "\n")
            else:
                sys.stdout.write("  предупреждение: " + issue.text() + "\n")
        refused |= not rep.ok
    return EXIT_REFUSED if refused else EXIT_OK


def _when(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M:%S}"


def cmd_history(args) -> int:
    from shnor.importing.layouts import label_ru
    from shnor.services.imports import history
    store, actor = session(args)
    batches = history(store, actor)
    rows = [{"batch": int(b.id), "file": b.file_name, "kind": label_ru(b.layout) or "",
             "user": b.created_by if isinstance(b.created_by, str) else "", "stored_at": _when(b.created_at),
             "rows": "" if pd.isna(b.rows_stored) else int(b.rows_stored),
             "undone": _when(b.undone_at) if b.status == "undone" else ""} for b in batches.itertuples(index=False)]
    if args.format == "csv":
        write_csv(rows, HISTORY_COLUMNS)
    elif not rows:
        print("Загрузок ещё не было." if actor.scope is None else
              f"Загрузок по территории «{actor.scope_ru}» и ваших загрузок ещё не было.")
    else:
        write_table(rows, HISTORY_COLUMNS, ["№", "Файл", "Формат", "Кто", "Когда", "Строк", "Отменена"])
    return EXIT_OK


def cmd_undo(args) -> int:
    from shnor.services.imports import UndoRefused, undo_import
    store, actor = session(args)
    try:
        print(undo_import(store, args.batch, actor))
    except UndoRefused as exc:
        raise Refused(str(exc))
    return EXIT_OK


def _batch_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"номер загрузки — целое число (например, 17), а не «{text}»")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"номер загрузки — положительное число, а не «{text}»")
    return value


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
    imp = sub.add_parser("import", help="загрузить файлы")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--procedure", help="код процедуры, например VPR-MATH-5")
    imp.add_argument("--year", help="учебный год, например 2020/2021")
    imp.add_argument("--territory", help="территория, если файл её не называет")
    imp.set_defaults(func=cmd_import)
    his = sub.add_parser("history", help="история загрузок")
    his.add_argument("--format", choices=["csv", "table"], default="table")
    his.set_defaults(func=cmd_history)
    und = sub.add_parser("undo", help="отменить загрузку")
    und.add_argument("batch", metavar="BATCH", type=_batch_number, help="номер загрузки (см. history)")
    und.set_defaults(func=cmd_undo)
