"""The demo region written as files in the real layouts: registry, ВПР protocols (1A/1B/1C), one ФИС ОКО
report, РЦОИ exam tables — what a methodist would upload."""
from __future__ import annotations

import numpy as np

from pathlib import Path

from shnor.demo.generate import (EDU_LOGINS_FROM, REGION_CODE, REGION_NAME, TASK_MAX, VPR_WORKS, YEARS, DemoRegion,
                                 VprResult, exam_calendar, mark_scale)
from shnor.importing.model import Hints

# ---------------------------------------------------------------------------------------------
# Files in the real layouts
# ---------------------------------------------------------------------------------------------
_TAGS = {"VPR-MATH-5": "ma5", "VPR-RUS-5": "ru5", "VPR-MATH-6": "ma6", "VPR-RUS-6": "ru6"}
_TEXTBOOKS = {
    "MATH-5": ["Виленкин Н.Я., Жохов В.И., Чесноков А.С. и др. Математика (в 2 частях) 5 класс "
               "АО \"Издательство \"Просвещение\"",
               "Мерзляк А.Г., Полонский В.Б., Якир М.С. Математика 5 класс ООО \"Издательский центр ВЕНТАНА-ГРАФ\"",
               "Никольский С.М., Потапов М.К., Решетников Н.Н. и др. Математика 5 класс АО \"Издательство \"Просвещение\""],
    "MATH-6": ["Виленкин Н.Я., Жохов В.И., Чесноков А.С. и др. Математика (в 2 частях) 6 класс "
               "АО \"Издательство \"Просвещение\"",
               "Мерзляк А.Г., Полонский В.Б., Якир М.С. Математика 6 класс ООО \"Издательский центр ВЕНТАНА-ГРАФ\""],
    "RUS-5": ["Ладыженская Т.А., Баранов М.Т., Тростенцова Л.А. и др. Русский язык (в 2 частях) 5 класс "
              "АО \"Издательство \"Просвещение\"",
              "Разумовская М.М., Львова С.И., Капинос В.И. и др. Русский язык 5 класс ООО \"ДРОФА\""],
    "RUS-6": ["Баранов М.Т., Ладыженская Т.А., Тростенцова Л.А. и др. Русский язык (в 2 частях) 6 класс "
              "АО \"Издательство \"Просвещение\"",
              "Разумовская М.М., Львова С.И., Капинос В.И. и др. Русский язык 6 класс ООО \"ДРОФА\""],
}
# One ВПР work of one year arrives as the ФИС ОКО analytic report (layout 2) instead of the protocol.
REPORT_INSTEAD_OF_PROTOCOL = ("VPR-RUS-6", 2023)
# Regional protocols are written as CSV (ФИС ОКО exports and methodists' files are CSV too; an Excel book
# of 16 000 pupils takes seconds to write). For some works one municipality's methodist uploads the
# municipal protocol as the Excel book ФИС ОКО gives (old platform, spring 2021, new platform with the
# «Классы» sheet); the regional file then comes without that municipality.
_MUNICIPAL_EXCEL = {("VPR-MATH-6", 2019): "Юргинский городской округ",
                    ("VPR-MATH-5", 2020): "Мариинский муниципальный округ",
                    ("VPR-RUS-5", 2022): "Таштагольский муниципальный район"}
_CP1251_PROTOCOLS = {("VPR-RUS-5", 2019), ("VPR-MATH-6", 2021), ("VPR-RUS-6", 2024)}

_FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def _normalise_zip(path: Path) -> None:
    """Rewrite an .xlsx so that the same content gives the same bytes: fixed zip entry times, and the
    «modified» property (openpyxl stamps the time of saving) set to a fixed date."""
    import re
    import zipfile
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    stamp = "%04d-%02d-%02dT%02d:%02d:%02dZ" % _FIXED_ZIP_TIME
    items = [(i, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                        rb"\g<1>" + stamp.encode() + rb"\g<2>", data) if i.filename == "docProps/core.xml" else data)
             for i, data in items]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)


def _save_workbook(wb, path: Path) -> None:
    import datetime as dt
    fixed = dt.datetime(*_FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "ФИС ОКО"
    wb.save(path)
    _normalise_zip(path)


def _write_csv(path: Path, header: list[str], columns: list[list[str]], encoding: str = "utf-8",
               title: list[str] | None = None, delimiter: str = ";") -> None:
    import csv
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        for line in title or []:
            w.writerow([line])
        w.writerow(header)
        w.writerows(zip(*columns))


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list]]], merges: dict[str, list[str]] | None = None,
                bold_rows: dict[str, set[int]] | None = None) -> None:
    """Sheets of rows (None = empty cell). Merged ranges and bold header rows as in real reports."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    plain = not merges and not bold_rows
    wb = openpyxl.Workbook(write_only=plain)
    if not plain:
        wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        if plain:
            for row in rows:
                ws.append(row)
            continue
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
        for r in (bold_rows or {}).get(name, set()):
            for cell in ws[r]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    _save_workbook(wb, path)


def _pupil_columns(region: DemoRegion, v: VprResult, layout: str) -> tuple[list[str], list[list[str]]]:
    """Header and text columns of a protocol (1A, 1B or 1C). All cells text, as ФИС ОКО writes them."""
    rng = np.random.default_rng(region.seed * 1000 + v.year * 10 + VPR_WORKS.index(v.procedure))
    schools = region.schools
    n = v.total.size
    absent = v.total < 0
    grade = v.grade + v.grade_shift
    logins = [schools[i].login(v.year) for i in v.school]
    municipality = {t.name: t for t in region.territories}
    code = [f"{grade}{k:04d}" for k in v.pupil_no]
    sex = np.where(v.sex == 1, "ж", "м")
    journal = np.where(v.journal == 0, "нет отметки", v.journal.astype(str)).astype(object)
    journal[absent] = ""
    sex = sex.astype(object)
    sex[absent] = ""
    letters = np.array(v.class_letter, dtype=object)
    total = v.total.astype(str).astype(object)
    total[absent] = ""
    variant = v.variant.astype(str).astype(object)
    variant[absent] = "отсутствовал"
    task_text = v.tasks.astype(str).astype(object)
    task_text[absent] = ""
    if layout in ("1A", "1B"):      # a few tasks the pupil did not attempt: «X» (0 points)
        not_done = (v.tasks == 0) & (rng.random(v.tasks.shape) < 0.03) & ~absent[:, None]
        task_text[not_done] = "X"
    subject = v.procedure.split("-", 1)[1]
    books = _TEXTBOOKS[subject]
    book_of = {i: books[(int(schools[i].digits) * 7 + v.year) % len(books)] for i in set(v.school.tolist())}
    textbook = [book_of[i] for i in v.school]
    n_tasks = v.tasks.shape[1]
    task_cols = [list(task_text[:, t]) for t in range(n_tasks)]

    if layout == "1A":
        # `groups` lists the municipality and the work tags of the campaigns (several works: it does not
        # say which work the file holds, the caller does)
        tags = ",".join(f"vpr2020.{t}" for t in ("ma4", "ru4", "ma5", "ru5", "ma6", "ru6"))
        groups_of = {}
        for i in set(v.school.tolist()):
            m = municipality[schools[i].territory].code.split("_m")[1]
            groups_of[i] = f"VPR_42,reg42_vpr_m{m},vpr2019.math5,vpr2019.rus5,active_reg42,{tags}"
        header = ["groups", "user", "id", "code", "otc", "gender", "klass", "var-1", "var-2", "sum"] + \
                 [f"a-{t + 1}-grade" for t in range(n_tasks)] + ["Учебник"]
        cols = [[groups_of[i] for i in v.school], logins, [str(k) for k in v.pupil_no], code, list(journal),
                list(sex), [("" if a else c) for a, c in zip(absent, letters)], list(variant), [""] * n,
                list(total)] + task_cols + [[("" if a else b) for a, b in zip(absent, textbook)]]
        return header, cols
    if layout == "1B":
        header = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
                  "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов"] + \
                 [f"балл за {t + 1}" for t in range(n_tasks)] + ["Учебник", "Др.уч. автор", "Др.уч. название"]
        cols = [logins, [schools[i].territory for i in v.school], [str(k) for k in v.pupil_no], code,
                list(journal), list(sex), [("" if a else c) for a, c in zip(absent, letters)], list(variant),
                list(total)] + task_cols + [[("" if a else b) for a, b in zip(absent, textbook)], [""] * n, [""] * n]
        return header, cols
    # 1C: the new platform
    day = v.round_date.split("-")
    upload = f"{day[2]}.{day[1]}.{day[0]} 1{int(rng.integers(0, 8))}:{int(rng.integers(10, 59))}:0{int(rng.integers(0, 9))}"
    muni = {i: f"{municipality[schools[i].territory].code} | {schools[i].territory}" for i in set(v.school.tolist())}
    school_cell = {i: f"{schools[i].login(v.year)} | {schools[i].short_name}" for i in set(v.school.tolist())}
    header = ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Код", "Вариант"] + \
             [f"{t + 1} ({m}б)" for t, m in enumerate(TASK_MAX[v.procedure])] + \
             ["Наименование класса", "Пол", "Отметка за предыдущий триместр/ четверть/полугодие", "Итого баллов"]
    cols = [logins, ["42"] * n, [f"{REGION_CODE} | {REGION_NAME}"] * n, [muni[i] for i in v.school],
            [school_cell[i] for i in v.school], [upload] * n, code, list(variant)] + task_cols + \
           [list(letters), list(sex), list(journal), list(total)]
    return header, cols


def _classes_sheet(region: DemoRegion, v: VprResult) -> list[list]:
    """The «Классы» sheet of a 1C book: one row per class with the textbook and the work tag."""
    schools = region.schools
    tag = _TAGS[v.procedure]
    books = _TEXTBOOKS[v.procedure.split("-", 1)[1]]
    rows = [["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки",
             "Буква (цифра) класса. Введите \"нет\" - если отсутствует", "Основной учебник по предмету",
             "Другое (автор учебника)", "Другое (название учебника)"]]
    municipality = {t.name: t for t in region.territories}
    seen = set()
    for i, letter in zip(v.school.tolist(), v.class_letter):
        if (i, letter) in seen:
            continue
        seen.add((i, letter))
        s = schools[i]
        b = (int(s.digits) * 7 + v.year) % len(books)
        rows.append([s.login(v.year), "42", f"{REGION_CODE} | {REGION_NAME}",
                     f"{municipality[s.territory].code} | {s.territory}", f"{s.login(v.year)} | {s.short_name}",
                     v.round_date, letter, f"{tag}.{b + 1} | 1.2.4.1.{b + 1}.1 | {books[b]}", None, None])
    return rows


def _subset(v: VprResult, keep: np.ndarray) -> VprResult:
    letters = [c for c, k in zip(v.class_letter, keep) if k]
    return VprResult(v.procedure, v.year, v.round_date, v.grade_shift, v.school[keep], v.pupil_no[keep], letters,
                     v.sex[keep], v.journal[keep], v.variant[keep], v.tasks[keep], v.total[keep])


def _write_protocol(region: DemoRegion, v: VprResult, out_dir: Path) -> list[tuple[Path, Hints]]:
    """The regional CSV protocol, and for some works a municipal Excel protocol split off from it, each with
    what the user says in the upload form: nothing that the file itself says (the work tag and upload date
    of a new-platform book; the autumn 2020 campaign of an old-platform file, which counts for 2019/2020 by
    default), the work (and the year) otherwise."""
    from shnor.importing.model import Hints
    layout = "1A" if v.grade_shift else ("1B" if v.year < EDU_LOGINS_FROM else "1C")
    tag = _TAGS[v.procedure]
    season = "autumn" if v.grade_shift else "spring"
    stem = f"vpr{v.year + (0 if v.grade_shift else 1)}{season}_{tag}"
    paths = []
    municipal = _MUNICIPAL_EXCEL.get((v.procedure, v.year))
    if municipal:
        terr = next(t for t in region.territories if t.name == municipal)
        members = np.array([s.territory == municipal for s in region.schools])
        inside = members[v.school]
        part = _subset(v, inside)
        header, cols = _pupil_columns(region, part, layout)
        rows = [header] + [list(r) for r in zip(*cols)]
        sheets = [("Классы", _classes_sheet(region, part)), ("Протокол", rows)] if layout == "1C" else [("Sheet", rows)]
        path = out_dir / f"{stem}_{terr.code}.xlsx"
        _write_xlsx(path, sheets)
        paths.append((path, Hints() if layout == "1C" else Hints(procedure=v.procedure)
                      if layout == "1A" else Hints(procedure=v.procedure, year=v.year)))
        v = _subset(v, ~inside)
    header, cols = _pupil_columns(region, v, layout)
    path = out_dir / f"{stem}_kuzbass.csv"
    enc = "cp1251" if (v.procedure, v.year) in _CP1251_PROTOCOLS else "utf-8"
    # The old platform's `groups` cell is a long comma-separated list of tags: such files are comma-separated
    # (the reader guesses the separator by counting, and a `;` file full of quoted commas would fool it).
    _write_csv(path, header, cols, encoding=enc, delimiter="," if layout == "1A" else ";")
    return [(path, Hints(procedure=v.procedure, year=v.year))] + paths


def _write_report(region: DemoRegion, v: VprResult, out_dir: Path) -> Path:
    """Layout 2: «Статистика по отметкам» with rows by order: Вся выборка, region, municipalities, schools."""
    scale = mark_scale(v.procedure, v.year)
    present = v.total >= 0
    marks = np.zeros(v.total.size, dtype=int)
    for m, (lo, hi) in scale.bounds.items():
        marks[present & (v.total >= lo) & (v.total <= hi)] = m

    def line(label, n_schools, idx):
        n = int(idx.sum())
        pct = [round(float((marks[idx] == m).sum()) * 100 / n, 2) if n else None for m in (2, 3, 4, 5)]
        return [label, n_schools, n] + pct

    subject = "Математика" if "MATH" in v.procedure else "Русский язык"
    rows: list[list] = [[f"Всероссийские проверочные работы {v.year + 1} ({v.grade} класс)"], [f"Предмет: {subject}"],
                        ["Статистика по отметкам"], [f"Максимальный первичный балл: {scale.max_score}"],
                        [f"Дата: {v.round_date}"], [],
                        ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %",
                         None, None, None],
                        [None, None, None, 2, 3, 4, 5]]
    rows.append(["Вся выборка", 39871, 1298455, 13.41, 41.02, 33.87, 11.70])
    everyone = present.copy()
    rows.append(line(REGION_NAME, len(set(v.school[present].tolist())), everyone))
    for t in region.territories:
        if t.kind != "municipality":
            continue
        members = [i for i, s in enumerate(region.schools) if s.territory == t.name]
        mask = present & np.isin(v.school, members)
        if not mask.any():
            continue
        rows.append(line(t.name, len(set(v.school[mask].tolist())), mask))
        for i in members:
            m = present & (v.school == i)
            if m.any():
                s = region.schools[i]
                rows.append(line(f"({s.login(v.year)}) {s.short_name}", 1, m))
    path = out_dir / f"vpr{v.year + 1}_{_TAGS[v.procedure]}_statistika_po_otmetkam.xlsx"
    _write_xlsx(path, [("Статистика по отметкам", rows)], merges={"Статистика по отметкам": ["D7:G7"]},
                bold_rows={"Статистика по отметкам": {7, 8}})
    return path


def _exam_title(kind: str, year: int) -> str:
    what = "ОГЭ" if kind == "OGE" else "ЕГЭ"
    return (f"Результаты {what}-{year + 1} по общеобразовательным организациям Кемеровской области — Кузбасса "
            f"({year}/{year + 1} учебный год)")


_EXAM_BLOCK_RU = {"OGE-RUS": "Русский язык", "OGE-MATH": "Математика", "EGE-RUS": "Русский язык",
                  "EGE-MATH-PROF": "Математика (профильный уровень)", "EGE-MATH-BASE": "Математика (базовый уровень)"}


def _write_exam_table(region: DemoRegion, kind: str, year: int, out_dir: Path) -> "Path | None":
    """Layout 3: one РЦОИ table per exam and year, three header rows with one block per subject; the
    municipality only on the first row of its block; subtotal rows «Итого по МО»."""
    procs = [p for p in exam_calendar(year) if p.startswith(kind)]
    if not procs:
        return None
    head1 = ["Муниципалитет", "Код ОО", "Образовательная организация"]
    head2 = [None, None, None]
    head3 = [None, None, None]
    merges = ["A6:A8", "B6:B8", "C6:C8"]
    col = 4
    subs: dict[str, list[str]] = {}
    for p in procs:
        if p in ("EGE-RUS", "EGE-MATH-PROF"):
            sub2 = ["приняли участие", "не преодолели минимальный порог", None, "средний тестовый балл",
                    "80–99 баллов", "100 баллов"]
            sub3 = [None, "чел.", "%", None, None, None]
            keys = ["n", "low", "low%", "mean", "high", "hundred"]
            merges += [f"{_letter(col + 1)}7:{_letter(col + 2)}7"] + \
                      [f"{_letter(col + k)}7:{_letter(col + k)}8" for k in (0, 3, 4, 5)]
        else:
            sub2 = ["Кол-во участников", "Получили отметку", None, None, None,
                    "средний первичный балл" if kind == "OGE" else "средняя отметка"]
            sub3 = [None, "«2»", "«3»", "«4»", "«5»", None]
            keys = ["n", "m2", "m3", "m4", "m5", "mean"]
            merges += [f"{_letter(col + 1)}7:{_letter(col + 4)}7", f"{_letter(col)}7:{_letter(col)}8",
                       f"{_letter(col + 5)}7:{_letter(col + 5)}8"]
        head1 += [_EXAM_BLOCK_RU[p]] + [None] * (len(sub2) - 1)
        merges.append(f"{_letter(col)}6:{_letter(col + len(sub2) - 1)}6")
        head2 += sub2
        head3 += sub3
        subs[p] = keys
        col += len(sub2)
    rows: list[list] = [[_exam_title(kind, year)], ["Региональный центр обработки информации (РЦОИ)"],
                        [f"Сформировано: {year + 1}-07-15"], [], []]
    rows += [head1, head2, head3]
    data = {p: region.exams[(p, year)] for p in procs}
    where = {p: {int(i): k for k, i in enumerate(d.school)} for p, d in data.items()}
    short = {t.name: t.short_name for t in region.territories}
    for t in region.territories:
        if t.kind != "municipality":
            continue
        members = [i for i, s in enumerate(region.schools) if s.territory == t.name and
                   any(i in where[p] for p in procs)]
        if not members:
            continue
        totals = {p: np.zeros(6) for p in procs}
        for n_row, i in enumerate(members):
            s = region.schools[i]
            code = s.code_oge if kind == "OGE" else s.code_ege
            label = (short[t.name] if kind == "OGE" else t.name) if n_row == 0 else None
            row = [label, code, s.full_name]
            for p in procs:
                k = where[p].get(i)
                if k is None:
                    row += [None] * len(subs[p])
                    continue
                d = data[p]
                n = int(d.participants[k])
                if d.marks is not None:
                    vals = [n] + [int(x) for x in d.marks[k]] + [float(d.mean[k])]
                else:
                    low = int(d.low[k])
                    vals = [n, low, round(low * 100 / n, 1), float(d.mean[k]), int(d.high[k]), int(d.hundred[k])]
                totals[p] += np.array([float(x) for x in vals])
                row += vals
            rows.append(row)
        sub = ["Итого по МО", None, None]
        for p in procs:
            tot = totals[p]
            if data[p].marks is not None:
                sub += [int(tot[0]), int(tot[1]), int(tot[2]), int(tot[3]), int(tot[4]), None]
            else:
                sub += [int(tot[0]), int(tot[1]), round(tot[1] * 100 / tot[0], 1) if tot[0] else None, None,
                        int(tot[4]), int(tot[5])]
        rows.append(sub)
    name = "oge" if kind == "OGE" else "ege"
    path = out_dir / f"{name}_{year + 1}_po_oo.xlsx"
    sheet = f"{'ОГЭ' if kind == 'OGE' else 'ЕГЭ'}-{year + 1}"
    _write_xlsx(path, [(sheet, rows)], merges={sheet: merges}, bold_rows={sheet: {6, 7, 8}})
    return path


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(col)


REGISTRY_HEADER = ["Логин", "Краткое наименование", "Полное наименование", "Территория", "Район города", "Тип ОО",
                   "Форма", "ИНН", "ОГРН", "Код ОГЭ", "Код ЕГЭ", "ШНСУ", "Местность", "Действует с", "Действует по"]


def _write_registry(region: DemoRegion, out_dir: Path) -> Path:
    """Layout 5: the region's registry of general-education schools (the richer form)."""
    from shnor.domain.years import format_school_year
    rows: list[list] = [[f"Реестр общеобразовательных организаций: {REGION_NAME}"], [f"по состоянию на 01.09.{YEARS[-1]}"],
                        [], REGISTRY_HEADER]
    last = max(YEARS)
    for s in region.schools:
        login_year = min(last, s.active_to if s.active_to is not None else last)
        rows.append([s.login(login_year), s.short_name, s.full_name, s.territory, s.district, s.school_type,
                     s.ownership, s.inn, s.ogrn, s.code_oge, s.code_ege, "да" if s.shnsu else "нет",
                     "сельская" if s.rural else "городская",
                     format_school_year(s.active_from) if s.active_from is not None else None,
                     format_school_year(s.active_to) if s.active_to is not None else None])
    path = out_dir / "reestr_oo_kuzbass.xlsx"
    _write_xlsx(path, [("Реестр ОО", rows)], bold_rows={"Реестр ОО": {4}})
    return path


def write_files(region: DemoRegion, out_dir) -> list[tuple[Path, Hints]]:
    """Write the region as the files methodists hold, in import order, each with the hints a user would give
    in the upload form (the work and the year where the file does not say them)."""
    from pathlib import Path

    from shnor.importing.model import Hints
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[tuple[Path, Hints]] = [(_write_registry(region, out_dir), Hints())]
    for year in YEARS:
        for proc in VPR_WORKS:
            v = region.vpr[(proc, year)]
            if (proc, year) == REPORT_INSTEAD_OF_PROTOCOL:
                files.append((_write_report(region, v, out_dir), Hints()))
            else:
                files += _write_protocol(region, v, out_dir)
        for kind in ("OGE", "EGE"):
            path = _write_exam_table(region, kind, year, out_dir)
            if path is not None:
                files.append((path, Hints()))
    return files
