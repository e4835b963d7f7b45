"""The indicator template (shnor/reports/indicator_template.py) read back from an uploaded file.

Runs in the sandbox's child interpreter like every other upload (shnor/importing/sandbox.py,
`parse_in_child(..., entry="indicator_template")`) and reads through shnor/importing/reading.py with its
hostile-file limits. `parse_indicator_template` never raises for a bad file: it returns an
`IndicatorTemplateFile` whose issues say what is wrong, naming file, sheet, row and column. A row whose
«Значение» is empty is not read (the template lists every indicator for every territory and school; fill only
what you have). Any wrong row refuses the file: the service stores all of it or nothing. Territories and
schools are named here as written; the service finds them in the registry. Pure: never opens the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shnor.domain import indicators as ind_
from shnor.importing.model import ERROR, Issue, ParsedFile, ParseRefusal
from shnor.importing.reading import Sheet, cell_text, read_sheets

LAYOUT, LAYOUT_RU = "indicator_template", "Шаблон показателей"
HEADER_SEARCH_ROWS = 30
MAX_ERRORS = 50          # more than this is one file-wide message, not a page of them


@dataclass(frozen=True)
class TemplateRow:
    sheet: str
    row: int                   # 1-based, as Excel shows it
    indicator: str             # catalogue code
    year: int                  # school year by its first calendar year
    territory: str             # as written (REGION_ROW: the whole region)
    school_code: str           # as written; "" for a territory row
    school: str                # the school's name as written (for messages)
    value: float               # as stored (a percentage as a fraction)
    value_text: str


@dataclass
class IndicatorTemplateFile(ParsedFile):
    """A ParsedFile (so the sandbox hands it back like any other) carrying the filled rows of the template."""
    rows: list[TemplateRow] = field(default_factory=list)


def _header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) and the column of each known header, when the sheet has the template's."""
    for r_idx, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        cols = {}
        for c_idx, v in enumerate(row):
            t = cell_text(v)
            if t in ind_.TEMPLATE_HEADERS and t not in cols:
                cols[t] = c_idx
        if ind_.H_VALUE in cols and ind_.H_YEAR in cols and (ind_.H_CODE in cols or ind_.H_NAME in cols) \
                and (ind_.H_TERRITORY in cols or ind_.H_SCHOOL_CODE in cols):
            return r_idx, cols
    return None


def rows_of_sheets(sheets: list[Sheet], file_name: str) -> list[TemplateRow]:
    """The filled rows of the template's table. Raises ParseRefusal with every wrong row (up to MAX_ERRORS)."""
    found = [(s, h) for s in sheets if (h := _header(s)) is not None]
    if not found:
        raise ParseRefusal([Issue(
            ERROR, f"не найдена строка заголовков шаблона показателей («{ind_.H_CODE}», «{ind_.H_YEAR}», "
                   f"«{ind_.H_TERRITORY}», «{ind_.H_VALUE}»). Скачайте шаблон на странице «Показатели» и "
                   "заполните его, не меняя заголовков.", file=file_name)])
    found.sort(key=lambda sh: sh[0].name != ind_.TEMPLATE_SHEET)
    sheet, (h_row, cols) = found[0]
    issues: list[Issue] = []
    out: list[TemplateRow] = []
    seen: dict[tuple, int] = {}

    def cell(cells: list, header: str):
        c = cols.get(header)
        return cells[c] if c is not None and c < len(cells) else None

    def fail(row: int, header: str, message: str, value=None) -> None:
        issues.append(Issue(ERROR, message, file=file_name, sheet=sheet.name, row=row, column=header,
                            value=None if value is None else cell_text(value)))

    for i in range(h_row + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        raw_value = cell(cells, ind_.H_VALUE)
        if cell_text(raw_value) == "":
            continue                          # not filled: nothing to enter
        row = i + 1
        errors_before = len(issues)
        code_cell, name_cell = cell(cells, ind_.H_CODE), cell(cells, ind_.H_NAME)
        ind = ind_.find(cell_text(code_cell)) or (None if cell_text(code_cell) else ind_.find(cell_text(name_cell)))
        if ind is None:
            what = ind_.H_CODE if cell_text(code_cell) or ind_.H_NAME not in cols else ind_.H_NAME
            shown = code_cell if what == ind_.H_CODE else name_cell
            fail(row, what, "такого показателя нет в перечне (коды — на листе «Показатели» шаблона)."
                 if cell_text(shown) else "не указан показатель.", shown if cell_text(shown) else None)
        year = None
        try:
            year = ind_.parse_year(cell(cells, ind_.H_YEAR))
        except ind_.IndicatorError as exc:
            fail(row, ind_.H_YEAR, str(exc), cell(cells, ind_.H_YEAR))
        territory = cell_text(cell(cells, ind_.H_TERRITORY))
        school_code = cell_text(cell(cells, ind_.H_SCHOOL_CODE))
        school = cell_text(cell(cells, ind_.H_SCHOOL))
        if not territory and not school_code:
            fail(row, ind_.H_TERRITORY, f"не указана ни территория, ни код школы: для значения региона напишите "
                                        f"«{ind_.REGION_ROW}».")
        value = None
        if ind is not None:
            try:
                ind_.check_level(ind, bool(school_code))
            except ind_.IndicatorError as exc:
                fail(row, ind_.H_SCHOOL_CODE if school_code else ind_.H_TERRITORY, str(exc))
            try:
                value = ind_.parse_value(ind, raw_value, what="значение")
            except ind_.IndicatorError as exc:
                fail(row, ind_.H_VALUE, str(exc)[0].lower() + str(exc)[1:], raw_value)
        if len(issues) > errors_before:
            if len(issues) >= MAX_ERRORS:
                break
            continue
        key = (ind.code, year, school_code.lower() if school_code else territory.lower())
        if key in seen:
            fail(row, ind_.H_VALUE, f"значение этого показателя за {ind_.year_ru(year)} для "
                                    f"{'школы ' + school_code if school_code else '«' + territory + '»'} уже указано "
                                    f"в строке {seen[key]}.", raw_value)
            continue
        seen[key] = row
        out.append(TemplateRow(sheet.name, row, ind.code, year, territory, school_code, school, value,
                               cell_text(raw_value)))
    if issues:
        if len(issues) >= MAX_ERRORS:
            issues.append(Issue(ERROR, f"ошибок не меньше {MAX_ERRORS}; дальше файл не проверялся. Исправьте "
                                       "эти строки и загрузите файл снова.", file=file_name, sheet=sheet.name))
        raise ParseRefusal(issues)
    if not out:
        raise ParseRefusal([Issue(ERROR, f"в шаблоне нет ни одного заполненного значения (столбец "
                                         f"«{ind_.H_VALUE}» пуст).", file=file_name, sheet=sheet.name)])
    return out


def parse_indicator_template(path: str | Path, file_name: str | None = None, hints=None,
                             scales=None) -> IndicatorTemplateFile:
    """The sandbox's entry point (same signature as shnor.importing.parse.parse_file; hints and scales unused)."""
    file_name = file_name or Path(path).name
    try:
        rows = rows_of_sheets(read_sheets(path, file_name), file_name)
    except ParseRefusal as refusal:
        return IndicatorTemplateFile(file_name=file_name, layout="", layout_ru="не распознан", issues=refusal.issues)
    return IndicatorTemplateFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU, rows=rows,
                                 rows_read=len(rows))
