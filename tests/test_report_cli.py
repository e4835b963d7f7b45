"""`python -m shnor report spravka|school|interviews|list` through real subprocesses on the database of
tests/listdb.py with one user per role (tests/pagetest.py USERS): the list's workbook is the one `export list`
writes, the Word appendix, the documents of the other modules, and refusals — another extension, an unknown
school or territory, one outside the user's territory — exit 2 in Russian, no traceback, no file."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile

import docx
import pytest
from openpyxl import load_workbook

from conftest import ROOT
from listdb import NORTH, YEAR

HEAD_YEAR = "2022/2023"
STAMP = re.compile(r"сформирован \d\d\.\d\d\.\d{4} \d\d:\d\d")


def cli(db, *args):
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    from pagetest import build_with_users
    tmp = tmp_path_factory.mktemp("report")
    path = tmp / "cli.duckdb"
    build_with_users(path, tmp)
    return path


def workbook_values(path) -> list[tuple[str, list[list]]]:
    """Every sheet's cell values, the time the file was made taken out."""
    wb = load_workbook(path)
    return [(ws.title, [[STAMP.sub("сформирован …", v) if isinstance(v, str) else v for v in row]
                        for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def refused(r, *words) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and re.search("[а-яА-Я]", r.stderr), r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def docx_text(path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_report_list_xlsx_is_the_workbook_of_export_list(report_db, tmp_path):
    a, b = tmp_path / "отчёт.xlsx", tmp_path / "выгрузка.xlsx"
    r = cli(report_db, "report", "list", "--year", HEAD_YEAR, "--out", str(a))
    assert r.returncode == 0, r.stderr
    assert "проект" in r.stdout and "2 школы из 5" in r.stdout and str(a) in r.stdout
    assert cli(report_db, "export", "list", "--year", HEAD_YEAR, "--out", str(b)).returncode == 0
    assert workbook_values(a) == workbook_values(b)
    assert [t for t, _ in workbook_values(a)] == ["Список ШНОР", "Критерии и основания", "Все школы"]
    # a bound user's own territory, the same both ways
    a2, b2 = tmp_path / "север-отчёт.xlsx", tmp_path / "север-выгрузка.xlsx"
    assert cli(report_db, "--user", "north-head", "report", "list", "--year", HEAD_YEAR, "--out", str(a2)).returncode == 0
    assert cli(report_db, "--user", "north-head", "export", "list", "--year", HEAD_YEAR, "--out", str(b2)).returncode == 0
    assert workbook_values(a2) == workbook_values(b2)
    assert load_workbook(a2).active["A4"].value.endswith(NORTH)


def test_report_list_docx_is_the_orders_appendix(report_db, tmp_path):
    out = tmp_path / "приложение.docx"
    r = cli(report_db, "report", "list", "--year", HEAD_YEAR, "--territory", NORTH, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert NORTH in r.stdout and "1 школа из 3" in r.stdout
    d = docx.Document(str(out))
    assert [c.text for c in d.tables[0].rows[1].cells] == ["1", NORTH, "МБОУ «Средняя общеобразовательная школа № 1»"]
    assert "Приложение" in [p.text for p in d.paragraphs]


@pytest.mark.parametrize("args,words", [
    (["report", "list", "--out", "{tmp}/список.pdf"], [".xlsx", ".docx"]),
    (["report", "list", "--out", "{tmp}/список"], [".xlsx"]),
    (["report", "spravka", "--out", "{tmp}/справка.xlsx"], [".docx"]),
    (["report", "school", "--school", "sch420001", "--out", "{tmp}/школа.pdf"], [".docx"]),
    (["report", "interviews", "--out", "{tmp}/пакет.odt"], [".docx"]),
    (["report", "list", "--out", "{tmp}/нет-такой-папки/список.xlsx"], ["папки"]),
    (["report", "school", "--school", "sch999999", "--out", "{tmp}/школа.docx"], ["sch999999", "не найдена"]),
    (["report", "interviews", "--school", "нет-такой", "--out", "{tmp}/пакет.docx"], ["нет-такой"]),
    (["report", "list", "--territory", "Марс", "--out", "{tmp}/список.xlsx"], ["Марс", "не найдена"]),
    (["report", "spravka", "--territory", "Марс", "--out", "{tmp}/справка.docx"], ["Марс"]),
    (["report", "school", "--out", "{tmp}/школа.docx"], ["--school"]),
    (["report", "list", "--school", "sch420001", "--out", "{tmp}/список.xlsx"], ["--school"]),
    (["report", "pdf", "--out", "{tmp}/x.docx"], ["pdf"]),
])
def test_refusals_exit_2_in_russian_and_write_nothing(report_db, tmp_path, args, words):
    args = [a.format(tmp=tmp_path) for a in args]
    r = cli(report_db, *args[:2], "--year", HEAD_YEAR, *args[2:])
    refused(r, *words)
    assert list(tmp_path.iterdir()) == []


def test_a_year_that_is_not_a_school_year_is_refused(report_db, tmp_path):
    refused(cli(report_db, "report", "list", "--year", "2022", "--out", str(tmp_path / "x.xlsx")))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["report", "list", "--territory", "Южный район", "--out", "{tmp}/юг.xlsx"],
    ["report", "list", "--territory", "Южный район", "--out", "{tmp}/юг.docx"],
    ["report", "spravka", "--territory", "Южный район", "--out", "{tmp}/юг.docx"],
    ["report", "interviews", "--territory", "Южный район", "--out", "{tmp}/юг.docx"],
    ["report", "school", "--school", "sch420004", "--out", "{tmp}/школа.docx"],
    ["report", "interviews", "--school", "sch420004", "--out", "{tmp}/пакет.docx"],
    ["report", "list", "--territory", "Тестовая область", "--out", "{tmp}/регион.xlsx"],
])
def test_outside_the_users_territory_is_refused(report_db, tmp_path, args):
    args = [a.format(tmp=tmp_path) for a in args]
    r = cli(report_db, "--user", "north-head", *args[:2], "--year", HEAD_YEAR, *args[2:])
    refused(r, NORTH)
    assert list(tmp_path.iterdir()) == []


def test_a_school_outside_the_territory_named_is_refused(report_db, tmp_path):
    r = cli(report_db, "report", "interviews", "--year", HEAD_YEAR, "--territory", NORTH, "--school", "sch420004",
            "--out", str(tmp_path / "пакет.docx"))
    refused(r, "Северный район")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# The documents of shnor/reports/spravka.py and shnor/reports/school_doc.py
# ---------------------------------------------------------------------------------------------
def is_docx(path) -> bool:
    with zipfile.ZipFile(path) as z:
        return "word/document.xml" in z.namelist()


def test_report_spravka_writes_the_analytic_report(report_db, tmp_path):
    out = tmp_path / "справка.docx"
    r = cli(report_db, "report", "spravka", "--year", HEAD_YEAR, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Аналитическая справка на 2022/2023" in r.stdout and is_docx(out)
    assert "2022/2023" in docx_text(out)
    out = tmp_path / "север.docx"
    r = cli(report_db, "--user", "north-head", "report", "spravka", "--year", HEAD_YEAR, "--out", str(out))
    assert r.returncode == 0 and NORTH in r.stdout and is_docx(out)


def test_report_school_writes_the_schools_spravka(report_db, tmp_path):
    out = tmp_path / "школа.docx"
    r = cli(report_db, "--user", "north-head", "report", "school", "--year", HEAD_YEAR, "--school", "sch420001",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Справка по школе на 2022/2023 — МБОУ «СОШ № 1»" in r.stdout and is_docx(out)
    assert "СОШ № 1" in docx_text(out)


def test_report_interviews_takes_every_shnor_the_user_sees(report_db, tmp_path):
    out = tmp_path / "пакет.docx"
    r = cli(report_db, "report", "interviews", "--year", HEAD_YEAR, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "все ШНОР списка" in r.stdout and is_docx(out)
    text = docx_text(out)
    assert "СОШ № 1" in text and "СОШ № 4" in text
    # a bound user: their territory's ШНОР only
    out = tmp_path / "север.docx"
    r = cli(report_db, "--user", "north-head", "report", "interviews", "--year", HEAD_YEAR, "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = docx_text(out)
    assert "СОШ № 1" in text and "СОШ № 4" not in text
    # chosen schools
    out = tmp_path / "выбранные.docx"
    r = cli(report_db, "report", "interviews", "--year", HEAD_YEAR, "--school", "sch420004", "--out", str(out))
    assert r.returncode == 0 and "1 школа" in r.stdout, r.stderr
    text = docx_text(out)
    assert "СОШ № 4" in text and "СОШ № 1" not in text


def test_the_approved_list_names_its_order_in_both_files(tmp_path):
    from pagetest import build_with_users
    from shnor.domain.permissions import User
    from shnor.services import lists as ol
    from shnor.store import Store
    report_db = tmp_path / "approved.duckdb"
    build_with_users(report_db, tmp_path)
    store = Store.open(report_db)
    try:
        north = store.territories.find(NORTH)
        ol.approve_list(store, User("north-head", "head", north, NORTH, frozenset(store.territories.subtree(north))),
                        YEAR, north, "77-о", dt.date(2022, 8, 30))
    finally:
        store.close()
    x, w = tmp_path / "приказ.xlsx", tmp_path / "приказ.docx"
    r = cli(report_db, "--user", "north-head", "report", "list", "--year", HEAD_YEAR, "--out", str(x))
    assert r.returncode == 0 and "утверждённый список (приказ № 77-о от 30.08.2022)" in r.stdout, r.stderr
    assert load_workbook(x).active["A2"].value == "к приказу от 30.08.2022 № 77-о"
    assert cli(report_db, "--user", "north-head", "report", "list", "--year", HEAD_YEAR, "--out", str(w)).returncode == 0
    assert "от 30.08.2022 № 77-о" in [p.text for p in docx.Document(str(w)).paragraphs]
