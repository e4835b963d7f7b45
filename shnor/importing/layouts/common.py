"""Shared helpers for the layout parsers: headers found by content, merged header cells, subtotal rows,
`code | name` cells, ФИС ОКО logins, codes and counts read from dirty cells, issue collection.

Everything here is layout-neutral and pure. Texts are compared in a normalised form (`norm`): lower case,
`ё` -> `е`, quotes of both kinds dropped, a leading item number such as `6.\\t` dropped, every run of
punctuation and spaces (including NBSP and tabs) turned into one space. Header synonyms are regular
expressions over that normalised form, searched with `re.search` (anchor them with `^…$` for exact names).

Typical use in a parser::

    found = find_header(sheet, SPEC, required=[{"name"}, {"code", "territory"}])
    if found: top, cols = found          # cols: key -> Column(index, header text)
    paths = header_paths(sheet.rows, top, depth=2)   # per column: texts of each header level, merged cells filled
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from shnor.domain.codes import login_key  # noqa: F401 (re-exported for the parsers)
from shnor.importing.model import ERROR, WARNING, Hints, Issue, ResultRow, SchoolRef
from shnor.importing.reading import NotANumber, Sheet, cell_number, cell_text, column_letter, round_half_up
from shnor.domain.years import SchoolYearError, parse_school_year

__all__ = [
    "norm", "Column", "match_columns", "find_header", "header_paths", "header_depth", "is_numbering_row",
    "row_is_empty", "is_subtotal", "split_code_name", "split_login", "is_login", "login_key", "clean_code",
    "CellError", "count_cell", "percent_cell", "float_cell", "count_from_percent", "fraction_scaled",
    "percent_from_fraction", "school_year_cell", "years_in_text", "school_year_from_title", "IssueLog",
    "school_key", "check_duplicate_results", "title_text", "SUBTOTAL_RE", "PLACEHOLDERS", "cell_getter",
    "sheets_with_header", "data_rows", "year_with_hint",
]

# ---------------------------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------------------------
_QUOTES = re.compile(r"[«»\"“”„‟'‘’`]")
_ITEM_NO = re.compile(r"^\d+(?:\.\d+)*\.\s*(?=[a-zа-я])")
_NON_WORD = re.compile(r"[^0-9a-zа-я%]+")


def norm(value: Any) -> str:
    """Normalised text for comparisons: `'6.\\tИНН '` -> `'инн'`, `'Кол-во участников'` -> `'кол во участников'`,
    `'«2»'` -> `'2'`, `'Низкий результат, чел.'` -> `'низкий результат чел'`. Keeps `%`."""
    t = cell_text(value).lower().replace("ё", "е")
    t = _QUOTES.sub("", t).strip()
    t = _ITEM_NO.sub("", t)
    return _NON_WORD.sub(" ", t).strip()


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    index: int        # 0-based column index
    header: str       # header text as written (trimmed), for messages

    @property
    def letter(self) -> str:
        return column_letter(self.index)


Spec = Mapping[str, Sequence[str]]  # key -> regexes over norm(header)


def match_columns(cells: Sequence[Any], spec: Spec) -> dict[str, Column]:
    """Assign header cells to keys. Each cell goes to the first key (in spec order) one of whose patterns
    matches; each key takes the first (leftmost) cell. Put more specific keys first in the spec."""
    found: dict[str, Column] = {}
    compiled = [(k, [re.compile(p) for p in pats]) for k, pats in spec.items()]
    for j, cell in enumerate(cells):
        t = norm(cell)
        if not t:
            continue
        for key, pats in compiled:
            if any(p.search(t) for p in pats):
                if key not in found:
                    found[key] = Column(j, cell_text(cell))
                break
    return found


def find_header(sheet: Sheet, spec: Spec, required: Iterable[set[str] | frozenset[str] | str],
                scan: int = 40) -> tuple[int, dict[str, Column]] | None:
    """The first row among the first `scan` rows whose cells satisfy `required`: each item is a key or a
    set of keys of which at least one must be present. Returns (0-based row index, columns) or None."""
    groups = [{g} if isinstance(g, str) else set(g) for g in required]
    for i, row in enumerate(sheet.rows[:scan]):
        if not row or all(c is None for c in row):
            continue
        cols = match_columns(row, spec)
        if all(g & cols.keys() for g in groups):
            return i, cols
    return None


def header_paths(rows: Sequence[Sequence[Any]], top: int, depth: int) -> list[tuple[str, ...]]:
    """Header texts of each column over `depth` header rows starting at `top`, with merged cells filled.

    Readers return a merged area as its value in the first cell and empty cells after it. A cell of an
    upper header row is filled from the nearest non-empty cell to its left *only when the column has text
    in a lower header row* (it is then a sub-column of a horizontally merged group header); a column whose
    lower rows are empty keeps its own text (a vertically merged header). Returns one tuple per column with
    the non-empty texts from top to bottom, e.g. ('Русский язык', 'не преодолели минимальный порог', '%')."""
    block = [list(rows[top + k]) if top + k < len(rows) else [] for k in range(depth)]
    width = max((len(r) for r in block), default=0)
    grid = [[cell_text(r[j]) if j < len(r) else "" for j in range(width)] for r in block]
    paths: list[tuple[str, ...]] = []
    for j in range(width):
        path: list[str] = []
        for k in range(depth):
            text = grid[k][j]
            if not text and k < depth - 1 and any(grid[b][j] for b in range(k + 1, depth)):
                for jj in range(j - 1, -1, -1):
                    if grid[k][jj]:
                        text = grid[k][jj]
                        break
                    # a column whose own lower rows are all empty ends the merged area to its left
                    if not any(grid[b][jj] for b in range(k + 1, depth)):
                        break
            if text:
                path.append(text)
        paths.append(tuple(path))
    return paths


def header_depth(sheet: Sheet, top: int, id_columns: Iterable[int], max_depth: int = 3) -> int:
    """How many rows the header starting at `top` spans (1…max_depth): a following row continues the header
    when it is not empty and its identity cells (the columns that every data row fills: name, code,
    territory — vertically merged in the header) are empty."""
    ids = list(id_columns)
    depth = 1
    for k in range(1, max_depth):
        i = top + k
        if i >= len(sheet.rows):
            break
        row = sheet.rows[i]
        if row_is_empty(row) or any(j < len(row) and cell_text(row[j]) for j in ids):
            break
        depth += 1
    return depth


def cell_getter(row: Sequence[Any], cols: Mapping[str, Any]):
    """`raw("code")`: the row's cell under the column found for a key, None when absent or beyond the row."""
    def raw(key: str) -> Any:
        c = cols.get(key)
        return row[c.index] if c is not None and c.index < len(row) else None
    return raw


def row_is_empty(row: Sequence[Any]) -> bool:
    return all(cell_text(c) == "" for c in row)


def sheets_with_header(sheets: Iterable[Sheet], find: Callable[[Sheet], tuple | None]) -> Iterator[tuple]:
    """(sheet, *what `find` returned) for every sheet where the parser's header finder found its header;
    sheets without one are skipped. E.g. `for sheet, top, cols in sheets_with_header(sheets, _find):`."""
    for sheet in sheets:
        found = find(sheet)
        if found is not None:
            yield (sheet, *found)


def data_rows(sheet: Sheet, first: int, cols: Mapping[str, Any] | None = None,
              skip_numbering: bool = False) -> Iterator[tuple[int, Sequence[Any], Callable[[str], Any]]]:
    """(0-based row index, row, `raw` getter over `cols` — see cell_getter) for each row of the sheet from
    `first` on, skipping empty rows and, with `skip_numbering`, rows that number the columns (1, 2, 3 …).
    The index is what IssueLog takes as `row`; the Excel row number is index + 1."""
    for i in range(first, len(sheet.rows)):
        row = sheet.rows[i]
        if row_is_empty(row) or (skip_numbering and is_numbering_row(row)):
            continue
        yield i, row, cell_getter(row, cols or {})


def is_numbering_row(row: Sequence[Any]) -> bool:
    """A row under a header that numbers the columns: 1, 2, 3, … (every non-empty cell a whole number,
    increasing by one, at least three of them)."""
    nums = []
    for c in row:
        t = cell_text(c)
        if not t:
            continue
        if not re.fullmatch(r"\d{1,3}\.?", t):
            return False
        nums.append(int(t.rstrip(".")))
    return len(nums) >= 3 and all(b == a + 1 for a, b in zip(nums, nums[1:]))


def title_text(sheet: Sheet, before_row: int) -> str:
    """All text of the rows above a header, and the sheet name, joined by newlines (for titles such as
    «ЕГЭ-2023. Результаты по ОО» or «Предмет: Математика»)."""
    lines = [sheet.name]
    for row in sheet.rows[:before_row]:
        line = " ".join(t for t in (cell_text(c) for c in row) if t)
        if line:
            lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Rows and cells
# ---------------------------------------------------------------------------------------------
SUBTOTAL_RE = re.compile(
    r"^(всего|итого|итог|в целом|в среднем|среднее|средний показатель|сумма|по району|по округу|по городу|"
    r"по мо|по муниципалитету|по региону|по краю|по области|по республике|по субъекту|вся выборка)(\s|$)")


def is_subtotal(*texts: Any) -> bool:
    """True when any text is a subtotal label: «Всего», «Итого», «ИТОГО по МО», «Итого:», «В целом по краю»,
    «Среднее по району», «Вся выборка» …"""
    return any(SUBTOTAL_RE.search(norm(t)) for t in texts if t is not None)


_LOGIN_RE = re.compile(r"[a-z]{3}\d{6}", re.I)
_LOGIN_PREFIX = re.compile(r"^\s*(?:\(\s*([a-z]{3}\d{6})\s*\)|([a-z]{3}\d{6})(?=\s|\||$))\s*\|?\s*(.*)$", re.I | re.S)


def is_login(text: Any) -> bool:
    """A ФИС ОКО login: three Latin letters and six digits (`sch220206`, `edu220206`, `ksh220028`)."""
    return bool(_LOGIN_RE.fullmatch(cell_text(text)))


def split_login(text: Any) -> tuple[str | None, str]:
    """`(sch223017) МБОУ "…"` / `edu223740 | МБОУ "…"` / `sch223017 МБОУ …` -> (login lower-cased, the rest).
    (None, text) when the text does not start with a login."""
    t = cell_text(text)
    m = _LOGIN_PREFIX.match(t)
    if not m:
        return None, t
    return (m.group(1) or m.group(2)).lower(), m.group(3).strip()


def split_code_name(text: Any) -> tuple[str | None, str]:
    """`reg22_m067 | город Славгород` -> ('reg22_m067', 'город Славгород'); without `|`: (None, text)."""
    t = cell_text(text)
    if "|" not in t:
        return None, t
    code, name = t.split("|", 1)
    return (code.strip() or None), name.strip()


PLACEHOLDERS = {"", "нет", "-", "--", "—", "–", "н д", "нд", "нет данных", "отсутствует", "не указан", "не указано",
                "x", "х", "?", "null", "none", "nan"}


def clean_code(value: Any) -> str | None:
    """A code (ИНН, ОГРН, exam code, login) as text: spaces/NBSP removed, leading zeros kept, a whole
    number stored as a float printed without `.0`; placeholders (`нет`, `-`, `—`, empty, all zeros) -> None."""
    if value is None:
        return None
    if type(value) is str and value.isascii() and value.isalnum():
        # a plain code such as sch220206 or 2204001234 (the import service keys every row of a file with this):
        # what the general path below gives, without normalising text
        return None if value.lower() in PLACEHOLDERS or not value.strip("0") else value
    t = cell_text(value)
    if norm(t) in PLACEHOLDERS or t in PLACEHOLDERS:
        return None
    t = re.sub(r"\s+", "", t)
    if re.fullmatch(r"0+", t):
        return None
    return t or None


class CellError(ValueError):
    """A cell that cannot be read; the message is Russian and completes «значение …: <message>»."""


def _number(value: Any) -> float | None:
    try:
        return cell_number(value)
    except NotANumber:
        raise CellError("это не число.")


def count_cell(value: Any) -> int | None:
    """A count of pupils or schools: None for empty; CellError for text, negative or fractional numbers."""
    x = _number(value)
    if x is None:
        return None
    if x < 0:
        raise CellError("количество не может быть отрицательным.")
    if abs(x - round(x)) > 1e-9:
        raise CellError("количество должно быть целым числом.")
    return int(round(x))


def float_cell(value: Any) -> float | None:
    """Any number (mean score …): None for empty, CellError for text."""
    return _number(value)


def percent_cell(value: Any) -> float | None:
    """A percentage 0…100 (`40`, `40,5`, `40 %`); None for empty; CellError outside 0…100 or for text."""
    x = _number(value)
    if x is None:
        return None
    if x < 0 or x > 100:
        raise CellError("процент должен быть от 0 до 100.")
    return x


def fraction_scaled(values: Iterable[Any]) -> bool:
    """True when a percentage column holds fractions (Excel cells formatted as %: 40 % is stored as 0.4):
    every numeric cell lies in 0…1, at least one strictly between, and no cell is text with a `%` sign."""
    seen_inner = False
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        if isinstance(v, str):
            if "%" in v:
                return False
            try:
                x = cell_number(v)
            except NotANumber:
                continue
        elif isinstance(v, (int, float)):
            x = float(v)
        else:
            continue
        if x is None:
            continue
        if x < 0 or x > 1:
            return False
        if 0 < x < 1:
            seen_inner = True
    return seen_inner


def percent_from_fraction(value: Any) -> Any:
    """A numeric cell of a fraction-scaled column (see fraction_scaled) as a percentage, exactly in decimal:
    0.35 -> 35.0 (not 35.00000000000001). Text and empty cells are returned unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(Decimal(str(value)) * 100)
    return value


def count_from_percent(participants: int, percent: float) -> int:
    """participants × percent / 100 rounded half up, in exact decimal arithmetic: 25 × 40 % -> 10,
    5 × 50 % -> 3 (2.5 rounds up). The percent is taken as written (`str(percent)`, 13.64 is 1364/100)."""
    if type(participants) is int and type(percent) in (int, float) and 0 <= percent <= 100 and participants >= 0:
        x = participants * percent / 100
        if x < 1e9 and abs(x - math.floor(x) - 0.5) > 1e-6:
            return math.floor(x + 0.5)       # far from a half: the float's rounding is the exact one
    text = str(percent)
    whole, dot, frac = text.partition(".")
    if type(participants) is int and participants >= 0 and whole.isdigit() and (not dot or frac.isdigit()):
        # in integers (a hundred times faster than Decimal): round(n × digits / 10^(d+2)) half up
        scale = 10 ** (len(frac) + 2)
        return (2 * participants * int(whole + frac) + scale) // (2 * scale)
    return round_half_up(Decimal(participants) * Decimal(text) / Decimal(100))


def school_year_cell(value: Any) -> int:
    """`2021/2022`, `2021-2022`, `2021/22` -> 2021; CellError (with the Russian reason) otherwise."""
    try:
        return parse_school_year(cell_text(value))
    except SchoolYearError as e:
        raise CellError(str(e))


_SCHOOL_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\s*[/\-–—]\s*(\d{4}|\d{2})(?!\d)")
_CAL_YEAR_IN_TEXT = re.compile(r"(?<![\d.,])(20\d{2})(?![\d])")


def years_in_text(text: str) -> tuple[set[int], set[int]]:
    """(school years written as `2022/2023` or `2022-23`, other calendar years such as `ЕГЭ-2023`)."""
    school: set[int] = set()
    rest = text
    for m in _SCHOOL_YEAR_IN_TEXT.finditer(text):
        try:
            school.add(parse_school_year(m.group(0)))
            rest = rest.replace(m.group(0), " ")
        except SchoolYearError:
            pass
    calendar = {int(y) for y in _CAL_YEAR_IN_TEXT.findall(rest)}
    return school, calendar


def year_with_hint(year: int | None, hints: Hints, log: "IssueLog", sheet: str, source: str) -> int | None:
    """The school year the caller chose (hints.year) if any, else the one read from the file. When both are
    known and differ, a WARNING says so («по заголовку <source> это …»); the chosen year wins."""
    if hints.year is None:
        return year
    if year is not None and year != hints.year:
        log.warning(f"по заголовку {source} это {year}/{year + 1} учебный год, но при загрузке выбран "
                    f"{hints.year}/{hints.year + 1} — результаты записаны в выбранный год.", sheet=sheet)
    return hints.year


def school_year_from_title(text: str) -> int | None:
    """The school year a title speaks of: `2022/2023 учебный год` -> 2022; a single calendar year is the
    spring/June of the school year that ends then: `ЕГЭ-2023`, `ВПР 2023` -> 2022. None when absent or
    ambiguous (several different years)."""
    school, calendar = years_in_text(text)
    if len(school) == 1:
        return next(iter(school))
    if len(school) > 1:
        return None
    if len(calendar) == 1:
        return next(iter(calendar)) - 1
    return None


# ---------------------------------------------------------------------------------------------
# Issues and duplicates
# ---------------------------------------------------------------------------------------------
class IssueLog:
    """Collects Issues of one file. `row` arguments are 0-based row indexes; Issues carry Excel numbers."""

    def __init__(self, file_name: str):
        self.file = file_name
        self.items: list[Issue] = []

    def add(self, level: str, message: str, sheet: str | None = None, row: int | None = None,
            column: str | None = None, value: Any = None) -> Issue:
        issue = Issue(level, message, file=self.file, sheet=sheet, row=None if row is None else row + 1,
                      column=column or None, value=None if value is None else cell_text(value) or str(value))
        self.items.append(issue)
        return issue

    def error(self, message: str, **where: Any) -> Issue:
        return self.add(ERROR, message, **where)

    def warning(self, message: str, **where: Any) -> Issue:
        return self.add(WARNING, message, **where)

    @property
    def has_errors(self) -> bool:
        return any(i.level == ERROR for i in self.items)


def school_key(ref: SchoolRef) -> tuple[str, str]:
    """How one file names a school, for duplicate checks: login (sch/edu folded), else exam code, else ИНН,
    else the normalised name within the territory."""
    if ref.login:
        return "login", login_key(ref.login)
    if ref.exam_code:
        return "exam", ref.exam_code
    if ref.inn:
        return "inn", ref.inn
    return "name", f"{norm(ref.territory)}|{norm(ref.name)}"


def check_duplicate_results(results: Sequence[ResultRow], log: IssueLog, column: str | None = None) -> None:
    """ERROR for every result that repeats (school, procedure, year) of an earlier one in the same file."""
    seen: dict[tuple, ResultRow] = {}
    for r in results:
        key = (school_key(r.school), r.procedure, r.year)
        first = seen.get(key)
        if first is None:
            seen[key] = r
            continue
        where = f"строке {first.source_row}" if first.source_row else "другой строке"
        if first.source_sheet and first.source_sheet != r.source_sheet:
            where += f" листа «{first.source_sheet}»"
        who = r.school.login or r.school.exam_code or r.school.inn or r.school.name or ""
        log.error(f"школа «{who}» с той же процедурой и годом уже есть в {where}. Оставьте одну строку.",
                  sheet=r.source_sheet, row=None if r.source_row is None else r.source_row - 1, column=column,
                  value=who)
