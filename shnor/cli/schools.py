"""Commands over the registry: the schools a user may see.

    python -m shnor school list [--territory NAME] [--format csv|table]

CSV header: school_code,school_name,territory,district,type,active_from,active_to (years as 2020/2021,
empty when open-ended). A user bound to a territory sees only its schools (and those of its districts).
"""
from __future__ import annotations

import pandas as pd

from shnor.cli.common import EXIT_OK, session, territory_arg, write_csv, write_table
from shnor.domain.permissions import Action, require
from shnor.domain.years import format_school_year

COLUMNS = ["school_code", "school_name", "territory", "district", "type", "active_from", "active_to"]
HEADS_RU = ["Код ОО", "Школа", "Территория", "Район города", "Тип", "Действует с", "Действует по"]


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _year(v) -> str:
    return "" if v is None or pd.isna(v) else format_school_year(int(v))


def cmd_school_list(args) -> int:
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    require(actor, Action.READ, tid)
    df = store.schools.list(territory_id=tid)
    rows = [{"school_code": _text(r.school_code), "school_name": _text(r.short_name), "territory": _text(r.territory),
             "district": _text(r.district), "type": _text(r.school_type), "active_from": _year(r.active_from),
             "active_to": _year(r.active_to)} for r in df.itertuples(index=False)]
    if args.format == "csv":
        write_csv(rows, COLUMNS)
    elif not rows:
        print("Школ в реестре нет" + (f" (территория «{actor.scope_ru}»)." if actor.bound else "."))
    else:
        write_table(rows, COLUMNS, HEADS_RU)
    return EXIT_OK


def register(sub) -> None:
    """Registers `school list` on the CLI's subparsers."""
    school = sub.add_parser("school", help="школы реестра")
    ssub = school.add_subparsers(dest="school_command", required=True, metavar="list")
    ls = ssub.add_parser("list", help="школы, которые вам доступны (привязанному к территории — только её)")
    ls.add_argument("--territory", help="только эта территория (и её районы)")
    ls.add_argument("--format", choices=["csv", "table"], default="table")
    ls.set_defaults(func=cmd_school_list)
