"""Recognise a file's layout by its content and parse it. Pure: never opens the database."""
from __future__ import annotations

from pathlib import Path

from shnor.importing.model import ERROR, Hints, Issue, MarkScale, ParsedFile, ParseRefusal
from shnor.importing.reading import read_sheets

UNREADABLE = ("файл не удалось разобрать: его содержимое не похоже ни на один из поддерживаемых форматов или "
              "повреждено. Проверьте, что это протокол ВПР, отчёт ФИС ОКО, таблица ОГЭ/ЕГЭ, шаблон системы или "
              "реестр школ; если файл верный — сообщите разработчикам.")


def _parsers():
    # the registry of layouts (shnor/importing/layouts/__init__.py ORDER): the most specific first
    from shnor.importing import layouts
    return layouts.modules()


def parse_file(path: str | Path, file_name: str | None, hints: Hints,
               scales: dict[tuple[str, int], MarkScale]) -> ParsedFile:
    file_name = file_name or Path(path).name
    try:
        sheets = read_sheets(path, file_name)
        for module in _parsers():
            if module.detect(sheets):
                return module.parse(sheets, file_name, hints, scales)
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
