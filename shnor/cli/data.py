"""Commands over the data: init, demo, import, results, identify."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from shnor.cli.common import (EXIT_OK, EXIT_REFUSED, Refused, open_store, procedure_arg, session, territory_arg,
                              write_csv, write_table, year_arg)
from shnor.config import db_path
from shnor.domain import procedures
from shnor.domain.fmt import fmt_share
from shnor.domain.years import format_school_year


def cmd_init(args) -> int:
    store = open_store(args)
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
        rep = import_file(store, path, hints=hints, actor=actor.name, scope_territory_id=actor.territory_id)
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
    year = year_arg(args.year)
    proc = procedure_arg(args.procedure)
    store, actor = session(args)
    df = store.results.list(years=[year], procedures_=[proc] if proc else None, territory_id=actor.territory_id)
    df = df[df["participants"] > 0]
    schools = store.schools.list(territory_id=actor.territory_id).set_index("id")
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
        write_csv(rows, cols)
    else:
        for r in rows:
            r["procedure"] = procedures.name_ru(r["procedure"])
            r["low_share"] = fmt_share(r["low_count"], r["participants"])
        write_table(rows, cols, ["Код ОО", "Школа", "Территория", "Процедура", "Год", "Участников",
                                  "Низкий рез.", "Доля"])
    return EXIT_OK


def cmd_identify(args) -> int:
    from shnor.read.analysis import compute_list, load_rule_settings
    from dataclasses import replace
    year = year_arg(args.year)
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    settings = load_rule_settings(store)
    if args.variant:
        settings = replace(settings, variant=args.variant)
    lst = compute_list(store, year, tid, settings)
    store.record_run(year, tid, settings.to_dict(), lst.shnor_count, lst.school_count, actor=actor.name)
    t = lst.table[lst.table["status"] == "shnor"]
    rows = [{"school_code": r.school_code, "school_name": r.short_name, "territory": r.territory,
             "criteria": r.criteria, "reasons": r.reasons} for r in t.itertuples(index=False)]
    cols = ["school_code", "school_name", "territory", "criteria", "reasons"]
    if args.format == "csv":
        write_csv(rows, cols)
    elif args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        share = f"{lst.shnor_count} из {lst.school_count}"
        print(f"Список ШНОР на {format_school_year(year)}: {share} школ ({fmt_share(lst.shnor_count, lst.school_count)}).")
        write_table(rows, cols, ["Код ОО", "Школа", "Территория", "Критерии", "Основания"])
    return EXIT_OK




def register(sub) -> None:
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
