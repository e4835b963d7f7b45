"""A tiny region for the official-list, export and page tests, loaded through the real import service
(registry and results as parsed files of layouts 5A and 4), with statuses computed by hand.

Тестовая область; list year 2022 (results 2021 = Y-1 and 2020 = Y-2), default settings (30 %):
  Северный район
    S1 МБОУ «СОШ № 1»      2021: ВПР мат-5 3/10 (30 % exactly), ВПР рус-5 4/10      -> ШНОР, criterion 1
    S2 МБОУ «ООШ № 2»      2021: ВПР мат-5 2/20 (10 %)                               -> без низких результатов
    S3 МАОУ «Гимназия № 3» 2021: ВПР мат-5 3/10                                       -> группа риска (one low)
  Южный район
    S4 МБОУ «СОШ № 4»      2020: ОГЭ рус 5/10; 2021: ОГЭ рус 4/10 (40 %)             -> ШНОР, criterion 2
    S5 МКОУ «НОШ № 5»      no results                                                  -> нет данных
  List 2021 (results 2020 and 2019): only S4 has a 2020 low (one procedure) -> no ШНОР, S4 группа риска.
  With threshold 40 %: S1 has one low (4/10) -> not ШНОР; S4 still ШНОР (5/10, 4/10) -> 1 ШНОР instead of 2.
"""
from __future__ import annotations

from pathlib import Path

from shnor.domain import events
from shnor.domain.permissions import SYSTEM
from shnor.importing.model import ParsedFile, RegistryRow, ResultRow, SchoolRef
from shnor.services.imports import import_file
from shnor.store import Store

NORTH, SOUTH = "Северный район", "Южный район"
SCHOOLS = [  # login, short name, full name, territory, type
    ("sch420001", "МБОУ «СОШ № 1»", "МБОУ «Средняя общеобразовательная школа № 1»", NORTH, "СОШ"),
    ("sch420002", "МБОУ «ООШ № 2»", "МБОУ «Основная общеобразовательная школа № 2»", NORTH, "ООШ"),
    ("sch420003", "МАОУ «Гимназия № 3»", "МАОУ «Гимназия № 3»", NORTH, "гимназия"),
    ("sch420004", "МБОУ «СОШ № 4»", "МБОУ «Средняя общеобразовательная школа № 4»", SOUTH, "СОШ"),
    ("sch420005", "МКОУ «НОШ № 5»", "МКОУ «Начальная общеобразовательная школа № 5»", SOUTH, "НОШ"),
]
RESULTS = [  # login, procedure, year, participants, low
    ("sch420001", "VPR-MATH-5", 2021, 10, 3),
    ("sch420001", "VPR-RUS-5", 2021, 10, 4),
    ("sch420002", "VPR-MATH-5", 2021, 20, 2),
    ("sch420003", "VPR-MATH-5", 2021, 10, 3),
    ("sch420004", "OGE-RUS", 2020, 10, 5),
    ("sch420004", "OGE-RUS", 2021, 10, 4),
]
YEAR = 2022


def registry_parsed() -> ParsedFile:
    return ParsedFile("реестр.xlsx", "5A", "Реестр школ", registry=[
        RegistryRow(SchoolRef(login=lg, name=short, territory=terr), full_name=full, short_name=short,
                    school_type=typ, source_sheet="Лист1", source_row=i + 2)
        for i, (lg, short, full, terr, typ) in enumerate(SCHOOLS)])


def results_parsed(rows, name: str = "результаты.xlsx") -> ParsedFile:
    return ParsedFile(name, "4", "Шаблон системы", results=[
        ResultRow(SchoolRef(login=lg), proc, y, n, low, source_sheet="Лист1", source_row=i + 2)
        for i, (lg, proc, y, n, low) in enumerate(rows)])


def stub_file(dir_: Path, name: str) -> Path:
    """A file whose bytes are unique (the service keys duplicates on the content)."""
    p = Path(dir_) / name
    p.write_text(name)
    return p


def build(path: str | Path, dir_: Path) -> dict[str, int]:
    """Create the database; returns login -> school id."""
    store = Store.open(path)
    try:
        with store.unit(SYSTEM) as u:
            u.territories.add("Тестовая область", kind="region")
            u.record(events.TERRITORY_ADDED, territory="Тестовая область")
        rep = import_file(store, stub_file(dir_, "реестр.stub"), SYSTEM, parsed=registry_parsed())
        assert rep.status == "stored", rep.issues
        rep = import_file(store, stub_file(dir_, "результаты.stub"), SYSTEM, parsed=results_parsed(RESULTS))
        assert rep.status == "stored", rep.issues
        return {r.fisoko_login: int(r.id) for r in store.schools.list().itertuples(index=False)}
    finally:
        store.close()


def renamed_parsed(login: str, new_name: str) -> ParsedFile:
    """A registry file that renames one school of SCHOOLS (short and full name), as a methodist's upload would."""
    lg, _, _, terr, typ = next(s for s in SCHOOLS if s[0] == login)
    return ParsedFile("реестр.xlsx", "5A", "Реестр школ", registry=[
        RegistryRow(SchoolRef(login=lg, name=new_name, territory=terr), full_name=new_name, short_name=new_name,
                    school_type=typ, source_sheet="Лист1", source_row=2)])
