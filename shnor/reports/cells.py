"""Cells of every export are data, never formulas (CSV injection, OWASP).

A text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by a
spreadsheet. In CSV it gets a leading apostrophe (`csv_cell`); in Excel it is written as a string cell
(`set_text_cell`), which no spreadsheet evaluates, whatever it starts with. Numbers are left alone.

What a file cannot hold is made explicit instead of failing: control characters that XML forbids are removed
from Excel texts (openpyxl would refuse the whole workbook), and a carriage return is written as a line feed
(XML turns it into one when any program reads the file; in CSV a bare CR would end the row).
"""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# characters XML 1.0 does not allow (the same set openpyxl refuses)
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _line_feeds(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def csv_cell(value):
    """A CSV value: texts that a spreadsheet would evaluate get a leading apostrophe. A carriage return inside a
    text is written as a line feed: the csv module quotes a field with a line feed, but not one with a bare CR
    (with "\n" line ends), which every reader would take for the end of the row."""
    if not isinstance(value, str):
        return value
    return ("'" if looks_like_formula(value) else "") + _line_feeds(value)


def excel_text(value: str) -> str:
    """The text as an .xlsx string cell stores it: XML-forbidden control characters removed, CR LF and CR as LF."""
    return _line_feeds(_XML_ILLEGAL.sub("", value))


def set_text_cell(cell, value) -> None:
    """Write a value into an openpyxl cell; a text is always a string cell, never a formula."""
    if isinstance(value, str):
        cell.value = excel_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
