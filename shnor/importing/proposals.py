"""Likely values for what a file does not say: the work and the school year, read from the file's name.

    from_file_name("vpr2021spring_ma5.xlsx")   # {"procedure": Proposal("VPR-MATH-5", …), "year": Proposal(2020, …)}

Names methodists and ФИС ОКО give files: `vpr2021spring_ma5.xlsx`, `vpr2020autumn_work-ma4_written-by-grade5.xlsx`,
`ВПР_математика_5.xlsx`, `ВПР 2021 русский язык 6 класс.xlsx`, `work-ma4`, `2020-2021_ru5.csv`.
- The work: a ФИС ОКО tag (`ma5`, `ru6`, `bi7`, also `math5`, `rus5`, `ма5`) standing apart from other letters, or a
  Russian name of a ВПР work («математика 5», «русский язык, 6 класс»).
- The year: a school year written out (`2020-2021`, `2020_21`); a season with its year — spring Y (`2021spring`,
  `весна 2021`) is (Y−1)/Y, autumn Y (`2020autumn`, `осень 2020`) by default the school year whose programme the
  work tests, (Y−1)/Y too (FORMATS.md §6); a lone calendar year is its spring (ВПР, ОГЭ and ЕГЭ of June Y).
- Exam tables (`vpr_only=False`): a subject of an exam (`ОГЭ_математика`) or the exam (`ЕГЭ-2023`, `ГИА-9`).
Only proposals: the user confirms them in the upload form. Pure.
"""
from __future__ import annotations

import re
from pathlib import Path

from shnor.domain import procedures
from shnor.domain.years import format_school_year
from shnor.importing.model import NEED_PROCEDURE, NEED_YEAR, Proposal

_TAG = re.compile(r"(?<![a-zа-яё])(math|mat|rus|ma|ru|мат|ма|рус|ру|ok|om|hi|bi|ge|ob|so|ph|fi|ch|en|an|de|ne|fr)[-_ ]?([4-8])"
                  r"(?![0-9])", re.I)
_TAG_ALIASES = {"math": "ma", "mat": "ma", "rus": "ru", "мат": "ma", "ма": "ma", "рус": "ru", "ру": "ru"}
_SCHOOL_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*[-_/–—]\s*(20\d\d|\d\d)(?!\d)")
_SEASON = re.compile(r"(?:(20\d\d)\s*[-_ ]?\s*(spring|autumn|fall|весна|весной|осень|осенью))|"
                     r"(?:(spring|autumn|fall|весна|весной|осень|осенью)\s*[-_ ]?\s*(20\d\d))", re.I)
_CALENDAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_AUTUMN = ("autumn", "fall", "осень", "осенью")


def _stem(file_name: str) -> str:
    return Path(str(file_name)).stem


_EXAM = (("OGE", re.compile(r"огэ|гиа[-_ ]?9|\boge\b", re.I)), ("EGE", re.compile(r"егэ|гиа[-_ ]?11|\bege\b", re.I)))


def procedure_from_name(file_name: str, vpr_only: bool = True) -> str | None:
    """The ВПР work a file's name names, or None. With `vpr_only=False` (exam tables) also an exam: a subject's
    code (`ОГЭ_математика` -> OGE-MATH) or the whole exam (`ЕГЭ-2023` -> EGE)."""
    stem = _stem(file_name)
    if not vpr_only:
        text = stem.replace("_", " ")
        code = procedures.from_text(text)
        if code and procedures.CATALOGUE[code].kind != "VPR":
            return code
        exams = [kind for kind, pattern in _EXAM if pattern.search(text)]
        return exams[0] if len(exams) == 1 else None
    found = set()
    for m in _TAG.finditer(stem):
        tag = _TAG_ALIASES.get(m.group(1).lower(), m.group(1).lower())
        code = procedures.from_fisoko_tag(f"{tag}{m.group(2)}")
        if code:
            found.add(code)
    if len(found) == 1:
        return found.pop()
    if found:
        return None          # several works named: no proposal
    return procedures.from_text(stem.replace("_", " "), kind="VPR")


def year_from_name(file_name: str) -> tuple[int, str] | None:
    """(school year start, how it was read) from a file's name, or None."""
    stem = _stem(file_name)
    m = _SCHOOL_YEAR.search(stem)
    if m:
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if end_year == start + 1:
            return start, f"учебный год {format_school_year(start)} в имени файла"
    m = _SEASON.search(stem)
    if m:
        year = int(m.group(1) or m.group(4))
        season = (m.group(2) or m.group(3)).lower()
        if season in _AUTUMN:
            return year - 1, (f"осень {year} года в имени файла: осенний тур засчитывается в учебный год, программу "
                              f"которого проверяет работа, — {format_school_year(year - 1)}")
        return year - 1, f"весна {year} года в имени файла — {format_school_year(year - 1)} учебный год"
    years = {int(y) for y in _CALENDAR.findall(stem)}
    if len(years) == 1:
        year = years.pop()
        return year - 1, f"{year} год в имени файла (весна {year} года — {format_school_year(year - 1)} учебный год)"
    return None


def from_file_name(file_name: str, vpr_only: bool = True) -> dict[str, Proposal]:
    """Proposals for the work and the year from the file's name (only those it names)."""
    out: dict[str, Proposal] = {}
    proc = procedure_from_name(file_name, vpr_only)
    if proc:
        out[NEED_PROCEDURE] = Proposal(proc, f"по имени файла «{Path(str(file_name)).name}»")
    year = year_from_name(file_name)
    if year:
        out[NEED_YEAR] = Proposal(year[0], year[1])
    return out
