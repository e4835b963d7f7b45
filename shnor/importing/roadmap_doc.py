"""A roadmap («дорожная карта», a plan of measures) read from a Word .docx or an Excel/ODS/CSV table into a pure
structure: the measures with their numbers, sections, deadlines (as written), responsible bodies and expected
results, and the title, period and approving order from the text above the table.

Runs in the sandbox's child interpreter (shnor/importing/sandbox.py, `parse_in_child(..., entry="roadmap")`):
`parse_roadmap` never raises for a bad file, it returns a `RoadmapDoc` whose `errors` say (in Russian, naming the
file) why nothing can be stored, and whose `warnings` name the table (sheet) and row of what was left out.
Pure: never opens the database. Deadlines stay text here (shnor/domain/deadlines.py turns them into dates).

The shapes handled are those of the seed roadmaps (../shared/seeds): a header row «№ п/п | Мероприятие | Срок |
Ответственный | Результат» in any of its wordings; section rows (a merged row, a number with a heading and no
deadline when «1.1.» follows, «Раздел 2. …», «I. …», a bold heading); numbers «1.1.», «2.12.», «1.», «1)»; several
tables (a table without a header right after a measure table continues its columns, a table whose header repeats
after a page break continues its sections); a header repeated inside a table and a numbering row «1 | 2 | 3 | 4»
are skipped; merged cells are read once.

A .docx is a zip: its size, unpacked size, number of parts, macros and XML entities are checked before python-docx
opens it. The XML is then read directly (python-docx only finds the main part), so that hostile merges and spans
cannot make the reader fail or grow without bound.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from shnor.importing.model import ParseRefusal
from shnor.importing.reading import ACCEPTED as SHEET_FORMATS
from shnor.importing.reading import MAX_DECOMPRESSED_BYTES, MAX_UPLOAD_BYTES, read_sheets

MAX_ZIP_ENTRIES = 2000           # a Word document has a few dozen parts; pictures add one each
MAX_XML_BYTES = 100 * 1024 * 1024  # the XML parts together, unpacked (a 300-page document is ~10 MB)
MAX_COLUMNS = 64                 # a wider table is not a table of measures (and a hostile span stops here)
MAX_ROWS = 20_000                # rows read per table or sheet
MAX_WARNINGS = 100
HEADER_SEARCH_ROWS_DOCX = 5      # a Word table's header is in its first rows
HEADER_SEARCH_ROWS_SHEET = 40    # a sheet may have the title and the order above the header
LABEL_MAX_CHARS = 300            # a paragraph above a table longer than this is not its caption


@dataclass
class RoadmapMeasure:
    number: str            # as written, e.g. "2.12." or "" when the row has text but no number
    section: str           # the section heading as written with its number, e.g. "1. Организационные мероприятия"
    text: str              # the measure's text, line breaks inside a cell kept as "\n"
    deadline_text: str
    responsible: str
    expected_result: str
    schools_text: str = ""  # a column naming the schools it concerns, when the table has one
    source_row: int = 0     # 1-based row in the table (the Excel row for a sheet), for messages
    source_table: int = 0   # 1-based table index in the document (or sheet index)


@dataclass
class RoadmapDoc:
    file_name: str
    title: str                 # «Дорожная карта … на 2020-2021 учебный год»
    period_text: str           # «на 2020-2021 учебный год» ("" if none)
    order_number: str          # approving order «№ 123» -> "123" ("" if none)
    order_date: date | None    # «от 15.09.2020» / «от 15 сентября 2020 г.»
    school_hint: str           # for a school's own roadmap: the school named in the title («МБОУ «СОШ № 5»») else ""
    measures: list[RoadmapMeasure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)   # Russian, naming table/sheet and row
    errors: list[str] = field(default_factory=list)     # Russian; non-empty means "refused, nothing stored"

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def failed_roadmap(file_name: str, message: str) -> RoadmapDoc:
    """A refused roadmap carrying one error (also used by the sandbox when the child fails)."""
    return RoadmapDoc(file_name=file_name, title="", period_text="", order_number="", order_date=None,
                      school_hint="", errors=[message])


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u200b\ufeff\r\f\v]+")


def clean_text(s: str) -> str:
    """Lines kept (joined by "\\n"), spaces collapsed inside each line, empty lines and outer space dropped."""
    lines = (_SPACES.sub(" ", line).strip() for line in str(s).replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(s: str) -> str:
    return " ".join(clean_text(s).split("\n"))


def _norm(s: str) -> str:
    """Lowercase, ё as е, one line: for matching headers."""
    return one_line(s).lower().replace("ё", "е")


# ---------------------------------------------------------------------------------------------
# The header row
# ---------------------------------------------------------------------------------------------
NUMBER, TEXT, DEADLINE, RESPONSIBLE, RESULT, SCHOOLS = "number", "text", "deadline", "responsible", "result", "schools"
_LEAD = r"^(?:[а-яa-z]{4,}\s+){0,2}?"   # up to two leading words («Наименование», «Ожидаемый», «Сроки»…)
_HEADER_KINDS = [  # tried in this order on each header cell; the first that matches decides
    (NUMBER, re.compile(r"^(?:№|n|no|n°)\s*(?:п\s*[/.\\]?\s*п\.?)?$|^п\s*[/.]\s*п\.?$")),
    (DEADLINE, re.compile(r"^(?:[а-я]{4,}\s+)?(?:срок|дата|период|время)")),
    (RESPONSIBLE, re.compile(r"^(?:[а-я]{4,}\s+)?(?:ответствен|исполнител|кто\b)")),
    (RESULT, re.compile(_LEAD + r"(?:результат|показател|продукт|итог|эффект|форма\s+отч|выход)")),
    (TEXT, re.compile(_LEAD + r"(?:мероприят|содержан|деятельност|действи|работ|задач|направлени|наименование$)")),
    (SCHOOLS, re.compile(r"^(?:[а-я]{4,}\s+)?(?:школ|оо\b|образовательн\w*\s+организ|учреждени|участник)")),
]
HEADER_CELL_MAX_CHARS = 80


def header_kinds(texts: list[str]) -> dict[str, int]:
    """kind -> column of a header row (first column of each kind); empty unless «Мероприятие» and «Срок» are
    both there."""
    kinds: dict[str, int] = {}
    for i, t in enumerate(texts):
        n = _norm(t)
        if not n or len(n) > HEADER_CELL_MAX_CHARS:
            continue
        for kind, rx in _HEADER_KINDS:
            if rx.search(n):
                kinds.setdefault(kind, i)
                break
    if TEXT not in kinds or DEADLINE not in kinds:
        return {}
    if NUMBER not in kinds:
        # an unlabeled column just left of the text holds the numbers («| Мероприятие | Срок»)
        left = kinds[TEXT] - 1
        if left >= 0 and not texts[left].strip() and left not in kinds.values():
            kinds[NUMBER] = left
    return kinds


# ---------------------------------------------------------------------------------------------
# Numbers and sections
# ---------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^(?:\d{1,3}(?:\s?\.\s?\d{1,3})*\.?|\d{1,3}\)|[IVXLC]{1,6}\.?)$")
_TOP_NUMBER = re.compile(r"^(\d{1,2}|[IVXLC]{1,6})\.?$")
_LEADING_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*\.|\d{1,3}\))\s+(\S.*)$", re.S)
_SECTION_TEXT = re.compile(r"^(?:(?:раздел|блок|часть|направление)\s+(?:\d{1,2}|[IVXLC]{1,6})\b"
                           r"|[IVXLC]{1,6}\.\s+\S|\d{1,2}\.\s+[А-ЯЁA-Z«\"])", re.I)
_SECTION_WORD = re.compile(r"^(?:раздел|блок|часть)\b", re.I)


def _is_number(s: str) -> bool:
    return bool(_NUMBER.match(s))


def _tidy_number(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _numbering_row(texts: list[str]) -> bool:
    """«1 | 2 | 3 | 4 | 5»: the column numbers under a header."""
    vals = [t for t in texts if t]
    if len(vals) < 3 or not all(re.fullmatch(r"\d{1,2}\.?", v) for v in vals):
        return False
    nums = [int(v.rstrip(".")) for v in vals]
    return all(b == a + 1 for a, b in zip(nums, nums[1:]))


# ---------------------------------------------------------------------------------------------
# Tables, as both readers give them
# ---------------------------------------------------------------------------------------------
@dataclass
class _Cell:
    text: str
    key: object            # cells of one merged area share a key
    bold: bool = False


@dataclass
class _Table:
    index: int                       # 1-based table (or sheet) index, for messages
    where: str                       # «таблица 3» / «лист «План»»
    rows: list[list[_Cell]]
    row_numbers: list[int]           # 1-based row numbers as the user sees them
    before: list[str] = field(default_factory=list)  # paragraphs between the previous table and this one


def _row_texts(row: list[_Cell]) -> tuple[list[str], list[int]]:
    """The texts of a row with a merged area read once (in its first column) and, per column, how many columns
    its area spans in this row."""
    counts: dict[int, int] = {}
    for c in row:
        counts[id(c.key)] = counts.get(id(c.key), 0) + 1
    texts = [c.text if i == 0 or row[i - 1].key is not c.key else "" for i, c in enumerate(row)]
    return texts, [counts[id(c.key)] for c in row]


# ---------------------------------------------------------------------------------------------
# Reading a .docx
# ---------------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIP_SUBTREES = {_W + "del", _W + "drawing", _W + "pict", _W + "object", _W + "instrText", _W + "delText",
                  "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"}
_FALSE = {"0", "false", "off"}


def _wval(el, name: str) -> str | None:
    child = el.find(_W + name) if el is not None else None
    return None if child is None else child.get(_W + "val")


def _para(p) -> tuple[str, bool]:
    """A paragraph's text (line breaks as "\\n") and whether every run with text in it is bold."""
    parts: list[str] = []
    bold_runs = plain_runs = 0

    def walk(el) -> None:
        nonlocal bold_runs, plain_runs
        for ch in el:
            tag = ch.tag
            if not isinstance(tag, str) or tag in _SKIP_SUBTREES:
                continue
            if tag == _W + "r":
                start = len(parts)
                walk(ch)
                if "".join(parts[start:]).strip():
                    rpr = ch.find(_W + "rPr")
                    b = rpr.find(_W + "b") if rpr is not None else None
                    if b is not None and (b.get(_W + "val") or "true").lower() not in _FALSE:
                        bold_runs += 1
                    else:
                        plain_runs += 1
            elif tag == _W + "t":
                parts.append(ch.text or "")
            elif tag == _W + "tab":
                parts.append(" ")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag == _W + "pPr" or tag == _W + "rPr":
                continue
            else:
                walk(ch)

    walk(p)
    return "".join(parts), bold_runs > 0 and plain_runs == 0


def _children(el) -> Iterator:
    """Children with content-control and custom-XML wrappers opened."""
    for ch in el:
        if ch.tag in _CONTAINERS:
            yield from _children(ch)
        elif isinstance(ch.tag, str):
            yield ch


def _cell_content(tc) -> tuple[str, bool]:
    lines: list[str] = []
    bold = True
    any_text = False
    for ch in _children(tc):
        if ch.tag == _W + "p":
            t, b = _para(ch)
            if t.strip():
                any_text = True
                bold = bold and b
            lines.append(t)
        elif ch.tag == _W + "tbl":   # a table inside a cell: its rows as lines
            for tr in _children(ch):
                if tr.tag == _W + "tr":
                    cells = [clean_text(_cell_content(c)[0]) for c in _children(tr) if c.tag == _W + "tc"]
                    lines.append(" ".join(c for c in cells if c))
    return clean_text("\n".join(lines)), bold and any_text


def _int_attr(v: str | None, default: int, cap: int) -> int:
    try:
        return max(0, min(int(v), cap)) if v is not None else default
    except ValueError:
        return default


def _docx_rows(tbl) -> list[list[_Cell]]:
    """A table as a grid: a horizontal span repeats one cell object, a vertical merge («continue») repeats the
    cell above; rows are padded to the widest. Read from the XML directly (robust to broken merges)."""
    rows: list[list[_Cell]] = []
    for tr in _children(tbl):
        if tr.tag != _W + "tr":
            continue
        if len(rows) >= MAX_ROWS:
            break
        trpr = tr.find(_W + "trPr")
        before = _int_attr(_wval(trpr, "gridBefore"), 0, MAX_COLUMNS)
        row: list[_Cell] = [_Cell("", object()) for _ in range(before)]
        for tc in _children(tr):
            if tc.tag != _W + "tc" or len(row) >= MAX_COLUMNS:
                continue
            tcpr = tc.find(_W + "tcPr")
            span = max(1, _int_attr(_wval(tcpr, "gridSpan"), 1, MAX_COLUMNS))
            vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
            col = len(row)
            if vmerge is not None and (vmerge.get(_W + "val") or "continue") == "continue" and rows \
                    and col < len(rows[-1]):
                cell = rows[-1][col]           # the same merged area as the cell above
            else:
                text, bold = _cell_content(tc)
                cell = _Cell(text, object(), bold)
            row.extend([cell] * min(span, MAX_COLUMNS - len(row)))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend(_Cell("", object()) for _ in range(width - len(r)))
    return rows


def _docx_blocks(path: Path) -> list[str | _Table]:
    """The body in order: paragraphs (str) and tables."""
    import docx  # python-docx: only to find the main document part of the package

    body = docx.Document(str(path)).element.body
    blocks: list[str | _Table] = []
    n_tables = 0
    for el in _children(body):
        if el.tag == _W + "p":
            blocks.append(clean_text(_para(el)[0]))
        elif el.tag == _W + "tbl":
            n_tables += 1
            rows = _docx_rows(el)
            blocks.append(_Table(n_tables, f"таблица {n_tables}", rows, list(range(1, len(rows) + 1))))
    return blocks


# ---------------------------------------------------------------------------------------------
# Reading a sheet
# ---------------------------------------------------------------------------------------------
def _sheet_value_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "да" if v else "нет"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.strftime("%d.%m.%Y") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%d.%m.%Y %H:%M")
    if isinstance(v, date):
        return v.strftime("%d.%m.%Y")
    return clean_text(str(v))


def _merged_ranges(path: Path) -> dict[str, list]:
    """Merged areas per sheet, as calamine gives them ((r0, c0), (r1, c1)), 0-based; {} when unknown."""
    try:
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_path(str(path))
        out = {}
        for name in wb.sheet_names:
            out[name] = wb.get_sheet_by_name(name).merged_cell_ranges or []
        return out
    except Exception:   # merges only improve the reading: a book calamine read once has its values already
        return {}


def _sheet_tables(path: Path, file_name: str) -> list[_Table]:
    sheets = read_sheets(path, file_name)
    merges = _merged_ranges(path) if Path(file_name).suffix.lower() != ".csv" else {}
    tables = []
    for s_idx, sheet in enumerate(sheets, 1):
        raw = sheet.rows[:MAX_ROWS]
        width = min(max((len(r) for r in raw), default=0), MAX_COLUMNS)
        grid = [[_Cell(_sheet_value_text(r[c]) if c < len(r) else "", (i, c)) for c in range(width)]
                for i, r in enumerate(raw)]
        for (r0, c0), (r1, c1) in merges.get(sheet.name, []):
            if r0 >= len(grid) or c0 >= width:
                continue
            origin = grid[r0][c0]
            for r in range(r0, min(r1, len(grid) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    grid[r][c] = origin
        tables.append(_Table(s_idx, f"лист «{sheet.name}»", grid, list(range(1, len(grid) + 1))))
    return tables


# ---------------------------------------------------------------------------------------------
# Title, period, order, school
# ---------------------------------------------------------------------------------------------
_TITLE_START = re.compile(
    r"^(?:\d{1,2}\.\s*)?(?:дорожн\w*\s+карт\w*|(?:муниципальн\w*|региональн\w*|комплексн\w*|школьн\w*)\s+план\b"
    r"|план(?:\s*-\s*график)?\b|программ\w*\s+(?:перевода|перехода|повышения|поддержки|помощи))", re.I)
_TITLE_STOP = re.compile(r"^(?:утвержд|приложени|паспорт|таблица|согласован|принят|приказ|№\s*п|цель|задач|основани"
                         r"|описание|раздел|введение|пояснительн|\d{1,2}\.\s|[IVX]{1,4}\.\s)", re.I)
_PERIOD = re.compile(r"\bна\s+(?:20\d\d\s*[-–—/]\s*(?:20)?\d\d|20\d\d)(?:\s*(?:(?:учебн\w*|уч\.)\s*(?:год\w*|гг?\.?)"
                     r"|годы|года|год|гг\.?|г\.))?", re.I)
_PERIOD_BARE = re.compile(r"\b20\d\d\s*[-–—/]\s*(?:20)?\d\d\s*(?:(?:учебн\w*|уч\.)\s*(?:год\w*|гг?\.?)|годы|гг\.?)",
                          re.I)
_MONTHS = {"января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
           "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12}
_DATE = (r"(?:(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4}|\d{2})"
         r"|[«\"]?\s*(\d{1,2})\s*[»\"]?\s+(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября"
         r"|ноября|декабря)\s+(\d{4}))")
_ORDER_NUM = r"(\d[\w\-/.]*|[A-ZА-ЯЁa-zа-яё]{1,4}-?\d[\w\-/.]*)"
_ORDER = re.compile(r"\bот\s+" + _DATE + r"\s*(?:г\.?|года)?\s*[,.]?\s*(?:г\.?)?\s*№\s*" + _ORDER_NUM
                    + r"|№\s*" + _ORDER_NUM + r"\s*,?\s*от\s+" + _DATE, re.I)
_ORDER_KEY = re.compile(r"(?i:утвержд|приказом|постановлением|распоряжением|к\s+приказу|к\s+постановлению"
                        r"|к\s+распоряжению)|П\s?Р\s?И\s?К\s?А\s?З\b|П\s?О\s?С\s?Т\s?А\s?Н\s?О\s?В\s?Л\s?Е\s?Н\s?И\s?Е\b"
                        r"|Р\s?А\s?С\s?П\s?О\s?Р\s?Я\s?Ж\s?Е\s?Н\s?И\s?Е\b")
_OWNER = r"(?:[МГЧН][А-ЯЁ]{0,4}ОУ|МОБУ|МБОО|МАОО|МКОО|ГБПОУ|АНОО)"
_QUOTED = r"(?:«[^«»]{1,120}(?:«[^«»]{1,80}»[^«»]{0,40})?»|\"[^\"]{1,120}\"|“[^”]{1,120}”|„[^“”]{1,120}[“”])"
_SCHOOL = re.compile(
    r"(?:" + _OWNER + r"\s*" + _QUOTED
    + r"|" + _OWNER + r"\s+(?:[А-ЯЁ]{2,4}\s*)?(?:СОШ|ООШ|НОШ|школа|гимназия|лицей)[^,;()«»\"]{0,30}?№\s*\d+[А-ЯЁа-яё]?"
    + r"|(?:муниципальн|государственн|частн)\w*\s+(?:\w+\s+){0,3}?(?:учреждени|организаци)\w*\s*" + _QUOTED
    + r"|\b(?:СОШ|ООШ|НОШ|[Шш]кол[аыу]|[Гг]имнази[яиюй]|[Лл]ице[яйю])\s*№\s*\d+[А-ЯЁа-яё]?)")


def _title(lines: list[str]) -> str:
    start = next((i for i, line in enumerate(lines) if _TITLE_START.match(line)), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if re.search(r"дорожн\w*\s+карт", line, re.I)
                      and len(line) <= LABEL_MAX_CHARS * 2), None)
        if start is None:
            return ""
    parts: list[str] = []
    for line in lines[start:start + 8]:
        if not line or (parts and _TITLE_STOP.match(line)):
            break
        parts.append(line)
        joined = " ".join(parts)
        if _PERIOD.search(line) or _PERIOD_BARE.search(line) or len(joined) > 600:
            break
    return one_line(" ".join(parts))


def _period(title: str, lines: list[str]) -> str:
    for text in (title, *lines):
        m = _PERIOD.search(text) or (_PERIOD_BARE.search(text) if text is title else None)
        if m:
            return one_line(m.group(0)).rstrip(",;: ")
    return ""


def _date_of(groups: tuple) -> date | None:
    d, m, y, d2, mname, y2 = groups
    try:
        if d:
            year = int(y) + (2000 if len(y) == 2 else 0)
            return date(year, int(m), int(d))
        return date(int(y2), _MONTHS[mname.lower()], int(d2))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _order(paragraph_text: str, table_text: str) -> tuple[str, date | None]:
    """The approving order: the first «от DATE № N» (or «№ N от DATE») with an approval word before it
    («УТВЕРЖДЕН приказом», «ПРИКАЗ», «Приложение к приказу»), in the paragraphs or the small tables above the
    measures; else the first such phrase in the paragraphs."""
    keyed: list[re.Match] = []
    plain: list[re.Match] = []
    for source, text in (("p", paragraph_text), ("t", table_text)):
        text = re.sub(r"_+", " ", text)
        for m in _ORDER.finditer(text):
            if _ORDER_KEY.search(text[max(0, m.start() - 250):m.start()]):
                keyed.append(m)
                break
            if source == "p":
                plain.append(m)
    m = (keyed or plain or [None])[0]
    if m is None:
        return "", None
    g = m.groups()          # «от DATE № N»: date g[0:6], number g[6]; «№ N от DATE»: number g[7], date g[8:14]
    if g[6] is not None:
        return g[6].rstrip(".-/"), _date_of(g[0:6])
    return g[7].rstrip(".-/"), _date_of(g[8:14])


def _school(title: str) -> str:
    m = _SCHOOL.search(title)
    return one_line(m.group(0)).rstrip(" ,.;") if m else ""


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------
@dataclass
class _Item:
    # "measure", "section"; "top" (a top-level number with text only) and "loose" (text only, no number): decided
    # by what follows; "header" (the header again), "reset" (a new table with its own header, after other text)
    kind: str
    number: str = ""
    text: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    table: int = 0
    row: int = 0
    group: int = 0


def _label_like(line: str) -> bool:
    """«Таблица 1.», «Продолжение таблицы», «(окончание)», a page number: paragraphs that do not separate a table
    from the one before it."""
    n = _norm(line)
    return (not n or bool(re.match(r"^(?:таблица\s*\d*|продолжение|окончание|\(?продолжение|\(?окончание)", n))
            or bool(re.fullmatch(r"[\d\s\-–—.]+", n)))


class _Reader:
    def __init__(self, file_name: str):
        self.file_name = file_name
        self.items: list[_Item] = []
        self.warnings: list[str] = []
        self.cols: dict[str, int] | None = None
        self.width = 0
        self.header_texts: list[str] = []
        self.header_row: list[_Cell] = []
        self.group = 0
        self.captions: dict[int, str] = {}
        self.found_header = False

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def table(self, t: _Table, search_rows: int, sheet: bool) -> bool:
        """Reads one table (or sheet); True when it holds (or continues) measures."""
        header_at = None
        for i, row in enumerate(t.rows[:search_rows]):
            texts, _ = _row_texts(row)
            kinds = header_kinds(texts)
            if kinds and not self._numbered(texts, kinds):
                header_at, cols = i, kinds
                break
        width = len(t.rows[0]) if t.rows else 0
        separated = any(not _label_like(p) for p in t.before)
        if header_at is not None:
            self.found_header = True
            continuing = self.cols is not None and not separated and not sheet
            if not continuing:
                self.group += 1
                caption = next((p for p in reversed(t.before) if not _label_like(p)), "")
                self.captions[self.group] = one_line(caption) if len(caption) <= LABEL_MAX_CHARS else ""
                self.items.append(_Item("reset", group=self.group))
            else:
                self.items.append(_Item("header", group=self.group))
            self.cols, self.width = cols, width
            self.header_texts = [_norm(x) for x in _row_texts(t.rows[header_at])[0]]
            self.header_row = t.rows[header_at]
            start = header_at + 1
        elif self.cols is not None and not separated and not sheet and width == self.width:
            start = 0            # a table without a header right after a measure table: the same columns
        else:
            if any(c.text for r in t.rows for c in r):
                if self.cols is not None and not separated and not sheet:
                    self.warn(f"{t.where}: пропущена — в ней нет строки заголовков, а число столбцов ({width}) "
                              f"не такое, как в таблице мероприятий перед ней ({self.width}).")
                else:
                    self.warn(f"{t.where}: пропущена — это не таблица мероприятий (нет столбцов «Мероприятие» и "
                              "«Срок»).")
            if sheet or separated:
                self.cols = None
            return False
        for i in range(start, len(t.rows)):
            self._row(t, i)
        return True

    def _numbered(self, texts: list[str], kinds: dict[str, int]) -> bool:
        """A row whose number column holds a measure number is a measure, whatever its words."""
        n = kinds.get(NUMBER)
        return n is not None and bool(texts[n]) and _is_number(_tidy_number(texts[n]))

    def _row(self, t: _Table, i: int) -> None:
        row, cols = t.rows[i], self.cols
        texts, spans = _row_texts(row)
        where = f"{t.where}, строка {t.row_numbers[i]}"
        nonempty = [j for j, x in enumerate(texts) if x]
        if not nonempty:
            return
        kinds = header_kinds(texts)
        if (kinds and not self._numbered(texts, kinds)) or [_norm(x) for x in texts] == self.header_texts:
            self.items.append(_Item("header", group=self.group))   # the header repeated (after a page break)
            return
        if _numbering_row(texts):
            return
        if any(j is not None and j < len(row) and j < len(self.header_row) and row[j] is self.header_row[j]
               for j in (cols.get(TEXT), cols.get(NUMBER))):
            return                                  # the header's second line («Сроки» over «начало | конец»)

        def get(kind: str) -> str:
            j = cols.get(kind)
            return texts[j] if j is not None and j < len(texts) else ""

        number, text = _tidy_number(one_line(get(NUMBER))), get(TEXT)
        details = {k: get(k) for k in (DEADLINE, RESPONSIBLE, RESULT, SCHOOLS)}
        no_details = not any(details.values())
        item = _Item("measure", table=t.index, row=t.row_numbers[i], group=self.group)

        # one merged area holding all the row's text and spanning the deadline (or the whole row): a section
        covered = [j for j in (cols.get(DEADLINE), cols.get(RESPONSIBLE), cols.get(RESULT)) if j is not None]
        merged_over = any(not texts[j] and row[j].key is row[j - 1].key for j in covered if j > 0)
        if no_details and (merged_over or (len(nonempty) == 1 and spans[nonempty[0]] > 1)):
            self.items.append(_Item("section", text=one_line(" ".join(texts[j] for j in nonempty)), group=self.group))
            return
        if number and not _is_number(number):
            raw = one_line(get(NUMBER))
            m = _LEADING_NUMBER.match(clean_text(get(NUMBER)))
            if not text and no_details:             # a heading written in the number column (a merged row)
                self.items.append(_Item("section", text=raw, group=self.group))
                return
            if not text and m:                      # «1.1. Утверждение …» in the number column
                number, text = m.group(1), clean_text(m.group(2))
            elif not text:
                number, text = "", clean_text(get(NUMBER))
            else:
                number = raw
        if NUMBER not in cols and not number:
            m = _LEADING_NUMBER.match(text)
            if m and not (no_details and _TOP_NUMBER.match(m.group(1))):
                number, text = m.group(1), clean_text(m.group(2))
        if not text:
            what = "номер без текста мероприятия" if number and no_details else "нет текста мероприятия"
            shown = one_line(" ".join(texts[j] for j in nonempty))
            self.warn(f"{where}: строка пропущена — {what} («{shown[:80]}»).")
            return
        if no_details:
            if not number and (_SECTION_TEXT.match(text) or (row[cols[TEXT]].bold and "\n" not in text)):
                self.items.append(_Item("section", text=one_line(text), group=self.group))
                return
            if number and (_SECTION_WORD.match(number) or re.fullmatch(r"[IVXLC]{1,6}\.?", number)):
                self.items.append(_Item("section", text=one_line(f"{number} {text}"), group=self.group))
                return
            if number and _TOP_NUMBER.match(number):
                item.kind = "top"                   # a section if «N.1» follows, else a measure
            elif not number:
                item.kind = "loose"                 # a section if the header or «1» follows, else a measure
        item.number, item.text = number, text
        item.fields = details
        self.items.append(item)

    def measures(self) -> list[RoadmapMeasure]:
        items = self.items
        n = len(items)
        # for each item: the next item that is not a section, the next and the previous numbered row (linear)
        next_other: list[_Item | None] = [None] * n
        next_numbered: list[_Item | None] = [None] * n
        prev_numbered: list[_Item | None] = [None] * n
        other = numbered = None
        for k in range(n - 1, -1, -1):
            next_other[k], next_numbered[k] = other, numbered
            if items[k].kind != "section":
                other = items[k]
            if items[k].kind in ("measure", "top", "loose") and items[k].number:
                numbered = items[k]
        numbered = None
        for k in range(n):
            prev_numbered[k] = numbered
            if items[k].kind in ("measure", "top", "loose") and items[k].number:
                numbered = items[k]

        def loose_is_section(k: int) -> bool:
            """Text only, no number, not bold (Excel has no bold here): a heading when the header repeats right
            after it or the numbering starts again at «1» after it."""
            it, nxt, before = items[k], next_other[k], prev_numbered[k]
            if nxt is None or nxt.group != it.group:
                return False
            if nxt.kind == "header":
                return True
            return (nxt.kind in ("measure", "top") and nxt.number.rstrip(".)") == "1" and before is not None
                    and before.group == it.group and before.number.rstrip(".)") != "1")

        out: list[RoadmapMeasure] = []
        section, several_groups = "", self.group >= 2
        for k, it in enumerate(items):
            if it.kind == "reset":
                section = self.captions.get(it.group, "") if several_groups else ""
                continue
            if it.kind == "header":
                continue
            if it.kind == "loose" and loose_is_section(k):
                section = one_line(it.text)
                continue
            if it.kind == "top":
                nxt = next_numbered[k]
                prefix = it.number.rstrip(".") + "."
                if nxt is not None and nxt.group == it.group and nxt.number.startswith(prefix) \
                        and len(nxt.number.rstrip(".")) > len(prefix) - 1:
                    section = one_line(f"{it.number} {it.text}")
                    continue
            if it.kind == "section":
                section = it.text
                continue
            out.append(RoadmapMeasure(number=it.number, section=section, text=it.text,
                                      deadline_text=it.fields.get(DEADLINE, ""),
                                      responsible=it.fields.get(RESPONSIBLE, ""),
                                      expected_result=it.fields.get(RESULT, ""),
                                      schools_text=it.fields.get(SCHOOLS, ""),
                                      source_row=it.row, source_table=it.table))
        return out


# ---------------------------------------------------------------------------------------------
# The checks before a package is opened
# ---------------------------------------------------------------------------------------------
_ENTITY_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_MARKER_TAIL = max(len(m) for m in _ENTITY_MARKERS)


class _Refused(Exception):
    pass


def _check_package(path: Path, file_name: str, word: bool) -> None:
    """The zip of a .docx/.xlsx/.ods: number of parts, unpacked size (declared and as read, XML parts apart),
    no macros, no XML entity declarations. Raises _Refused with a Russian message."""
    kind = "документ Word" if word else "книга Excel/ODS"
    broken = f"Файл «{file_name}» повреждён или это не {kind}, хотя расширение говорит иначе."
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _Refused(broken)
    too_big = (f"Файл «{file_name}» в распакованном виде слишком велик (больше "
               f"{MAX_DECOMPRESSED_BYTES // (1024 * 1024)} МБ, из них текста больше "
               f"{MAX_XML_BYTES // (1024 * 1024)} МБ) — такой файл не принимается. Дорожная карта обычно занимает "
               "меньше 1 МБ: сохраните документ без картинок или загрузите только таблицу мероприятий.")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _Refused(f"Файл «{file_name}» состоит из слишком многих частей (больше {MAX_ZIP_ENTRIES}) — такой "
                           "файл не принимается.")
        if any(i.filename.lower().endswith("vbaproject.bin") for i in infos):
            raise _Refused(f"Файл «{file_name}» содержит макросы — такие файлы не принимаются. Сохраните его как "
                           "обычный документ .docx или книгу .xlsx (без макросов).")

        def is_xml(info: zipfile.ZipInfo) -> bool:
            return info.filename.lower().endswith((".xml", ".rels"))

        if sum(i.file_size for i in infos) > MAX_DECOMPRESSED_BYTES \
                or sum(i.file_size for i in infos if is_xml(i)) > MAX_XML_BYTES:
            raise _Refused(too_big)
        total = xml_total = 0
        try:
            for info in infos:
                if info.is_dir():
                    continue
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if is_xml(info):
                            xml_total += len(chunk)
                        if total > MAX_DECOMPRESSED_BYTES or xml_total > MAX_XML_BYTES:  # headers can lie
                            raise _Refused(too_big)
                        up = (tail + chunk).upper()
                        if any(m in up for m in _ENTITY_MARKERS):
                            raise _Refused(f"Файл «{file_name}» содержит XML-сущности (DOCTYPE/ENTITY) — такие файлы "
                                           "не принимаются из соображений безопасности. Пересохраните его в Word или "
                                           "Excel.")
                        tail = chunk[-_MARKER_TAIL:]
        except _Refused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError):
            raise _Refused(broken)


def _format_refusal(file_name: str, ext: str) -> str | None:
    if ext in (".doc", ".dot", ".rtf"):
        return (f"Файл «{file_name}» — старый формат Word. Сохраните его как .docx (Файл → Сохранить как) или "
                "загрузите таблицу Excel.")
    if ext == ".pdf":
        return (f"Файл «{file_name}» — документ PDF, таблицу мероприятий из него надёжно не прочитать. Загрузите "
                "исходный документ Word (.docx) или таблицу Excel.")
    if ext in (".docm", ".dotm"):
        return (f"Файл «{file_name}» — документ Word с макросами; такие файлы не принимаются. Сохраните его как "
                "обычный документ .docx (Файл → Сохранить как → «Документ Word»).")
    if ext != ".docx" and ext not in SHEET_FORMATS:
        return (f"Формат файла «{file_name}» не подходит для дорожной карты. Загрузите документ Word (.docx) или "
                "таблицу Excel (.xlsx, .xls, .ods).")
    return None


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------
def parse_roadmap(path: str | Path, file_name: str | None = None, hints=None, scales=None) -> RoadmapDoc:
    """The sandbox's entry (same signature as shnor.importing.parse.parse_file; hints and scales unused)."""
    path = Path(path)
    file_name = file_name or path.name
    ext = Path(file_name).suffix.lower()
    refusal = _format_refusal(file_name, ext)
    if refusal:
        return failed_roadmap(file_name, refusal)
    try:
        size = path.stat().st_size
    except OSError:
        return failed_roadmap(file_name, f"Файл «{file_name}» не найден или не читается.")
    if size > MAX_UPLOAD_BYTES:
        return failed_roadmap(file_name, f"Файл «{file_name}» больше {MAX_UPLOAD_BYTES // (1024 * 1024)} МБ "
                                         f"({size / 1024 / 1024:.0f} МБ) — такой файл не принимается. Сохраните "
                                         "документ без картинок или загрузите только таблицу мероприятий.")
    if size == 0:
        return failed_roadmap(file_name, f"Файл «{file_name}» пустой.")
    word = ext == ".docx"
    try:
        if word or ext in (".xlsx", ".xlsm", ".ods"):
            _check_package(path, file_name, word)
    except _Refused as r:
        return failed_roadmap(file_name, str(r))

    if word:
        try:
            blocks = _docx_blocks(path)
        except Exception:    # python-docx/lxml on a package that passed the checks but is not a Word document
            return failed_roadmap(file_name, f"Файл «{file_name}» не читается как документ Word: он повреждён или "
                                             "сохранён в другом формате. Откройте его в Word и сохраните как .docx "
                                             "ещё раз.")
        return _from_blocks(file_name, blocks, sheet=False)
    try:
        tables = _sheet_tables(path, file_name)
    except ParseRefusal as r:
        return failed_roadmap(file_name, "; ".join(i.text() for i in r.issues))
    return _from_blocks(file_name, list(tables), sheet=True)


def _from_blocks(file_name: str, blocks: list[str | _Table], sheet: bool) -> RoadmapDoc:
    reader = _Reader(file_name)
    head_paragraphs: list[str] = []   # text above the first measure table
    head_tables: list[str] = []
    pending: list[str] = []
    seen_measures = False
    for b in blocks:
        if isinstance(b, str):
            pending.append(b)
            if not seen_measures:
                head_paragraphs.append(b)
            continue
        b.before = [p for p in pending if p]
        pending = []
        search = HEADER_SEARCH_ROWS_SHEET if sheet else HEADER_SEARCH_ROWS_DOCX
        had_header = reader.found_header
        is_measures = reader.table(b, search, sheet)
        if is_measures and not had_header:
            seen_measures = True
            # the rows above the header of the first measure table (sheet): a title or an order written there
            for row in b.rows[:search]:
                texts, _ = _row_texts(row)
                if header_kinds(texts):
                    break
                line = one_line(" ".join(x for x in texts if x))
                if line:
                    head_paragraphs.append(line)
        elif not seen_measures and not sheet:
            for row in b.rows:
                texts, _ = _row_texts(row)
                head_tables.extend(one_line(x) for x in texts if x)

    measures = reader.measures()
    warnings = reader.warnings
    if len(warnings) > MAX_WARNINGS:
        warnings = warnings[:MAX_WARNINGS] + [f"…и ещё {len(warnings) - MAX_WARNINGS} предупреждений."]
    lines = [p for p in (one_line(x) for x in head_paragraphs)]
    title = _title(lines) or _title(head_tables)
    order_number, order_date = _order("\n".join(x for x in lines if x), "\n".join(head_tables))
    doc = RoadmapDoc(file_name=file_name, title=title, period_text=_period(title, [x for x in lines if x]),
                     order_number=order_number, order_date=order_date, school_hint=_school(title),
                     measures=measures, warnings=warnings)
    what = "на листах книги" if sheet else "в документе"
    if not reader.found_header:
        doc.measures = []
        doc.errors.append(f"В файле «{file_name}» не найдена таблица мероприятий: нужны столбцы «Мероприятие» и "
                          f"«Срок» (как в дорожной карте: «№ п/п | Мероприятие | Срок | Ответственный»), а {what} "
                          "такой строки заголовков нет.")
    elif not measures:
        doc.errors.append(f"В файле «{file_name}» есть таблица мероприятий, но в ней нет ни одного мероприятия.")
    return doc
