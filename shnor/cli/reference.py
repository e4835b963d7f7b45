"""Commands over reference data: the ВПР mark scales.

    python -m shnor scale list [--format csv|table]
    python -m shnor scale set PROCEDURE YEAR --min3 N --min4 N --min5 N --max N

CSV header of `scale list`: procedure,year,min3,min4,min5,max,source — the lowest primary score of marks «3», «4»,
«5» and the work's maximum («2» is everything below min3). `scale set` is an admin's of the whole region
(shnor/services/settings.py decides); it recomputes the marks of the stored results of that work and year
from their score histograms and prints what changed.
"""
from __future__ import annotations

import argparse

from shnor.cli.common import EXIT_OK, Refused, procedure_arg, session, write_csv, write_table, year_arg
from shnor.domain import procedures, reference
from shnor.domain.permissions import Action, require
from shnor.domain.rule import STATUS_RU
from shnor.domain.fmt import fmt_share
from shnor.domain.years import format_school_year
from shnor.services import settings as service

COLUMNS = ["procedure", "year", "min3", "min4", "min5", "max", "source"]


def score_arg(text: str) -> int:
    """A primary score: a whole number from 0 (argparse shows the message after the argument's name)."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"нужно целое число баллов, а не «{text}»") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"баллы не бывают отрицательными ({value})")
    return value


def cmd_scale_list(args) -> int:
    store, actor = session(args)
    require(actor, Action.READ, actor.territory_id)
    scales = store.reference.mark_scales()
    sources = store.reference.scale_sources()
    rows = []
    for (proc, year), sc in sorted(scales.items()):
        try:
            min3, min4, min5, mx = reference.scale_minimums(sc)
        except KeyError:       # a scale stored without one of the marks: shown, not hidden
            min3 = min4 = min5 = ""
            mx = sc.max_score
        rows.append({"procedure": proc, "year": format_school_year(int(year)), "min3": min3, "min4": min4,
                     "min5": min5, "max": mx, "source": sources.get((proc, int(year)), "")})
    if args.format == "csv":
        write_csv(rows, COLUMNS)
    elif not rows:
        print("Шкал ВПР в базе нет.")
    else:
        for r in rows:
            r["procedure"] = procedures.name_ru(r["procedure"])
        write_table(rows, COLUMNS, ["Процедура", "Учебный год", "«3» от", "«4» от", "«5» от", "Максимум"])
    return EXIT_OK


def cmd_scale_set(args) -> int:
    proc = procedure_arg(args.procedure)
    year = year_arg(args.year)
    store, actor = session(args)
    scale = reference.scale_from_minimums(proc, year, args.min3, args.min4, args.min5, args.max)
    try:
        corr = service.set_mark_scale(store, actor, scale)
    except service.SettingsError as exc:
        raise Refused(str(exc)) from None
    print(corr.summary_ru())
    for c in corr.changed:
        place = f" ({c.territory})" if c.territory else ""
        print(f"  {c.school}{place}: «2» {c.low_before} → {c.low_after} из {c.participants}, доля "
              f"{fmt_share(c.low_before, c.participants)} → {fmt_share(c.low_after, c.participants)}")
    for s in corr.statuses:
        place = f" ({s.territory})" if s.territory else ""
        print(f"  список на {format_school_year(s.list_year)}: {s.school}{place} — "
              f"{STATUS_RU.get(s.before, '—')} → {STATUS_RU.get(s.after, '—')}")
    return EXIT_OK


def register(sub) -> None:
    """Registers `scale list` and `scale set` on the CLI's subparsers."""
    scale = sub.add_parser("scale", help="шкалы перевода первичных баллов ВПР в отметки")
    ssub = scale.add_subparsers(dest="scale_command", required=True, metavar="list|set")
    ls = ssub.add_parser("list", help="все шкалы: наименьший балл «3», «4», «5» и максимум")
    ls.add_argument("--format", choices=["csv", "table"], default="table")
    ls.set_defaults(func=cmd_scale_list)
    st = ssub.add_parser("set", help="добавить или исправить шкалу года (пересчитывает сохранённые отметки)")
    st.add_argument("procedure", metavar="PROCEDURE", help="код работы ВПР, например VPR-MATH-5")
    st.add_argument("year", metavar="YEAR", help="учебный год, например 2020/2021")
    for name, what in (("min3", "наименьший балл отметки «3»"), ("min4", "наименьший балл отметки «4»"),
                       ("min5", "наименьший балл отметки «5»"), ("max", "максимальный первичный балл работы")):
        st.add_argument(f"--{name}", type=score_arg, required=True, metavar="N", help=what)
    st.set_defaults(func=cmd_scale_set)
