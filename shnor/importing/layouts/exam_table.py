"""Layout 3: per-school ОГЭ / ЕГЭ tables from the regional exam centre (РЦОИ), FORMATS.md §3.

No national format exists, so the header is read by content:

    Результаты ЕГЭ-2023 по общеобразовательным организациям                        <- title: exam and year
    Муниципалитет | Код ОО | Образовательная организация | Русский язык              | Математика (профильный уровень) …
                  |        |                             | приняли   | не преодолели | средний | …
                  |        |                             | участие   | чел. | %      | балл    |
    Алейский район| 0101   | МБОУ СОШ №1                 | 25        | 2    | 8      | 61,3    | …
                  | 0102   | МБОУ СОШ №2                 | …                                               <- municipality filled down
    Итого по МО   |        |                             | …                                               <- subtotal: skipped

- Identity columns: `Муниципалитет` (or `МО`, `Территория`, `АТЕ`, `Район`), `Код ОО` (the regional exam code;
  a value that looks like a ФИС ОКО login goes to SchoolRef.login), `Образовательная организация` / `ОО` /
  `Наименование ОО` / `Школа`.
- One header block per subject over one to three header rows (merged cells filled); a subject header is
  recognised by procedures.from_text (`Русский язык`, `Математика (базовый уровень)`, `Информатика и ИКТ` …).
  The subject and the sub-column may share one cell, in either order, split at `:` `—` `–` ` - ` `,` `;` `/`
  or brackets: `Математика (базовый уровень): всего участников`, `Русский язык — не преодолели минимальный
  порог, чел.`, `Всего участников (русский язык)`; then one header row is enough.
  A sheet without subject blocks is one subject: the procedure given at upload (hints.procedure) or the one its
  title or sheet name names («… по русскому языку»); when both name one and they differ, the upload's wins
  with a warning. Its columns may be only the marks: `«2» «3» «4» «5»` (`"2"`, `отметка 2`, `Кол-во «2»`).
- One row per school and subject: a `Предмет` column names the subject of each row (the school's code and name
  may stand on its first row only); an unknown subject's rows are left out with a warning.
- Sub-columns: participants (`приняли участие`, `Кол-во участников`, `всего участников`, `количество
  участников`, `участвовали`, `кол-во сдававших`, `сдавали`, `явились`; never `не явились`,
  `зарегистрировано`), below the minimum (`не преодолели минимальный порог`, `не набрали минимального
  количества баллов`, `ниже минимума`, `не сдали`) as persons and/or % (`%`, `доля`, `процент`),
  `средний (тестовый/первичный) балл`, mark counts or shares `«2» «3» «4» «5»` (`отметка «2»`, `получили
  «2»`). Other columns (`80–99`, `100`) are ignored.
- Low count: persons below the minimum (`не сдали` is the same); else round_half_up(participants × % / 100);
  else mark «2» (ОГЭ: «2» is below the minimum; ЕГЭ base math is reported as marks) as a count or a %.
  Participants: the column, else the sum of the four mark counts.
- ОГЭ or ЕГЭ from the title / sheet name (`ОГЭ`, `ГИА-9`, `ЕГЭ`, `ГИА-11`, «основной / единый государственный
  экзамен»), else from the hints (a procedure code OGE-… / EGE-…), else base/profile math in the header means
  ЕГЭ; otherwise an ERROR asks the user to say which. The year from the title (`ЕГЭ-2023` -> 2022,
  `2022/2023 учебный год` -> 2022) or the hints (hints win, with a warning when they differ). A missing exam,
  year and subject are reported together, so the upload form asks for them at once.
- Every refusal about the header names the sheet, the header row and the header text it did not understand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from shnor.domain import procedures
from shnor.importing.model import Hints, MarkScale, ParsedFile, ResultRow, SchoolRef
from shnor.importing.reading import Sheet, cell_text
from shnor.importing.layouts.common import (CellError, IssueLog, check_duplicate_results, clean_code, count_cell, count_from_percent,
                     data_rows, find_header, float_cell, fraction_scaled, header_depth, header_paths, is_login,
                     is_subtotal, norm, percent_cell, percent_from_fraction, school_year_from_title, sheets_with_header,
                     title_text, year_with_hint)

LAYOUT = "3"
LAYOUT_RU = "Таблица ОГЭ/ЕГЭ по школам (РЦОИ)"

ID_SPEC = {
    "subject": (r"^(учебный |общеобразовательный )?предмет$", r"^(наименование|название) (учебного )?предмета$"),
    "muni_code": (r"^код (мо|ате|муниципалитета|муниципального образования|района|территории)$",),
    "code": (r"^код( оо| оу| школы| организации| образовательной организации| учреждения)?$",),
    "territory": (r"^(муниципалитет|муниципальное образование|мо|ате|территория|район|муниципальный район|"
                  r"городской округ|муниципальный округ)$", r"^(наименование|название) (мо|ате|муниципал\w*)"),
    "name": (r"^(полное |краткое |сокращенное )?(наименование|название)( оо| оу| школы| образовательн\w*"
             r"( организации| учреждения)?)?$", r"^образовательн\w* (организация|учреждение)$", r"^(оо|оу|школа)$"),
}
_EXCLUDE = re.compile(r"^(процедура|учебный год|группы участников|логин|логин школы|пользователь|вариант|"
                      r"итого баллов|всего баллов|user|groups)$")
_PARTICIPANTS = re.compile(r"участ|сдава|писал|явил")
_NOT_PARTICIPANTS = re.compile(r"\bне (явил|участ|сдава|писал)|неявк|зарегистр|заявлен")
_LOW = re.compile(r"не преодол|не набрал|ниже мин|не сдал|не сдавш|не прошл|не достиг|не подтверд|менее мин")
_MEAN = re.compile(r"средн\w* (тестов\w* |первичн\w* )?балл")
_NOT_MARK = re.compile(r"\bбалл|\bкласс|\bуров|\bзадан|\bвариант|\bчаст[ьи]\b|\bгод")
_PERCENT = re.compile(r"%|\bдол[яи]\b|процент")
# where one header cell joins the subject and the sub-column: «Математика (базовый уровень): всего участников»
_CELL_SPLIT = re.compile(r"\s*(?:[:;—–|/()\n]|\s-\s|,)\s*")
_KIND_RU = {"OGE": "ОГЭ", "EGE": "ЕГЭ"}
_MAX_CELL, _MAX_CUTS = 300, 12      # a header cell is a few words; a hostile one is not cut a thousand ways
_BY_ROW, _BY_ROW_RU = "*", "всех предметов столбца «Предмет»"
_COUNTS = ("participants", "low", "low%")
_MARKS = ("m2", "m3", "m4", "m5")
_EXAMPLES_RU = ("«Русский язык» → «приняли участие», «Математика (базовый уровень): всего участников» или, "
                "в файле одного предмета, «Кол-во участников» / «2» «3» «4» «5»")


@dataclass
class _Block:
    """One subject's columns: measure -> column index (measure: participants, low, low%, mean, m2…m5, m2%…)."""
    procedure: str
    label: str
    cols: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)    # its header texts not understood


def _id_columns(sheet: Sheet):
    found = find_header(sheet, ID_SPEC, required=[{"name"}, {"code", "territory"}])
    if found is None:
        return None
    top, cols = found
    if any(_EXCLUDE.search(norm(c)) for c in sheet.rows[top]):
        return None
    return top, cols


def _pieces(text: str) -> list[str]:
    """A header cell cut at its separators: «Математика (базовый уровень): всего участников» ->
    ['Математика', 'базовый уровень', 'всего участников']."""
    if len(text) > _MAX_CELL:
        return [text]
    return [p for p in (x.strip() for x in _CELL_SPLIT.split(text)) if norm(p)]


def _names_subject(text: str) -> bool:
    """The text names a school subject in full (`русский язык`, `математика`, `информатика` …)."""
    t = norm(text)
    return any(norm(ru) in t for ru in procedures.SUBJECTS_RU.values())


def _results_header(paths: list[tuple[str, ...]], ids: set[int], exam_title: bool) -> bool:
    """The header has result columns: participants or persons below the minimum (in any subject), the four
    mark counts «2»…«5» and no other numbered column (a file of one subject), or — under a title that says
    ОГЭ/ЕГЭ — a column naming a subject (then a header not understood is refused naming its columns)."""
    marks: set[str] = set()
    numbers: set[str] = set()
    for j, path in enumerate(paths):
        if j in ids or not path:
            continue
        measure = _measure(tuple(p for t in path for p in _pieces(t)))
        if measure in _COUNTS:
            return True
        if measure:
            marks.add(measure.rstrip("%"))
        numbers |= {norm(t) for t in path if re.fullmatch(r"\d{1,3}", norm(t))}
        if exam_title and any(_names_subject(t) for t in path):
            return True
    return set(_MARKS) <= marks and numbers <= {"2", "3", "4", "5"}


def _find(sheet: Sheet):
    found = _id_columns(sheet)
    if found is None:
        return None
    top, cols = found
    depth = header_depth(sheet, top, (c.index for c in cols.values()))
    ids = {c.index for c in cols.values()}
    exam_title = _kind_in_text(title_text(sheet, top)) is not None
    if _results_header(header_paths(sheet.rows, top, depth), ids, exam_title):
        return top, cols, depth
    return None


def detect(sheets: list[Sheet]) -> bool:
    """A header with a school column (`ОО` / `Образовательная организация` / `Наименование ОО`), `Код ОО` or
    `Муниципалитет`, and result columns (see _results_header) in it or the next header rows; never a header
    with `Процедура`, `Учебный год`, `Группы участников`, `логин`, `Вариант`."""
    return any(_find(s) is not None for s in sheets)


def _kind_in_text(text: str) -> str | None:
    n = norm(text)
    oge = re.search(r"\bогэ\b|\bгиа ?9\b|основн\w* государственн\w* экзамен|\b9 (х )?класс", n)
    ege = re.search(r"\bегэ\b|\bгиа ?11\b|един\w* государственн\w* экзамен|\b11 (х )?класс", n)
    if oge and not ege:
        return "OGE"
    if ege and not oge:
        return "EGE"
    return None


def _kind_in_hints(hints: Hints) -> str | None:
    p = (hints.procedure or "").strip().upper()
    if p.startswith(("OGE", "ОГЭ")):
        return "OGE"
    if p.startswith(("EGE", "ЕГЭ")):
        return "EGE"
    return None


def _procedure_in_hints(hints: Hints, kind: str) -> str | None:
    """The ОГЭ/ЕГЭ procedure chosen at upload, when it is one of the exam `kind` (not only the exam)."""
    if not hints.procedure:
        return None
    code = procedures.from_text(hints.procedure, kind=kind)
    return code if code and code.startswith(kind) else None


def _is_participants(text: str) -> bool:
    return bool(_PARTICIPANTS.search(text)) and not _NOT_PARTICIPANTS.search(text)


def _measure(levels: tuple[str, ...]) -> str | None:
    """What a sub-column holds, from its header texts under the subject: 'participants', 'low', 'low%',
    'mean', 'm2'…'m5', 'm2%'…; None for anything else."""
    texts = [t for t in (norm(x) for x in levels) if t]
    joined = " ".join(texts)
    pct = "%" if any(_PERCENT.search(t) for t in texts) else ""
    if _LOW.search(joined):
        return "low" + pct
    for t in texts:
        digits = re.findall(r"\d+", t)
        if len(digits) == 1 and digits[0] in ("2", "3", "4", "5") and not _NOT_MARK.search(t):
            return f"m{digits[0]}" + pct
    if _MEAN.search(joined):
        return "mean"
    if _is_participants(joined) and not pct:
        return "participants"
    return None


@lru_cache(maxsize=4096)
def _from_text(text: str, kind: str) -> str | None:
    """procedures.from_text for a header text; a text longer than a header cell names no subject."""
    return procedures.from_text(text, kind=kind) if len(text) <= _MAX_CELL else None


def _subject(path: tuple[str, ...], kind: str) -> tuple[str | None, int]:
    """(procedure code, number of header levels it took) for a column, or (None, 0)."""
    for k in range(len(path)):
        code = _from_text(" ".join(path[:k + 1]), kind)
        if code:
            return code, k + 1
    return None, 0


_STRONG_CUT = re.compile(r"\s*(?:[:;—–|/\n]|\s-\s|,)\s*")
_BRACKET_CUT = re.compile(r"\s*[()]\s*")


def _tidy(label: str) -> str:
    """A subject cut out of a header cell, its brackets balanced: 'Математика (базовый уровень' -> '… уровень)'."""
    t = label.strip(" \t\n:;,—–-/|")
    while t.endswith(")") and t.count(")") > t.count("("):
        t = t[:-1].rstrip()
    while t.startswith("(") and t.count("(") > t.count(")"):
        t = t[1:].lstrip()
    if t.count("(") > t.count(")"):
        t += ")"
    return t


def _split_cell(text: str, lower: tuple[str, ...], kind: str) -> tuple[str | None, str, str] | None:
    """A header cell holding the subject and the sub-column, in either order: («Русский язык — не преодолели
    минимальный порог», ('чел.',)) -> ('EGE-RUS', 'Русский язык', 'low'). The cell is cut at a separator
    (`:` `—` `,` … before brackets); the subject part must not read as a sub-column itself. The code is None
    when the subject part is no subject of the catalogue (the caller warns). None when no cut gives both."""
    if len(text) > _MAX_CELL:
        return None
    strong = [(m.start(), m.end()) for m in _STRONG_CUT.finditer(text)][:_MAX_CUTS]
    bracket = [(m.start(), m.end()) for m in _BRACKET_CUT.finditer(text)
               if 0 < m.start() and m.end() < len(text)][:_MAX_CUTS]
    cuts = [(text[:a], text[b:]) for a, b in strong + bracket] + \
           [(text[b:], text[:a]) for a, b in bracket[::-1] + strong[::-1]]   # «участников (русский язык)»
    unknown = None
    for subject, rest in cuts:
        label = _tidy(subject)
        measure = _measure(tuple(_pieces(rest)) + lower)
        if not norm(label) or measure is None or _measure((label,)) is not None:
            continue
        code = _from_text(label, kind)
        if code:
            return code, label, measure
        if unknown is None and measure in _COUNTS and re.search(r"[а-яa-z]{3}", norm(label)):
            unknown = (None, label, measure)
    if unknown is None:
        # no separator (a line break read as a space): «Русский язык приняли участие», «Не сдали русский язык»
        words = [m.start() for m in re.finditer(r"(?<=\S)\s+(?=\S)", text)][:_MAX_CUTS * 2]
        for subject, rest in [(text[:a], text[a:]) for a in words] + [(text[a:], text[:a]) for a in words[::-1]]:
            label = _tidy(subject)
            if not _names_subject(label) or _measure((label,)) is not None:
                continue
            measure, code = _measure(tuple(_pieces(rest)) + lower), _from_text(label, kind)
            if measure is not None and code:
                return code, label, measure
    return unknown


def _subject_part(text: str, code: str, kind: str) -> str:
    """The part of a header cell that names the subject `code` («Русский язык: пересдача» -> «Русский язык»),
    the whole text when no cut isolates it."""
    cuts = [] if len(text) > _MAX_CELL else \
        list(_STRONG_CUT.finditer(text))[:_MAX_CUTS] + list(_BRACKET_CUT.finditer(text))[:_MAX_CUTS]
    for m in cuts:
        for part in (text[:m.start()], text[m.end():]):
            if norm(part) and _from_text(_tidy(part), kind) == code:
                return _tidy(part)
    return text


def _column(path: tuple[str, ...], kind: str,
            single: str | None) -> tuple[str | None, str, tuple, str | None]:
    """(procedure code, subject label, block key, measure) of one column. The code is None for a column of no
    subject of the catalogue (the label is then the subject as written when one is recognisable, else "").
    The columns of one subject share the key: the subject's header levels, or — when the subject shares a cell
    with the sub-column — the levels above that cell (so «Русский язык: всего участников» and «Русский язык —
    не сдали» are one block)."""
    if single:
        return single, "", (single,), _measure(tuple(p for t in path for p in _pieces(t)))
    code, used = _subject(path, kind)
    if code:
        measure = _measure(path[used:])
        if measure is not None:
            return code, " ".join(path[:used]), (code, norm(" ".join(path[:used]))), measure
        parent = path[:used - 1]
        key = (code, norm(" ".join(parent)), "cell")
        split = _split_cell(path[used - 1], path[used:], kind)
        if split and split[0] == code:
            return code, " ".join(parent + (split[1],)), key, split[2]
        if split and split[0]:
            return split[0], " ".join(parent + (split[1],)), (split[0],) + key[1:], split[2]
        part = _subject_part(path[used - 1], code, kind)
        if part == path[used - 1]:          # the cell names only the subject: the levels below are not understood
            key = (code, norm(" ".join(path[:used])))
        return code, " ".join(parent + (part,)), key, None
    if len(path) > 1 and _measure(path[1:]) in _COUNTS:
        return None, path[0], (), _measure(path[1:])
    split = _split_cell(path[0], path[1:], kind)
    if split:
        return split[0], split[1], (), split[2]
    return None, "", (), None


def _blocks(paths: list[tuple[str, ...]], ids: set[int], kind: str,
            single: str | None) -> tuple[list[_Block], dict[str, str], list[str]]:
    """The subject blocks of a header; the subjects not in the catalogue (label -> the header text of their
    first count column); the header texts of the other columns of no subject, not understood."""
    blocks: dict[tuple, _Block] = {}
    unknown: dict[str, str] = {}
    other: list[str] = []
    for j, path in enumerate(paths):
        if j in ids or not path:
            continue
        header = " / ".join(path)
        code, label, key, measure = _column(path, kind, single)
        if code is None:
            if label and measure in _COUNTS:
                unknown.setdefault(label, header)
            else:
                other.append(header)
            continue
        block = blocks.setdefault(key, _Block(code, label or (_BY_ROW_RU if code == _BY_ROW else
                                                              procedures.name_ru(code))))
        if measure is None:
            block.unknown.append(header)
        elif measure not in block.cols:
            block.cols[measure] = j
            block.headers[measure] = header
    return list(blocks.values()), unknown, other


def _quoted(headers: list[str], limit: int = 6) -> str:
    shown = ", ".join(f"«{h}»" for h in headers[:limit])
    return shown + (f" и ещё {len(headers) - limit}" if len(headers) > limit else "")


def _block_problem(b: _Block) -> str | None:
    """Why a subject block cannot be loaded (Russian, completes «для предмета «…» …»), None when it can."""
    has_low = any(m in b.cols for m in ("low", "low%", "m2", "m2%"))
    has_n = "participants" in b.cols or all(m in b.cols for m in _MARKS)
    if has_low and has_n:
        return None
    need = ("нет числа участников (например, «приняли участие», «всего участников», «Кол-во участников») "
            "и нет всех четырёх отметок «2»…«5»") if not has_n else \
        "нет числа или доли не преодолевших минимальный порог («не преодолели минимальный порог», «не сдали», «2»)"
    if b.unknown:
        need += f"; не понят{'ы столбцы' if len(b.unknown) > 1 else ' столбец'} {_quoted(b.unknown)}"
    return need


def _single_procedure(title: str, hints: Hints, kind: str, log: IssueLog, sheet: str) -> str | None:
    """The one subject of a sheet whose header names none: the procedure chosen at upload, else the one the
    title or sheet name names; the upload's wins, with a warning when the title names another."""
    hinted = _procedure_in_hints(hints, kind)
    titled = procedures.from_text(title, kind=kind)
    if hinted and titled and hinted != titled:
        log.warning(f"по заголовку таблицы это «{procedures.name_ru(titled)}», но при загрузке выбрано "
                    f"«{procedures.name_ru(hinted)}» — результаты записаны в выбранную процедуру.", sheet=sheet)
    return hinted or titled


def _refuse_header(paths: list[tuple[str, ...]], ids: set[int], other: list[str], sheet: Sheet, top: int,
                   log: IssueLog, hints: Hints, kind: str) -> None:
    """ERROR for a header where no subject was found: naming the count columns when only the subject is
    missing (a file of one subject), else the header texts that were not understood."""
    counts = [" / ".join(p) for j, p in enumerate(paths) if j not in ids and p and
              _measure(tuple(x for t in p for x in _pieces(t))) in _COUNTS + _MARKS]
    if counts and hints.procedure and _kind_in_hints(hints) is None:      # e.g. a ВПР work chosen
        log.error(f"в заголовке таблицы нет названия предмета, а выбранная при загрузке процедура "
                  f"«{procedures.name_ru(hints.procedure)}» — не {_KIND_RU[kind]}. Выберите процедуру {_KIND_RU[kind]} "
                  f"(например, «{_KIND_RU[kind]}, математика»).", sheet=sheet.name, row=top, column=counts[0])
        return
    if counts:
        log.error("не удалось определить предмет: в заголовке таблицы нет названия предмета (например, «Русский "
                  "язык»), в названии таблицы и листа тоже. Укажите процедуру при загрузке (например, «ОГЭ, "
                  "математика»).", sheet=sheet.name, row=top, column=counts[0])
        return
    log.error(f"в заголовке таблицы не понят ни один столбец результатов: {_quoted(other)}. Ожидаются, например: "
              f"{_EXAMPLES_RU}.", sheet=sheet.name, row=top, column=other[0] if other else None)


def parse(sheets: list[Sheet], file_name: str, hints: Hints,
          scales: dict[tuple[str, int], MarkScale] | None = None) -> ParsedFile:
    log = IssueLog(file_name)
    out = ParsedFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU)
    procs: set[str] = set()
    years: set[int] = set()
    for sheet, top, cols, depth in sheets_with_header(sheets, _find):
        title = title_text(sheet, top)
        paths = header_paths(sheet.rows, top, depth)
        ids = {c.index for c in cols.values()}

        # --- ОГЭ or ЕГЭ, the year: what is missing is said at once --------------------------------------
        file_kind, hint_kind = _kind_in_text(title), _kind_in_hints(hints)
        if file_kind and hint_kind and file_kind != hint_kind:
            log.error(f"в заголовке таблицы указан {'ОГЭ' if file_kind == 'OGE' else 'ЕГЭ'}, а при загрузке выбран "
                      f"{'ОГЭ' if hint_kind == 'OGE' else 'ЕГЭ'}. Проверьте файл или выбор экзамена.", sheet=sheet.name)
            continue
        kind = file_kind or hint_kind
        if kind is None and any(re.search(r"базов|профил", norm(t)) for p in paths for t in p):
            kind = "EGE"
        if kind is None and "subject" in cols and any(
                re.search(r"базов|профил", norm(r[cols["subject"].index]))
                for r in sheet.rows[top + depth:] if cols["subject"].index < len(r)):
            kind = "EGE"
        if kind is None:
            log.error("не удалось определить экзамен: в заголовке таблицы и названии листа нет слов «ОГЭ» / «ЕГЭ» "
                      "(«ГИА-9» / «ГИА-11»). Укажите при загрузке, какой это экзамен.", sheet=sheet.name)
        year = year_with_hint(school_year_from_title(title), hints, log, sheet.name, source="таблицы")
        if year is None:
            log.error("не удалось определить учебный год: в заголовке таблицы нет года экзамена (например, "
                      "«ЕГЭ-2023» или «2022/2023 учебный год»). Укажите учебный год при загрузке.", sheet=sheet.name)
        if kind is None or year is None:
            continue

        # --- subject blocks -------------------------------------------------------------------------------
        c_subj = cols.get("subject")
        single = None
        if c_subj is not None:
            single = _BY_ROW          # one row per school and subject: the subject is read on each row
        elif not any(_subject(p, kind)[0] for j, p in enumerate(paths) if j not in ids and p):
            single = _single_procedure(title, hints, kind, log, sheet.name)
        blocks, unknown, other = _blocks(paths, ids, kind, single)
        for label, header in unknown.items():
            known = sorted({p.subject_ru for p in procedures.CATALOGUE.values() if p.kind == kind})
            what = "его столбцы не загружены" if blocks else "файл не загружен"
            (log.warning if blocks else log.error)(
                f"предмет «{label}» не распознан или его нет в каталоге процедур {_KIND_RU[kind]} — {what}. "
                f"Предметы каталога: {', '.join(known)}.", sheet=sheet.name, row=top, column=header)
        if not blocks:
            if not unknown:
                _refuse_header(paths, ids, other, sheet, top, log, hints, kind)
            continue
        usable = [b for b in blocks if _block_problem(b) is None]
        for b in blocks:
            problem = _block_problem(b)
            if problem is None:
                continue
            where = dict(sheet=sheet.name, row=top, column=(b.unknown or list(b.headers.values()) or [b.label])[0])
            if usable:
                log.warning(f"для предмета «{b.label}» {problem} — предмет не загружен.", **where)
            else:
                log.error(f"для предмета «{b.label}» {problem}. Ожидаются, например: {_EXAMPLES_RU}.", **where)
        if not usable:
            continue
        first_data = top + depth
        scaled = {}
        for b in usable:
            for m, j in b.cols.items():
                if m.endswith("%"):
                    scaled[j] = fraction_scaled(r[j] if j < len(r) else None for r in sheet.rows[first_data:])
        if any(scaled.values()):
            log.warning("проценты записаны долями (ячейки в формате «%»): 0,4 прочитано как 40 %.", sheet=sheet.name)

        # --- rows -----------------------------------------------------------------------------------------
        c_code, c_terr = cols.get("code"), cols.get("territory")
        block_cols = {j for b in usable for j in b.cols.values()}
        municipality: str | None = None
        school: SchoolRef | None = None         # the last school: its name and code may stand on its first row only
        unknown_subjects: set[str] = set()
        for i, row, raw in data_rows(sheet, first_data, cols, skip_numbering=True):
            terr, name, code_raw = cell_text(raw("territory")), cell_text(raw("name")), raw("code")
            subject_text = cell_text(raw("subject"))
            code = clean_code(code_raw)
            if terr and not is_subtotal(terr):
                municipality = terr
            if is_subtotal(terr, name, cell_text(code_raw), subject_text):
                continue
            has_numbers = any(j < len(row) and cell_text(row[j]) for j in block_cols)
            here = SchoolRef(login=code.lower() if code and is_login(code) else None,
                             exam_code=code if code and not is_login(code) else None,
                             name=name or None, territory=municipality or hints.territory)
            row_procedure = None
            if c_subj is not None:
                row_procedure = _from_text(subject_text, kind) if subject_text else None
                if row_procedure is None and has_numbers:
                    if name or code:
                        school = here
                    if subject_text not in unknown_subjects:
                        unknown_subjects.add(subject_text)
                        log.warning(f"предмет «{subject_text}» не распознан или его нет в каталоге процедур "
                                    f"{_KIND_RU[kind]} — его строки не загружены." if subject_text else
                                    "строка без предмета пропущена.", sheet=sheet.name, row=i,
                                    column=c_subj.header, value=subject_text or None)
                    continue
                if not name and not code and school is not None and has_numbers:
                    _append_row(out, row, i, usable, school, row_procedure, year, scaled, log, sheet)
                    procs.add(row_procedure)
                    years.add(year)
                    continue
            if not name and not code:
                continue            # a municipality's own row
            if c_code is not None and not code:
                if not has_numbers:
                    if c_terr is None:
                        municipality = name   # a section row naming the municipality
                    continue
                if municipality and norm(name) == norm(municipality):
                    continue
                log.warning("строка без кода ОО пропущена (похоже на итоговую строку). Если это школа, впишите её код.",
                            sheet=sheet.name, row=i, column=c_code.header, value=name)
                continue
            if municipality and norm(name) == norm(municipality) and not code:
                continue
            school = here
            for p in _append_row(out, row, i, usable, school, row_procedure, year, scaled, log, sheet):
                procs.add(p)
                years.add(year)

    check_duplicate_results(out.results, log, column="Код ОО")
    if not out.results and not log.has_errors:
        log.error("в таблице нет строк школ с результатами.")
    out.procedure = next(iter(procs)) if len(procs) == 1 else None
    out.year = next(iter(years)) if len(years) == 1 else None
    out.issues.extend(log.items)
    return out


def _append_row(out: ParsedFile, row: list, i: int, usable: list[_Block], school: SchoolRef, row_procedure: str | None,
                year: int, scaled: dict[int, bool], log: IssueLog, sheet: Sheet) -> list[str]:
    """The results of one data row (one per subject block; `row_procedure` for a block read by row) appended
    to `out`; returns their procedures."""
    out.rows_read += 1
    added = []
    for b in usable:
        r = _read_block(b, row, scaled=scaled, log=log, sheet=sheet, i=i)
        if r is None:
            continue
        n, low, marks, mean = r
        procedure = row_procedure if b.procedure == _BY_ROW else b.procedure
        out.results.append(ResultRow(school=school, procedure=procedure, year=year, participants=n,
                                     low_count=low, marks=marks, mean_score=mean,
                                     source_sheet=sheet.name, source_row=i + 1))
        added.append(procedure)
    return added


def _read_block(b: _Block, row: list, scaled: dict[int, bool], log: IssueLog,
                sheet: Sheet, i: int):
    """(participants, low, marks, mean) of one subject in one row; None when the school has no participants
    in it or the row has an error (then logged)."""
    def raw(m):
        j = b.cols.get(m)
        return row[j] if j is not None and j < len(row) else None

    def pct(m):
        return percent_cell(percent_from_fraction(raw(m)) if scaled.get(b.cols[m]) else raw(m))

    current = "participants"
    try:
        counts = {}
        for m in (2, 3, 4, 5):
            current = f"m{m}"
            if current in b.cols:
                counts[m] = count_cell(raw(current))
        current = "participants"
        n = count_cell(raw("participants")) if "participants" in b.cols else None
        if n is None and all(counts.get(m) is not None for m in (2, 3, 4, 5)):
            n = sum(counts[m] for m in (2, 3, 4, 5))
        if not n:
            for m in ("low", "m2"):
                current = m
                if m in b.cols and (count_cell(raw(m)) or 0) > 0:
                    raise CellError("указаны не преодолевшие порог, но нет числа участников.")
            return None
        for m in (2, 3, 4, 5):
            current = f"m{m}%"
            if counts.get(m) is None and current in b.cols:
                p = pct(current)
                if p is not None:
                    counts[m] = count_from_percent(n, p)
        low = None
        for m in ("low", "low%", "m2", "m2%"):
            if m not in b.cols:
                continue
            current = m
            if m == "low":
                low = count_cell(raw(m))
            elif m == "low%":
                p = pct(m)
                low = None if p is None else count_from_percent(n, p)
            else:
                low = counts.get(2)
            if low is not None:
                break
        if low is None:
            current = next(m for m in ("low", "low%", "m2", "m2%") if m in b.cols)
            raise CellError("нет числа (или доли) не преодолевших минимальный порог при ненулевом числе участников.")
        if low > n:
            raise CellError(f"не преодолевших порог ({low}) больше, чем участников ({n}).")
        current = "mean"
        mean = float_cell(raw("mean")) if "mean" in b.cols else None
    except CellError as e:
        log.error(str(e), sheet=sheet.name, row=i, column=b.headers.get(current, current), value=raw(current))
        return None
    marks = {m: counts[m] for m in (2, 3, 4, 5)} if all(counts.get(m) is not None for m in (2, 3, 4, 5)) else None
    if marks and sum(marks.values()) > n:
        log.warning(f"сумма отметок ({sum(marks.values())}) больше числа участников ({n}).", sheet=sheet.name, row=i,
                    column=b.label)
    return n, low, marks, mean


__all__ = ["LAYOUT", "LAYOUT_RU", "ID_SPEC", "detect", "parse"]
