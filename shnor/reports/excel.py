"""The ШНОР list as a styled Excel workbook (openpyxl): what officials attach to an order or a report.

Sheet «Список ШНОР»: title, school year, territory, the order (when approved) and the rule settings the list
was made with, then the table Территория / ОО / Код / Критерии / Основания / the highest share of "2" /
below the minimum (a number with a Russian percent format: 40,0 %). Sheet «Все школы» carries every school
of the territory with its status. Returns bytes; no Streamlit here.
"""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from shnor.domain import procedures
from shnor.domain.coverage import Coverage
from shnor.domain.rule import SHNOR, RuleSettings
from shnor.domain.years import format_school_year
from shnor.read.analysis import ListResult
from shnor.reports.cells import set_text_cell

# Excel shows this with the viewer's decimal separator: «40,0 %» in a Russian Excel.
PERCENT_FORMAT = '0.0\\ %'
EXPORT_COLUMNS = ["territory", "school", "code", "status", "included", "criteria", "reasons", "max_low_share",
                  "decision"]

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE8F3")
_WRAP = Alignment(wrap_text=True, vertical="top")
DRAFT_TITLE = "Проект списка школ с низкими образовательными результатами (ШНОР)"


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
    columns school_id, included, manual, reason)."""
    by_school = computed.identification.by_school()
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
                     "max_low_share": max(shares) if shares else None, "decision": decision})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def export_frame_from_items(items: pd.DataFrame) -> pd.DataFrame:
    """Rows for the workbook from an approved list's items (shnor/store/lists.py `items`)."""
    rows = []
    for r in items.itertuples(index=False):
        decision = ""
        if r.manual:
            decision = ("включена вручную: " if r.included else "исключена вручную: ") + (r.reason or "")
        rows.append({"territory": r.territory, "school": r.short_name, "code": r.school_code, "status": r.status_ru,
                     "included": bool(r.included), "criteria": r.criteria or "", "reasons": r.reasons or "",
                     "max_low_share": None, "decision": decision})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


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


def list_workbook(frame: pd.DataFrame, *, year: int, territory_name: str, settings: RuleSettings,
                  order_ru: str | None = None, generated_at: dt.datetime | None = None,
                  title: str = "Список школ с низкими образовательными результатами (ШНОР)",
                  draft: bool = False, coverage: Coverage | None = None) -> bytes:
    """The workbook as bytes. `frame` has EXPORT_COLUMNS; rows with `included` go to «Список ШНОР».
    `draft`: a list not yet approved, marked «проект» in the title (the head's decisions may be in it).
    `coverage`: the data behind the list (shnor/domain/coverage.py), written on line 5 with the reason when
    it is too little for a verdict on the target."""
    generated_at = generated_at or dt.datetime.now()
    wb = Workbook()
    ws = wb.active
    ws.title = "Список ШНОР"
    _put(ws, 1, 1, DRAFT_TITLE if draft and not order_ru else title).font = Font(bold=True, size=14)
    _put(ws, 2, 1, f"на {format_school_year(year)} учебный год — {territory_name}").font = Font(bold=True, size=12)
    _put(ws, 3, 1, f"Утверждён: {order_ru}" if order_ru else
         "Проект: расчёт по правилу с решениями вручную (список не утверждён приказом)" if draft else
         "Расчёт по правилу (список не утверждён приказом)")
    _put(ws, 4, 1, f"Результаты {format_school_year(year - 2)} и {format_school_year(year - 1)} учебных годов; "
                   f"сформирован {generated_at:%d.%m.%Y %H:%M}")
    if coverage is not None:
        line = coverage_line(coverage)
        c = _put(ws, 5, 1, line)
        if not coverage.sufficient:
            c.font = Font(bold=True, color="9C0006")
    row = 6
    _put(ws, row, 1, "Настройки правила").font = Font(bold=True)
    for label, value, fmt in settings_lines(settings):
        row += 1
        _put(ws, row, 1, label)
        c = _put(ws, row, 3, value)
        c.alignment = Alignment(horizontal="left")
        if fmt:
            c.number_format = fmt
    row += 2
    listed = frame[frame["included"].astype(bool)].reset_index(drop=True)
    headers = ["№", "Территория", "ОО", "Код", "Критерии", "Основания", "Наибольшая доля «2» / ниже минимума",
               "Решение вручную"]
    widths = [5, 30, 45, 14, 10, 90, 16, 40]
    _write_table(ws, row, headers, widths, [
        [i + 1, r.territory, r.school, r.code, r.criteria, r.reasons, r.max_low_share, r.decision]
        for i, r in enumerate(listed.itertuples(index=False))], percent_cols={7})
    _put(ws, row + len(listed) + 2, 1, f"Всего в списке: {len(listed)} из {len(frame)} школ территории").font = \
        Font(bold=True)

    ws2 = wb.create_sheet("Все школы")
    _put(ws2, 1, 1, f"Все школы: статус на {format_school_year(year)} — {territory_name}").font = \
        Font(bold=True, size=12)
    _write_table(ws2, 3, ["Территория", "ОО", "Код", "Статус", "В списке", "Критерии", "Основания",
                          "Наибольшая доля «2» / ниже минимума", "Решение вручную"],
                 [30, 45, 14, 22, 10, 10, 90, 16, 40],
                 [[r.territory, r.school, r.code, r.status, "да" if r.included else "нет", r.criteria, r.reasons,
                   r.max_low_share, r.decision] for r in frame.itertuples(index=False)], percent_cols={8})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
