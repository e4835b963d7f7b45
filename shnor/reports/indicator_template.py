"""The downloadable template of indicator values (.xlsx), read back by shnor/importing/indicator_template.py.

Sheet «Значения»: one row per indicator that is entered, per territory (and, when asked, per school) and the
chosen school year, with the values already kept filled in; sheet «Показатели»: the catalogue (code, name,
unit, direction, how it is computed or what to enter); sheet «Как заполнить». Every text cell — names of
territories and schools come from data — is a string cell, never a formula (shnor/reports/cells.py).
Returns bytes; no Streamlit here.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from shnor.domain import indicators as ind_
from shnor.read.indicators import TemplateData
from shnor.reports.cells import set_text_cell

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_VALUE_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row, col)
    set_text_cell(cell, value)
    return cell


def _typed(ind: ind_.Indicator, value: float | None):
    """A kept value as the template shows it: a percentage as 0–100 (85.5), a count as a whole number."""
    if value is None:
        return None
    if ind.is_percent:
        return round(float(value) * 100, 4)
    return int(value) if float(value).is_integer() else float(value)


def _head(ws, headers, widths) -> None:
    for j, (h, w) in enumerate(zip(headers, widths), start=1):
        c = _put(ws, 1, j, h)
        c.font, c.fill, c.alignment = _BOLD, _HEAD_FILL, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[c.column_letter].width = w
    ws.freeze_panes = "A2"


def template_rows(data: TemplateData) -> list[list]:
    """The rows of sheet «Значения» (without the header): territories first, then schools."""
    year = ind_.year_ru(data.year)
    entered = [i for i in ind_.CATALOGUE.values() if i.enterable]
    rows = []
    for tid, name in data.territories:
        for ind in entered:
            if ind.for_territory:
                rows.append([ind.code, ind.name_ru, ind.unit, year, name, "", "",
                             _typed(ind, data.values.get((ind.code, tid, None)))])
    for sid, code, name, territory in data.schools:
        for ind in entered:
            if ind.for_school:
                rows.append([ind.code, ind.name_ru, ind.unit, year, territory, code, name,
                             _typed(ind, data.values.get((ind.code, None, sid)))])
    return rows


def indicator_template(data: TemplateData) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = ind_.TEMPLATE_SHEET
    _head(ws, ind_.TEMPLATE_HEADERS, (20, 60, 9, 12, 28, 14, 34, 12))
    value_col = len(ind_.TEMPLATE_HEADERS)
    for i, row in enumerate(template_rows(data), start=2):
        for j, v in enumerate(row, start=1):
            c = _put(ws, i, j, v if v != "" else None)
            if j == 2:
                c.alignment = _WRAP
        ws.cell(i, value_col).fill = _VALUE_FILL
    for letter in ("D", "F"):
        ws.column_dimensions[letter].number_format = "@"   # 2021/2022 and codes with leading zeros stay text

    cat = wb.create_sheet("Показатели")
    _head(cat, ["Код показателя", "Показатель", "Единица", "Что лучше", "Для кого", "Откуда значение", "Как считается "
                "или что вписать", "Источник"], (20, 60, 9, 16, 20, 26, 70, 18))
    for i, ind in enumerate(ind_.CATALOGUE.values(), start=2):
        origin = ind.origin_ru + ("" if ind.enterable else " (не вводится)") + \
            ("; вводится, если результатов нет" if ind.computed and ind.enterable else "")
        for j, v in enumerate([ind.code, ind.name_ru, ind.unit, ind_.DIRECTION_RU[ind.direction],
                               ind_.LEVEL_RU[ind.level], origin, ind.how_ru, f"дорожная карта {ind.seed}"], start=1):
            _put(cat, i, j, v).alignment = _WRAP

    how = wb.create_sheet("Как заполнить")
    how.column_dimensions["A"].width = 110
    lines = [
        "Как заполнить шаблон показателей",
        f"На листе «{ind_.TEMPLATE_SHEET}» впишите значения в столбец «{ind_.H_VALUE}» (жёлтые ячейки). Пустые строки "
        "не загружаются — заполняйте только то, что известно. Заголовки не меняйте.",
        "Проценты — числом от 0 до 100: 85,5 (можно со знаком %). Число человек или школ — целым числом: 12.",
        f"«{ind_.H_YEAR}» — учебный год, к которому относится значение: 2021/2022 (работы весны 2022 года и экзамены "
        "июня 2022 года — это 2021/2022).",
        f"Строка территории: «{ind_.H_TERRITORY}» заполнена, «{ind_.H_SCHOOL_CODE}» пуст; для всего региона — "
        f"«{ind_.REGION_ROW}». Строка школы: код школы, как в реестре (логин ФИС ОКО).",
        "Значения, уже внесённые в систему, подставлены: если их не менять, они останутся прежними.",
        "Файл загружается целиком или не загружается вовсе: при ошибке система назовёт лист, строку и столбец.",
        "Доля ШНОР в шаблон не входит: её рассчитывает правило по результатам процедур.",
    ]
    for i, text in enumerate(lines, start=1):
        c = _put(how, i, 1, text)
        c.alignment = _WRAP
        if i == 1:
            c.font = Font(bold=True, size=13)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
