"""Reading any accepted file into sheets of rows, with the limits for hostile files.

`.xlsx`/`.xlsm`/`.xls`/`.ods` through python-calamine; `.csv` with `;` or `,`, UTF-8 or cp1251.
Zip-based files are checked before parsing: size as uploaded, total decompressed size (declared and as read),
and no XML entities (a `<!DOCTYPE`/`<!ENTITY` in any part of the package, whatever its name, is refused:
defusedxml's policy). Every refusal is a Russian message naming the file, never a Python exception.
Cells come back as calamine gives them (str, float, int, bool, date, datetime) or None for empty.
`cell_text` and `cell_number` turn them into what parsers need.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shnor.importing.model import ERROR, Issue, ParseRefusal

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_ROWS_PER_SHEET = 1_000_000
ACCEPTED = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def too_large_message(size: int) -> str:
    """The refusal of a file above MAX_UPLOAD_BYTES (the uploader's own limit is set above it, so that this
    Russian message is what a user sees)."""
    return (f"файл больше {MAX_UPLOAD_BYTES // (1024 * 1024)} МБ ({size / 1024 / 1024:.0f} МБ) — такой файл не "
            "принимается. Уберите из книги лишние листы или разделите её на несколько файлов.")


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[i] is Excel row i+1


def _refuse(file_name: str, message: str) -> ParseRefusal:
    return ParseRefusal([Issue(ERROR, message, file=file_name)])


# what an XML entity declaration starts with, in every encoding an XML parser accepts (UTF-8 and ASCII alike,
# UTF-16 both ways): checked in every part of an archive, whatever its name
_ENTITY_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_MARKER_TAIL = max(len(m) for m in _ENTITY_MARKERS)
_BIGGER_THAN_CAP = ("файл в распакованном виде больше 500 МБ — такой файл не принимается (настоящие протоколы ВПР "
                    "занимают около 60 МБ).")


def _has_entity_marker(data: bytes) -> bool:
    up = data.upper()
    return any(m in up for m in _ENTITY_MARKERS)


def _check_zip(path: Path, file_name: str) -> None:
    """The archive of an .xlsx/.ods: its total size unpacked (declared and as actually read) within
    MAX_DECOMPRESSED_BYTES, and no `<!DOCTYPE`/`<!ENTITY` in any part (read in chunks, any part name)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(file_name, "файл повреждён или это не книга Excel/ODS, хотя расширение говорит иначе.")
    with zf:
        infos = zf.infolist()
        if sum(info.file_size for info in infos) > MAX_DECOMPRESSED_BYTES:
            raise _refuse(file_name, _BIGGER_THAN_CAP)
        total = 0
        try:
            for info in infos:
                if info.is_dir():
                    continue
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_DECOMPRESSED_BYTES:   # sizes in the headers can lie
                            raise _refuse(file_name, _BIGGER_THAN_CAP)
                        if _has_entity_marker(tail + chunk):
                            raise _refuse(file_name, "файл содержит XML-сущности (DOCTYPE/ENTITY) — такие файлы не "
                                                     "принимаются из соображений безопасности. Пересохраните файл в "
                                                     "Excel.")
                        tail = chunk[-_MARKER_TAIL:]
        except ParseRefusal:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError):
            # a broken or encrypted part, an unsupported compression: not a workbook we can read
            raise _refuse(file_name, "файл повреждён или это не книга Excel/ODS, хотя расширение говорит иначе.")


_NOT_TEXT = ("файл не похож на таблицу CSV: в нём двоичные данные или текст в неизвестной кодировке. Сохраните "
             "таблицу из Excel как «CSV (разделители — точка с запятой)» в UTF-8 или Windows-1251 либо загрузите "
             "сам файл Excel.")


def _decode(data: bytes, file_name: str) -> str:
    """UTF-8 (with or without BOM) or Windows-1251; anything else (binary data) is refused in Russian."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:1 << 16]:
        raise _refuse(file_name, _NOT_TEXT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise _refuse(file_name, _NOT_TEXT)
    controls = sum(1 for ch in text[:1 << 16] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > max(3, len(text[:1 << 16]) // 100):
        raise _refuse(file_name, _NOT_TEXT)
    return text


def _csv_delimiter(text: str) -> str:
    """`;` or `,`: the one that splits the first lines (quotes respected) into the most columns, consistently.
    Counting characters is wrong when quoted cells hold commas (ФИС ОКО `groups` lists)."""
    sample = text.splitlines()[:50]
    best, best_score = ";", (-1, 0)
    for delim in (";", ","):
        widths = [len(r) for r in csv.reader(sample, delimiter=delim) if any(c.strip() for c in r)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common) if common > 1 else 0, common)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, file_name: str) -> list[Sheet]:
    text = _decode(path.read_bytes(), file_name)
    rows: list[list[Any]] = []
    try:
        delim = _csv_delimiter(text)
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
            if i >= MAX_ROWS_PER_SHEET:
                raise _refuse(file_name, f"в файле больше {MAX_ROWS_PER_SHEET:,} строк — такой файл не принимается."
                              .replace(",", " "))
            rows.append([c if c != "" else None for c in row])
    except csv.Error:
        raise _refuse(file_name, "файл не читается как таблица CSV: в нём незакрытые кавычки или слишком длинные "
                                 "ячейки. Сохраните таблицу из Excel как CSV ещё раз.")
    return [Sheet(Path(file_name).stem[:31] or "CSV", rows)]


def read_sheets(path: str | Path, file_name: str | None = None) -> list[Sheet]:
    """All sheets of a file. Raises ParseRefusal (with a Russian message) for anything not acceptable."""
    path = Path(path)
    file_name = file_name or path.name
    ext = Path(file_name).suffix.lower()
    if ext not in ACCEPTED:
        raise _refuse(file_name, f"формат «{ext or 'без расширения'}» не поддерживается. Загрузите файл Excel "
                                 "(.xlsx, .xls), OpenDocument (.ods) или CSV.")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise _refuse(file_name, too_large_message(size))
    if size == 0:
        raise _refuse(file_name, "файл пустой.")
    if ext == ".csv":
        return _read_csv(path, file_name)
    if ext in (".xlsx", ".xlsm", ".ods"):
        _check_zip(path, file_name)
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception:
        raise _refuse(file_name, "файл не читается как книга Excel/ODS: он повреждён или сохранён в другом формате.")
    sheets = []
    for name in wb.sheet_names:
        try:
            ws = wb.get_sheet_by_name(name)
            if ws.total_height > MAX_ROWS_PER_SHEET:
                raise _refuse(file_name, f"на листе «{name}» больше 1 000 000 строк — такой файл не принимается.")
            rows = ws.to_python(skip_empty_area=False)
        except ParseRefusal:
            raise
        except Exception:
            raise _refuse(file_name, f"лист «{name}» не читается: файл повреждён.")
        for r in rows:  # in place: a second copy of a 26 000-row sheet would double the peak memory
            for i, c in enumerate(r):
                if c == "":
                    r[i] = None
        sheets.append(Sheet(name, rows))
    return sheets


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")


def cell_text(v: Any) -> str:
    """Trimmed text with single spaces; '' for empty. Floats that are whole print without '.0'."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _SPACES.sub(" ", str(v)).strip()


class NotANumber(ValueError):
    pass


def cell_number(v: Any) -> float | None:
    """Number from a cell: numbers stored as text, decimal commas, `%`, spaces as thousands separators.
    None for empty; raises NotANumber for text that is not a number."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise NotANumber(str(v))
    if isinstance(v, (int, float)):
        return float(v)
    t = _SPACES.sub("", str(v)).replace(",", ".").rstrip("%")
    if t in ("-", "—", "–"):
        return None
    try:
        return float(t)
    except ValueError:
        raise NotANumber(str(v))


def round_half_up(x: float | Decimal) -> int:
    """Round half up (never to even): 2.5 -> 3."""
    try:
        return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise NotANumber(str(x))


def column_letter(idx: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    idx += 1
    while idx:
        idx, r = divmod(idx - 1, 26)
        s = chr(65 + r) + s
    return s
