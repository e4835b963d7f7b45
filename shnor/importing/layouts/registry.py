"""Layout 5: school registries (FORMATS.md §5). One RegistryRow per school.

- **5A** a list with a login and a name: the ФИС ОКО list `логин | имя | регион` (`регион` holds the
  municipality), or a richer registry whose optional columns are recognised by header text (see SPEC):
  `Полное наименование`, `Краткое наименование` / `Наименование ОО` / `имя`, `Территория` / `Муниципалитет` /
  `регион`, `Район города`, `Тип ОО`, `Форма` (МБОУ/МКОУ…), `ИНН`, `ОГРН`, `Код ОГЭ`, `Код ЕГЭ`, `Код ОО`,
  `ШНСУ` (да/нет), `Местность` (городская/сельская), `Действует с` / `Действует по` (school years).
  A registry without a login column is accepted when it has a name and a code (ИНН, ОГРН, `Код ОГЭ/ЕГЭ/ОО`).
  The derived crosswalk `DERIVED_altai_oo_crosswalk_2022.csv` (English column names: `login`, `municipality_code`,
  `municipality`, `school_name_fisoko`, `short_name_by_charter`, `inn`, `code_oge`, `code_ege`,
  `settlement_type`) is read as a 5A registry too, its territory written `code | name` as in 5B.
- **5B** the ФИС ОКО form «Сбор контекстных данных об ОО»: `Пользователь`, `Регион` and `Муниципалитет` as
  `code | name`, `Школа` = `edu224052 | МБОУ "…"`, `1. ПОЛНОЕ наименование ОО`, `2.\\tСОКРАЩЕННОЕ наименование`,
  `6.\\tИНН`, `7.\\tКод ОГЭ`, `8.\\tКод ЕГЭ`, `14. Где расположена образовательная организация?`. Only its sheet
  with these columns is read (the other sheets are questionnaire answers). The territory is the whole
  `reg22_m056 | Целинный муниципальный район` text.

Logins are kept with their prefix (sch/edu/ksh…, lower-cased); ИНН, ОГРН and exam codes are kept as text with
leading zeros; placeholders (`нет`, `-`, `—`, empty) become None. School type and ownership come from their
columns, else from the school's name (`МБОУ … СОШ №5` -> МБОУ, СОШ).
"""
from __future__ import annotations

import re

from shnor.importing.model import Hints, MarkScale, ParsedFile, RegistryRow, SchoolRef
from shnor.importing.reading import Sheet, cell_text
from shnor.importing.layouts.common import (CellError, IssueLog, clean_code, data_rows, find_header, header_depth, is_login, is_subtotal,
                     login_key, norm, school_year_cell, sheets_with_header, split_code_name, split_login)

LAYOUTS = ("5A", "5B")
LAYOUT_RU = {"5A": "Реестр школ (список)", "5B": "Реестр школ: форма ФИС ОКО «Сбор контекстных данных об ОО»"}

SPEC = {
    "user": (r"^пользователь$",),
    "school": (r"^школа$",),
    "login": (r"^(логин|логин оо|логин школы|логин в фис око|логин фис око|login)$",),
    "full_name": (r"^полное (наименование|название)",),
    "short_name": (r"^(краткое|сокращенное) (наименование|название)", r"^short name", r"^имя$",
                   r"^(наименование|название)( оо| школы| образовательной организации)?$"),
    "fisoko_name": (r"^school name fisoko$", r"^наименование в фис око$"),
    "district": (r"^район города$", r"^район в городе$", r"^внутригородской район$"),
    "territory_code": (r"^municipality code$", r"^код (мо|муниципалитета|ате|территории)$"),
    "territory": (r"^(территория|муниципалитет|муниципальное образование|мо|ате|муниципальный район|район|"
                  r"municipality)$",),
    "region": (r"^регион$", r"^субъект( рф)?$"),
    "school_type": (r"^тип( оо)?$", r"^вид( оо)?$", r"^тип образовательной организации$"),
    "ownership": (r"^форма( оо| собственности)?$",),
    "inn": (r"^инн( оо)?$", r"^inn$"),
    "ogrn": (r"^огрн( оо)?$", r"^ogrn$"),
    "code_oge": (r"^код (оо )?огэ( оо)?$", r"^code oge$"),
    "code_ege": (r"^код (оо )?егэ( оо)?$", r"^code ege$"),
    "code": (r"^код( оо| школы)?$",),
    "shnsu": (r"^шнсу$", r"неблагоприятн\w* социальн"),
    "rural": (r"^местность$", r"^тип местности$", r"^тип населенного пункта$", r"где расположена",
              r"^settlement type$", r"^городская сельская$"),
    "active_from": (r"^действует с$",),
    "active_to": (r"^действует по$",),
}
NAME_KEYS = {"short_name", "full_name", "fisoko_name", "school"}
CODE_KEYS = {"login", "inn", "ogrn", "code_oge", "code_ege", "code", "user"}
# headers of result files and pupil protocols: a sheet with any of them is not a registry
_EXCLUDE = re.compile(r"участ|балл|вариант|^процедура$|учебный год|отметк|обучающ|учебник|^(sum|user|groups|var \d)$|^[2-5]$|^кол во 2$")  # mark columns: an exam table


def _find(sheet: Sheet):
    found = find_header(sheet, SPEC, required=[NAME_KEYS, CODE_KEYS], scan=30)
    if found is None:
        return None
    top, cols = found
    depth = header_depth(sheet, top, (c.index for c in cols.values()))
    if any(_EXCLUDE.search(norm(c)) for row in sheet.rows[top:top + depth] for c in row):
        return None       # e.g. an exam table whose second header row says «приняли участие»
    if "school" in cols and not (cols.keys() & {"inn", "ogrn", "code_oge", "code_ege", "full_name", "short_name"}):
        # `Школа` (+ `Пользователь`) alone is the head of every ФИС ОКО sheet (the ВПР «Классы» and «Протокол»
        # sheets too): a registry also names the school fully or gives its codes
        if "login" not in cols or "user" in cols:
            return None
    return top, cols


def detect(sheets: list[Sheet]) -> bool:
    """A header row with a school name column and a code column (login, ИНН, ОГРН, Код ОГЭ/ЕГЭ/ОО, or the
    ФИС ОКО `Пользователь` + `Школа`), and no result/protocol columns (участники, баллы, вариант, процедура)."""
    return any(_find(s) is not None for s in sheets)


_TYPES = (("школа-интернат", r"школа[- ]?интернат"), ("гимназия", r"гимнази"), ("лицей", r"лице[йя]"),
          ("СОШ", r"\bсош\b|средн\w* общеобразовательн\w* школ"),
          ("ООШ", r"\bоош\b|основн\w* общеобразовательн\w* школ"),
          ("НОШ", r"\bнош\b|начальн\w* общеобразовательн\w* школ"),
          ("кадетский корпус", r"кадетск\w* корпус"), ("центр образования", r"центр образования"))
_OWNERSHIP = re.compile(r"(?<![А-ЯЁа-яё])(ФГБОУ|ФГКОУ|КГБОУ|КГКОУ|КГАОУ|ГБОУ|ГКОУ|ГАОУ|МБОУ|МКОУ|МАОУ|МОУ|ЧОУ|НОУ|"
                        r"АНОО|АНОО|ЧОО)(?![А-ЯЁа-яё])")
_OWNERSHIP_WORDS = ((r"муниципальн\w* бюджетн", "МБОУ"), (r"муниципальн\w* казенн", "МКОУ"),
                    (r"муниципальн\w* автономн", "МАОУ"), (r"краев\w* государственн\w* бюджетн", "КГБОУ"),
                    (r"краев\w* государственн\w* казенн", "КГКОУ"), (r"государственн\w* бюджетн", "ГБОУ"),
                    (r"государственн\w* казенн", "ГКОУ"), (r"частн\w* общеобразовательн", "ЧОУ"))


def school_type_of(*names: str | None) -> str | None:
    """СОШ/ООШ/НОШ/гимназия/лицей/школа-интернат/… guessed from the school's names, None when unclear."""
    for name in names:
        t = (name or "").lower().replace("ё", "е")
        for label, pat in _TYPES:
            if re.search(pat, t):
                return label
    return None


def ownership_of(*names: str | None) -> str | None:
    """МБОУ/МКОУ/МАОУ/КГБОУ/… from an abbreviation in the names, else from the full wording."""
    for name in names:
        m = _OWNERSHIP.search(name or "")
        if m:
            return m.group(1)
    for name in names:
        t = (name or "").lower().replace("ё", "е")
        for pat, label in _OWNERSHIP_WORDS:
            if re.search(pat, t):
                return label
    return None


def _flag(value) -> bool | None:
    t = norm(value)
    if t in ("", "нет данных", "н д"):
        return None
    if t in ("да", "1", "+", "yes", "true", "шнсу", "истина"):
        return True
    if t in ("нет", "0", "no", "false", "ложь") or cell_text(value) in ("-", "—", "–"):
        return False
    raise CellError("ожидается «да» или «нет».")


def _rural(value) -> bool | None:
    t = norm(value)
    if not t or t in ("нет данных", "н д"):
        return None
    if re.search(r"сельск|\bсело\b|деревн|станиц|хутор", t):
        return True
    if re.search(r"город|административн|\bпгт\b|рабоч\w* поселок", t):
        return False
    raise CellError("ожидается «городская» или «сельская».")


def parse(sheets: list[Sheet], file_name: str, hints: Hints,
          scales: dict[tuple[str, int], MarkScale] | None = None) -> ParsedFile:
    log = IssueLog(file_name)
    layout = None
    out = ParsedFile(file_name=file_name, layout="5A", layout_ru=LAYOUT_RU["5A"])
    seen_login: dict[str, tuple[str, int, str]] = {}   # exact login -> (sheet, row, login)
    seen_key: dict[str, tuple[str, int, str]] = {}     # sch/edu folded
    for sheet, top, cols in sheets_with_header(sheets, _find):
        sheet_layout = "5B" if {"user", "school"} <= cols.keys() else "5A"
        layout = layout or sheet_layout
        header = {k: c.header for k, c in cols.items()}
        for i, _row, raw in data_rows(sheet, top + 1, cols):
            if is_subtotal(raw("short_name"), raw("full_name"), raw("school"), raw("login")):
                continue
            key = "login"
            try:
                login = None
                school_name = None
                if "school" in cols:
                    key = "school"
                    login, school_name = split_login(raw("school"))
                    if login is None:
                        code, school_name = split_code_name(raw("school"))
                        if code and is_login(code):
                            login = code.lower()
                if login is None and "user" in cols:
                    key = "user"
                    u = clean_code(raw("user"))
                    login = u.lower() if u and is_login(u) else None
                if "login" in cols:
                    key = "login"
                    v = clean_code(raw("login"))
                    if v is not None:
                        if not is_login(v):
                            raise CellError("это не логин ФИС ОКО (три латинские буквы и шесть цифр, например "
                                            "sch220206).")
                        login = v.lower()
                key = "code"
                code = clean_code(raw("code"))
                if code and is_login(code):
                    login = login or code.lower()
                    code = None
                full_name = cell_text(raw("full_name")) or None
                short_name = cell_text(raw("short_name")) or None
                fisoko_name = cell_text(raw("fisoko_name")) or school_name or None
                name = fisoko_name or short_name or full_name
                inn, ogrn = clean_code(raw("inn")), clean_code(raw("ogrn"))
                oge, ege = clean_code(raw("code_oge")), clean_code(raw("code_ege"))
                if not (name or login or inn or ogrn or oge or ege or code):
                    continue
                territory = cell_text(raw("territory")) or None
                t_code = clean_code(raw("territory_code"))
                if t_code and territory and "|" not in territory:
                    territory = f"{t_code} | {territory}"
                if territory is None and "territory" not in cols:
                    territory = cell_text(raw("region")) or None
                elif out.region is None and "region" in cols:
                    out.region = cell_text(raw("region")) or None   # the form's `Регион` (`reg220000 | …`)
                territory = territory or hints.territory
                key = "shnsu"
                shnsu = _flag(raw("shnsu")) if "shnsu" in cols else None
                key = "rural"
                rural = _rural(raw("rural")) if "rural" in cols else None
                key = "active_from"
                a_from = school_year_cell(raw("active_from")) if cell_text(raw("active_from")) else None
                key = "active_to"
                a_to = school_year_cell(raw("active_to")) if cell_text(raw("active_to")) else None
                if a_from is not None and a_to is not None and a_to < a_from:
                    raise CellError("школа не может перестать действовать раньше, чем начала.")
            except CellError as e:
                log.error(str(e), sheet=sheet.name, row=i, column=header.get(key, key), value=raw(key))
                continue
            out.rows_read += 1
            if inn and not re.fullmatch(r"\d{10}", inn):
                log.warning(f"ИНН организации состоит из 10 цифр, а здесь {len(inn)} знаков: проверьте значение "
                            "(мог потеряться ведущий ноль или приписаться лишнее).",
                            sheet=sheet.name, row=i, column=header["inn"], value=inn)
            if ogrn and not re.fullmatch(r"\d{13}|\d{15}", ogrn):
                log.warning("ОГРН — 13 цифр: проверьте значение.", sheet=sheet.name, row=i, column=header["ogrn"],
                            value=ogrn)
            if login:
                where = (sheet.name, i + 1, login)
                if login in seen_login:
                    s, r, _ = seen_login[login]
                    other_sheet = f" листа «{s}»" if s != sheet.name else ""
                    log.error(f"логин {login} уже встречался в строке {r}{other_sheet}. Оставьте одну строку на школу.",
                              sheet=sheet.name, row=i,
                              column=header.get("login") or header.get("school") or header.get("user"), value=login)
                    continue
                k = login_key(login)
                if k in seen_key:
                    s, r, other = seen_key[k]
                    log.warning(f"логины {other} (строка {r}) и {login} — одна и та же школа (в 2022 году ФИС ОКО "
                                "заменила sch на edu): записи будут объединены.", sheet=sheet.name, row=i,
                                column=header.get("login") or header.get("school"), value=login)
                seen_login[login] = where
                seen_key.setdefault(k, where)
            names = (short_name, fisoko_name, full_name)
            out.registry.append(RegistryRow(
                school=SchoolRef(login=login, exam_code=code or oge or ege, inn=inn, ogrn=ogrn, name=name,
                                 territory=territory, district=cell_text(raw("district")) or None),
                full_name=full_name, short_name=short_name, exam_code_oge=oge, exam_code_ege=ege,
                school_type=cell_text(raw("school_type")) or school_type_of(*names),
                ownership=cell_text(raw("ownership")) or ownership_of(*names),
                is_shnsu=shnsu, is_rural=rural, active_from=a_from, active_to=a_to,
                source_sheet=sheet.name, source_row=i + 1))
    if layout:
        out.layout, out.layout_ru = layout, LAYOUT_RU[layout]
    if not out.registry and not log.has_errors:
        log.error("в реестре нет строк со школами: под строкой заголовков должны идти школы (логин, наименование, "
                  "территория).")
    out.issues.extend(log.items)
    return out


__all__ = ["LAYOUTS", "LAYOUT_RU", "SPEC", "detect", "parse", "school_type_of", "ownership_of"]
