"""Commands of the analyses (shnor/read/analyses.py):

    python -m shnor objectivity --year Y [--procedure CODE] [--territory NAME] [--flagged] [--format csv|table]
    python -m shnor exit --year Y [--territory NAME] [--risk] [--format csv|table]

`objectivity`: ВПР marks against journal marks per school and work for the results year Y, with the flag of
possibly non-objective results (its criterion goes to stderr) and a three-year history. CSV header:
school_code,school_name,territory,procedure,participants,below,equal,above,flag,… (shares as fractions with a
point; flag 1/0).
`exit`: for the list of year Y, per ШНОР and procedure the most «2» / below-minimum pupils with which the
procedure would not be low in Y (the results of the list Y+1) at the same number of participants. CSV header:
school_code,school_name,procedure,participants,low_count,max_low_count,…; `--risk` adds the risk group (what
would put each school on the list).
"""
from __future__ import annotations

import sys

from shnor.cli.common import (EXIT_OK, Refused, procedure_arg, session, territory_arg, write_csv, write_table,
                              year_arg)
from shnor.domain import procedures
from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.rule import RISK, SHNOR
from shnor.domain.years import format_school_year

OBJECTIVITY_COLUMNS = ["school_code", "school_name", "territory", "procedure", "participants", "below", "equal",
                       "above", "flag", "year", "compared", "confirmed_share", "territory_share", "region_share",
                       "low_share", "territory_low_share", "pattern", "flags_3y", "history", "reason"]
OBJECTIVITY_HEADS = ["Код ОО", "Школа", "Территория", "Работа", "Участн.", "Понизили", "Подтвердили", "Повысили",
                     "Флаг", "Год", "Сравнено", "Подтв.+повыс.", "Территория, %", "Регион, %", "«2»", "«2» терр.",
                     "Признак", "Флагов за 3 года", "История", "Пояснение"]
EXIT_COLUMNS = ["school_code", "school_name", "procedure", "participants", "low_count", "max_low_count", "excess",
                "binding", "status", "territory", "results_year", "sentence", "condition"]
EXIT_HEADS = ["Код ОО", "Школа", "Процедура", "Участн.", "Низкий рез.", "Не более", "Превышение", "Условие",
              "Статус", "Территория", "Год результатов", "Что нужно", "Итог по школе"]


def _frac(v) -> str:
    return "" if v is None or v != v else f"{float(v):.4f}"


def cmd_objectivity(args) -> int:
    from shnor.domain.analyses.objectivity import PATTERN_RU
    from shnor.read.analyses import objectivity
    year = year_arg(args.year)
    proc = procedure_arg(args.procedure)
    if proc and procedures.CATALOGUE[proc].kind != "VPR":
        raise Refused(f"«{procedures.name_ru(proc)}»: сравнение с отметками по журналу есть только у ВПР — "
                      "укажите работу ВПР (например, VPR-MATH-5) или не указывайте работу.")
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    view = objectivity(store, actor, year, proc, tid)
    t = view.table
    if args.flagged:
        t = t[t["flag"].astype(bool)]
    flagged = int(view.table["flag"].astype(bool).sum())
    n = len(view.table)
    sys.stderr.write(f"Критерий: {view.criterion}\n")
    if n == 0:
        what = f" по работе «{procedures.name_ru(proc)}»" if proc else ""
        sys.stderr.write(f"Внимание: за {format_school_year(year)} учебный год результатов ВПР с отметками по журналу"
                         f"{what} нет.\n")
    else:
        sys.stderr.write(f"Флаг «возможна необъективность»: {fmt_int(flagged)} из {fmt_int(n)} "
                         f"{plural(n, 'результата', 'результатов', 'результатов')} школ за {format_school_year(year)}.\n")
    rows = [{"school_code": r.school_code, "school_name": r.short_name, "territory": r.territory,
             "procedure": r.procedure, "participants": int(r.participants), "below": int(r.below),
             "equal": int(r.equal), "above": int(r.above), "flag": 1 if r.flag else 0,
             "year": format_school_year(int(r.year)), "compared": int(r.compared),
             "confirmed_share": _frac(r.share), "territory_share": _frac(r.territory_share),
             "region_share": _frac(r.region_share), "low_share": _frac(r.low_share),
             "territory_low_share": _frac(r.territory_low_share), "pattern": r.pattern, "flags_3y": int(r.flags),
             "history": r.history_ru, "reason": r.reason} for r in t.itertuples(index=False)]
    if args.format == "csv":
        write_csv(rows, OBJECTIVITY_COLUMNS)
        return EXIT_OK
    for r in rows:
        r["procedure"] = procedures.CATALOGUE[r["procedure"]].short_ru if r["procedure"] in procedures.CATALOGUE \
            else r["procedure"]
        r["flag"] = "да" if r["flag"] else ""
        for k in ("confirmed_share", "territory_share", "region_share", "low_share", "territory_low_share"):
            r[k] = fmt_pct(float(r[k])) if r[k] else "—"
        r["pattern"] = "; ".join(PATTERN_RU[p] for p in r["pattern"].split("+") if p)
    if rows:
        write_table(rows, OBJECTIVITY_COLUMNS, OBJECTIVITY_HEADS)
    return EXIT_OK


def cmd_exit(args) -> int:
    from shnor.read.analyses import exit_distance
    year = year_arg(args.year)
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    statuses = (SHNOR, RISK) if args.risk else (SHNOR,)
    view = exit_distance(store, actor, year, tid, statuses=statuses)
    t = view.table
    schools = t.loc[t["status"] == SHNOR, "school_code"].nunique()
    s = view.settings
    sys.stderr.write(
        f"Список на {format_school_year(year)}: {fmt_int(schools)} ШНОР. Для каждой процедуры — сколько «2» (не сдавших) "
        f"допустимо в {format_school_year(year)} при том же числе участников, чтобы результат не был низким "
        f"(порог {s.threshold_pct} %, низкий — {s.threshold_pct} % и более), и выйти из списка на "
        f"{format_school_year(year + 1)}.\n")
    if t.empty:
        sys.stderr.write(f"Внимание: в списке на {format_school_year(year)} нет ни одной ШНОР"
                         + (" и школ группы риска" if args.risk else "") + ".\n")
    rows = [{"school_code": r.school_code, "school_name": r.school_name, "procedure": r.procedure,
             "participants": int(r.participants), "low_count": int(r.low_count),
             "max_low_count": int(r.max_low_count), "excess": int(r.excess), "binding": r.binding,
             "status": r.status, "territory": r.territory, "results_year": format_school_year(year - 1),
             "sentence": r.sentence, "condition": r.condition} for r in t.itertuples(index=False)]
    if args.format == "csv":
        write_csv(rows, EXIT_COLUMNS)
        return EXIT_OK
    from shnor.domain.analyses.exit import BINDING_RU, ENTRY_BINDING_RU
    from shnor.domain.rule import STATUS_RU
    for r in rows:
        r["procedure"] = procedures.name_ru(r["procedure"])
        r["binding"] = (ENTRY_BINDING_RU if r["status"] == RISK else BINDING_RU)[r["binding"]]
        r["status"] = STATUS_RU[r["status"]]
    if rows:
        write_table(rows, EXIT_COLUMNS, EXIT_HEADS)
    return EXIT_OK


def register(sub) -> None:
    """Registers `objectivity` and `exit` on the CLI's subparsers."""
    ob = sub.add_parser("objectivity", help="объективность ВПР: отметки ВПР против отметок по журналу, флаги")
    ob.add_argument("--year", required=True, help="учебный год результатов, например 2020/2021")
    ob.add_argument("--procedure", help="работа ВПР (код, например VPR-MATH-5); по умолчанию — все")
    ob.add_argument("--territory", help="территория (по умолчанию — весь регион или территория пользователя)")
    ob.add_argument("--flagged", action="store_true", help="только результаты с флагом")
    ob.add_argument("--format", choices=["csv", "table"], default="table")
    ob.set_defaults(func=cmd_objectivity)
    ex = sub.add_parser("exit", help="что нужно ШНОР, чтобы выйти из списка в следующем году")
    ex.add_argument("--year", required=True, help="учебный год списка, например 2021/2022")
    ex.add_argument("--territory", help="территория (по умолчанию — весь регион или территория пользователя)")
    ex.add_argument("--risk", action="store_true", help="добавить группу риска: что поставит школу в список")
    ex.add_argument("--format", choices=["csv", "table"], default="table")
    ex.set_defaults(func=cmd_exit)
