"""Layout 4: the project's own flat template (FORMATS.md §4), and the downloadable workbook.

One row per (school, procedure, school year). Headers, exactly (compared without case, quotes, punctuation
and extra spaces): `Учебный год`, `Процедура`, `Код ОО`, `Наименование ОО`, `Территория`, `Участников`,
`Низкий результат, чел.`; optional `«2»`, `«3»`, `«4»`, `«5»`, `Средний балл`.

- `Учебный год`: `2021/2022`, `2021-2022`, `2021/22`.
- `Процедура`: a catalogue code (`VPR-MATH-5`) or the Russian name (`ВПР, математика, 5 кл.`).
- `Код ОО`: a ФИС ОКО login (three Latin letters + six digits: sch/edu/ksh…) -> SchoolRef.login (lower case),
  anything else -> SchoolRef.exam_code (as text, leading zeros kept).
"""
from __future__ import annotations

import io

from shnor.domain import procedures
from shnor.importing.model import Hints, MarkScale, ParsedFile, ResultRow, SchoolRef
from shnor.importing.reading import Sheet, cell_text
from shnor.importing.layouts.common import (CellError, IssueLog, check_duplicate_results, clean_code, count_cell, data_rows, find_header,
                     float_cell, is_login, is_subtotal, school_year_cell, sheets_with_header)

LAYOUT = "4"
LAYOUT_RU = "Шаблон системы (плоская таблица)"

REQUIRED = ("Учебный год", "Процедура", "Код ОО", "Наименование ОО", "Территория", "Участников",
            "Низкий результат, чел.")
OPTIONAL = ("«2»", "«3»", "«4»", "«5»", "Средний балл")
HEADERS = REQUIRED + OPTIONAL

SPEC = {
    "year": (r"^учебный год$",),
    "procedure": (r"^процедура$",),
    "code": (r"^код оо$",),
    "name": (r"^наименование оо$",),
    "territory": (r"^территория$",),
    "participants": (r"^участников$",),
    "low": (r"^низкий результат чел$",),
    "m2": (r"^2$",), "m3": (r"^3$",), "m4": (r"^4$",), "m5": (r"^5$",),
    "mean": (r"^средний балл$",),
}
_KEY_OF = dict(zip(HEADERS, ("year", "procedure", "code", "name", "territory", "participants", "low",
                             "m2", "m3", "m4", "m5", "mean")))


def _find(sheet: Sheet):
    return find_header(sheet, SPEC, required=["year", "procedure", "low"], scan=20)


def detect(sheets: list[Sheet]) -> bool:
    """A row with `Учебный год`, `Процедура` and `Низкий результат, чел.` among the first 20 rows."""
    return any(_find(s) is not None for s in sheets)


def parse(sheets: list[Sheet], file_name: str, hints: Hints,
          scales: dict[tuple[str, int], MarkScale] | None = None) -> ParsedFile:
    log = IssueLog(file_name)
    out = ParsedFile(file_name=file_name, layout=LAYOUT, layout_ru=LAYOUT_RU)
    for sheet, top, cols in sheets_with_header(sheets, _find):
        missing = [h for h in REQUIRED if _KEY_OF[h] not in cols]
        if missing:
            log.error("в строке заголовков нет столбцов: " + ", ".join(f"«{h}»" for h in missing)
                      + ". Скачайте шаблон заново на странице «Загрузка».", sheet=sheet.name, row=top)
            continue
        header = {k: c.header for k, c in cols.items()}
        for i, _row, raw in data_rows(sheet, top + 1, cols):
            if is_subtotal(raw("year"), raw("code"), raw("name"), raw("territory"), raw("procedure")):
                continue
            out.rows_read += 1
            key = "year"
            try:
                year = school_year_cell(raw("year"))
                key = "procedure"
                proc_text = cell_text(raw("procedure"))
                if not proc_text:
                    raise CellError("процедура не указана.")
                proc = procedures.from_text(proc_text)
                if proc is None:
                    raise CellError("такой процедуры нет в каталоге. Впишите код или название из листа «Пояснения» "
                                    "шаблона, например «VPR-MATH-5» или «ВПР, математика, 5 кл.».")
                key = "code"
                code = clean_code(raw("code"))
                name = cell_text(raw("name")) or None
                if code is None and name is None:
                    raise CellError("не указаны ни код, ни наименование ОО.")
                key = "participants"
                n = count_cell(raw("participants"))
                if n is None:
                    raise CellError("не указано число участников.")
                key = "low"
                low = count_cell(raw("low"))
                if low is None:
                    raise CellError("не указан низкий результат (число участников с «2» или ниже минимального порога).")
                if low > n:
                    raise CellError(f"низкий результат ({low}) больше числа участников ({n}).")
                marks = {}
                for m in (2, 3, 4, 5):
                    key = f"m{m}"
                    if key in cols:
                        v = count_cell(raw(key))
                        if v is not None:
                            marks[m] = v
                key = "mean"
                mean = float_cell(raw("mean")) if "mean" in cols else None
            except CellError as e:
                log.error(str(e), sheet=sheet.name, row=i, column=header.get(key, key), value=raw(key))
                continue
            if marks and len(marks) < 4:
                log.warning("заполнены не все столбцы отметок «2»–«5» — распределение отметок не сохранено.",
                            sheet=sheet.name, row=i, column=header.get("m2", "«2»"))
                marks = {}
            if marks and sum(marks.values()) > n:
                log.error(f"сумма отметок ({sum(marks.values())}) больше числа участников ({n}).",
                          sheet=sheet.name, row=i, column=header["m2"])
                continue
            terr = cell_text(raw("territory")) or hints.territory
            ref = SchoolRef(login=code.lower() if code and is_login(code) else None,
                            exam_code=code if code and not is_login(code) else None, name=name, territory=terr)
            out.results.append(ResultRow(school=ref, procedure=proc, year=year, participants=n, low_count=low,
                                         marks=marks or None, mean_score=mean, source_sheet=sheet.name,
                                         source_row=i + 1))
    check_duplicate_results(out.results, log, column="Код ОО")
    if not out.results and not log.has_errors:
        log.error("в шаблоне нет строк с данными: заполните по строке на каждую школу, процедуру и учебный год.")
    procs = {r.procedure for r in out.results}
    years = {r.year for r in out.results}
    out.procedure = next(iter(procs)) if len(procs) == 1 else None
    out.year = next(iter(years)) if len(years) == 1 else None
    out.issues.extend(log.items)
    return out


# ---------------------------------------------------------------------------------------------
# The downloadable template
# ---------------------------------------------------------------------------------------------
def template_workbook() -> bytes:
    """The .xlsx the Upload page offers: sheet «Результаты» with the header row of FORMATS.md §4 (and a
    drop-down list of procedures), sheet «Пояснения» with how to fill it and the procedure catalogue."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Результаты"
    ws.append(list(HEADERS))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, h in enumerate(HEADERS, start=1):
        c = ws.cell(row=1, column=j)
        c.font, c.fill = bold, fill
        c.alignment = Alignment(wrap_text=True, vertical="center")
    widths = (13, 34, 14, 40, 28, 13, 16, 7, 7, 7, 7, 13)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = w
    ws.freeze_panes = "A2"
    for letter in ("A", "B", "C"):
        # whole-column text format: codes keep their leading zeros and 2021/22 stays text in Excel
        ws.column_dimensions[letter].number_format = "@"

    ex = wb.create_sheet("Пояснения")
    lines = [
        ("Как заполнить шаблон результатов",),
        ("Одна строка — одна школа, одна процедура, один учебный год. Не меняйте строку заголовков на листе "
         "«Результаты»; лишние столбцы справа не читаются.",),
        ("",),
        ("Столбец", "Что вписать"),
        ("Учебный год", "Учебный год, за который засчитывается результат: 2022/2023, 2022-2023 или 2022/23. "
                        "Работа весны 2023 года и экзамены июня 2023 года — это 2022/2023."),
        ("Процедура", "Код или название процедуры из таблицы ниже (можно выбрать из списка)."),
        ("Код ОО", "Логин школы в ФИС ОКО (например, sch220206 или edu220206) или код школы в региональной базе "
                   "ОГЭ/ЕГЭ. Коды с ведущими нулями пишите как текст (ячейка уже текстовая)."),
        ("Наименование ОО", "Название школы, как в реестре."),
        ("Территория", "Муниципальный район или округ школы."),
        ("Участников", "Число участников, выполнявших работу (сдававших экзамен), — целое число."),
        ("Низкий результат, чел.", "ВПР и ОГЭ: сколько участников получили «2»; ЕГЭ: сколько не преодолели "
                                   "минимальный порог (базовая математика — отметка «2»). Не больше числа участников."),
        ("«2», «3», «4», «5»", "Необязательно: сколько участников получили каждую отметку (заполните все четыре "
                               "или ни одной)."),
        ("Средний балл", "Необязательно: средний балл (десятичная запятая допускается)."),
        ("",),
        ("Пример строки", "2022/2023 | ВПР, математика, 5 кл. | sch220206 | МБОУ «СОШ №1» | Алейский район | 25 | "
                          "10 | 10 | 8 | 5 | 2 | 9,4"),
        ("",),
        ("Файл не загружается целиком, если в нём есть ошибка: не учебный год, неизвестная процедура, не число, "
         "низкий результат больше числа участников или повтор той же школы, процедуры и года. В сообщении "
         "указаны строка и столбец.",),
        ("",),
        ("Код процедуры", "Название", "Входит в набор правила ШНОР по умолчанию"),
    ]
    for line in lines:
        ex.append(list(line))
    ex["A1"].font = Font(bold=True, size=14)
    for cell in ex[4]:
        cell.font = bold
    first_proc_row = ex.max_row + 1
    ex.cell(row=ex.max_row, column=1).font = bold
    ex.cell(row=ex.max_row, column=2).font = bold
    ex.cell(row=ex.max_row, column=3).font = bold
    for code, p in procedures.CATALOGUE.items():
        ex.append([code, p.name_ru, "да" if code in procedures.DEFAULT_SET else ""])
    last_proc_row = ex.max_row
    ex.column_dimensions["A"].width = 24
    ex.column_dimensions["B"].width = 90
    ex.column_dimensions["C"].width = 20
    for i, line in enumerate(lines, start=1):
        if len(line) == 1 and line[0]:
            ex.merge_cells(start_row=i, start_column=1, end_row=i, end_column=3)   # a sentence across the sheet
            ex.row_dimensions[i].height = 18 * (1 + len(line[0]) // 110)
    for row in ex.iter_rows(min_row=1, max_row=first_proc_row - 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    dv = DataValidation(type="list", formula1=f"='Пояснения'!$B${first_proc_row}:$B${last_proc_row}",
                        allow_blank=True, showErrorMessage=False, showInputMessage=True)
    dv.promptTitle = "Процедура"
    dv.prompt = "Выберите процедуру из списка или впишите её код."
    ws.add_data_validation(dv)
    dv.add("B2:B2000")

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["LAYOUT", "LAYOUT_RU", "REQUIRED", "OPTIONAL", "HEADERS", "detect", "parse", "template_workbook"]
