"""ВПР per-pupil protocols from ФИС ОКО (FORMATS.md §1): layouts 1A, 1B and 1C.

- **1A** autumn 2020, old platform: `groups`, `user`, `code`, `otc`, `var-1`, `sum`, `a-N-grade`.
- **1B** spring 2021: `логин школы`, `регион`, `код обучающегося`, `отметка за предыдущую четверть/триместр`,
  `вариант`, `всего баллов`, `балл за N`, `Учебник`.
- **1C** spring 2022, new platform: sheets `Классы` and `Протокол`; `Муниципалитет` and `Школа` as
  `code | name`, `Дата загрузки`, `Код`, `Вариант`, task headers with max points (`6 (2б)`), `Итого баллов`.

One pass over the pupil rows aggregates them to one `ResultRow` per school; pupil rows are never kept.

Choices made here (documented for users and for the import service):
- A participant is a row whose variant is not `отсутствовал` and whose total is a number (rounded half up).
  An empty total is not a participant and not an error. A total that is not a number or lies outside
  0…max is a ROW_ERROR (the pupil is left out); more than 1 % of the pupil rows with such errors refuses
  the file (most likely the wrong procedure or scale).
- Task points: `X`/`x`/`Х`/`х` (task not attempted), `не пройд.`, `H`/`Н`, an empty cell and any other
  text count as 0 points; negative numbers count as 0. Text other than the known marks, and negative
  numbers, are summed up in one WARNING. `task_points` is the mean over the school's participants.
- `journal_cmp` compares the ВПР mark with the journal mark (1–5); pupils without one (`нет отметки`,
  empty, out-of-range values such as `8` or `12`) are skipped.
- `grade_written` is the most common first digit of the pupils' codes at the school.
- Schools where nobody took part (all absent) get no ResultRow (0 participants is "no data", not a
  result); they are listed in one WARNING.
- Year: 1C from `Дата загрузки` (spring of calendar year Y -> (Y-1)/Y; a round in September–December is a
  shifted round: by default it counts for the school year whose programme it tests, the previous one,
  and the caller may choose either); 1A files of the 2020 campaign (work tags `vpr2020.*` in `groups`,
  the spring 2020 round was cancelled) are the autumn 2020 round: 2019/2020 by default, 2020/2021 if the
  caller says so; 1B: the caller says. Procedure: 1C from the work tag in `Классы` (`ma5.8 | …`),
  otherwise the caller. A caller's choice that contradicts the content refuses the file.
- What the file does not say is not a refusal: `ParsedFile.needs` names all of it at once (the work, the
  year) with a likely work from the content (`_guess_work`: textbooks, the pupils' grade, the number of task
  columns, the highest totals against the known scales; the file's name is read by parse.py). A work and year
  whose mark scale is not entered need the scale (NEED_SCALE), with likely values (`_propose_scale`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shnor.domain import procedures
from shnor.domain.years import format_school_year, school_year_of_date
from shnor.importing.model import (ERROR, NEED_PROCEDURE, NEED_SCALE, NEED_YEAR, ROW_ERROR, WARNING, Hints, Issue,
                                   MarkScale, ParsedFile, ParseRefusal, Proposal, ResultRow, SchoolRef)
from shnor.importing.reading import NotANumber, Sheet, cell_number, cell_text, round_half_up

LAYOUT = "1"
LAYOUTS = ("1A", "1B", "1C")
LAYOUT_RU = {
    "1A": "Протокол ВПР ФИС ОКО, старая платформа (осень 2020)",
    "1B": "Протокол ВПР ФИС ОКО (весна 2021)",
    "1C": "Протокол ВПР ФИС ОКО, новая платформа (с 2022)",
}

HEADER_SCAN_ROWS = 30          # the header is looked for in the first rows of each sheet
ROW_ERROR_SHARE_PERCENT = 1    # more than this share of pupil rows with a bad total refuses the file
REFUSED_ROW_EXAMPLES = 20      # row errors kept as examples when the file is refused
ABSENT = "отсутствовал"

_TASK_1C = re.compile(r"^(.*?)\s*\(\s*(\d+(?:[.,]\d+)?)\s*б\.?\s*\)$")
_TASK_1A = re.compile(r"^a-(\d+)-grade$")
_TASK_1B = re.compile(r"^балл за\s*(.+)$")
_MUNI_1A = re.compile(r"reg(\d+)_vpr_m(\d+)")
_CAMPAIGN_1A = re.compile(r"\bvpr(20\d\d)\.")
_WORK_TAG = re.compile(r"^\s*([a-z]{2,4})(\d{1,2})\.\d+\s*(?:\||$)")
_NOT_DONE = {"x", "х", "не пройд.", "не пройд", "н", "h", "-", "—"}

# Subject named in a textbook cell (1B `Учебник`): a check against the procedure the caller chose.
_TEXTBOOK_SUBJECTS = (
    ("математик", "MATH"), ("русский язык", "RUS"), ("окружающий мир", "OKR"), ("истори", "HIST"),
    ("биологи", "BIO"), ("географи", "GEO"), ("обществозн", "SOC"), ("физик", "PHYS"), ("хими", "CHEM"),
    ("английск", "ENG"), ("немецк", "GER"), ("французск", "FRA"),
)


def _norm(v: Any) -> str:
    return cell_text(v).lower().replace("ё", "е")


# ---------------------------------------------------------------------------------------------
# Recognising the layout
# ---------------------------------------------------------------------------------------------
@dataclass
class _Columns:
    layout: str
    sheet: Sheet
    header_index: int                  # rows[header_index] is the header row
    headers: list[str]                 # header texts as written (trimmed)
    total: int
    variant: int | None = None
    login: int | None = None           # 1A `user`, 1B `логин школы`, 1C `Пользователь`
    school: int | None = None          # 1C `Школа` (`edu… | name`)
    territory: int | None = None       # 1B `регион`, 1C `Муниципалитет`
    groups: int | None = None          # 1A
    code: int | None = None
    journal: int | None = None
    date: int | None = None            # 1C `Дата загрузки`
    textbook: int | None = None
    region: int | None = None          # 1C `Регион` (`reg220000 | Алтайский край`)
    tasks: list[tuple[int, str, float | None]] = field(default_factory=list)  # (column, label, max)


def _index(norm: list[str], *names: str) -> int | None:
    for name in names:
        if name in norm:
            return norm.index(name)
    return None


def _starts(norm: list[str], prefix: str) -> int | None:
    for i, h in enumerate(norm):
        if h.startswith(prefix):
            return i
    return None


def _columns_1b(sheet: Sheet, i: int, raw: list[str], norm: list[str]) -> _Columns | None:
    if "логин школы" not in norm or "всего баллов" not in norm:
        return None
    cols = _Columns("1B", sheet, i, raw, total=norm.index("всего баллов"), variant=_index(norm, "вариант"),
                    login=norm.index("логин школы"), territory=_index(norm, "регион", "муниципалитет"),
                    code=_index(norm, "код обучающегося", "код"), journal=_starts(norm, "отметка за предыдущ"),
                    textbook=_index(norm, "учебник"))
    for ci, h in enumerate(norm):
        m = _TASK_1B.match(h)
        if m:
            cols.tasks.append((ci, raw[ci].split("за", 1)[1].strip(), None))
    return cols


def _columns_1a(sheet: Sheet, i: int, raw: list[str], norm: list[str]) -> _Columns | None:
    if not all(n in norm for n in ("groups", "user", "sum", "var-1")):
        return None
    total = norm.index("sum")
    cols = _Columns("1A", sheet, i, raw, total=total, variant=norm.index("var-1"), login=norm.index("user"),
                    groups=norm.index("groups"), code=_index(norm, "code"), journal=_index(norm, "otc"),
                    textbook=_index(norm, "учебник"))
    # Task columns: the a-N-grade block right after `sum`, up to the first other header (`Учебник`):
    # the real files carry stray values in the a-N-grade columns after it.
    for ci in range(total + 1, len(norm)):
        m = _TASK_1A.match(norm[ci])
        if not m:
            break
        cols.tasks.append((ci, m.group(1), None))
    return cols


def _columns_1c(sheet: Sheet, i: int, raw: list[str], norm: list[str]) -> _Columns | None:
    if "школа" not in norm:
        return None
    tasks = []
    for ci, h in enumerate(norm):
        m = _TASK_1C.match(h)
        if m:
            tasks.append((ci, raw[ci][:len(m.group(1))].strip() if m.group(1) else raw[ci],
                          float(m.group(2).replace(",", "."))))
    total = _index(norm, "итого баллов")
    if total is None and tasks:
        total = _index(norm, "итого", "всего баллов")
    if total is None:
        return None
    cols = _Columns("1C", sheet, i, raw, total=total, variant=_index(norm, "вариант"),
                    login=_index(norm, "пользователь", "логин"), school=norm.index("школа"),
                    territory=_index(norm, "муниципалитет"), code=_index(norm, "код", "код обучающегося"),
                    journal=_starts(norm, "отметка за предыдущ"), date=_index(norm, "дата загрузки"),
                    region=_index(norm, "регион"))
    cols.tasks = tasks
    return cols


def _find(sheets: list[Sheet]) -> _Columns | None:
    # 1C: prefer the sheet called «Протокол» (the book also has «Классы» with the same first columns).
    ordered = sorted(sheets, key=lambda s: 0 if s.name.strip().lower() == "протокол" else 1)
    for sheet in ordered:
        for i, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            raw = [cell_text(c) for c in row]
            norm = [h.lower().replace("ё", "е") for h in raw]
            if sum(1 for h in norm if h) < 3:
                continue
            for build in (_columns_1b, _columns_1a, _columns_1c):
                cols = build(sheet, i, raw, norm)
                if cols is not None:
                    return cols
    return None


def detect(sheets: list[Sheet]) -> bool:
    return _find(sheets) is not None


# ---------------------------------------------------------------------------------------------
# Procedure and year
# ---------------------------------------------------------------------------------------------
def _parse_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    t = cell_text(v).split(" ")[0]
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return None


def _work_tags(sheets: list[Sheet], protocol: Sheet) -> Counter:
    """1C: work tags (`ma5`) from the textbook cells of the `Классы` sheet (`ma5.8 | 1.2.4.1.8.1 | …`)."""
    tags: Counter = Counter()
    for sheet in sheets:
        if sheet is protocol:
            continue
        seen: set = set()
        for row in sheet.rows[:10000]:
            for c in row:
                if isinstance(c, str) and c not in seen and "|" in c:
                    seen.add(c)
                    m = _WORK_TAG.match(c)
                    if m:
                        tags[m.group(1) + m.group(2)] += 1
    return tags


# Task columns of the ФИС ОКО protocols of each work, counted in the real protocols of Алтайский край 2020–2022
# (../shared/realdata): which subject a protocol of a known grade holds when no textbook names it.
TASK_COLUMNS = {("MATH", 4): 15, ("MATH", 5): 16, ("MATH", 6): 13, ("RUS", 4): 20, ("RUS", 5): 21, ("RUS", 6): 25}
TOP_SHARE = 0.001       # the highest total reached by at least this share of pupils: the work's likely maximum


def _column_counts(rows: list, first: int, col: int | None, key) -> Counter:
    out: Counter = Counter()
    if col is None:
        return out
    memo: dict = {}
    for row in rows[first:]:
        v = row[col] if col < len(row) else None
        if v is None:
            continue
        k = memo.get(v, memo)
        if k is memo:
            k = memo[v] = key(v)
        if k is not None:
            out[k] += 1
    return out


def _total_of(v: Any) -> int | None:
    try:
        num = cell_number(v)
    except NotANumber:
        return None
    return None if num is None or num < 0 else round_half_up(num)


def _likely_top(totals: Counter) -> int | None:
    """The highest total reached by at least TOP_SHARE of the pupils (a stray 92 of 51 does not count)."""
    n = sum(totals.values())
    if not n:
        return None
    seen = 0
    for score in sorted(totals, reverse=True):
        seen += totals[score]
        if seen >= max(1, n * TOP_SHARE):
            return score
    return None


def _textbook_subject(v: Any) -> str | None:
    if not isinstance(v, str):
        return None
    low = v.lower()
    return next((s for word, s in _TEXTBOOK_SUBJECTS if word in low), None)


def _guess_work(cols: _Columns, rows: list, first: int, autumn: bool,
                scales: dict[tuple[str, int], MarkScale]) -> Proposal | None:
    """The likely work of a protocol that does not name it: the subject from the textbooks (or from the number
    of task columns, or from the highest totals against the known scales), the grade from the pupils' codes
    (the autumn 2020 round: the grade-N work was written by grade N+1)."""
    digits = _column_counts(rows, first, cols.code, lambda v: cell_text(v)[:1] if cell_text(v)[:1].isdigit() else None)
    if not digits:
        return None
    digit, n_digit = digits.most_common(1)[0]
    if n_digit * 2 <= sum(digits.values()):
        return None
    grade = int(digit) - (1 if autumn else 0)
    why = [f"по кодам участников писали ученики {digit} класса"
           + (f", осенью — работу за {grade} класс" if autumn else "")]
    subjects = _column_counts(rows, first, cols.textbook, _textbook_subject)
    subject = None
    if subjects:
        s, n = subjects.most_common(1)[0]
        if n * 2 > sum(subjects.values()):
            subject = s
            why.insert(0, f"по учебникам — {procedures.SUBJECTS_RU[s]}")
    n_tasks = len(cols.tasks)
    if subject is None:
        by_tasks = [s for (s, g), n in TASK_COLUMNS.items() if g == grade and n == n_tasks]
        if len(by_tasks) == 1:
            subject = by_tasks[0]
            why.insert(0, f"по числу заданий ({n_tasks}) — {procedures.SUBJECTS_RU[subject]}")
    if subject is None:
        top = _likely_top(_column_counts(rows, first, cols.total, _total_of))
        maxima: dict[str, int] = {}
        for (code, _), sc in scales.items():
            p = procedures.CATALOGUE.get(code)
            if p and p.kind == "VPR" and p.grade == grade and top is not None and sc.max_score >= top:
                maxima[p.subject] = min(sc.max_score, maxima.get(p.subject, sc.max_score))
        if maxima:
            best = min(maxima.values())
            fits = [s for s, m in maxima.items() if m == best]
            if len(fits) == 1:
                subject = fits[0]
                why.insert(0, f"по наибольшему общему баллу ({top}) и известным шкалам — "
                              f"{procedures.SUBJECTS_RU[subject]}")
    code = f"VPR-{subject}-{grade}" if subject else None
    if code not in procedures.CATALOGUE:
        return None
    return Proposal(code, "по содержимому: " + "; ".join(why))


def _propose_scale(cols: _Columns, rows: list, first: int, procedure: str, year: int,
                   scales: dict[tuple[str, int], MarkScale]) -> Proposal:
    """Likely values of a missing scale: the work's scale of the nearest year that has one (to be checked), the
    maximum from the task headers (`6 (2б)`) or from the highest totals in the file."""
    header_max = (int(sum(m for _, _, m in cols.tasks)) if cols.tasks and all(m is not None for _, _, m in cols.tasks)
                  else None)
    from shnor.domain.reference import scale_minimums   # here: the module imports pandas, the child does not need it
    others = sorted((abs(y - year), y) for (p, y) in scales if p == procedure and y != year)
    for _, y in others:
        try:
            m3, m4, m5, mx = scale_minimums(scales[(procedure, y)])
        except KeyError:
            continue
        if header_max is None or header_max == mx:
            return Proposal((m3, m4, m5, mx), f"шкала этой работы за {format_school_year(y)} учебный год — "
                                              "проверьте по описанию работы своего года")
    if header_max is not None:
        return Proposal((None, None, None, header_max), f"максимум — сумма баллов заданий в заголовках ({header_max})")
    top = _likely_top(_column_counts(rows, first, cols.total, _total_of))
    if top is not None:
        return Proposal((None, None, None, top), f"максимум — наибольший общий балл в файле ({top}), проверьте его")
    return Proposal((None, None, None, None), "")


def _year_words(year: int) -> str:
    return f"{format_school_year(year)} учебный год"


def _procedure_ru(code: str) -> str:
    return f"«{procedures.name_ru(code)}»"


def _resolve_procedure(hints: Hints, content: str | None, content_where: str, file_name: str) -> str | None:
    hinted = None
    if hints.procedure:
        hinted = hints.procedure if hints.procedure in procedures.CATALOGUE else procedures.from_text(hints.procedure)
        if hinted is None or procedures.CATALOGUE[hinted].kind != "VPR":
            raise ParseRefusal([Issue(
                ERROR, f"выбранная процедура «{hints.procedure}» — не работа ВПР, а файл — протокол ВПР. "
                       "Выберите работу ВПР (предмет и класс).", file=file_name)])
    if content and hinted and content != hinted:
        raise ParseRefusal([Issue(
            ERROR, f"в файле работа {_procedure_ru(content)} ({content_where}), а выбрана "
                   f"{_procedure_ru(hinted)}. Выберите в форме загрузки ту работу, что в файле.",
            file=file_name)])
    return content or hinted      # None: the caller is asked (ParsedFile.needs), nothing refused


def _resolve_year(hints: Hints, default: int | None, accepted: set[int], content_where: str,
                  file_name: str) -> int | None:
    if hints.year is not None:
        if accepted and hints.year not in accepted:
            allowed = " или ".join(_year_words(y) for y in sorted(accepted))
            raise ParseRefusal([Issue(
                ERROR, f"по содержанию файла ({content_where}) это результаты за {allowed}, а выбран "
                       f"{_year_words(hints.year)}. Выберите учебный год, к которому относится работа.",
                file=file_name)])
        return hints.year
    return default                # None: the caller is asked (ParsedFile.needs), nothing refused


# ---------------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------------
class _School:
    __slots__ = ("key", "login", "name", "territory", "first_row", "pupils", "participants", "marks", "total_sum",
                 "hist", "task_sums", "journal", "digits", "date")

    def __init__(self, key: str, first_row: int, n_tasks: int):
        self.key = key
        self.login: str | None = None
        self.name: str | None = None
        self.territory: str | None = None
        self.first_row = first_row
        self.pupils = 0
        self.participants = 0
        self.marks = [0, 0, 0, 0, 0, 0]      # index = mark
        self.total_sum = 0
        self.hist: dict[int, int] = {}
        self.task_sums = [0.0] * n_tasks
        self.journal = [0, 0, 0]             # below, equal, above
        self.digits: dict[str, int] = {}
        self.date: dt.date | None = None


def _round(x: float, places: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _split_code_name(text: str) -> tuple[str | None, str | None]:
    code, sep, name = text.partition("|")
    if sep:
        return code.strip() or None, name.strip() or None
    return None, text or None


def parse(sheets: list[Sheet], file_name: str, hints: Hints,
          scales: dict[tuple[str, int], MarkScale]) -> ParsedFile:
    cols = _find(sheets)
    if cols is None:
        raise ParseRefusal([Issue(ERROR, "файл не похож на протокол ВПР из ФИС ОКО: не найдена строка заголовков "
                                         "(«логин школы» и «всего баллов», или «Школа» и «Итого баллов»).",
                                  file=file_name)])
    out = ParsedFile(file_name=file_name, layout=cols.layout, layout_ru=LAYOUT_RU[cols.layout])
    try:
        _parse_into(out, cols, sheets, file_name, hints, scales)
    except ParseRefusal as refusal:
        out.issues.extend(refusal.issues)
        out.results = []
    return out


def _parse_into(out: ParsedFile, cols: _Columns, sheets: list[Sheet], file_name: str, hints: Hints,
                scales: dict[tuple[str, int], MarkScale]) -> None:
    sheet = cols.sheet
    rows = sheet.rows
    first = cols.header_index + 1
    width = len(cols.headers)

    if cols.region is not None:      # 1C: the region as the file names it (`reg220000 | Алтайский край`)
        out.region = next((cell_text(r[cols.region]) for r in rows[first:first + 50]
                           if cols.region < len(r) and cell_text(r[cols.region])), None)

    # --- content: procedure and year --------------------------------------------------------
    content_proc, proc_where = None, ""
    year_default, year_accepted, year_where = None, set(), ""
    dates: Counter = Counter()
    date_memo: dict[Any, dt.date | None] = {}
    if cols.layout == "1C":
        tags = _work_tags(sheets, sheet)
        codes = {t: procedures.from_fisoko_tag(t) for t in tags}
        known = sorted({c for c in codes.values() if c})
        if len(known) > 1:
            raise ParseRefusal([Issue(
                ERROR, "в файле результаты нескольких работ (" + ", ".join(_procedure_ru(c) for c in known)
                       + "): загрузите каждую работу отдельным файлом.", file=file_name)])
        if known:
            content_proc = known[0]
            tag = next(t for t, c in codes.items() if c == content_proc)
            proc_where = f"шифр работы «{tag}» в учебниках листа «Классы»"
        if cols.date is not None:
            for row in rows[first:]:
                if cols.date < len(row) and row[cols.date] is not None:
                    v = row[cols.date]
                    if v not in date_memo:
                        date_memo[v] = _parse_date(v)
                    d = date_memo[v]
                    if d:
                        dates[(d.year, d.month)] += 1
        if dates:
            (y, m), _ = dates.most_common(1)[0]
            written = school_year_of_date(dt.date(y, m, 1))
            if m >= 9:   # shifted round (autumn 2022): counts for the programme year by default
                year_default, year_accepted = written - 1, {written - 1, written}
            else:
                year_default, year_accepted = written, {written}
            year_where = f"дата загрузки {m:02d}.{y}"
    elif cols.layout == "1A":
        campaigns: set[int] = set()
        seen: set = set()
        for row in rows[first:first + 2000]:
            g = row[cols.groups] if cols.groups < len(row) else None
            if isinstance(g, str) and g not in seen:
                seen.add(g)
                campaigns.update(int(y) for y in _CAMPAIGN_1A.findall(g))
        if campaigns and max(campaigns) == 2020:
            # The spring 2020 round was cancelled: a 2020 old-platform protocol is the autumn 2020 round,
            # which tested the programme of 2019/2020.
            year_default, year_accepted = 2019, {2019, 2020}
            year_where = "метки работ vpr2020 в столбце «groups»: осенний тур 2020 года"

    procedure = _resolve_procedure(hints, content_proc, proc_where, file_name)
    year = _resolve_year(hints, year_default, year_accepted, year_where, file_name)
    out.procedure, out.year = procedure, year
    if procedure is None or year is None:
        # asked all at once, with likely values (the file's name is read by shnor/importing/parse.py)
        out.needs = {n for n, v in ((NEED_PROCEDURE, procedure), (NEED_YEAR, year)) if v is None}
        if procedure is None:
            guess = _guess_work(cols, rows, first, autumn=year_default is not None and cols.layout == "1A",
                                scales=scales)
            if guess:
                out.proposals[NEED_PROCEDURE] = guess
        return
    proc = procedures.CATALOGUE[procedure]

    scale = scales.get((procedure, year))
    if scale is None:
        # the year's scale is not entered yet: an admin enters it on the upload page, then the file goes on
        out.needs = {NEED_SCALE}
        out.proposals[NEED_SCALE] = _propose_scale(cols, rows, first, procedure, year, scales)
        return
    task_max_total = sum(m for _, _, m in cols.tasks if m is not None) if cols.tasks and all(
        m is not None for _, _, m in cols.tasks) else None
    max_score = int(task_max_total) if task_max_total is not None else scale.max_score
    if task_max_total is not None and int(task_max_total) != scale.max_score:
        raise ParseRefusal([Issue(
            ERROR, f"по заголовкам заданий максимум работы — {int(task_max_total)} баллов, а шкала для "
                   f"{procedures.name_ru(procedure)} за {format_school_year(year)} учебный год рассчитана на "
                   f"{scale.max_score} баллов. Вероятно, выбрана не та процедура или шкала: проверьте шкалу в "
                   "настройках (Настройки → Шкалы ВПР).", file=file_name)])
    mark_of = [scale.mark(s) for s in range(max_score + 1)]

    # --- one pass over the pupil rows --------------------------------------------------------
    c_total, c_variant, c_login, c_school = cols.total, cols.variant, cols.login, cols.school
    c_terr, c_groups, c_code, c_journal, c_date = cols.territory, cols.groups, cols.code, cols.journal, cols.date
    c_textbook = cols.textbook
    task_cols = [ci for ci, _, _ in cols.tasks]
    n_tasks = len(task_cols)
    key_cols = [c for c in (c_total, c_variant, c_login, c_school, c_code) if c is not None]
    total_header = cols.headers[c_total]

    schools: dict[str, _School] = {}
    c_key = c_school if c_school is not None else c_login
    key_memo: dict[Any, str] = {}
    digit_memo: dict[Any, str] = {}
    total_memo: dict[Any, Any] = {}      # raw cell -> int score | None (empty) | str (error kind)
    task_memo: dict[Any, float] = {}
    odd_tasks = 0
    odd_example: tuple[int, int, str] | None = None
    journal_memo: dict[Any, int | None] = {}
    muni_memo: dict[str, str | None] = {}
    textbook_memo: dict[str, str | None] = {}
    textbook_subjects: Counter = Counter()
    row_errors: list[Issue] = []
    unnamed_rows = 0
    pupils = 0
    name = procedures.name_ru(procedure)

    for ri in range(first, len(rows)):
        row = rows[ri]
        if len(row) < width:
            row = row + [None] * (width - len(row))
        if all(row[c] is None for c in key_cols) and not any(c is not None for c in row):
            continue
        excel_row = ri + 1
        # school key
        raw_key = row[c_key]
        key = key_memo.get(raw_key)
        if key is None:
            key = key_memo[raw_key] = cell_text(raw_key)
        school_text = key if c_school is not None else ""
        if key[:5].lower() in ("всего", "итого"):
            continue        # a subtotal row
        if not key:
            if any(isinstance(c, str) and _norm(c).startswith(("всего", "итого")) for c in row):
                continue    # a subtotal row
            unnamed_rows += 1
            pupils += 1
            row_errors.append(Issue(ROW_ERROR, "не указана школа — строка не учтена.", file=out.file_name,
                                    sheet=sheet.name, row=excel_row,
                                    column=cols.headers[c_school if c_school is not None else c_login], value=""))
            continue
        pupils += 1
        sch = schools.get(key)
        if sch is None:
            sch = schools[key] = _School(key, excel_row, n_tasks)
            if c_school is not None:
                login, sname = _split_code_name(school_text)
                sch.login = login or (cell_text(row[c_login]) if c_login is not None else None) or None
                sch.name = sname
            else:
                sch.login = key
        sch.pupils += 1
        if sch.territory is None:
            if c_groups is not None:
                g = row[c_groups]
                if isinstance(g, str):
                    if g not in muni_memo:
                        m = _MUNI_1A.search(g)
                        muni_memo[g] = f"reg{m.group(1)}_m{m.group(2)}" if m else None
                    sch.territory = muni_memo[g]
            elif c_terr is not None:
                sch.territory = cell_text(row[c_terr]) or None
        if c_date is not None and row[c_date] is not None:
            d = date_memo.get(row[c_date])
            if d and (sch.date is None or d < sch.date):
                sch.date = d
        if c_textbook is not None:
            tb = row[c_textbook]
            if isinstance(tb, str):
                subj = textbook_memo.get(tb, "?")
                if subj == "?":
                    low = tb.lower()
                    subj = next((s for word, s in _TEXTBOOK_SUBJECTS if word in low), None)
                    textbook_memo[tb] = subj
                if subj:
                    textbook_subjects[subj] += 1

        # variant and total
        if c_variant is not None:
            var = row[c_variant]
            if isinstance(var, str) and var.strip().lower() == ABSENT:
                continue
        raw_total = row[c_total]
        score = total_memo.get(raw_total, total_memo)
        if score is total_memo:
            try:
                num = cell_number(raw_total)
                if num is None:
                    score = None
                else:
                    score = round_half_up(num)
                    if not 0 <= score <= max_score:
                        score = "range"
            except NotANumber:
                score = "nan"
            total_memo[raw_total] = score
        if score is None:
            continue            # empty total: not a participant
        if isinstance(score, str):
            value = cell_text(raw_total)
            if score == "range":
                msg = (f"общий балл {value} вне допустимого диапазона 0…{max_score} для работы «{name}» — "
                       "обучающийся не учтён.")
            else:
                msg = f"общий балл «{value}» — не число; обучающийся не учтён."
            row_errors.append(Issue(ROW_ERROR, msg, file=out.file_name, sheet=sheet.name, row=excel_row,
                                    column=total_header, value=value))
            continue
        mark = mark_of[score]
        if mark is None:
            row_errors.append(Issue(
                ROW_ERROR, f"общий балл {score} не попадает ни в один диапазон шкалы для «{name}» за "
                           f"{format_school_year(out.year)} — обучающийся не учтён.",
                file=out.file_name, sheet=sheet.name, row=excel_row, column=total_header, value=str(score)))
            continue
        sch.participants += 1
        sch.marks[mark] += 1
        sch.total_sum += score
        sch.hist[score] = sch.hist.get(score, 0) + 1
        # tasks
        sums = sch.task_sums
        for ti in range(n_tasks):
            v = row[task_cols[ti]]
            if v is None:
                continue
            p = task_memo.get(v)
            if p is None:
                p = task_memo[v] = _task_points(v)
            if p < 0:           # odd cell: counted as 0 points, reported once for the file
                odd_tasks += 1
                if odd_example is None:
                    odd_example = (excel_row, task_cols[ti], cell_text(v))
                p = 0.0
            sums[ti] += p
        # journal mark
        if c_journal is not None:
            jv = row[c_journal]
            if jv is not None:
                j = journal_memo.get(jv, -1)
                if j == -1:
                    j = _journal_mark(jv)
                    journal_memo[jv] = j
                if j is not None:
                    sch.journal[0 if mark < j else 1 if mark == j else 2] += 1
        # pupil's grade
        if c_code is not None:
            cv = row[c_code]
            if cv is not None:
                d0 = digit_memo.get(cv)
                if d0 is None:
                    d0 = digit_memo[cv] = cell_text(cv)[:1]
                if d0.isdigit():
                    sch.digits[d0] = sch.digits.get(d0, 0) + 1

    out.pupil_rows = pupils
    out.rows_read = pupils

    # --- file-level checks ---------------------------------------------------------------------
    if pupils == 0:
        raise ParseRefusal([Issue(ERROR, "в протоколе нет ни одной строки с обучающимися.", file=file_name,
                                  sheet=sheet.name)])
    if textbook_subjects and cols.layout != "1C":
        subj, n = textbook_subjects.most_common(1)[0]
        if subj != proc.subject and n * 2 > sum(textbook_subjects.values()):
            raise ParseRefusal([Issue(
                ERROR, f"в столбце «{cols.headers[c_textbook]}» указаны учебники по предмету "
                       f"«{procedures.SUBJECTS_RU[subj]}», а выбрана работа «{name}». Вероятно, выбрана не та "
                       "процедура: выберите работу, результаты которой в файле.", file=file_name,
                sheet=sheet.name, column=cols.headers[c_textbook])])

    if row_errors and len(row_errors) * 100 > ROW_ERROR_SHARE_PERCENT * pupils:
        examples = row_errors[:REFUSED_ROW_EXAMPLES]
        raise ParseRefusal([Issue(
            ERROR, f"общий балл не число или вне диапазона 0…{max_score} в строках обучающихся: {len(row_errors)} "
                   f"из {pupils} (больше {ROW_ERROR_SHARE_PERCENT} %) — файл не загружен. Вероятно, выбрана не "
                   f"та процедура или шкала: в файле не работа «{name}» за {format_school_year(out.year)} "
                   "учебный год, или шкала в настройках неверна.", file=file_name, sheet=sheet.name,
            column=total_header)] + examples)
    out.issues.extend(row_errors)
    if odd_tasks:
        r, c, v = odd_example
        out.issues.append(Issue(
            WARNING, f"баллы за задания, которые не число от 0 и не «X»/«не пройд.», посчитаны как 0 баллов "
                     f"(таких ячеек: {odd_tasks}; первая — здесь).", file=file_name, sheet=sheet.name, row=r,
            column=cols.headers[c], value=v))

    # --- results -------------------------------------------------------------------------------
    labels = [label for _, label, _ in cols.tasks]
    task_max = ({label: mx for _, label, mx in cols.tasks} if cols.tasks and all(
        mx is not None for _, _, mx in cols.tasks) else None)
    empty: list[_School] = []
    grades: Counter = Counter()
    for sch in schools.values():
        if sch.participants == 0:
            empty.append(sch)
            continue
        n = sch.participants
        grade = int(max(sch.digits.items(), key=lambda kv: kv[1])[0]) if sch.digits else None
        if grade is not None:
            grades[grade] += n
        out.results.append(ResultRow(
            school=SchoolRef(login=sch.login, name=sch.name, territory=sch.territory),
            procedure=procedure, year=out.year, participants=n, low_count=sch.marks[2],
            marks={m: sch.marks[m] for m in (2, 3, 4, 5)},
            mean_score=_round(sch.total_sum / n, 2),
            score_hist=dict(sorted(sch.hist.items())),
            task_points={labels[i]: _round(sch.task_sums[i] / n, 4) for i in range(n_tasks)} if n_tasks else None,
            task_max=dict(task_max) if task_max else None,
            journal_cmp=({"below": sch.journal[0], "equal": sch.journal[1], "above": sch.journal[2]}
                         if c_journal is not None else None),
            round_date=sch.date.isoformat() if sch.date else None,
            grade_written=grade, source_sheet=sheet.name, source_row=sch.first_row))
    if empty:
        names = ", ".join((s.login or s.key) for s in empty[:10]) + (" …" if len(empty) > 10 else "")
        out.issues.append(Issue(
            WARNING, f"школы, в которых ни один обучающийся не писал работу (все отсутствовали или нет общего "
                     f"балла), не получают результата — их нет в данных за год (таких школ: {len(empty)}; {names}).",
            file=file_name, sheet=sheet.name))
    if grades and proc.grade:
        g = grades.most_common(1)[0][0]
        if g not in (proc.grade, proc.grade + 1):
            out.issues.append(Issue(
                WARNING, f"по кодам участников работу писали обучающиеся {g} класса, а выбрана работа за "
                         f"{proc.grade} класс («{name}»). Проверьте, что выбрана нужная работа.",
                file=file_name, sheet=sheet.name, column=cols.headers[c_code] if c_code is not None else None))


def _task_points(v: Any) -> float:
    """Points of one task cell; -1.0 marks an odd cell (neither a number ≥ 0 nor a known mark)."""
    if isinstance(v, str):
        t = v.strip().lower()
        if t in _NOT_DONE or not t:
            return 0.0
    try:
        num = cell_number(v)
    except NotANumber:
        return -1.0
    if num is None:
        return 0.0
    return -1.0 if num < 0 else num


def _journal_mark(v: Any) -> int | None:
    try:
        num = cell_number(v)
    except NotANumber:
        return None
    if num is None or not float(num).is_integer() or not 1 <= num <= 5:
        return None
    return int(num)
