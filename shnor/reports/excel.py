"""The ШНОР list as a styled Excel workbook (openpyxl): the form of seed 004, appendix 3, that officials attach
to the order approving the list — and the one list workbook of the product (the identification page, the
«Отчёты» page, `python -m shnor export list` and `report list … --out FILE.xlsx`).

Sheet «Список ШНОР» — the appendix: «Приложение / к приказу от 03.12.2021 № 1324» on the right (blank lines to
fill in by hand while the list is a draft), the title, the school year and territory, the data behind the list
(coverage, line 5), whether it is approved, then the numbered table «№ п/п | Территория | ОО» and the total.
Sheet «Критерии и основания»: the criteria in words, the rule settings the list was made with and, per school
of the list (numbered as in the appendix), its code, criteria, reasons, the highest share of "2" / below the
minimum (a number with a Russian percent format: 40,0 %) and a manual decision. Sheet «Все школы»: every school
of the territory with its status. Every sheet prints on A4 landscape, fitted to the page width, with its table's
header row repeated on each page. Every text cell goes through shnor/reports/cells.py (never a formula).
Returns bytes; no Streamlit here.
"""
from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from shnor.domain import procedures
from shnor.domain.coverage import Coverage
from shnor.domain.rule import SHNOR, RuleSettings
from shnor.domain.years import format_school_year
from shnor.read.analysis import ListResult
from shnor.reports.cells import set_text_cell

# Excel shows this with the viewer's decimal separator: «40,0 %» in a Russian Excel.
PERCENT_FORMAT = '0.0\\ %'
EXPORT_COLUMNS = ["territory", "school", "code", "status", "included", "criteria", "reasons", "max_low_share",
                  "decision", "full_name"]

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BLACK = Side(style="thin", color="000000")
_FORM_BORDER = Border(left=_BLACK, right=_BLACK, top=_BLACK, bottom=_BLACK)
_HEAD_FILL = PatternFill("solid", fgColor="DDE8F3")
_WRAP = Alignment(wrap_text=True, vertical="top")
FORM_FONT = "Times New Roman"     # the font of official documents
TITLE = "Образовательные организации с низкими образовательными результатами (ШНОР)"
DRAFT_TITLE = "Проект списка школ с низкими образовательными результатами (ШНОР)"
APPENDIX = "Приложение"
ORDER_BLANK = "от ______________ № ________"
FORM_SHEET, CRITERIA_SHEET, ALL_SHEET = "Список ШНОР", "Критерии и основания", "Все школы"
FORM_HEADERS = ["№ п/п", "Территория", "ОО"]
FORM_HEADER_ROW = 9            # the appendix table's header row (repeated on each printed page)


def _put(ws, row: int, col: int, value):
    """Every cell is written here: a text is a string cell, never a formula (shnor/reports/cells.py)."""
    cell = ws.cell(row, col)
    try:
        if pd.isna(value):
            value = None
    except (TypeError, ValueError):
        pass
    set_text_cell(cell, value)
    return cell


def export_frame(computed: ListResult, proposal: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows for the workbook from a computed list (and, optionally, a proposal with manual decisions:
    columns school_id, included, manual, reason). `full_name`: the registry's full name, for the appendix."""
    by_school = computed.identification.by_school()
    full = {}
    if "full_name" in computed.schools:
        full = {int(i): n for i, n in zip(computed.schools["id"], computed.schools["full_name"])
                if isinstance(n, str) and n.strip()}
    t = computed.table
    rows = []
    dec = proposal.set_index("school_id") if proposal is not None and not proposal.empty else None
    for r in t.itertuples(index=False):
        st = by_school.get(int(r.id))
        shares = [e.share for e in (st.evidence if st else [])]
        included = r.status == SHNOR
        decision = ""
        if dec is not None and int(r.id) in dec.index and bool(dec.loc[int(r.id), "manual"]):
            included = bool(dec.loc[int(r.id), "included"])
            decision = ("включена вручную: " if included else "исключена вручную: ") + str(dec.loc[int(r.id), "reason"])
        rows.append({"territory": r.territory, "school": r.short_name, "code": r.school_code, "status": r.status_ru,
                     "included": included, "criteria": r.criteria or "", "reasons": r.reasons or "",
                     "max_low_share": max(shares) if shares else None, "decision": decision,
                     "full_name": full.get(int(r.id), "")})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def export_frame_from_items(items: pd.DataFrame, full_names: dict[int, str] | None = None) -> pd.DataFrame:
    """Rows for the workbook from an approved list's items (shnor/store/lists.py `items`); `full_names`: the
    registry's full names by school id, for the appendix."""
    rows = []
    full_names = full_names or {}
    for r in items.itertuples(index=False):
        decision = ""
        if r.manual:
            decision = ("включена вручную: " if r.included else "исключена вручную: ") + (r.reason or "")
        rows.append({"territory": r.territory, "school": r.short_name, "code": r.school_code, "status": r.status_ru,
                     "included": bool(r.included), "criteria": r.criteria or "", "reasons": r.reasons or "",
                     "max_low_share": None, "decision": decision,
                     "full_name": full_names.get(int(r.school_id), "")})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def school_names(frame: pd.DataFrame) -> list[str]:
    """The name a school has in the appendix: the registry's full name (as in seed 004), else its short name."""
    full = frame["full_name"] if "full_name" in frame else pd.Series([None] * len(frame), index=frame.index)
    out = []
    for f, s in zip(full, frame["school"]):
        out.append(f if isinstance(f, str) and f.strip() else ("" if s is None or (isinstance(s, float) and
                                                                                  math.isnan(s)) else s))
    return out


def listed_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The schools of the list (the appendix's rows, in its order), with `name` for the appendix."""
    listed = frame[frame["included"].astype(bool)].reset_index(drop=True).copy()
    listed["name"] = school_names(listed)
    return listed


def appendix_order_lines(order_number: str | None = None, order_date: dt.date | None = None,
                         order_ru: str | None = None) -> list[str]:
    """[«к приказу», «от 03.12.2021 № 1324»] (seed 004); blank lines to fill in by hand when there is no order yet."""
    if order_number:
        date = f"от {order_date:%d.%m.%Y} " if order_date else ""
        return ["к приказу", f"{date}№ {order_number}"]
    if order_ru:
        return ["к " + (order_ru.replace("приказ", "приказу", 1) if order_ru.startswith("приказ") else order_ru)]
    return ["к приказу", ORDER_BLANK]


def appendix_order_line(order_number: str | None = None, order_date: dt.date | None = None,
                        order_ru: str | None = None) -> str:
    """«к приказу от 03.12.2021 № 1324» on one line."""
    return " ".join(appendix_order_lines(order_number, order_date, order_ru))


def status_line(order_ru: str | None, draft: bool) -> str:
    if order_ru:
        return f"Утверждён: {order_ru}"
    if draft:
        return "Проект: расчёт по правилу с решениями вручную (список не утверждён приказом)"
    return "Расчёт по правилу (список не утверждён приказом)"


def sources_line(year: int, generated_at: dt.datetime) -> str:
    return (f"Результаты {format_school_year(year - 2)} и {format_school_year(year - 1)} учебных годов; "
            f"сформирован {generated_at:%d.%m.%Y %H:%M}")


def criteria_lines(settings: RuleSettings, year: int) -> list[str]:
    """The rule in words for the list of `year` (seed 000)."""
    y1, y2 = format_school_year(year - 1), format_school_year(year - 2)
    c2 = ("по одной и той же процедуре и в {y2}, и в {y1} учебных годах" if settings.variant == "same"
          else "хотя бы по одной процедуре и в {y2}, и в {y1} учебных годах").format(y1=y1, y2=y2)
    return [
        f"Низкий результат процедуры: не менее {settings.threshold_pct}\u00a0% участников школы получили «2» (ВПР) или "
        "не преодолели минимальный порог (ОГЭ, ЕГЭ).",
        f"Критерий 1: низкие результаты не менее чем по двум процедурам в {y1} учебном году.",
        f"Критерий 2: низкие результаты {c2}.",
        "Школа входит в список, если выполнен критерий 1 или критерий 2; решения вручную — с письменной причиной.",
    ]


def settings_lines(settings: RuleSettings) -> list[tuple[str, object, str | None]]:
    """(label, value, number format) for the settings block."""
    variant = ("любая процедура в каждом из двух лет" if settings.variant == "any"
               else "та же процедура в обоих годах")
    return [
        ("Порог низкого результата (доля «2» / ниже минимума не менее)", settings.threshold_pct / 100, PERCENT_FORMAT),
        ("Критерий 2", variant, None),
        ("Группа риска: в пределах ниже порога", settings.margin_pct / 100, PERCENT_FORMAT),
        ("Минимум участников для учёта результата", settings.min_participants or "не задан", None),
        ("Малая группа: менее участников", settings.small_group, None),
        ("Процедуры", "; ".join(procedures.name_ru(p) for p in settings.procedures), None),
    ]


def _print_setup(ws, title_row: int, last_col: int, last_row: int | None = None) -> None:
    """A4 landscape, fitted to the page width (as many pages down as needed), the table's header row repeated
    on each printed page, page numbers in the footer."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{title_row}:{title_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.6, right=0.4, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 9
    if last_row is not None:
        ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"


def _line(ws, row: int, text: str, last_col: int, *, size: float = 12, bold: bool = False, italic: bool = False,
          align: str = "center", color: str | None = None, font: str | None = FORM_FONT):
    """A line of the heading across the table's width (merged), wrapped, its height made for its text."""
    cell = _put(ws, row, 1, text)
    cell.font = Font(name=font, size=size, bold=bold, italic=italic, color=color)
    cell.alignment = Alignment(horizontal=align, vertical="top", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(1, last_col + 1))
    chars = len(str(text or ""))
    lines = max(1, math.ceil(chars * (size / 11) / max(1.0, width * 0.95)))
    ws.row_dimensions[row].height = round(lines * size * 1.35 + 2, 1)
    return cell


def list_workbook(frame: pd.DataFrame, *, year: int, territory_name: str, settings: RuleSettings,
                  order_ru: str | None = None, generated_at: dt.datetime | None = None,
                  title: str = TITLE, draft: bool = False, coverage: Coverage | None = None,
                  order_number: str | None = None, order_date: dt.date | None = None) -> bytes:
    """The workbook as bytes. `frame` has EXPORT_COLUMNS; rows with `included` make the list.
    `order_ru` («приказ № 1324 от 03.12.2021») marks an approved list; `order_number` / `order_date` give the
    appendix line «к приказу от 03.12.2021 № 1324» (else it is made from `order_ru`, else left blank to fill in).
    `draft`: a list not yet approved, marked «проект» in the title (the head's decisions may be in it).
    `coverage`: the data behind the list (shnor/domain/coverage.py), written on line 5 with the reason when
    it is too little for a verdict on the target."""
    generated_at = generated_at or dt.datetime.now()
    listed = listed_rows(frame)
    wb = Workbook()
    _appendix_sheet(wb.active, listed, len(frame), year=year, territory_name=territory_name, order_ru=order_ru,
                    generated_at=generated_at, title=DRAFT_TITLE if draft and not order_ru else title, draft=draft,
                    coverage=coverage, order_line=appendix_order_line(order_number, order_date, order_ru))
    _criteria_sheet(wb.create_sheet(CRITERIA_SHEET), listed, year=year, territory_name=territory_name,
                    settings=settings, status=status_line(order_ru, draft),
                    sources=sources_line(year, generated_at), coverage=coverage)
    ws3 = wb.create_sheet(ALL_SHEET)
    _put(ws3, 1, 1, f"Все школы: статус на {format_school_year(year)} — {territory_name}").font = \
        Font(bold=True, size=12)
    names = school_names(frame)
    _write_table(ws3, 3, ["Территория", "ОО", "Код", "Статус", "В списке", "Критерии", "Основания",
                          "Наибольшая доля «2» / ниже минимума", "Решение вручную"],
                 [26, 40, 14, 20, 9, 9, 70, 14, 30],
                 [[r.territory, name, r.code, r.status, "да" if r.included else "нет", r.criteria, r.reasons,
                   r.max_low_share, r.decision] for r, name in zip(frame.itertuples(index=False), names)],
                 percent_cols={8})
    _print_setup(ws3, 3, 9)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _appendix_sheet(ws, listed: pd.DataFrame, schools: int, *, year: int, territory_name: str,
                    order_ru: str | None, generated_at: dt.datetime, title: str, draft: bool,
                    coverage: Coverage | None, order_line: str) -> None:
    """Seed 004, appendix 3: «Приложение … к приказу от … № …», the title, «№ п/п | Территория | ОО»."""
    ws.title = FORM_SHEET
    for col, width in zip("ABC", (8, 34, 100)):
        ws.column_dimensions[col].width = width
    _line(ws, 1, APPENDIX, 3, size=12, align="right")
    _line(ws, 2, order_line, 3, size=12, align="right")
    _line(ws, 3, title, 3, size=14, bold=True)
    _line(ws, 4, f"на {format_school_year(year)} учебный год — {territory_name}", 3, size=12, bold=True)
    if coverage is not None:
        _line(ws, 5, coverage_line(coverage), 3, size=10, italic=coverage.sufficient, bold=not coverage.sufficient,
              color=None if coverage.sufficient else "9C0006")
    _line(ws, 6, status_line(order_ru, draft), 3, size=10, italic=True, bold=draft and not order_ru)
    _line(ws, 7, sources_line(year, generated_at), 3, size=10, italic=True)
    head = FORM_HEADER_ROW
    for c, h in enumerate(FORM_HEADERS, start=1):
        cell = _put(ws, head, c, h)
        cell.font = Font(name=FORM_FONT, size=12, bold=True)
        cell.border = _FORM_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, r in enumerate(listed.itertuples(index=False), start=1):
        for c, v in enumerate([i, r.territory, r.name], start=1):
            cell = _put(ws, head + i, c, v)
            cell.font = Font(name=FORM_FONT, size=12)
            cell.border = _FORM_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="center" if c == 1 else "left")
    if listed.empty:
        _line(ws, head + 1, "В списке нет ни одной школы.", 3, size=12, italic=True, align="left")
    ws.freeze_panes = ws.cell(head + 1, 1)
    end = head + max(len(listed), 1)
    total = end + 2
    _put(ws, total, 1, f"Всего в списке: {len(listed)} из {schools} школ территории").font = \
        Font(name=FORM_FONT, size=12, bold=True)
    _put(ws, total + 2, 1, f"Критерии и основания включения, настройки правила — на листе «{CRITERIA_SHEET}»; "
                           f"все школы территории со статусами — на листе «{ALL_SHEET}».").font = \
        Font(size=9, italic=True, color="555555")
    _print_setup(ws, head, 3, last_row=total)   # the note under the total is not printed with the appendix


def _criteria_sheet(ws, listed: pd.DataFrame, *, year: int, territory_name: str, settings: RuleSettings,
                    status: str, sources: str, coverage: Coverage | None) -> None:
    headers = ["№ п/п", "Территория", "ОО", "Код", "Критерии", "Основания", "Наибольшая доля «2» / ниже минимума",
               "Решение вручную"]
    widths = [6, 24, 40, 13, 9, 72, 14, 30]
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    n = len(headers)
    _line(ws, 1, "Критерии и основания включения в список ШНОР", n, size=14, bold=True, align="left", font=None)
    _line(ws, 2, f"на {format_school_year(year)} учебный год — {territory_name}", n, size=12, bold=True,
          align="left", font=None)
    _line(ws, 3, status, n, size=11, align="left", font=None)
    _line(ws, 4, sources, n, size=11, align="left", font=None)
    row = 5
    if coverage is not None:
        _line(ws, row, coverage_line(coverage), n, size=11, align="left", font=None, bold=not coverage.sufficient,
              color=None if coverage.sufficient else "9C0006")
        row += 1
    row += 1
    _put(ws, row, 1, "Критерии").font = Font(bold=True)
    for text in criteria_lines(settings, year):
        row += 1
        _line(ws, row, text, n, size=11, align="left", font=None)
    row += 2
    _put(ws, row, 1, "Настройки правила").font = Font(bold=True)
    for label, value, fmt in settings_lines(settings):
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        _put(ws, row, 1, label)
        c = _put(ws, row, 4, value)
        c.alignment = Alignment(horizontal="left")
        if fmt:
            c.number_format = fmt
    row += 2
    _write_table(ws, row, headers, widths, [
        [i, r.territory, r.name, r.code, r.criteria, r.reasons, r.max_low_share, r.decision]
        for i, r in enumerate(listed.itertuples(index=False), start=1)], percent_cols={7})
    _print_setup(ws, row, n)


def coverage_line(coverage: Coverage) -> str:
    """«Данные за 2023/2024: 290 из 306 школ (94,8 %).» and, when they are too few, why no verdict on the
    target is given and that the share may be understated."""
    if coverage.sufficient:
        return coverage.sentence_ru()
    if coverage.schools == 0 or coverage.no_results:
        return coverage.withheld_ru()
    return (f"{coverage.sentence_ru()} {coverage.withheld_ru()} Школа без результатов не может попасть в список: "
            "доля ШНОР может быть занижена.")


def _write_table(ws, row: int, headers: list[str], widths: list[int], data: list[list], percent_cols: set[int]) -> None:
    for c, (h, w) in enumerate(zip(headers, widths), start=1):
        cell = _put(ws, row, c, h)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = ws.cell(row + 1, 1)
    for i, values in enumerate(data, start=1):
        for c, v in enumerate(values, start=1):
            cell = _put(ws, row + i, c, v)
            cell.border = _BORDER
            cell.alignment = _WRAP
            if c in percent_cols:
                cell.number_format = PERCENT_FORMAT
    if data:
        ws.auto_filter.ref = f"A{row}:{get_column_letter(len(headers))}{row + len(data)}"


def reference_workbook(scales: pd.DataFrame, thresholds: pd.DataFrame) -> bytes:
    """The ВПР mark scales and exam thresholds in use, as an .xlsx (for the upload page)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Шкалы ВПР"
    _put(ws, 1, 1, "Шкалы перевода первичных баллов ВПР в отметки").font = Font(bold=True, size=12)
    rows = [[procedures.name_ru(r.procedure), format_school_year(int(r.year)), int(r.mark), int(r.min_score),
             int(r.max_score)] for r in scales.itertuples(index=False)]
    _write_table(ws, 3, ["Работа", "Учебный год", "Отметка", "Первичный балл от", "до"], [30, 14, 10, 18, 10],
                 rows, set())
    ws2 = wb.create_sheet("Пороги ОГЭ и ЕГЭ")
    _put(ws2, 1, 1, "Минимальные пороги ОГЭ и ЕГЭ (минимум для аттестата)").font = Font(bold=True, size=12)
    kinds = {"min_test_score": "минимальный тестовый балл", "min_primary_score": "минимальный первичный балл",
             "mark2": "отметка «2»", "geometry_min": "минимум по геометрии"}
    rows = [[procedures.name_ru(r.procedure), format_school_year(int(r.year)), kinds.get(r.kind, r.kind),
             None if pd.isna(r.value) else int(r.value), None if pd.isna(r.max_value) else int(r.max_value),
             r.note or ""] for r in thresholds.itertuples(index=False)]
    _write_table(ws2, 3, ["Экзамен", "Учебный год", "Вид порога", "Значение", "Из", "Пояснение"],
                 [36, 14, 28, 10, 8, 70], rows, set())
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
