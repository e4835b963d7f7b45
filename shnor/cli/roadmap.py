"""Commands over the roadmap.

    python -m shnor roadmap import FILE [--territory NAME] [--school CODE]
    python -m shnor roadmap list [--format csv|table]

`roadmap list` CSV header: number,section,text,deadline_text,deadline_start,deadline_end,responsible,
expected_result,status — one row per measure, in the document's order, of every roadmap the user may see;
dates YYYY-MM-DD (both empty when the deadline has no dates); `status` the stored status in Russian.
"""
from __future__ import annotations

import pandas as pd

from shnor.cli.common import EXIT_OK, EXIT_REFUSED, Refused, session, territory_arg, write_csv, write_table
from shnor.read import roadmap as read_roadmap
from shnor.services.roadmap import RoadmapError, import_roadmap

COLUMNS = ["number", "section", "text", "deadline_text", "deadline_start", "deadline_end", "responsible",
           "expected_result", "status"]
TABLE_COLUMNS = ["number", "text", "deadline_text", "deadline_start", "deadline_end", "status", "flag"]
TABLE_HEADS = ["№", "Мероприятие", "Срок", "С", "По", "Статус", "Отметка"]


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _school_arg(store, code: str) -> int:
    df = store.schools.list()
    hit = df[df["school_code"].astype(str).str.upper() == code.strip().upper()]
    if hit.empty:
        raise Refused(f"школа с кодом «{code}» не найдена в реестре (коды: python -m shnor school list).")
    return int(hit.iloc[0]["id"])


def cmd_import(args) -> int:
    store, actor = session(args)
    school_id = _school_arg(store, args.school) if args.school else None
    tid = territory_arg(store, actor, args.territory) if args.territory else actor.territory_id
    try:
        rep = import_roadmap(store, actor, args.file, territory_id=tid, school_id=school_id)
    except RoadmapError as exc:
        raise Refused(str(exc))
    except FileNotFoundError:
        raise Refused(f"файл «{args.file}» не найден.")
    if rep.status == "refused":
        import sys
        sys.stderr.write("Ошибка: " + rep.summary_ru() + "\n")
        return EXIT_REFUSED
    print(rep.summary_ru())
    for m in rep.messages if rep.status == "stored" else []:
        print("  " + m)
    return EXIT_OK


def cmd_list(args) -> int:
    store, actor = session(args)
    df = read_roadmap.measures(store, actor)
    rows = []
    for r in df.itertuples(index=False):
        rows.append({"number": _text(r.number), "section": _text(r.section), "text": _text(r.text),
                     "deadline_text": _text(r.deadline_text),
                     "deadline_start": r.deadline_start.isoformat() if r.deadline_start else "",
                     "deadline_end": r.deadline_end.isoformat() if r.deadline_end else "",
                     "responsible": _text(r.responsible), "expected_result": _text(r.expected_result),
                     "status": _text(r.status_ru), "flag": _text(r.flag_ru)})
    if args.format == "csv":
        write_csv(rows, COLUMNS)
    elif not rows:
        print("Дорожных карт в базе нет: загрузите её командой python -m shnor roadmap import ФАЙЛ.")
    else:
        write_table([{k: v.replace("\n", " ") for k, v in r.items()} for r in rows], TABLE_COLUMNS, TABLE_HEADS)
    return EXIT_OK


def register(sub) -> None:
    """Registers `roadmap import` and `roadmap list`."""
    rm = sub.add_parser("roadmap", help="дорожная карта: загрузка и мероприятия")
    rsub = rm.add_subparsers(dest="roadmap_command", required=True, metavar="import|list")
    imp = rsub.add_parser("import", help="загрузить дорожную карту из Word (.docx) или Excel")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--territory", help="территория дорожной карты (по умолчанию — ваша, иначе весь регион)")
    imp.add_argument("--school", metavar="CODE", help="дорожная карта одной школы (код ОО)")
    imp.set_defaults(func=cmd_import)
    ls = rsub.add_parser("list", help="мероприятия всех дорожных карт по порядку документов")
    ls.add_argument("--format", choices=["csv", "table"], default="table")
    ls.set_defaults(func=cmd_list)
