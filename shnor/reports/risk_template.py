"""The risk-profile template (.xlsx) a methodist downloads, fills in and uploads back
(shnor/importing/risk_template.py reads it; shnor/services/support.py stores it).

Sheet «Рисковые профили»:
  row 1   «Учебный год» | 2024/2025 | how to fill it in
  row 2   the ten factors' names over their columns (merged), «1. Уровень оснащения …»
  row 3   «Код школы» | «Школа» | «Территория» | per factor: «Уровень», then its measured values with units
  row 4…  one school per row, ШНОР first, with the levels and values already stored for the year
Column D is the level of factor 1. Sheet «Справка» lists the factors, what each covers and the values.
A level is a word from a list (высокий / средний / низкий); shares are entered in per cent (12,5).
Every text cell goes through shnor/reports/cells.py (a string cell, never a formula). Returns bytes.
"""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shnor.domain import risks
from shnor.domain.years import format_school_year
from shnor.reports.cells import set_text_cell

SHEET, HELP_SHEET = risks.TEMPLATE_SHEET, "Справка"
YEAR_ROW, GROUP_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
FIRST_FACTOR_COL = 4   # D
HOW_TO = ("Уровень: «высокий», «средний» или «низкий» (пустая ячейка — уровень не меняется). Доли — в процентах "
          "(12,5), число человек — целым числом. Не меняйте заголовки и коды школ.")

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE8F3")
_LEVEL_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row, col)
    try:
        if pd.isna(value):
            value = None
    except (TypeError, ValueError):
        pass
    set_text_cell(cell, value)
    return cell


def risk_template(schools: pd.DataFrame, year: int, levels: pd.DataFrame | None = None) -> bytes:
    """The workbook for school year `year`: `schools` (school_id, school_code, short_name, territory; in the
    order to list them) with their stored `levels` (store.support.risk_levels rows of the year) filled in."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _put(ws, YEAR_ROW, 1, risks.YEAR_LABEL).font = Font(bold=True)
    _put(ws, YEAR_ROW, 2, format_school_year(year)).font = Font(bold=True)
    _put(ws, YEAR_ROW, 3, HOW_TO).alignment = Alignment(wrap_text=False)

    cols = risks.template_columns()
    for c, head in enumerate((risks.CODE_HEADER, risks.NAME_HEADER, risks.TERRITORY_HEADER), start=1):
        cell = _put(ws, HEADER_ROW, c, head)
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEAD_FILL, _BORDER, _WRAP
    col = FIRST_FACTOR_COL
    for f in risks.FACTORS:
        width = 1 + len(f.measures)
        cell = _put(ws, GROUP_ROW, col, risks.group_title(f))
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEAD_FILL, _BORDER, _WRAP
        if width > 1:
            ws.merge_cells(start_row=GROUP_ROW, start_column=col, end_row=GROUP_ROW, end_column=col + width - 1)
        col += width
    for i, (number, m) in enumerate(cols):
        cell = _put(ws, HEADER_ROW, FIRST_FACTOR_COL + i, risks.LEVEL_HEADER if m is None else m.header_ru)
        cell.font, cell.border, cell.alignment = Font(bold=True), _BORDER, _WRAP
        cell.fill = _LEVEL_FILL if m is None else _HEAD_FILL

    by_key: dict[tuple[int, int], tuple[str, dict]] = {}
    if levels is not None:
        for r in levels.itertuples(index=False):
            by_key[(int(r.school_id), int(r.factor))] = (r.level, r.measured or {})
    last = FIRST_DATA_ROW + max(len(schools), 1) - 1
    for i, s in enumerate(schools.itertuples(index=False)):
        row = FIRST_DATA_ROW + i
        _put(ws, row, 1, str(s.school_code))
        _put(ws, row, 2, str(s.short_name))
        _put(ws, row, 3, str(s.territory))
        for j, (number, m) in enumerate(cols):
            stored = by_key.get((int(s.school_id), number))
            if stored is None:
                continue
            level, measured = stored
            value = risks.LEVEL_RU[level] if m is None else m.entered(measured.get(m.key))
            _put(ws, row, FIRST_FACTOR_COL + j, value)
    # a drop-down of the three words in every level column (typing another word is still refused on upload)
    dv = DataValidation(type="list", formula1='"высокий,средний,низкий"', allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(dv)
    for j, (number, m) in enumerate(cols):
        letter = get_column_letter(FIRST_FACTOR_COL + j)
        ws.column_dimensions[letter].width = 12 if m is None else 18
        if m is None:
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{max(last, FIRST_DATA_ROW + 200)}")
        elif m.kind != risks.COUNT:
            for r in range(FIRST_DATA_ROW, last + 1):
                ws.cell(r, FIRST_FACTOR_COL + j).number_format = "0.0"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 24
    ws.row_dimensions[GROUP_ROW].height = 48
    ws.row_dimensions[HEADER_ROW].height = 75
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_FACTOR_COL)

    help_ws = wb.create_sheet(HELP_SHEET)
    for c, head in enumerate(("№", "Фактор риска", "Что оценивается (проект «500+»)", "Показатели и единицы"), 1):
        cell = _put(help_ws, 1, c, head)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
    for i, f in enumerate(risks.FACTORS, start=2):
        _put(help_ws, i, 1, f.number)
        _put(help_ws, i, 2, f.name_ru).alignment = _WRAP
        _put(help_ws, i, 3, f.about_ru).alignment = _WRAP
        _put(help_ws, i, 4, "; ".join(m.header_ru for m in f.measures)).alignment = _WRAP
    for letter, width in zip("ABCD", (5, 40, 70, 60)):
        help_ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def file_name(year: int) -> str:
    return f"Рисковые профили {format_school_year(year).replace('/', '-')}.xlsx"
