"""Hostile and broken files: each refused with a Russian message naming the file, the database unchanged,
the parent process unharmed (parsing runs in a capped child process)."""
from __future__ import annotations

import random
import re
import sys
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


ENGLISH_EXCEPTION = re.compile(r"[A-Za-z_]*(Error|Exception|Traceback|Panic)\b")


def _with_part(src, dst, name, data, compress=zipfile.ZIP_DEFLATED):
    """A copy of the workbook `src` with one more part `name` holding `data`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compress) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        zout.writestr(name, data)
    return dst


@pytest.mark.parametrize("part,data", [
    ("xl/foo.bin", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
    ("customXml/item1.dat", b'\x00\x01<?xml version="1.0"?><!doctype r [<!entity e SYSTEM "file:///etc/passwd">]>'),
    ("xl/media/image1.png", "<!DOCTYPE z>".encode("utf-16-le")),          # UTF-16, no name hint at all
    ("docProps/custom", b"x" * ((1 << 20) - 4) + b"<!ENTITY e 'x'>"),   # across the edge of two 1 MiB chunks
])
def test_xml_entities_are_refused_in_any_part_of_the_archive(store, tmp_path, part, data):
    src = _valid_xlsx(tmp_path / "src.xlsx")
    rep = refused(store, _with_part(src, tmp_path / "parts.xlsx", part, data), "XML-сущности")
    assert not ENGLISH_EXCEPTION.search(" ".join(i.text() for i in rep.issues))


def test_the_same_workbook_without_an_entity_is_accepted(store, tmp_path):
    src = _valid_xlsx(tmp_path / "src.xlsx")
    ok = _with_part(src, tmp_path / "ok.xlsx", "xl/foo.bin", b"\x00\x01 just bytes <!-- not a doctype -->")
    rep = import_file(store, ok, SYSTEM, hints=Hints())
    assert rep.status == "stored", [i.text() for i in rep.issues]


def _truncated_xlsx(path):
    src = _valid_xlsx(path.with_name("whole.xlsx"))
    data = src.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.mark.parametrize("name,make,needle", [
    ("мусор.csv", lambda p: p.write_bytes(random.Random(6).randbytes(20000)), "не похож на таблицу CSV"),
    ("нули.csv", lambda p: p.write_bytes(b"a;b\n\x00\x00\x00;1\n"), "не похож на таблицу CSV"),
    ("кавычки.csv", lambda p: p.write_bytes(b'a;b\n"' + b"x" * 200_000 + b';1\n'), "не"),
    ("обрезан.xlsx", _truncated_xlsx, "повреждён"),
    ("не-xls.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(7).randbytes(4000)),
     "не читается как книга"),
    ("html.xls", lambda p: p.write_text("<html><table><tr><td>1</td></tr></table></html>"), "не читается как книга"),
])
def test_garbage_is_refused_in_russian_never_by_an_exception_name(store, tmp_path, name, make, needle):
    f = tmp_path / name
    make(f)
    rep = refused(store, f, needle)
    text = " ".join(i.text() for i in rep.issues) + " " + rep.summary_ru()
    assert not ENGLISH_EXCEPTION.search(text), text
    assert re.search("[а-я]{4}", text)


def test_an_unexpected_failure_in_the_child_is_said_in_russian(tmp_path, monkeypatch):
    """Whatever breaks inside the parser (here: a layout that raises), the message names no exception."""
    from shnor.importing import parse
    boom = tmp_path / "boom.csv"
    boom.write_text("Учебный год;Процедура\n2020/2021;OGE-MATH\n", encoding="utf-8")

    class Broken:
        @staticmethod
        def detect(sheets):
            raise UnicodeDecodeError("utf-8", b"x", 0, 1, "boom")

    monkeypatch.setattr(parse, "_parsers", lambda: [Broken])
    parsed = parse.parse_file(boom, boom.name, Hints(), {})
    assert parsed.refused and not ENGLISH_EXCEPTION.search(parsed.issues[0].text())
    assert "не удалось разобрать" in parsed.issues[0].message


def test_the_child_crashing_is_said_in_russian(tmp_path, monkeypatch):
    """A child that dies with a Python error on stderr: the message names the file, not the error."""
    import subprocess as sp
    from shnor.importing import sandbox
    real_run = sp.run

    def crash(cmd, **kw):
        return real_run([sys.executable, "-c", "raise UnicodeDecodeError('utf-8', b'x', 0, 1, 'boom')"],
                        capture_output=True, timeout=30)

    monkeypatch.setattr(sandbox.subprocess, "run", crash)
    parsed = sandbox.parse_in_child(tmp_path / "x.csv", "x.csv", Hints(), {})
    text = parsed.issues[0].text()
    assert parsed.refused and text.startswith("x.csv: ") and not ENGLISH_EXCEPTION.search(text)


def test_a_file_above_the_limit_is_refused_in_russian_naming_the_file_and_the_limit(store, tmp_path):
    big = tmp_path / "большой.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)
    rep = refused(store, big, "больше 50 МБ")
    assert rep.issues[0].text().startswith("большой.xlsx: файл больше 50 МБ")


def test_the_uploaders_own_limit_sits_above_the_importers():
    """Streamlit refuses above server.maxUploadSize in English (read as decimal megabytes by the browser):
    it must let through every file the importer would refuse in Russian, up to some margin."""
    import tomllib
    from conftest import ROOT
    from shnor.importing.reading import MAX_UPLOAD_BYTES
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    limit_mb = conf["server"]["maxUploadSize"]
    assert limit_mb * 1000 * 1000 > MAX_UPLOAD_BYTES * 1.1
    assert MAX_UPLOAD_BYTES == 50 * 1024 * 1024
