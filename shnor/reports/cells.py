"""Cells of every export are data, never formulas (CSV injection, OWASP).

A text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by a
spreadsheet. In CSV it gets a leading apostrophe; in Excel it is written as a string cell
(`excel_text`), which no spreadsheet evaluates. Numbers are left alone.
"""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value):
    """A CSV value: texts that a spreadsheet would evaluate get a leading apostrophe."""
    return "'" + value if looks_like_formula(value) else value


def set_text_cell(cell, value) -> None:
    """Write a value into an openpyxl cell; a text is always a string cell, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
