"""One module per input layout of FORMATS.md. Each module exposes

    LAYOUT: str                      # "1A" … "5B" (a module may serve several: then LAYOUTS)
    def detect(sheets: list[Sheet]) -> bool          # recognised by content, never by file name
    def parse(sheets, file_name, hints, scales) -> ParsedFile

Parsers are pure (no database), raise ParseRefusal for a file that cannot be stored at all, and report
everything else as Issues naming file, sheet, row and column.
"""
from __future__ import annotations

import importlib
from types import ModuleType

# The registry of layouts, in the order they are tried: the most specific first. A new layout is one module
# here and one name in this list; recognition (shnor/importing/parse.py) and labels follow from it.
ORDER = ("vpr_protocol", "fisoko_report", "template", "registry", "exam_table")

# short labels for tables (history of imports); the parsers' LAYOUT_RU are the long ones
SHORT_RU = {"1A": "протокол ВПР (осень 2020)", "1B": "протокол ВПР (весна 2021)", "1C": "протокол ВПР (с 2022)",
            "2": "отчёт ФИС ОКО", "3": "таблица ОГЭ/ЕГЭ", "4": "шаблон", "5A": "реестр школ",
            "5B": "реестр (форма ФИС ОКО)"}


def modules() -> list[ModuleType]:
    """The layout modules, in the order of ORDER."""
    return [importlib.import_module(f"{__name__}.{name}") for name in ORDER]


def labels_ru() -> dict[str, str]:
    """Layout code -> its Russian name as the parsers give it («Протокол ВПР ФИС ОКО …»)."""
    out: dict[str, str] = {}
    for m in modules():
        ru = m.LAYOUT_RU
        out.update(ru if isinstance(ru, dict) else {m.LAYOUT: ru})
    return out


def label_ru(code: str | None, short: bool = False) -> str:
    """The Russian name of a layout code; the code itself when unknown, "" for none."""
    if not code:
        return ""
    return (SHORT_RU if short else labels_ru()).get(code, code)
