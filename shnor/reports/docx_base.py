"""Shared python-docx helpers for the Word documents (the «аналитическая справка», the school's справка, the list).

A document starts from the built-in template (python-docx's own, set to A4 with the margins of official
documents, Times New Roman 14 pt) or from a department's own letterhead (a .docx an admin uploads, see
shnor/services/templates.py). Everything written from data is plain text: a run of a Word paragraph is never
interpreted (no formulas, no markup), and `clean_text` removes the control characters XML cannot hold.
Only the "Normal" style is relied upon (an uploaded letterhead may have no other); headings, tables and lists are
formatted directly.

Functions (later only added to, never renamed):

    new_document(template: bytes | None = None, *, title="") -> Document
        the built-in A4 document, or the letterhead's: its header, footer and body text are kept; the content goes
        where a paragraph «{{СОДЕРЖАНИЕ}}» stands (the marker is removed), or after the letterhead's body.
    is_letterhead(doc) -> bool            the document was made from an uploaded letterhead
    clean_text(value) -> str              data as text for a run: None/NaN -> "", XML-illegal characters removed
    ru_date(day) -> str                   date(2024, 3, 5) -> «5 марта 2024 г.»
    heading_block(doc, department, *, subordinate="")
                                          the department's name at the top (skipped on a letterhead: it has its own)
    title(doc, text, subtitle="")         the document's name («АНАЛИТИЧЕСКАЯ СПРАВКА») and what it is about
    date_line(doc, day, *, number="", place="")
                                          «5 марта 2024 г.» on the left, «№ …» / the place on the right
    section_heading(doc, text, level=1)   a bold heading (outline level kept for the navigation pane)
    paragraph(doc, text, *, bold=False, italic=False, align="justify", indent=True, size=None, space_after=6)
                                          a body paragraph; `text` may also be a list of (text, bold) parts
    bullets(doc, items)                   a list, each item «– text» with a hanging indent
    note(doc, text)                       a small italic paragraph (sources, caveats)
    table(doc, frame, *, widths_cm=None, font_size=10, align=None, max_rows=None, total_row=False)
                                          a DataFrame as a bordered table, header row bold and repeated on each page
    image(doc, png, *, width_cm=16.0, caption="")
                                          a PNG picture (bytes) centred, with an optional caption
    signature(doc, position="Начальник управления", name="", *, performer="")
                                          «Начальник управления ____________ / ФИО /», optional «Исп.: …» below
    page_break(doc)
    chart_png(chart, *, scale=2.0) -> bytes
                                          an Altair chart as PNG (vl-convert, Russian number format: 12,5 %; 1 234;
                                          nothing fetched from outside), for `image`
    to_bytes(doc) -> bytes                the finished .docx (letterhead tail restored)
    save_document(doc, out_path) -> Path  written atomically (a temporary file renamed)

Constants: RU_NUMBER_LOCALE (d3-format locale), A4_WIDTH_CM, A4_HEIGHT_CM, MARGINS_CM (top, bottom, left, right), CONTENT_MARKER,
DEFAULT_DEPARTMENT («Управление образования»), DEFAULT_POSITION.
"""
from __future__ import annotations

import io
import math
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from shnor.domain.fmt import fmt_int, plural
from shnor.reports.cells import excel_text

A4_WIDTH_CM, A4_HEIGHT_CM = 21.0, 29.7
MARGINS_CM = (2.0, 2.0, 3.0, 1.5)          # top, bottom, left, right (ГОСТ Р 7.0.97-2016: left ≥ 2 cm)
CONTENT_MARKER = "{{СОДЕРЖАНИЕ}}"
DEFAULT_DEPARTMENT = "Управление образования"
DEFAULT_POSITION = "Начальник управления"
BASE_FONT = "Times New Roman"
BASE_SIZE_PT = 14

RU_NUMBER_LOCALE = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"],
                    "percent": "\u00a0%"}      # the dashboard's (shnor/ui/charts.py RU_LOCALE)
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
_MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
               "ноября", "декабря")
_MARKER_RE = re.compile(r"^\s*\{\{\s*(СОДЕРЖАНИЕ|CONTENT)\s*\}\}\s*$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------
# text
def clean_text(value) -> str:
    """Data as the text of a run: None and NaN are empty, numbers as str(), XML-illegal control characters removed,
    CR LF / CR as LF. Never interpreted: a Word run holds text, whatever it starts with («=», «**», «<»)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd
        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return excel_text(str(value))


def ru_date(day: date | datetime) -> str:
    """date(2024, 3, 5) -> «5 марта 2024 г.»."""
    return f"{day.day} {_MONTHS_GEN[day.month - 1]} {day.year} г."


def _add_text(paragraph, text: str, *, bold=False, italic=False, size: float | None = None):
    """Runs for `text`; a line feed inside it becomes a line break (not a new paragraph)."""
    lines = clean_text(text).split("\n")
    run = None
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    return run


def _fmt(paragraph, *, align: str | None = None, indent: bool = False, space_after: float | None = None,
         space_before: float | None = None, keep_with_next: bool = False) -> None:
    pf = paragraph.paragraph_format
    if align:
        paragraph.alignment = _ALIGN[align]
    pf.first_line_indent = Cm(1.25) if indent else Cm(0)
    if space_after is not None:
        pf.space_after = Pt(space_after)
    if space_before is not None:
        pf.space_before = Pt(space_before)
    if keep_with_next:
        pf.keep_with_next = True


# ---------------------------------------------------------------------------------------------------------------
# the document
def _a4(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(A4_WIDTH_CM), Cm(A4_HEIGHT_CM)
    top, bottom, left, right = MARGINS_CM
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)


def _set_base_font(doc: Document) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = BASE_FONT
    normal.font.size = Pt(BASE_SIZE_PT)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), BASE_FONT)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.0
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "ru-RU")


def _body_children(doc: Document) -> list:
    return [el for el in doc.element.body.iterchildren() if el.tag != qn("w:sectPr")]


def new_document(template: bytes | None = None, *, title: str = "") -> Document:
    """A document from the built-in template (A4, official margins, Times New Roman 14 pt), or from an uploaded
    letterhead: its headers, footers, styles and body text are kept; what is written goes where a paragraph
    «{{СОДЕРЖАНИЕ}}» stands, else after the letterhead's own body."""
    if template is None:
        doc = docx.Document()
        for section in doc.sections:
            _a4(section)
        _set_base_font(doc)
        # the built-in template has one empty paragraph in its body: nothing to keep
        for el in _body_children(doc):
            doc.element.body.remove(el)
        doc._shnor_letterhead = False
        doc._shnor_tail = []
    else:
        doc = docx.Document(io.BytesIO(template))
        doc._shnor_letterhead = True
        doc._shnor_tail = []
        children = _body_children(doc)
        for i, el in enumerate(children):
            if el.tag == qn("w:p") and _MARKER_RE.match("".join(t.text or "" for t in el.iter(qn("w:t")))):
                doc._shnor_tail = children[i + 1:]
                for tail_el in children[i:]:
                    doc.element.body.remove(tail_el)
                break
    if title:
        doc.core_properties.title = clean_text(title)[:250]
    return doc


def is_letterhead(doc: Document) -> bool:
    return bool(getattr(doc, "_shnor_letterhead", False))


def _finish(doc: Document) -> None:
    tail = getattr(doc, "_shnor_tail", [])
    if tail:
        body = doc.element.body
        sect = body.find(qn("w:sectPr"))
        for el in tail:
            if sect is not None:
                sect.addprevious(el)
            else:
                body.append(el)
        doc._shnor_tail = []


def to_bytes(doc: Document) -> bytes:
    _finish(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def save_document(doc: Document, out_path: str | os.PathLike) -> Path:
    """Written to a temporary file beside `out_path`, then renamed: a reader never sees half a document."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = to_bytes(doc)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".docx", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# ---------------------------------------------------------------------------------------------------------------
# blocks
def heading_block(doc: Document, department: str, *, subordinate: str = "") -> None:
    """The department's name (and a line below it, e.g. the territory) centred at the top. A letterhead has its own
    heading: nothing is written then."""
    if is_letterhead(doc):
        return
    p = doc.add_paragraph()
    _fmt(p, align="center", space_after=0)
    _add_text(p, (clean_text(department) or DEFAULT_DEPARTMENT).upper(), bold=True, size=13)
    if subordinate:
        p = doc.add_paragraph()
        _fmt(p, align="center", space_after=0)
        _add_text(p, subordinate, size=12)
    # a rule under the heading
    p = doc.add_paragraph()
    _fmt(p, space_after=12)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "8"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)


def title(doc: Document, text: str, subtitle: str = "") -> None:
    p = doc.add_paragraph()
    _fmt(p, align="center", space_before=6, space_after=0 if subtitle else 12, keep_with_next=True)
    _add_text(p, text, bold=True)
    if subtitle:
        p = doc.add_paragraph()
        _fmt(p, align="center", space_after=12, keep_with_next=True)
        _add_text(p, subtitle)


def _right_tab(paragraph, doc: Document) -> None:
    section = doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def date_line(doc: Document, day: date | datetime, *, number: str = "", place: str = "") -> None:
    """«5 марта 2024 г.» on the left; «№ …» or the place on the right."""
    p = doc.add_paragraph()
    _fmt(p, align="left", space_after=12)
    _right_tab(p, doc)
    right = f"№ {clean_text(number)}" if number else clean_text(place)
    _add_text(p, ru_date(day) + ("\t" + right if right else ""))


def section_heading(doc: Document, text: str, level: int = 1) -> None:
    p = doc.add_paragraph()
    _fmt(p, align="left", space_before=12 if level == 1 else 6, space_after=6, keep_with_next=True)
    _add_text(p, text, bold=True, italic=level > 1)
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), str(max(0, min(8, level - 1))))
    p._p.get_or_add_pPr().append(lvl)


def paragraph(doc: Document, text: str | Sequence[tuple[str, bool]], *, bold: bool = False, italic: bool = False,
              align: str = "justify", indent: bool = True, size: float | None = None, space_after: float = 6):
    """A body paragraph (first-line indent 1,25 cm, justified). `text` is data as plain text, or a list of
    (text, bold) parts for a sentence with a bold figure."""
    p = doc.add_paragraph()
    _fmt(p, align=align, indent=indent, space_after=space_after)
    parts = [(text, bold)] if isinstance(text, str) else list(text)
    for part, part_bold in parts:
        _add_text(p, part, bold=part_bold, italic=italic, size=size)
    return p


def bullets(doc: Document, items: Iterable[str], *, size: float | None = None) -> None:
    """Each item «– text» with a hanging indent (no numbering definitions needed: a letterhead may lack them)."""
    for item in items:
        p = doc.add_paragraph()
        _fmt(p, align="justify", space_after=3)
        pf = p.paragraph_format
        pf.left_indent, pf.first_line_indent = Cm(1.25 + 0.5), Cm(-0.5)
        _add_text(p, "–\u00a0" + clean_text(item), size=size)


def note(doc: Document, text: str) -> None:
    p = doc.add_paragraph()
    _fmt(p, align="left", space_after=6)
    _add_text(p, text, italic=True, size=10)


def page_break(doc: Document) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _cell_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
            el.set(qn(k), v)
        borders.append(el)
    tbl_pr.append(borders)


def _cell_text(cell, text: str, *, bold=False, size: float, align: str) -> None:
    p = cell.paragraphs[0]
    _fmt(p, align=align, space_after=0)
    _add_text(p, text, bold=bold, size=size)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    h = OxmlElement("w:tblHeader")
    h.set(qn("w:val"), "true")
    tr_pr.append(h)
    cant = OxmlElement("w:cantSplit")
    tr_pr.append(cant)


def _shade(cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _row_cells(row, table) -> list:
    """The cells of a row, read from its own XML (python-docx's `row.cells` walks the whole table each time, which
    makes a long table quadratic)."""
    from docx.table import _Cell
    return [_Cell(tc, table) for tc in row._tr.tc_lst]


def table(doc: Document, frame, *, widths_cm: Sequence[float] | None = None, font_size: float = 10,
          align: Sequence[str] | None = None, max_rows: int | None = None, total_row: bool = False):
    """A DataFrame as a bordered table: the header row (the frame's column names) bold, shaded and repeated on each
    page; every value written as text (format numbers before: shnor/domain/fmt.py). Columns holding numbers are
    right-aligned unless `align` says otherwise ("left"/"center"/"right" per column). `total_row` makes the last
    row bold. More than `max_rows` rows are cut, with a last row saying how many were left out. `widths_cm`: the
    columns' widths (else Word fits them to the text)."""
    columns = [str(c) for c in frame.columns]
    rows = [list(r) for r in frame.itertuples(index=False, name=None)]
    cut = 0
    if max_rows is not None and len(rows) > max_rows:
        cut, rows = len(rows) - max_rows, rows[:max_rows]
    if align is None:
        align = []
        for j in range(len(columns)):
            vals = [r[j] for r in rows if clean_text(r[j]) not in ("", "—")]
            numeric = bool(vals) and all(
                isinstance(v, (int, float)) or re.fullmatch(r"[-−+]?[\d\s\u00a0\u202f,.]+\s?%?", str(v))
                for v in vals)
            align.append("right" if numeric else "left")
    t = doc.add_table(rows=1, cols=len(columns))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = widths_cm is None
    _cell_borders(t)
    header = t.rows[0]
    _repeat_header(header)
    for j, (cell, name) in enumerate(zip(_row_cells(header, t), columns)):
        _cell_text(cell, name, bold=True, size=font_size, align="center")
        _shade(cell, "E7E6E6")
    for i, r in enumerate(rows):
        row = t.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))   # a row is never cut across two pages
        cells = _row_cells(row, t)
        bold = total_row and i == len(rows) - 1 and not cut
        for j, v in enumerate(r):
            _cell_text(cells[j], clean_text(v) or "—", bold=bold, size=font_size, align=align[j])
    if cut:
        cells = _row_cells(t.add_row(), t)
        merged = cells[0].merge(cells[-1]) if len(cells) > 1 else cells[0]
        _cell_text(merged, f"… и ещё {fmt_int(cut)} {plural(cut, 'строка', 'строки', 'строк')}", size=font_size,
                   align="left")
    if widths_cm:
        widths = [Cm(w) for w in widths_cm]
        for j, col in enumerate(t.columns):
            if j < len(widths):
                col.width = widths[j]
        for tr in t._tbl.tr_lst:
            for j, tc in enumerate(tr.tc_lst):
                if j < len(widths) and tc.grid_span == 1:
                    tc.width = widths[j]
    _small_gap(doc)
    return t


def _small_gap(doc: Document) -> None:
    """An empty 6-pt paragraph: the gap after a table (Word joins two tables that touch)."""
    gap = doc.add_paragraph()
    _fmt(gap, space_after=0)
    rpr = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "12")
        rpr.append(el)
    gap._p.get_or_add_pPr().append(rpr)


def image(doc: Document, png: bytes, *, width_cm: float = 16.0, caption: str = "") -> None:
    p = doc.add_paragraph()
    _fmt(p, align="center", space_after=0 if caption else 6, keep_with_next=bool(caption))
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
    if caption:
        c = doc.add_paragraph()
        _fmt(c, align="center", space_after=10)
        _add_text(c, caption, italic=True, size=11)


def chart_png(chart, *, scale: float = 2.0) -> bytes:
    """An Altair chart (or a Vega-Lite spec dict) rendered to PNG by vl-convert with the Russian number locale;
    the spec's data must be inline (no URL is fetched)."""
    import vl_convert as vlc
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    return vlc.vegalite_to_png(spec, scale=scale, format_locale=RU_NUMBER_LOCALE, allowed_base_urls=[])


def signature(doc: Document, position: str = DEFAULT_POSITION, name: str = "", *, performer: str = "") -> None:
    """«Начальник управления    ____________ / И. О. Фамилия /»; an empty name leaves a line to fill in by hand."""
    p = doc.add_paragraph()
    _fmt(p, align="left", space_before=30, space_after=0)
    _right_tab(p, doc)
    who = clean_text(name) or "_" * 16
    _add_text(p, f"{clean_text(position) or DEFAULT_POSITION}\t{'_' * 14} / {who} /")
    if performer:
        q = doc.add_paragraph()
        _fmt(q, align="left", space_before=36, space_after=0)
        _add_text(q, f"Исп.: {clean_text(performer)}", size=10)


__all__ = [
    "A4_WIDTH_CM", "A4_HEIGHT_CM", "MARGINS_CM", "CONTENT_MARKER", "DEFAULT_DEPARTMENT", "DEFAULT_POSITION",
    "new_document", "is_letterhead", "clean_text", "ru_date", "heading_block", "title", "date_line",
    "section_heading", "paragraph", "bullets", "note", "table", "image", "signature", "page_break", "to_bytes",
    "save_document", "chart_png", "RU_NUMBER_LOCALE",
]
