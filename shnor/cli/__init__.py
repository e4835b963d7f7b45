"""Command line: `python -m shnor [--db PATH] init|demo|import|results|identify|user …`.

Other tools depend on this contract: exit 0 when done; 2 when an input or argument is refused, with
Russian messages on stderr (argument errors too); never a traceback for bad input.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from shnor.domain import procedures
from shnor.config import db_path
from shnor.domain.fmt import fmt_share
from shnor.store import DatabaseBusy, Store
from shnor.domain.years import SchoolYearError, format_school_year, parse_school_year

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


def _year(text: str) -> int:
    try:
        return parse_school_year(text)
    except SchoolYearError as exc:
        raise Refused(str(exc))


def _procedure(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return procedures.get(code.strip().upper()).code
    except procedures.UnknownProcedure as exc:
        raise Refused(str(exc))


def _territory(store: Store, name: str | None) -> int | None:
    if not name:
        return None
    tid = store.territories.find(name)
    if tid is None:
        known = ", ".join(store.territories.list()["name"].head(12))
        raise Refused(f"территория «{name}» не найдена." + (f" Известные территории: {known}." if known else ""))
    return tid


def _open(args) -> Store:
    return Store.open(db_path(args.db))


# -- commands ---------------------------------------------------------------------------------------
def cmd_init(args) -> int:
    store = _open(args)
    print(f"База данных готова: {store.path} (версия схемы {store.schema_version()}).")
    return EXIT_OK


def cmd_demo(args) -> int:
    from shnor.demo import build_demo
    path = db_path(args.db)
    summary = build_demo(path)
    print(f"Демонстрационный регион построен в {path}: " +
          "; ".join(f"{k}: {v}" for k, v in summary.items() if not isinstance(v, (dict, list))))
    return EXIT_OK


def cmd_import(args) -> int:
    from shnor.importing.model import ERROR, ROW_ERROR, Hints
    from shnor.services.imports import import_file
    proc = _procedure(args.procedure)
    year = _year(args.year) if args.year else None
    store = _open(args)
    territory = args.territory
    if territory and store.territories.find(territory) is None and not store.territories.list().empty:
        _territory(store, territory)  # refuses with the list of known territories
    hints = Hints(procedure=proc, year=year, territory=territory)
    refused = False
    for f in args.files:
        path = Path(f)
        if not path.is_file():
            sys.stderr.write(f"{f}: файл не найден.\n")
            refused = True
            continue
        rep = import_file(store, path, hints=hints, actor="cli")
        (sys.stdout if rep.ok else sys.stderr).write(rep.summary_ru() + "\n")
        for issue in rep.issues:
            if issue.level == ERROR or issue.level == ROW_ERROR or not rep.ok:
                sys.stderr.write("  " + ("ошибка: " if issue.level == ERROR else "пропущена строка: "
                                         if issue.level == ROW_ERROR else "предупреждение: ") + issue.text() + "\n")
            else:
                sys.stdout.write("  предупреждение: " + issue.text() + "\n")
        refused |= not rep.ok
    return EXIT_REFUSED if refused else EXIT_OK


def cmd_results(args) -> int:
    year = _year(args.year)
    proc = _procedure(args.procedure)
    store = _open(args)
    df = store.results.list(years=[year], procedures_=[proc] if proc else None)
    df = df[df["participants"] > 0]
    schools = store.schools.list().set_index("id")
    rows = []
    for r in df.itertuples(index=False):
        s = schools.loc[r.school_id]
        rows.append({"school_code": s["school_code"], "school_name": s["short_name"], "territory": s["territory"],
                     "procedure": r.procedure, "year": format_school_year(int(r.year)),
                     "participants": int(r.participants), "low_count": int(r.low_count),
                     "low_share": f"{r.low_count / r.participants:.4f}"})
    cols = ["school_code", "school_name", "territory", "procedure", "year", "participants", "low_count",
            "low_share"]
    if args.format == "csv":
        _write_csv(rows, cols)
    else:
        for r in rows:
            r["procedure"] = procedures.name_ru(r["procedure"])
            r["low_share"] = fmt_share(r["low_count"], r["participants"])
        _write_table(rows, cols, ["Код ОО", "Школа", "Территория", "Процедура", "Год", "Участников",
                                  "Низкий рез.", "Доля"])
    return EXIT_OK


def cmd_identify(args) -> int:
    from shnor.read.analysis import compute_list, load_rule_settings
    from dataclasses import replace
    year = _year(args.year)
    store = _open(args)
    tid = _territory(store, args.territory)
    settings = load_rule_settings(store)
    if args.variant:
        settings = replace(settings, variant=args.variant)
    lst = compute_list(store, year, tid, settings)
    store.record_run(year, tid, settings.to_dict(), lst.shnor_count, lst.school_count, actor="cli")
    t = lst.table[lst.table["status"] == "shnor"]
    rows = [{"school_code": r.school_code, "school_name": r.short_name, "territory": r.territory,
             "criteria": r.criteria, "reasons": r.reasons} for r in t.itertuples(index=False)]
    cols = ["school_code", "school_name", "territory", "criteria", "reasons"]
    if args.format == "csv":
        _write_csv(rows, cols)
    elif args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        share = f"{lst.shnor_count} из {lst.school_count}"
        print(f"Список ШНОР на {format_school_year(year)}: {share} школ ({fmt_share(lst.shnor_count, lst.school_count)}).")
        _write_table(rows, cols, ["Код ОО", "Школа", "Территория", "Критерии", "Основания"])
    return EXIT_OK


def _write_csv(rows: list[dict], cols: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    sys.stdout.write(buf.getvalue())


def _write_table(rows: list[dict], cols: list[str], heads: list[str]) -> None:
    cells = [[str(r[c]) for c in cols] for r in rows]
    widths = [min(60, max([len(h)] + [len(c[i]) for c in cells])) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths)))
    for c in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(c, widths)))


def build_parser() -> argparse.ArgumentParser:
    p = RussianArgumentParser(prog="python -m shnor", description="Мониторинг ШНОР: база, загрузка, выявление.")
    p.add_argument("--db", help="файл базы данных (по умолчанию $SHNOR_DB, затем data/shnor.duckdb)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=RussianArgumentParser,
                           metavar="{init,demo,import,results,identify,user}")
    sub.add_parser("init", help="создать или обновить базу").set_defaults(func=cmd_init)
    sub.add_parser("demo", help="построить демонстрационный регион").set_defaults(func=cmd_demo)
    imp = sub.add_parser("import", help="загрузить файлы")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--procedure", help="код процедуры, например VPR-MATH-5")
    imp.add_argument("--year", help="учебный год, например 2020/2021")
    imp.add_argument("--territory", help="территория, если файл её не называет")
    imp.set_defaults(func=cmd_import)
    res = sub.add_parser("results", help="результаты за год")
    res.add_argument("--year", required=True)
    res.add_argument("--procedure")
    res.add_argument("--format", choices=["csv", "table"], default="table")
    res.set_defaults(func=cmd_results)
    ide = sub.add_parser("identify", help="список ШНОР на учебный год")
    ide.add_argument("--year", required=True)
    ide.add_argument("--variant", choices=["any", "same"])
    ide.add_argument("--territory")
    ide.add_argument("--format", choices=["csv", "json", "table"], default="table")
    ide.set_defaults(func=cmd_identify)
    try:
        from shnor.services.accounts import add_cli  # the `user` commands live with the accounts
        add_cli(sub)
    except ImportError:
        pass
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Refused as exc:
        sys.stderr.write(f"Ошибка: {exc}\n")
        return EXIT_REFUSED
    except DatabaseBusy as exc:
        sys.stderr.write(f"Ошибка: {exc}\n")
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
