"""Hostile and broken files: each refused with a Russian message naming the file, the database unchanged,
the parent process unharmed (parsing runs in a capped child process)."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest

from conftest import realdata
from shnor.importing.model import Hints
from shnor.importing.sandbox import parse_in_child
from shnor.domain.permissions import SYSTEM
from shnor.services.imports import import_file
from shnor.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "h.duckdb")
    yield s
    s.close()


def state(store):
    return (store.sql.scalar("SELECT count(*) FROM results"), store.sql.scalar("SELECT count(*) FROM schools"),
            store.sql.scalar("SELECT count(*) FROM import_batches"))


def refused(store, path, needle, hints=None):
    before = state(store)
    rep = import_file(store, path, SYSTEM, hints=hints or Hints())
    assert rep.status == "refused", rep.summary_ru()
    text = " ".join(i.text() for i in rep.errors())
    assert path.name in text and needle in text, text
    assert state(store) == before
    return rep


def _valid_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Учебный год", "Процедура", "Код ОО", "Наименование ОО", "Территория", "Участников",
               "Низкий результат, чел."])
    ws.append(["2020/2021", "OGE-MATH", "sch420001", "СОШ 1", "Район", 10, 1])
    wb.save(path)
    return path


def test_xml_entities_are_refused(store, tmp_path):
    src = _valid_xlsx(tmp_path / "src.xlsx")
    bomb = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
                                    b'"&lol;&lol;&lol;&lol;">]><worksheet', 1)
            zout.writestr(item, data)
    refused(store, bomb, "XML-сущности")


def test_decompression_bomb_is_refused(store, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 24)
            for _ in range(33):  # 528 MB of zeros, a few hundred KB compressed
                fh.write(chunk)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    refused(store, bomb, "500 МБ")


def test_too_large_upload_is_refused_before_reading(store, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(51 * 1024 * 1024)  # sparse: no real disk use
    refused(store, big, "больше 50 МБ")


def test_too_many_rows_are_refused(store, tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("a;b\n" + "1;2\n" * 1_000_001)
    refused(store, f, "1 000 000")


@pytest.mark.parametrize("name,content,needle", [
    ("garbage.xlsx", b"PK\x03\x04 definitely not a workbook", "повреждён"),
    ("empty.xlsx", b"", "пустой"),
    ("notes.docx", b"hello", "не поддерживается"),
    ("random.csv", "какой-то текст;без заголовков\n1;2\n".encode("cp1251"), "формат файла не распознан"),
])
def test_broken_files_are_refused(store, tmp_path, name, content, needle):
    f = tmp_path / name
    f.write_bytes(content)
    refused(store, f, needle)


def test_memory_cap_stops_the_child_not_the_parent(tmp_path):
    real = realdata("fisoko_vpr_protocols_altai", "vpr2021spring_ma5.xlsx")
    scales = Store.open(tmp_path / "s.duckdb").reference.mark_scales()
    parsed = parse_in_child(real, real.name, Hints("VPR-MATH-5", 2020), scales, memory_limit=60 * 1024 * 1024)
    assert parsed.refused
    assert "больше памяти, чем разрешено" in parsed.issues[0].message
    # the same file with the default cap parses: the cap, not the file, stopped it
    assert not parse_in_child(real, real.name, Hints("VPR-MATH-5", 2020), scales).refused


def test_time_cap_stops_the_child(tmp_path):
    real = realdata("fisoko_vpr_protocols_altai", "vpr2021spring_ru6.xlsx")
    parsed = parse_in_child(real, real.name, Hints("VPR-RUS-6", 2020), {}, time_limit_s=0.05)
    assert parsed.refused and "занял больше 0.05 с и был остановлен" in parsed.issues[0].message
