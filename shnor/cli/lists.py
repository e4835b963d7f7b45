"""Commands: export list — the workbook the identification page downloads."""
from __future__ import annotations

from pathlib import Path

from shnor.cli.common import EXIT_OK, Refused, session, territory_arg, year_arg
from shnor.domain.fmt import plural
from shnor.domain.years import format_school_year


def cmd_export_list(args) -> int:
    from shnor.reports.list_export import list_export
    year = year_arg(args.year)
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise Refused(f"файл «{args.out}»: список выгружается только в книгу Excel — укажите имя с расширением .xlsx.")
    if not out.parent.is_dir():
        raise Refused(f"папки «{out.parent}» нет — укажите существующую папку для файла «{out.name}».")
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    exp = list_export(store, actor, year, tid)
    try:
        out.write_bytes(exp.data)
    except OSError as exc:
        raise Refused(f"файл «{args.out}» не записан: {exc.strerror or 'нет доступа'}.")
    n = f"{exp.included} {plural(exp.included, 'школа', 'школы', 'школ')} из {exp.schools}"
    head = f"Список ШНОР на {format_school_year(year)} — {exp.territory_name}"
    if exp.approved:
        print(f"{head}: утверждённый список ({exp.official.order_ru()}), {n}, записан в {out}.")
    else:
        print(f"{head}: список не утверждён — записан проект (расчёт по правилу с решениями вручную), {n}, "
              f"в {out}.")
    return EXIT_OK


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
    exp = sub.add_parser("export", help="выгрузить документы")
    what = exp.add_subparsers(dest="what", required=True, metavar="ЧТО")
    lst = what.add_parser("list", help="список ШНОР на учебный год в Excel: утверждённый, а если его нет — проект")
    lst.add_argument("--year", required=True, help="учебный год списка, например 2022/2023")
    lst.add_argument("--territory", help="территория (по умолчанию — весь регион или территория пользователя)")
    lst.add_argument("--out", required=True, metavar="FILE.xlsx", help="куда записать книгу Excel")
    lst.set_defaults(func=cmd_export_list)
