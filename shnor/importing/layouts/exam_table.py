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
  A sheet without subject blocks takes its subject from its title or sheet name («… по русскому языку»).
- Sub-columns: participants (`приняли участие`, `Кол-во участников`, `участников`, `сдавали`), below the
  minimum (`не преодолели минимальный порог`, `не набрали минимального количества баллов`, `ниже минимума`,
  `не сдали`) as persons and/or % (`%`, `доля`, `процент`), `средний (тестовый/первичный) балл`, mark counts
  or shares `«2» «3» «4» «5»` (`отметка «2»`, `получили «2»`). Other columns (`80–99`, `100`) are ignored.
- Low count: persons below the minimum; else round_half_up(participants × % / 100); else mark «2» (ОГЭ: «2»
  is below the minimum; ЕГЭ base math is reported as marks) as a count or a %.
- ОГЭ or ЕГЭ from the title / sheet name (`ОГЭ`, `ГИА-9`, `ЕГЭ`, `ГИА-11`, «основной / единый государственный
  экзамен»), else from the hints (a procedure code OGE-… / EGE-…), else base/profile math in the header means
  ЕГЭ; otherwise an ERROR asks the user to say which. The year from the title (`ЕГЭ-2023` -> 2022,
  `2022/2023 учебный год` -> 2022) or the hints (hints win, with a warning when they differ).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    "muni_code": (r"^код (мо|ате|муниципалитета|муниципального образования|района|территории)$",),
    "code": (r"^код( оо| оу| школы| организации| образовательной организации| учреждения)?$",),
    "territory": (r"^(муниципалитет|муниципальное образование|мо|ате|территория|район|муниципальный район|"
                  r"городской округ|муниципальный округ)$", r"^(наименование|название) (мо|ате|муниципал\w*)"),
    "name": (r"^(полное |краткое |сокращенное )?(наименование|название)( оо| оу| школы| образовательн\w*"
             r"( организации| учреждения)?)?$", r"^образовательн\w* (организация|учреждение)$", r"^(оо|оу|школа)$"),
}
_EXCLUDE = re.compile(r"^(процедура|учебный год|группы участников|логин|логин школы|пользователь|вариант|"
                      r"итого баллов|всего баллов|user|groups)$")
_PARTICIPANTS = re.compile(r"участ|сдавал|писал|явил")
_LOW = re.compile(r"не преодол|не набрал|ниже мин|не сдал|не прошл|не достиг|не подтверд|менее мин")
_MEAN = re.compile(r"средн\w* (тестов\w* |первичн\w* )?балл")
_NOT_MARK = re.compile(r"\bбалл|\bкласс|\bуров|\bзадан|\bвариант|\bчаст[ьи]\b|\bгод")
_PERCENT = re.compile(r"%|\bдол[яи]\b|процент")


@dataclass
class _Block:
    """One subject's columns: measure -> column index (measure: participants, low, low%, mean, m2…m5, m2%…)."""
    procedure: str
    label: str
    cols: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _id_columns(sheet: Sheet):
    found = find_header(sheet, ID_SPEC, required=[{"name"}, {"code", "territory"}])
    if found is None:
        return None
    top, cols = found
    if any(_EXCLUDE.search(norm(c)) for c in sheet.rows[top]):
        return None
    return top, cols


def _find(sheet: Sheet):
    found = _id_columns(sheet)
    if found is None:
        return None
    top, cols = found
    depth = header_depth(sheet, top, (c.index for c in cols.values()))
    ids = {c.index for c in cols.values()}
    for k in range(depth):
        for j, c in enumerate(sheet.rows[top + k]):
            if j not in ids and _PARTICIPANTS.search(norm(c)):
                return top, cols, depth
    return None


def detect(sheets: list[Sheet]) -> bool:
    """A header with a school column (`ОО` / `Образовательная организация` / `Наименование ОО`), `Код ОО` or
    `Муниципалитет`, and a participants sub-column (`приняли участие` / `Кол-во участников`) in the next header
    rows; never a header with `Процедура`, `Учебный год`, `Группы участников`, `логин`, `Вариант`."""
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


def _measure(levels: tuple[str, ...]) -> str | None:
    """What a sub-column holds, from its header texts under the subject: 'participants', 'low', 'low%',
    'mean', 'm2'…'m5', 'm2%'…; None for anything else."""
    texts = [norm(t) for t in levels]
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
    if _PARTICIPANTS.search(joined) and not pct:
        return "participants"
    return None


def _subject(path: tuple[str, ...], kind: str) -> tuple[str | None, int]:
    """(procedure code, number of header levels it took) for a column, or (None, 0)."""
    for k in range(len(path)):
        code = procedures.from_text(" ".join(path[:k + 1]), kind=kind)
        if code:
            return code, k + 1
    return None, 0


def _blocks(paths: list[tuple[str, ...]], ids: set[int], kind: str, title: str, sheet: Sheet, log: IssueLog,
            top: int) -> list[_Block]:
    blocks: dict[tuple, _Block] = {}
    unknown: dict[str, int] = {}
    subject_cols = {j: _subject(p, kind) for j, p in enumerate(paths) if j not in ids and p}
    single = None
    if not any(code for code, _ in subject_cols.values()):
        single = procedures.from_text(title, kind=kind)
    for j, path in enumerate(paths):
        if j in ids or not path:
            continue
        if single:
            code, used = single, 0
        else:
            code, used = subject_cols[j]
        if code is None:
            if _measure(path[1:]) in ("participants", "low", "low%") and path:
                unknown.setdefault(path[0], j)
            continue
        measure = _measure(path[used:])
        if measure is None:
            continue
        key = (code, path[:used])
        block = blocks.setdefault(key, _Block(code, " ".join(path[:used]) or procedures.name_ru(code)))
        if measure not in block.cols:
            block.cols[measure] = j
            block.headers[measure] = " / ".join(path)
    for label, j in unknown.items():
        log.warning(f"предмет «{label}» не распознан или его нет в каталоге процедур — его столбцы не загружены.",
                    sheet=sheet.name, row=top, column=label)
    return list(blocks.values())


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

        # --- ОГЭ or ЕГЭ --------------------------------------------------------------------------------
        file_kind, hint_kind = _kind_in_text(title), _kind_in_hints(hints)
        if file_kind and hint_kind and file_kind != hint_kind:
            log.error(f"в заголовке таблицы указан {'ОГЭ' if file_kind == 'OGE' else 'ЕГЭ'}, а при загрузке выбран "
                      f"{'ОГЭ' if hint_kind == 'OGE' else 'ЕГЭ'}. Проверьте файл или выбор экзамена.", sheet=sheet.name)
            continue
        kind = file_kind or hint_kind
        if kind is None and any(re.search(r"базов|профил", norm(t)) for p in paths for t in p):
            kind = "EGE"
        if kind is None:
            log.error("не удалось определить экзамен: в заголовке таблицы и названии листа нет слов «ОГЭ» / «ЕГЭ» "
                      "(«ГИА-9» / «ГИА-11»). Укажите при загрузке, какой это экзамен.", sheet=sheet.name)
            continue

        # --- year -----------------------------------------------------------------------------------------
        year = year_with_hint(school_year_from_title(title), hints, log, sheet.name, source="таблицы")
        if year is None:
            log.error("не удалось определить учебный год: в заголовке таблицы нет года экзамена (например, "
                      "«ЕГЭ-2023» или «2022/2023 учебный год»). Укажите учебный год при загрузке.", sheet=sheet.name)
            continue

        # --- subject blocks -------------------------------------------------------------------------------
        blocks = _blocks(paths, ids, kind, title, sheet, log, top)
        usable: list[_Block] = []
        for b in blocks:
            has_low = any(m in b.cols for m in ("low", "low%", "m2", "m2%"))
            has_n = "participants" in b.cols or all(f"m{m}" in b.cols for m in (2, 3, 4, 5))
            if has_low and has_n:
                usable.append(b)
            else:
                need = "числа участников" if not has_n else "числа или доли не преодолевших минимальный порог"
                log.warning(f"для предмета «{b.label}» в таблице нет {need} — предмет не загружен.",
                            sheet=sheet.name, row=top, column=b.label)
        if not usable:
            if not blocks:
                log.error("в заголовке таблицы не найдено ни одного предмета с числом участников (например, "
                          "«Русский язык» → «приняли участие»).", sheet=sheet.name, row=top)
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
        for i, row, raw in data_rows(sheet, first_data, cols, skip_numbering=True):
            terr, name, code_raw = cell_text(raw("territory")), cell_text(raw("name")), raw("code")
            code = clean_code(code_raw)
            if terr and not is_subtotal(terr):
                municipality = terr
            if is_subtotal(terr, name, cell_text(code_raw)):
                continue
            if not name and not code:
                continue            # a municipality's own row
            has_numbers = any(j < len(row) and cell_text(row[j]) for j in block_cols)
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
            out.rows_read += 1
            ref = SchoolRef(login=code.lower() if code and is_login(code) else None,
                            exam_code=code if code and not is_login(code) else None,
                            name=name or None, territory=municipality or hints.territory)
            for b in usable:
                r = _read_block(b, row, scaled=scaled, log=log, sheet=sheet, i=i)
                if r is None:
                    continue
                n, low, marks, mean = r
                out.results.append(ResultRow(school=ref, procedure=b.procedure, year=year, participants=n,
                                             low_count=low, marks=marks, mean_score=mean,
                                             source_sheet=sheet.name, source_row=i + 1))
                procs.add(b.procedure)
                years.add(year)

    check_duplicate_results(out.results, log, column="Код ОО")
    if not out.results and not log.has_errors:
        log.error("в таблице нет строк школ с результатами.")
    out.procedure = next(iter(procs)) if len(procs) == 1 else None
    out.year = next(iter(years)) if len(years) == 1 else None
    out.issues.extend(log.items)
    return out


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
