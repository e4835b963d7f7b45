"""Layout 2: the ФИС ОКО analytic report «Статистика по отметкам» (FORMATS.md §2).

    Всероссийские проверочные работы 2023 (5 класс)
    Предмет: Математика
    Статистика по отметкам
    Группы участников | Кол-во ОО | Кол-во участников | Распределение групп баллов в %   (merged over 4)
                      |           |                   | 2 | 3 | 4 | 5
    Вся выборка       | …
    Алтайский край    | …                                   <- region (the row after «Вся выборка»)
    Алейский район    | …                                   <- municipality (any later non-school row)
    (sch223017) МБОУ "Вавилонская СОШ" | 1 | 25 | 40 | 36 | 16 | 8   <- school: login in brackets

Only school rows become ResultRows: participants from «Кол-во участников», each mark count =
round_half_up(participants × % / 100), low count = the count of "2". The procedure and year come from the
title (the grade, «Предмет: …», the year of the round: spring 2023 -> school year 2022) unless the caller
says otherwise (Hints).
"""
from __future__ import annotations

import re

from shnor.domain import procedures
from shnor.importing.model import Hints, MarkScale, ParsedFile, ResultRow, SchoolRef
from shnor.importing.reading import Sheet, cell_text
from shnor.importing.layouts.common import (CellError, IssueLog, check_duplicate_results, count_cell, count_from_percent, is_numbering_row,
                     find_header, fraction_scaled, header_paths, is_subtotal, norm, percent_cell, percent_from_fraction,
                     school_year_from_title, sheets_with_header, split_login, title_text, year_with_hint)

LAYOUT = "2"
LAYOUT_RU = "Отчёт ФИС ОКО «Статистика по отметкам»"

HEADER = {
    "group": (r"^группы участников$", r"^группа участников$"),
    "schools": (r"^кол во оо$", r"^количество оо$"),
    "participants": (r"^кол во участников$", r"^количество участников$", r"^число участников$"),
    "distribution": (r"^распределение групп баллов", r"^распределение отметок"),
}


def _find(sheet: Sheet):
    return find_header(sheet, HEADER, required=["group", "participants"])


def detect(sheets: list[Sheet]) -> bool:
    """A row with «Группы участников» and «Кол-во участников» among the first 40 rows of a sheet."""
    return any(_find(s) is not None for s in sheets)


def _procedure_from_title(title: str) -> tuple[str | None, str]:
    """(catalogue code or None, what the title says) from «… (5 класс)» and «Предмет: Математика»."""
    grade_m = re.search(r"(\d{1,2})\s*(?:-?\s*й)?\s*кл(?:асс|\.|\b)", title, re.I)
    subj_m = re.search(r"предмет\s*[:\-–]\s*([^\n]+)", title, re.I)
    said = " ".join(x for x in (subj_m.group(1).strip() if subj_m else "",
                                f"{grade_m.group(1)} класс" if grade_m else "") if x)
    if not subj_m or not grade_m:
        return None, said
    return procedures.from_text(subj_m.group(1), kind="VPR", grade=int(grade_m.group(1))), said


def _year_from_title(title: str) -> int | None:
    for line in title.splitlines():
        if re.search(r"проверочн|впр", line, re.I):
            y = school_year_from_title(line)
            if y is not None:
                return y
    return school_year_from_title(title)


def _mark_columns(paths: list[tuple[str, ...]]) -> dict[int, int]:
    """mark -> column index for the sub-columns 2 3 4 5 of the distribution group."""
    out: dict[int, int] = {}
    for j, path in enumerate(paths):
        if not path:
            continue
        leaf = norm(path[-1])
        if leaf in ("2", "3", "4", "5") and (len(path) == 1 or any("распределен" in norm(p) for p in path[:-1])):
            out.setdefault(int(leaf), j)
    return out


def parse(sheets: list[Sheet], file_name: str, hints: Hints,
          scales: dict[tuple[str, int], MarkScale] | None = None) -> ParsedFile:
    log = IssueLog(file_name)
    out = ParsedFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU)
    for sheet, top, cols in sheets_with_header(sheets, _find):
        title = title_text(sheet, top)

        # --- which work and which year -------------------------------------------------------------
        proc, said = _procedure_from_title(title)
        if hints.procedure and proc and hints.procedure != proc:
            log.error(f"в заголовке отчёта указана работа «{procedures.name_ru(proc)}», а при загрузке выбрана "
                      f"«{procedures.name_ru(hints.procedure)}». Проверьте файл или выбор процедуры.",
                      sheet=sheet.name)
            continue
        proc = proc or hints.procedure
        if proc is None and re.search(r"предмет", said + title, re.I) and re.search(r"\d\s*класс", said):
            log.error(f"работы «ВПР, {said}» нет в каталоге процедур — такой отчёт не загружается.",
                      sheet=sheet.name, value=said)
            continue
        if proc is not None and proc not in procedures.CATALOGUE:
            log.error(f"процедуры «{proc}» нет в каталоге.", sheet=sheet.name, value=proc)
            continue
        year = year_with_hint(_year_from_title(title), hints, log, sheet.name, source="отчёта")
        if proc is None or year is None:
            # said together: parse.py reads these two as what the form asks for at once (ParsedFile.needs)
            if proc is None:
                log.error("не удалось определить работу: в заголовке отчёта нет строк вида «Всероссийские "
                          "проверочные работы 2023 (5 класс)» и «Предмет: Математика»"
                          + (f" (прочитано: «{said}»)" if said else "")
                          + ". Укажите процедуру при загрузке.", sheet=sheet.name)
            if year is None:
                log.error("не удалось определить учебный год: в заголовке отчёта нет года работы (например, "
                          "«Всероссийские проверочные работы 2023»). Укажите учебный год при загрузке.",
                          sheet=sheet.name)
            continue
        if re.search(r"осен", title, re.I) and hints.year is None:
            log.warning(f"работа проведена осенью: результаты отнесены к {year}/{year + 1} учебному году "
                        "(году, программу которого проверяет работа). Если нужен другой год, укажите его при загрузке.",
                        sheet=sheet.name)
        out.procedure, out.year = proc, year

        # --- header: two rows (the marks are sub-columns of «Распределение групп баллов в %») -----------
        depth = 2 if "distribution" in cols else 1
        paths = header_paths(sheet.rows, top, depth)
        marks_at = _mark_columns(paths)
        if 2 not in marks_at:
            col = cols.get("distribution")
            log.error("в заголовке нет столбца с процентом отметок «2» (подстолбцы «2 3 4 5» под «Распределение "
                      "групп баллов в %»).", sheet=sheet.name, row=top, column=col.header if col else None)
            continue
        first_data = top + depth
        g, p = cols["group"].index, cols["participants"].index
        data = sheet.rows[first_data:]
        scaled = {m: fraction_scaled(r[j] if j < len(r) else None for r in data) for m, j in marks_at.items()}
        if any(scaled.values()):
            log.warning("проценты отметок записаны долями (ячейки в формате «%»): 0,4 прочитано как 40 %.",
                        sheet=sheet.name)

        # --- rows nest by order: Вся выборка, region, municipalities, schools ------------------------
        seen_all = False
        region_taken = False
        municipality: str | None = None
        mark_cols = [(m, j, " / ".join(paths[j]), scaled[m]) for m, j in sorted(marks_at.items())]
        p_header = cols["participants"].header
        rows = sheet.rows
        for i in range(first_data, len(rows)):
            row = rows[i]
            cell = row[g] if g < len(row) else None
            label = cell_text(cell) if cell is not None else ""
            # a row without a label is skipped (so are empty rows); a row numbering the columns (1, 2, 3 …)
            # has a number for a label
            if not label or (label[0].isdigit() and is_numbering_row(row)):
                continue
            out.rows_read += 1
            login, name = split_login(label)
            if login is None:
                n = norm(label)
                if n == "вся выборка":
                    seen_all = True
                elif is_subtotal(label):
                    pass
                elif seen_all and not region_taken:
                    region_taken = True
                else:
                    nxt = _next_label(sheet, i + 1, g)
                    if not seen_all and not region_taken and nxt is not None and split_login(nxt)[0] is None \
                            and municipality is None:
                        region_taken = True   # first of two group rows before any school: the region
                    else:
                        municipality = label
                continue
            ref = SchoolRef(login=login, name=name or None, territory=municipality or hints.territory)
            col, raw = p_header, (row[p] if p < len(row) else None)
            try:
                if (type(raw) is int and raw >= 0) or (type(raw) is float and 0 <= raw < 1e15 and raw.is_integer()):
                    participants = int(raw)     # a number cell (most of them): what count_cell gives, faster
                else:
                    participants = count_cell(raw)
                if participants is None or participants == 0:
                    continue            # the school did not write the work
                counts: dict[int, int] = {}
                for m, j, col, frac in mark_cols:
                    raw = row[j] if j < len(row) else None
                    if not frac and type(raw) in (int, float) and 0 <= raw <= 100:
                        pct = float(raw)        # likewise for percent_cell
                    else:
                        pct = percent_cell(percent_from_fraction(raw) if frac else raw)
                    if pct is None:
                        if m == 2:
                            raise CellError("нет процента отметок «2» при ненулевом числе участников.")
                        continue
                    counts[m] = count_from_percent(participants, pct)
            except CellError as e:
                log.error(str(e), sheet=sheet.name, row=i, column=col, value=raw)
                continue
            out.results.append(ResultRow(
                school=ref, procedure=proc, year=year, participants=participants, low_count=counts[2],
                marks=counts if len(counts) == 4 else None, source_sheet=sheet.name, source_row=i + 1))

    check_duplicate_results(out.results, log, column=None)
    if not out.results and not log.has_errors:
        log.error("в файле нет строк школ: строки школ в отчёте «Статистика по отметкам» начинаются с логина "
                  "в скобках, например «(sch223017) МБОУ \"Вавилонская СОШ\"». Выгрузите отчёт с детализацией "
                  "до образовательных организаций.")
    out.issues.extend(log.items)
    return out


def _next_label(sheet: Sheet, start: int, g: int) -> str | None:
    rows = sheet.rows
    for k in range(start, len(rows)):     # by index: a slice would copy the rest of the sheet for every group row
        row = rows[k]
        t = cell_text(row[g]) if g < len(row) else ""
        if t:
            return t
    return None


__all__ = ["LAYOUT", "LAYOUT_RU", "HEADER", "detect", "parse"]
