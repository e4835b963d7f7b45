"""The analyses' downloads (shnor/read/analyses.py, each view's `download()` frame with Russian headers) as an
Excel workbook. Every text cell goes through shnor/reports/cells.py (a string cell, never a formula, whatever it
starts with); numbers stay numbers; an empty value (None, NaN) is an empty cell, never «nan».

    data = analyses_xlsx(view.download(), "Объективность", notes=[view.criterion])
"""
from __future__ import annotations

import io
import math

import pandas as pd

from shnor.reports.cells import set_text_cell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31                       # Excel's limit for a sheet name
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
WIDE = 60                                  # the widest column, in characters


def _value(v):
    """A cell's value: None for missing, plain Python numbers (numpy scalars are not openpyxl's), text as is."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, bool):
        return "да" if v else "нет"
    return v


def sheet_title(title: str) -> str:
    """A name Excel accepts: no []:*?/\\, at most 31 characters."""
    return (title.translate(_SHEET_FORBIDDEN).strip() or "Лист")[:SHEET_TITLE_MAX]


def analyses_xlsx(frame: pd.DataFrame, title: str, notes: list[str] | None = None) -> bytes:
    """One sheet named `title`: the lines of `notes` first (the criterion, what the figures are), a blank row,
    then the table with a bold header row, frozen under the header, with an autofilter."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    row = 1
    for line in notes or []:
        set_text_cell(ws.cell(row=row, column=1), str(line))
        ws.cell(row=row, column=1).alignment = Alignment(wrap_text=False)
        row += 1
    if notes:
        row += 1
    head = row
    for j, name in enumerate(frame.columns, start=1):
        c = ws.cell(row=head, column=j)
        set_text_cell(c, str(name))
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [min(WIDE, max(10, len(str(name)) // 2 + 2)) for name in frame.columns]
    for i, values in enumerate(frame.itertuples(index=False), start=head + 1):
        for j, v in enumerate(values, start=1):
            v = _value(v)
            set_text_cell(ws.cell(row=i, column=j), v)
            if isinstance(v, str):
                widths[j - 1] = min(WIDE, max(widths[j - 1], len(v) + 2))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    if len(frame.columns):
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(frame.columns))}{head + max(1, len(frame))}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

