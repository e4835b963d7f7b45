"""The region's own list of ШНОР (seed 004, appendix 3: a table «Территория | ОО») read from an uploaded file.

Runs in the sandbox's child interpreter like every other uploaded file (shnor/importing/sandbox.py,
`parse_in_child(..., entry="region_list")`): `parse_region_list` never raises for a bad file, it returns a
`RegionListFile` whose issues say what is wrong (file, sheet, row, column). Pure: never opens the database;
matching the rows to the registry is done by the service (shnor/services/lists.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shnor.domain.official_list import RegionListRow, header_kind, is_subtotal
from shnor.importing.model import ERROR, Issue, ParsedFile, ParseRefusal
from shnor.importing.reading import Sheet, cell_text, column_letter, read_sheets

LAYOUT, LAYOUT_RU = "region_list", "Список ШНОР региона («Территория | ОО»)"
HEADER_SEARCH_ROWS = 50


@dataclass
class RegionListFile(ParsedFile):
    """A ParsedFile (so the sandbox hands it back like any other) carrying the rows of the region's list."""
    rows: list[RegionListRow] = field(default_factory=list)


def rows_of_sheets(sheets: list[Sheet], file_name: str) -> list[RegionListRow]:
    """Rows of the first «Территория | ОО» table: the header is found by content in the first 50 rows; the
    territory is filled down as in a merged cell; empty and subtotal rows are skipped. Raises ParseRefusal."""
    for sheet in sheets:
        for r_idx, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            kinds: dict[str, int] = {}
            for c_idx, v in enumerate(row):
                k = header_kind(cell_text(v))
                if k and k not in kinds:
                    kinds[k] = c_idx
            if len(kinds) < 2:
                continue
            tc, sc = kinds["territory"], kinds["school"]
            out: list[RegionListRow] = []
            territory = ""
            for i in range(r_idx + 1, len(sheet.rows)):
                cells = sheet.rows[i]
                t = cell_text(cells[tc]) if tc < len(cells) else ""
                s = cell_text(cells[sc]) if sc < len(cells) else ""
                if t:
                    territory = t
                if is_subtotal(t) or is_subtotal(s) or not s:
                    continue
                if not territory:
                    raise ParseRefusal([Issue(ERROR, "не указана территория школы", file=file_name, sheet=sheet.name,
                                              row=i + 1, column=column_letter(tc), value=s)])
                out.append(RegionListRow(territory, s, sheet.name, i + 1))
            if not out:
                raise ParseRefusal([Issue(ERROR, "в таблице «Территория | ОО» нет ни одной школы.", file=file_name,
                                          sheet=sheet.name, row=r_idx + 1)])
            return out
    raise ParseRefusal([Issue(
        ERROR, "не найдена строка заголовков «Территория» и «ОО» (как в приложении 3 к приказу о списке ШНОР). "
               "Таблица должна иметь два столбца: территория и наименование образовательной организации.",
        file=file_name)])


def parse_region_list(path: str | Path, file_name: str | None = None, hints=None, scales=None) -> RegionListFile:
    """The sandbox's entry point (same signature as shnor.importing.parse.parse_file; hints and scales unused)."""
    file_name = file_name or Path(path).name
    try:
        rows = rows_of_sheets(read_sheets(path, file_name), file_name)
    except ParseRefusal as refusal:
        return RegionListFile(file_name=file_name, layout="", layout_ru="не распознан", issues=refusal.issues)
    return RegionListFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU, rows=rows, rows_read=len(rows))
