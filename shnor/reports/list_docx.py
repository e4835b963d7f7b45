"""The ШНОР list as the order's appendix in Word (seed 004, appendix 3): «Приложение / к приказу от 03.12.2021
№ 1324» at the right, the title, the school year and territory, and the numbered table «№ п/п | Территория |
ОО» whose header row repeats on each page. A list not yet approved is marked «ПРОЕКТ» and leaves the order's
date and number blank, to fill in by hand. Built on shnor/reports/docx_base.py (every value a plain text run).

    list_document(form: ListForm) -> bytes       form: shnor/reports/list_export.py `list_form`
"""
from __future__ import annotations

import pandas as pd
from docx.shared import Cm

from shnor.domain.fmt import fmt_int, plural
from shnor.domain.years import format_school_year
from shnor.reports import docx_base as d
from shnor.reports.excel import (APPENDIX, DRAFT_TITLE, FORM_HEADERS, TITLE, appendix_order_lines, coverage_line,
                                 listed_rows, sources_line, status_line)

APPENDIX_INDENT_CM = 9.0      # the «Приложение …» block starts here, as in the seeds' orders
WIDTHS_CM = (1.8, 4.7, 10.0)   # № п/п, Территория, ОО: 16,5 cm of text width on A4 with the official margins


def _block_line(doc, text: str, *, bold: bool = False) -> None:
    p = d.paragraph(doc, text, bold=bold, align="left", indent=False, space_after=0)
    p.paragraph_format.left_indent = Cm(APPENDIX_INDENT_CM)


def list_document(form) -> bytes:
    """The appendix as .docx bytes."""
    doc = d.new_document(title=f"Список ШНОР на {format_school_year(form.year)} — {form.territory_name}")
    if not form.approved:
        _block_line(doc, "ПРОЕКТ", bold=True)
    _block_line(doc, APPENDIX)
    for line in appendix_order_lines(form.order_number, form.order_date, form.order_ru):
        _block_line(doc, line)
    d.paragraph(doc, "", indent=False, space_after=6)
    d.title(doc, TITLE if form.approved else DRAFT_TITLE,
            f"на {format_school_year(form.year)} учебный год — {form.territory_name}")
    listed = listed_rows(form.frame)
    if listed.empty:
        d.paragraph(doc, "В списке нет ни одной школы.", italic=True, indent=False)
    else:
        table = pd.DataFrame({FORM_HEADERS[0]: [str(i) for i in range(1, len(listed) + 1)],
                              FORM_HEADERS[1]: list(listed["territory"]), FORM_HEADERS[2]: list(listed["name"])})
        t = d.table(doc, table, widths_cm=WIDTHS_CM, font_size=12, align=["center", "left", "left"])
        for col, w in zip(t.columns, WIDTHS_CM):    # the table grid too: LibreOffice lays columns out by it
            col.width = Cm(w)
    n = len(listed)
    d.paragraph(doc, f"Всего: {fmt_int(n)} {plural(n, 'образовательная организация', 'образовательные организации', 'образовательных организаций')} "
                     f"из {fmt_int(form.schools)} {plural(form.schools, 'школы', 'школ', 'школ')} территории.",
                indent=False, size=12)
    if not form.approved:
        d.note(doc, f"{status_line(None, True)}. {sources_line(form.year, form.generated_at)}.")
        if form.coverage is not None and not form.coverage.sufficient:
            d.note(doc, coverage_line(form.coverage))
    return d.to_bytes(doc)
