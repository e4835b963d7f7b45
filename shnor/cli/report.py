"""Commands: report spravka|school|interviews|list — the documents of the «Отчёты» page, written to a file.

    python -m shnor [--db PATH] [--user NAME] report spravka    --year Y [--territory NAME] --out FILE.docx
    python -m shnor … report school     --year Y --school CODE [--territory NAME] --out FILE.docx
    python -m shnor … report interviews --year Y [--territory NAME] [--school CODE …] --out FILE.docx
    python -m shnor … report list       --year Y [--territory NAME] --out FILE.xlsx|FILE.docx

`--year` is the list year, as in `identify`. `interviews` without `--territory` takes every ШНОР the user may
see (a bound user: their territory). `list --out FILE.xlsx` writes the same workbook as `export list` (both
through shnor/reports/list_export.py). Another extension, an unknown school or territory, or one outside the
user's territory: exit 2 with a Russian message, and no file is written. A file is written whole or not at all
(a temporary file beside it, then renamed).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from shnor.cli.common import EXIT_OK, Refused, session, territory_arg, year_arg
from shnor.domain.fmt import plural
from shnor.domain.permissions import Action, Forbidden, User, require
from shnor.domain.years import format_school_year
from shnor.store import Store

KINDS = {  # kind: (allowed extensions, what it is in Russian, the ending of its past participle)
    "spravka": ((".docx",), "аналитическая справка", "а"),
    "school": ((".docx",), "справка по школе", "а"),
    "interviews": ((".docx",), "пакет для собеседований", ""),
    "list": ((".xlsx", ".docx"), "список ШНОР в форме приложения к приказу", ""),
}


def _out_path(kind: str, text: str) -> Path:
    """The output file, refused before anything is read when its extension or folder will not do."""
    exts, what, _ = KINDS[kind]
    out = Path(text)
    if out.suffix.lower() not in exts:
        allowed = " или ".join(exts)
        raise Refused(f"файл «{text}»: {what} записывается только в файл {allowed} — укажите имя с расширением "
                      f"{allowed}.")
    if not out.parent.is_dir():
        raise Refused(f"папки «{out.parent}» нет — укажите существующую папку для файла «{out.name}».")
    return out


def write_atomic(out: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `out`, then rename it: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=out.suffix, dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise Refused(f"файл «{out}» не записан: {exc.strerror or 'нет доступа'}.")


def school_arg(store: Store, actor: User, code: str, territory_id: int | None) -> int:
    """A school named by a code (ФИС ОКО login, ОГЭ/ЕГЭ code, registry code, ИНН or id); refused when unknown,
    outside the acting user's territory or outside `territory_id`."""
    from shnor.read.overview import find_school
    schools = store.schools.list()
    sid = find_school(schools, code)
    if sid is None:
        raise Refused(f"школа «{code}» не найдена: укажите её код ФИС ОКО (логин sch…), код ОГЭ/ЕГЭ, код реестра или "
                      "ИНН (коды школ: python -m shnor school list).")
    row = schools[schools["id"] == sid].iloc[0]
    name = str(row["short_name"])
    place = store.schools.place(sid)
    own = [t for t in (place or ()) if t is not None]
    if actor.scope is not None and not any(t in actor.scope for t in own):
        try:
            require(actor, Action.READ, own[0] if own else -1)
        except Forbidden as exc:
            raise Refused(f"школа «{name}» ({code}) вне вашей территории: {exc}")
    if territory_id is not None:
        inside = store.territories.subtree(territory_id)
        if inside is not None and not any(t in inside for t in own):
            raise Refused(f"школа «{name}» ({code}) не относится к территории «{store.territories.name(territory_id)}».")
    return sid


def _place(store: Store, territory_id: int | None) -> str:
    from shnor.reports.list_export import territory_title
    return territory_title(store, territory_id)


def cmd_report(args) -> int:
    kind = args.kind
    out = _out_path(kind, args.out)
    year = year_arg(args.year)
    store, actor = session(args)
    tid = territory_arg(store, actor, args.territory)
    codes = getattr(args, "school", None) or []
    if isinstance(codes, str):
        codes = [codes]
    school_ids = [school_arg(store, actor, c, tid) for c in codes]
    _, what, end = KINDS[kind]
    head = f"{what[:1].upper()}{what[1:]} на {format_school_year(year)}"
    try:
        if kind == "list":
            from shnor.reports.list_export import list_docx_export, list_export
            exp = (list_docx_export if out.suffix.lower() == ".docx" else list_export)(store, actor, year, tid)
            write_atomic(out, exp.data)
            n = f"{exp.included} {plural(exp.included, 'школа', 'школы', 'школ')} из {exp.schools}"
            state = (f"утверждённый список ({exp.official.order_ru()})" if exp.approved else
                     "список не утверждён — записан проект (расчёт по правилу с решениями вручную)")
            print(f"{head} — {exp.territory_name}: {state}, {n}, записан в {out}.")
            return EXIT_OK
        if kind == "spravka":
            from shnor.reports.spravka import write_spravka
            write_spravka(store, actor, year, tid, out)
            print(f"{head} — {_place(store, tid)}: записана в {out}.")
        elif kind == "school":
            from shnor.reports.school_doc import write_school_spravka
            write_school_spravka(store, actor, year, school_ids[0], out)
            name = store.schools.list().set_index("id").at[school_ids[0], "short_name"]
            print(f"{head} — {name}: записана в {out}.")
        else:
            from shnor.reports.school_doc import write_interview_pack
            write_interview_pack(store, actor, year, tid, school_ids or None, out)
            who = (f"{len(school_ids)} {plural(len(school_ids), 'школа', 'школы', 'школ')}" if school_ids
                   else "все ШНОР списка")
            print(f"{head} — {_place(store, tid)} ({who}): записан в {out}.")
    except (Forbidden, Refused):
        raise
    except ValueError as exc:          # a refusal of the document's own (Russian), not a crash
        raise Refused(f"{what} не сформирован{end}: {exc}")
    except OSError as exc:
        raise Refused(f"файл «{out}» не записан: {exc.strerror or 'нет доступа'}.")
    return EXIT_OK


def register(sub) -> None:
    """Registers this area's commands on the CLI's subparsers."""
    rep = sub.add_parser("report", help="документы: аналитическая справка, справка по школе, пакет для "
                                        "собеседований, список ШНОР в форме приложения к приказу")
    what = rep.add_subparsers(dest="kind", required=True, metavar="ЧТО")

    def common(p, exts: str) -> None:
        p.add_argument("--year", required=True, help="учебный год списка, например 2022/2023 (как в identify)")
        p.add_argument("--territory", help="территория (по умолчанию — весь регион или территория пользователя)")
        p.add_argument("--out", required=True, metavar=f"FILE{exts}", help="куда записать документ")
        p.set_defaults(func=cmd_report)

    common(what.add_parser("spravka", help="аналитическая справка (.docx)"), ".docx")
    p = what.add_parser("school", help="справка по школе (.docx)")
    p.add_argument("--school", required=True, metavar="CODE", help="код школы: логин ФИС ОКО, код ОГЭ/ЕГЭ, ИНН")
    common(p, ".docx")
    p = what.add_parser("interviews", help="пакет для собеседований с руководителями ШНОР (.docx)")
    p.add_argument("--school", action="append", metavar="CODE",
                   help="школа пакета (можно указать несколько раз); без него — все ШНОР, которые видит пользователь")
    common(p, ".docx")
    common(what.add_parser("list", help="список ШНОР в форме приложения к приказу (.xlsx или .docx)"), ".xlsx|.docx")
