"""School years. A school year is stored as the calendar year it starts in: 2020 means 2020/2021."""
from __future__ import annotations

import datetime as dt
import re

_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[/\-–—]\s*(\d{2}|\d{4})\s*(?:уч\.?\s*г(?:од|\.)?)?\s*$")


class SchoolYearError(ValueError):
    """A text that is not a school year; the message is Russian and user-facing."""


def parse_school_year(text: str) -> int:
    """`2021/2022`, `2021-2022`, `2021/22` -> 2021. Anything else raises SchoolYearError."""
    m = _YEAR_RE.match(str(text))
    if not m:
        raise SchoolYearError(
            f"«{text}» — не учебный год. Укажите учебный год в виде 2021/2022, 2021-2022 или 2021/22.")
    start = int(m.group(1))
    end_txt = m.group(2)
    end = int(end_txt) if len(end_txt) == 4 else (start // 100) * 100 + int(end_txt)
    if end != start + 1 or not 1990 <= start <= 2100:
        raise SchoolYearError(
            f"«{text}» — не учебный год: второй год должен следовать за первым (например, 2021/2022).")
    return start


def format_school_year(start: int) -> str:
    return f"{start}/{start + 1}"


def school_year_of_date(day: dt.date) -> int:
    """Spring of calendar year Y belongs to (Y-1)/Y; September onwards starts Y/(Y+1)."""
    return day.year if day.month >= 9 else day.year - 1
