"""Commands over the data: init, demo, results, identify (import, history, undo: shnor/cli/imports.py)."""
from __future__ import annotations

import json
import sys

from shnor.cli.common import (EXIT_OK, open_store, procedure_arg, session, territory_arg,
                              write_csv, write_table, year_arg)
from shnor.config import db_path
from shnor.domain import procedures
from shnor.domain.coverage import Coverage
from shnor.domain.fmt import fmt_share
from shnor.domain.years import format_school_year


def cmd_init(args) -> int:
    store = open_store(args)
    print(f"База данных готова: {store.path} (версия схемы {store.schema_version()}).")
    return EXIT_OK


def cmd_demo(args) -> int:
    path = db_path(args.db)
    if args.scale == "national":
        from shnor.demo.national import build_national
        summary = build_national(path, work_dir=args.work_dir,
                                 progress=lambda text: sys.stderr.write(text + "\n"))
        print(f"Демонстрационная страна построена в {path}: " +
              "; ".join(f"{k}: {v}" for k, v in summary.items() if not isinstance(v, (dict, list))))
        return EXIT_OK
    from shnor.demo import build_demo
    summary = build_demo(path, work_dir=args.work_dir)
    print(f"Демонстрационный регион построен в {path}: " +
          "; ".join(f"{k}: {v}" for k, v in summary.items() if not isinstance(v, (dict, list))))
    return EXIT_OK


def cmd_results(args) -> int:
    year = year_arg(args.year)
    proc = procedure_arg(args.procedure)
    store, actor = session(args)
    df = store.results.list(years=[year], procedures_=[proc] if proc else None, territory_id=actor.territory_id)
    df = df[df["participants"] > 0]
    if df.empty:
        what = f" по процедуре {procedures.name_ru(proc)}" if proc else ""
        sys.stderr.write(f"Внимание: результатов за {format_school_year(year)} учебный год{what} нет.\n")
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
    from shnor.services.lists import record_identification_run
    from dataclasses import replace
    year = year_arg(args.year)
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    settings = load_rule_settings(store)
    if args.variant:
        settings = replace(settings, variant=args.variant)
    lst = compute_list(store, year, tid, settings)
    record_identification_run(store, actor, lst)
    for line in coverage_lines(lst.coverage, year):
        sys.stderr.write(line + "\n")
    t = lst.rows_with_reasons(lst.statuses == "shnor")      # reasons worded only for the schools printed
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




def coverage_lines(cov: Coverage, year: int) -> list[str]:
    """What `identify` says on stderr about the data behind the list (stdout keeps its CSV/JSON as is): the
    coverage, and a warning when it is below the setting, when the year has no results at all, or when the
    territory has no schools."""
    lines = [cov.sentence_ru()]
    if cov.sufficient:
        return lines
    if cov.schools == 0:
        lines.append("Внимание: в территории нет ни одной школы — список пуст, вывод о цели не делается.")
    elif cov.no_results:
        lines.append(f"Внимание: за {format_school_year(year - 1)} учебный год результатов нет ни у одной школы — "
                     f"список на {format_school_year(year)} не из чего формировать; пустой список не означает, "
                     "что ШНОР нет.")
    else:
        reason = cov.withheld_ru()
        lines.append("Внимание: " + reason[0].lower() + reason[1:] + " Школа без результатов не может попасть в "
                     "список, поэтому доля ШНОР может быть занижена.")
    return lines


def register(sub) -> None:
    sub.add_parser("init", help="создать или обновить базу").set_defaults(func=cmd_init)
    demo = sub.add_parser("demo", help="построить демонстрационный регион (или страну: --scale national)")
    demo.add_argument("--scale", choices=["region", "national"], default="region",
                      help="region — регион около 300 школ; national — страна: около 40 000 школ, 85 регионов")
    demo.add_argument("--work-dir", metavar="DIR", help="куда записать файлы демонстрации (по умолчанию — временная "
                      "папка); их можно загрузить снова или замерить")
    demo.set_defaults(func=cmd_demo)
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
