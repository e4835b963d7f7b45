"""Recognise a file's layout by its content and parse it. Pure: never opens the database.

What a file does not say (the work, the year, a missing mark scale) is not a refusal: `ParsedFile.needs` names
all of it, with likely values in `ParsedFile.proposals` (from the content, the file's name — importing/proposals.py
— and the known scales); the upload form asks once, the CLI names everything missing in one message."""
from __future__ import annotations

import re
from pathlib import Path

from shnor.domain import procedures
from shnor.domain.years import format_school_year
from shnor.importing import proposals
from shnor.importing.model import (ERROR, NEED_PROCEDURE, NEED_YEAR, Hints, Issue, MarkScale, ParsedFile,
                                   ParseRefusal, Proposal)
from shnor.importing.reading import read_sheets

UNREADABLE = ("файл не удалось разобрать: его содержимое не похоже ни на один из поддерживаемых форматов или "
              "повреждено. Проверьте, что это протокол ВПР, отчёт ФИС ОКО, таблица ОГЭ/ЕГЭ, шаблон системы или "
              "реестр школ; если файл верный — сообщите разработчикам.")


def _parsers():
    # the registry of layouts (shnor/importing/layouts/__init__.py ORDER): the most specific first
    from shnor.importing import layouts
    return layouts.modules()


# Refusals of layouts that still say in words what the caller must choose (a table that names neither the exam nor
# the year): read as needs, so that the form asks for everything at once and nothing is refused yet.
_ASK = {NEED_PROCEDURE: re.compile(r"какая это работа|не удалось определить (работу|экзамен)|укажите процедуру|"
                                   r"выберите процедуру|какой это экзамен", re.I),
        NEED_YEAR: re.compile(r"за какой учебный год|не удалось определить учебный год|учебный год при загрузке|"
                              r"выберите учебный год|учебный год в форме", re.I)}


def _asked(issue: Issue) -> set[str]:
    return {need for need, pattern in _ASK.items() if pattern.search(issue.message)}


def finish_needs(parsed: ParsedFile, hints: Hints, scales: dict[tuple[str, int], MarkScale]) -> ParsedFile:
    """What the file needs from the caller, all at once, with likely values: the layout's own needs, the
    refusals that only ask for a choice, proposals from the file's name and from the known scales."""
    errors = [i for i in parsed.issues if i.level == ERROR]
    asked = {n for i in errors for n in _asked(i) if getattr(hints, n) is None}
    if errors and asked and all(_asked(i) for i in errors):
        parsed.needs |= asked
        parsed.issues = [i for i in parsed.issues if i.level != ERROR]
        parsed.results, parsed.registry = [], []
    if not parsed.needs & {NEED_PROCEDURE, NEED_YEAR}:
        return parsed
    named = proposals.from_file_name(parsed.file_name, vpr_only=parsed.layout[:1] in ("1", "2"))
    if NEED_PROCEDURE in parsed.needs and NEED_PROCEDURE in named:
        by_name, by_content = named[NEED_PROCEDURE], parsed.proposals.get(NEED_PROCEDURE)
        if by_content is None:
            parsed.proposals[NEED_PROCEDURE] = by_name
        elif by_content.value == by_name.value:
            parsed.proposals[NEED_PROCEDURE] = Proposal(by_name.value, f"{by_name.reason}; {by_content.reason}")
        else:
            parsed.proposals[NEED_PROCEDURE] = Proposal(
                by_content.value, f"{by_content.reason} (в имени файла — {procedures.name_ru(by_name.value)})")
    if NEED_YEAR in parsed.needs:
        if NEED_YEAR in named:
            parsed.proposals[NEED_YEAR] = named[NEED_YEAR]
        else:
            proc = parsed.procedure or (parsed.proposals[NEED_PROCEDURE].value
                                        if NEED_PROCEDURE in parsed.proposals else None)
            years = sorted(y for (p, y) in scales if p == proc)
            if proc and procedures.CATALOGUE.get(proc) and procedures.CATALOGUE[proc].kind == "VPR" \
                    and len(years) == 1:
                parsed.proposals[NEED_YEAR] = Proposal(
                    years[0], f"шкала этой работы введена только за {format_school_year(years[0])} учебный год")
    return parsed


def parse_file(path: str | Path, file_name: str | None, hints: Hints,
               scales: dict[tuple[str, int], MarkScale]) -> ParsedFile:
    file_name = file_name or Path(path).name
    try:
        sheets = read_sheets(path, file_name)
        for module in _parsers():
            if module.detect(sheets):
                return finish_needs(module.parse(sheets, file_name, hints, scales), hints, scales)
        raise ParseRefusal([Issue(
            ERROR, "формат файла не распознан. Ожидаются: протокол ВПР из ФИС ОКО, отчёт ФИС ОКО «Статистика по "
                   "отметкам», таблица ОГЭ/ЕГЭ по школам из РЦОИ, шаблон системы или реестр школ. Проверьте, что "
                   "в файле есть строка заголовков (например, «логин школы», «Код ОО», «Наименование ОО»).",
            file=file_name)])
    except ParseRefusal as refusal:
        return ParsedFile(file_name=file_name, layout="", layout_ru="не распознан", issues=refusal.issues)
    except (MemoryError, RecursionError):
        raise   # the sandbox reports these as "too much memory" / a failed parse
    except Exception:
        # a file no parser expected (a bug of ours or a crafted file): said in Russian, never by exception name
        return ParsedFile(file_name=file_name, layout="", layout_ru="не распознан", issues=[Issue(
            ERROR, UNREADABLE, file=file_name)])
