"""The filled risk-profile template (shnor/reports/risk_template.py) read from an uploaded file.

Runs in the sandbox's child interpreter like every other uploaded file (shnor/importing/sandbox.py,
`parse_in_child(..., entry="risk_template")`) through shnor/importing/reading.py and its limits for hostile
files. `parse_risk_template` never raises for a bad file: it returns a `RiskTemplateFile` whose issues name the
file, sheet, row and column of every bad cell (all of them, not only the first). Found by content, not by
position: the sheet whose first rows hold «Код школы»; the factor of a «Уровень» column from the heading above
it («1. …», merged over the factor's columns); a measured value by its header («…, %»); the school year from the
cell right of «Учебный год». Pure: never opens the database — the service matches the codes to schools.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from shnor.domain import risks
from shnor.domain.years import SchoolYearError, parse_school_year
from shnor.importing.model import ERROR, Issue, ParsedFile, ParseRefusal
from shnor.importing.reading import NotANumber, Sheet, cell_number, cell_text, column_letter, read_sheets

LAYOUT, LAYOUT_RU = "risk_template", "Шаблон рисковых профилей"
HEADER_SEARCH_ROWS = 30
_FACTOR_HEAD = re.compile(r"^\s*(\d{1,2})\s*[.)]")


@dataclass
class RiskRow:
    """One school's row: its code as written, the levels and the measured values (as stored) per factor."""
    code: str
    name: str
    sheet: str
    row: int                                  # 1-based, as Excel shows it
    levels: dict[int, str] = field(default_factory=dict)
    measured: dict[int, dict] = field(default_factory=dict)


@dataclass
class RiskTemplateFile(ParsedFile):
    rows: list[RiskRow] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).lower()


_MEASURE_BY_HEADER = {}
for _f in risks.FACTORS:
    for _m in _f.measures:
        _MEASURE_BY_HEADER[_norm(_m.header_ru)] = (_f.number, _m)
        _MEASURE_BY_HEADER.setdefault(_norm(_m.name_ru), (_f.number, _m))


def _find_header(sheets: list[Sheet]) -> tuple[Sheet, int, int] | None:
    """(sheet, header row index, code column index) of the first sheet with «Код школы» in its first rows."""
    want = _norm(risks.CODE_HEADER)
    for sheet in sheets:
        for r_idx, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            for c_idx, v in enumerate(row):
                if _norm(cell_text(v)) == want:
                    return sheet, r_idx, c_idx
    return None


def _year(sheet: Sheet, header_idx: int, file_name: str, issues: list[Issue]) -> int | None:
    want = _norm(risks.YEAR_LABEL)
    for r_idx, row in enumerate(sheet.rows[:header_idx]):
        for c_idx, v in enumerate(row):
            if _norm(cell_text(v)) == want:
                text = cell_text(row[c_idx + 1]) if c_idx + 1 < len(row) else ""
                try:
                    return parse_school_year(text)
                except SchoolYearError as exc:
                    issues.append(Issue(ERROR, str(exc), file=file_name, sheet=sheet.name, row=r_idx + 1,
                                        column=column_letter(c_idx + 1), value=text or None))
                    return None
    issues.append(Issue(ERROR, f"не найдена ячейка «{risks.YEAR_LABEL}» с учебным годом (например, 2024/2025) над "
                               "таблицей — скачайте шаблон заново.", file=file_name, sheet=sheet.name))
    return None


def _columns(sheet: Sheet, header_idx: int) -> dict[int, tuple[int, risks.Measure | None]]:
    """Column index -> (factor, None for the level or the measure)."""
    header = sheet.rows[header_idx]
    above = sheet.rows[header_idx - 1] if header_idx > 0 else []
    out: dict[int, tuple[int, risks.Measure | None]] = {}
    current: int | None = None
    for c_idx in range(len(header)):
        group = cell_text(above[c_idx]) if c_idx < len(above) else ""
        m = _FACTOR_HEAD.match(group)
        if m and 1 <= int(m.group(1)) <= len(risks.FACTORS):
            current = int(m.group(1))
        elif group:
            current = None
        text = _norm(cell_text(header[c_idx]))
        if text == _norm(risks.LEVEL_HEADER) and current is not None:
            out[c_idx] = (current, None)
        elif text in _MEASURE_BY_HEADER:
            out[c_idx] = _MEASURE_BY_HEADER[text]
    return out


def _label(number: int) -> str:
    return f"фактор {number} «{risks.BY_NUMBER[number].short_ru}»"


def rows_of_sheets(sheets: list[Sheet], file_name: str) -> tuple[int | None, list[RiskRow], list[Issue]]:
    """(school year, rows, issues). Raises ParseRefusal when the table itself is not found."""
    found = _find_header(sheets)
    if found is None:
        raise ParseRefusal([Issue(ERROR, f"не найдена строка заголовков с «{risks.CODE_HEADER}» — это не шаблон "
                                         "рисковых профилей. Скачайте шаблон на странице школы и заполните его.",
                                  file=file_name)])
    sheet, h_idx, code_col = found
    issues: list[Issue] = []
    year = _year(sheet, h_idx, file_name, issues)
    cols = _columns(sheet, h_idx)
    levels_found = sorted({f for f, m in cols.values() if m is None})
    if not levels_found:
        raise ParseRefusal([Issue(ERROR, "не найдено ни одного столбца «Уровень» под названием фактора риска "
                                         "(«1. Уровень оснащения…») — скачайте шаблон заново.",
                                  file=file_name, sheet=sheet.name, row=h_idx + 1)])
    header = sheet.rows[h_idx]
    name_col = next((i for i, v in enumerate(header) if _norm(cell_text(v)) == _norm(risks.NAME_HEADER)), None)
    out: list[RiskRow] = []
    seen: dict[str, int] = {}
    for i in range(h_idx + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        excel_row = i + 1
        values = {c: cells[c] for c in cols if c < len(cells) and cell_text(cells[c])}
        code = cell_text(cells[code_col]) if code_col < len(cells) else ""
        name = cell_text(cells[name_col]) if name_col is not None and name_col < len(cells) else ""
        if not values:
            continue                      # a school left as it was
        if not code:
            issues.append(Issue(ERROR, "не указан код школы, а уровни или показатели заполнены.", file=file_name,
                                sheet=sheet.name, row=excel_row, column=column_letter(code_col)))
            continue
        if code.lower() in seen:
            issues.append(Issue(ERROR, f"школа с этим кодом уже есть в строке {seen[code.lower()]}: каждая школа — "
                                       "одной строкой.", file=file_name, sheet=sheet.name, row=excel_row,
                                column=column_letter(code_col), value=code))
            continue
        seen[code.lower()] = excel_row
        rr = RiskRow(code, name, sheet.name, excel_row)
        for c, raw in values.items():
            number, m = cols[c]
            where = dict(file=file_name, sheet=sheet.name, row=excel_row, column=column_letter(c),
                         value=cell_text(raw))
            try:
                if m is None:
                    rr.levels[number] = risks.check_level(cell_text(raw))
                else:
                    v = risks.check_value(m, cell_number(raw))
                    if v is not None:
                        rr.measured.setdefault(number, {})[m.key] = v
            except risks.RiskError:
                if m is None:
                    issues.append(Issue(ERROR, f"не уровень риска ({_label(number)}): укажите «высокий», «средний» "
                                               "или «низкий».", **where))
                else:
                    issues.append(Issue(ERROR, _value_message(m, raw, number), **where))
            except NotANumber:
                issues.append(Issue(ERROR, f"не число ({_label(number)}, «{m.name_ru}», {m.unit_ru}).", **where))
        for number in sorted(set(rr.measured) - set(rr.levels)):
            level_col = next(c for c, (f, m) in cols.items() if f == number and m is None) \
                if any(f == number and m is None for f, m in cols.values()) else None
            issues.append(Issue(ERROR, f"показатели ({_label(number)}) указаны, а уровень — нет: укажите уровень "
                                       "«высокий», «средний» или «низкий».", file=file_name, sheet=sheet.name,
                                row=excel_row, column=None if level_col is None else column_letter(level_col)))
        out.append(rr)
    if not out and not issues:
        issues.append(Issue(ERROR, "в шаблоне не заполнено ни одного уровня риска.", file=file_name, sheet=sheet.name))
    return year, out, issues


def _value_message(m: risks.Measure, raw, number: int) -> str:
    what = f"{_label(number)}, «{m.name_ru}»"
    if m.kind == risks.SHARE:
        return f"доля указывается в процентах, от 0 до 100 ({what})."
    if m.kind == risks.COUNT:
        return f"нужно целое неотрицательное число человек ({what})."
    return f"нужно неотрицательное число ({what}, {m.unit_ru})."


def parse_risk_template(path: str | Path, file_name: str | None = None, hints=None, scales=None) -> RiskTemplateFile:
    """The sandbox's entry point (same signature as shnor.importing.parse.parse_file; hints and scales unused)."""
    file_name = file_name or Path(path).name
    try:
        year, rows, issues = rows_of_sheets(read_sheets(path, file_name), file_name)
    except ParseRefusal as refusal:
        return RiskTemplateFile(file_name=file_name, layout="", layout_ru="не распознан", issues=refusal.issues)
    return RiskTemplateFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU, rows=rows, rows_read=len(rows),
                            year=year, issues=issues)
