"""The «аналитическая справка» in Word: written from the dashboard's read models (the same figures as
build_overview on the hand-made regions of tests/smalldb.py and tests/listdb.py), conclusions from the catalogue
(shnor/domain/conclusions.py) on hand-made cases, names from data as plain text, the department's letterhead
(uploaded, used, refused when unsafe) and the permissions."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import docx
import pytest

from shnor.domain import conclusions as cc
from shnor.domain import events
from shnor.domain.fmt import fmt_int, fmt_pct
from shnor.domain.permissions import ADMIN, HEAD, METHODIST, SYSTEM, Forbidden, User
from shnor.read.analysis import load_rule_settings
from shnor.read.overview import build_overview, fmt_target
from shnor.reports.docx_base import clean_text
from shnor.reports.spravka import write_spravka
from shnor.services import templates as tpl
from shnor.store import Store

TODAY = date(2024, 9, 2)


# ---------------------------------------------------------------------------------------------------------------
# helpers
def read_doc(path):
    """Paragraph texts (whitespace squeezed), table rows (cell texts), header texts and the raw body XML."""
    doc = docx.Document(str(path))
    paras = [" ".join(p.text.split()) for p in doc.paragraphs]
    tables = [[[" ".join(c.text.split()) for c in row.cells] for row in t.rows] for t in doc.tables]
    headers = [p.text for s in doc.sections for p in s.header.paragraphs]
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return paras, tables, headers, xml


def table_with(tables, first_header: str, column: str | None = None):
    for t in tables:
        if t and t[0][0] == first_header and (column is None or column in t[0]):
            return t
    raise AssertionError(f"no table starting with {first_header!r}: {[t[0] for t in tables]}")


def as_dict(table) -> dict[str, str]:
    return {row[0]: row[1] for row in table[1:]}


def squeeze(text: str) -> str:
    return " ".join(text.split())


def overview(store, list_year, territory_id):
    return build_overview(store, list_year, territory_id, load_rule_settings(store))


@pytest.fixture
def small(small_db):
    path, ids = small_db
    store = Store.open(path)
    yield store, ids
    store.close()


# ---------------------------------------------------------------------------------------------------------------
# the figures: the dashboard's own
def test_region_spravka_has_the_overviews_figures(small, tmp_path):
    store, ids = small
    ov = overview(store, 2024, None)
    info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "регион.docx", today=TODAY)
    paras, tables, _, _ = read_doc(info.path)
    f = ov.figures
    # the hand-computed figures of tests/smalldb.py, and build_overview's own
    assert (f.schools, f.shnor, f.gap, f.target) == (15, 3, 3, 0.05)
    assert (info.schools, info.shnor, info.share, info.target, info.allowed, info.gap) == \
        (f.schools, f.shnor, f.share, f.target, f.allowed, f.gap)
    figures = as_dict(table_with(tables, "Показатель"))
    assert squeeze(figures["Школ учитывается в списке (знаменатель доли)"]) == fmt_int(f.schools) == "15"
    assert figures["ШНОР"] == "3"
    assert squeeze(figures["Доля ШНОР"]) == squeeze(fmt_pct(f.share)) == "20,0 %"
    assert squeeze(figures["Цель на 2023/2024"]) == squeeze(fmt_target(f.target)) == "5 %"
    assert figures["Допустимо ШНОР при цели"] == "0"
    assert figures["До цели"] == "на 3 ШНОР больше цели"
    assert figures["Группа риска"] == str(len(ov.risk)) == "2"
    assert figures["Нет данных"] == str(len(ov.no_data)) == "1"
    text = "\n".join(paras)
    assert "цель 5 % не достигнута: нужно на 3 школы меньше" in text
    # entered and left, with their reasons
    assert sorted(info.entered) == sorted(ov.changes.entered["short_name"]) == ["Школа №1", "Школа №12"]
    assert sorted(info.left) == sorted(ov.changes.left["short_name"]) == ["Школа №11", "Школа №7"]
    entered = table_with(tables, "№", "Почему вошла в список")
    assert sorted(r[1] for r in entered[1:]) == ["Школа №1", "Школа №12"]
    assert all(r[3] for r in entered[1:])
    left = table_with(tables, "№", "Статус сейчас")
    assert {r[1]: r[3] for r in left[1:]} == {"Школа №11": "не действовала", "Школа №7": "без низких результатов"}
    # territories side by side, in the overview's order, with its figures
    terr = table_with(tables, "Территория", "Доля ШНОР")
    assert [r[0] for r in terr[1:]] == list(ov.territories["territory"]) == info.territories
    rows = {r[0]: r for r in terr[1:]}
    assert rows["Северный район"][1:5] == ["10", "2", "20,0 %", "10 %"]
    assert rows["Южный район"][1:5] == ["5", "1", "20,0 %", "5 %"]
    assert rows["Северный район"][5] == rows["Южный район"][5] == "−1 ШНОР"
    # the trend table: the dashboard's trend frame
    trend = table_with(tables, "Учебный год результатов")
    assert [r[0] for r in trend[1:]] == list(ov.trend["year_label"])
    assert [squeeze(r[4]) for r in trend[1:]] == [squeeze(x) for x in ov.trend["share_label"]]
    # the risk group by name
    risk = table_with(tables, "№", "Почему")
    assert sorted(r[1] for r in risk[1:]) == sorted(ov.risk["short_name"]) == ["Школа №3", "Школа №4"]
    assert info.charts == 3
    assert info.figures.gap == f.gap and info.figures.risk_group == len(ov.risk)
    assert info.conclusions[0] == cc.conclusions(info.figures)[0].text
    assert any(p.startswith("По результатам 2023/2024 — 20,0") for p in paras)      # the estimate, latest list
    bare = write_spravka(store, SYSTEM, 2024, None, tmp_path / "без оценки.docx", today=TODAY, with_forecast=False)
    assert not any("Оценка по результатам" in p for p in read_doc(bare.path)[0])
    assert "Начальник управления" in text and "АНАЛИТИЧЕСКАЯ СПРАВКА" in text and "2 сентября 2024 г." in text


def test_territory_spravka_north(small, tmp_path):
    store, _ = small
    north = store.territories.find("Северный район")
    ov = overview(store, 2024, north)
    info = write_spravka(store, SYSTEM, 2024, north, tmp_path / "северный.docx", today=TODAY)
    paras, tables, _, _ = read_doc(info.path)
    assert (info.schools, info.shnor, info.gap, info.allowed) == (ov.figures.schools, ov.figures.shnor, 1, 1) \
        == (10, 2, 1, 1)
    text = "\n".join(paras)
    assert "Территория: Северный район" in text
    assert "цель 10 % не достигнута: нужно на 1 школу меньше (допустимо не более 1 ШНОР)" in text
    assert info.entered == ["Школа №1"] and sorted(info.left) == ["Школа №11", "Школа №7"]
    # no comparison of territories for one municipality without districts
    assert not any(t[0][0] == "Территория" and "Доля ШНОР" in t[0] for t in tables)


def test_listdb_spravka(list_store, tmp_path):
    store, ids = list_store
    ov = overview(store, 2022, None)
    info = write_spravka(store, SYSTEM, 2022, None, tmp_path / "список.docx", today=TODAY)
    paras, tables, _, _ = read_doc(info.path)
    assert (info.schools, info.shnor) == (ov.figures.schools, ov.figures.shnor) == (5, 2)
    figures = as_dict(table_with(tables, "Показатель"))
    assert squeeze(figures["Доля ШНОР"]) == "40,0 %"
    assert figures["Цель на 2021/2022"] == "не задана"
    text = "\n".join(paras)
    # 4 of 5 schools have results of 2021/2022: below the 90 % setting, no verdict (the overview's own reason)
    assert ov.figures.withheld and squeeze(ov.figures.withheld) in text
    assert "достигнута" not in text
    # the list of 2021 (from the 2020 results) had no ШНОР: both entered
    assert sorted(info.entered) == ["МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"] and info.left == []


def test_event_recorded_and_no_data_changed(small, tmp_path):
    store, _ = small
    before = store.audit.data_version()
    write_spravka(store, SYSTEM, 2024, None, tmp_path / "a.docx", today=TODAY)
    ev = store.audit.list(action=events.REPORT_WRITTEN.name)
    assert len(ev) == 1
    detail = json.loads(ev["detail"].iloc[0])
    assert detail["kind"] == "spravka" and detail["list_year"] == 2024 and detail["file"] == "a.docx"
    assert store.audit.data_version() == before        # writing a document changes no figure


def test_no_previous_list_and_no_results(small, tmp_path):
    store, _ = small
    # the list of 2022 is formed from 2021 (and 2020: no results) — the list of 2021 has no results at all
    info = write_spravka(store, SYSTEM, 2022, None, tmp_path / "2022.docx", today=TODAY)
    paras, _, _, _ = read_doc(info.path)
    text = "\n".join(paras)
    assert "Списка на 2021/2022 нет: за 2020/2021 не загружено результатов" in text
    assert "за 2020/2021 результатов нет, сравнить не с чем" in text
    # the list of 2025 would need the 2024 results: none yet
    info = write_spravka(store, SYSTEM, 2025, None, tmp_path / "2025.docx", today=TODAY)
    paras, tables, _, _ = read_doc(info.path)
    text = "\n".join(paras)
    assert "За 2024/2025 учебный год результатов оценочных процедур нет ни у одной из" in text
    assert "вывод о достижении цели не делается" in text
    assert info.gap is None and info.withheld


def test_territory_without_schools(small, tmp_path):
    store, _ = small
    with store.unit("test") as u:
        u.territories.add("Пустой район", parent_id=store.territories.root_id())
        u.record(events.TERRITORY_ADDED, territory="Пустой район")
    info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "r.docx", today=TODAY)
    text = "\n".join(read_doc(info.path)[0])
    assert "В территории «Пустой район» нет школ, учитываемых в списке на 2024/2025" in text
    empty = store.territories.find("Пустой район")
    info = write_spravka(store, SYSTEM, 2024, empty, tmp_path / "e.docx", today=TODAY)
    text = "\n".join(read_doc(info.path)[0])
    assert "В территории нет ни одной общеобразовательной школы, которая учитывается в списке на 2024/2025" in text
    assert info.schools == 0 and info.gap is None


# ---------------------------------------------------------------------------------------------------------------
# names from data are text
HOSTILE = '=HYPERLINK("http://evil.example";"Школа")'


def test_hostile_names_are_plain_text(small, tmp_path):
    store, ids = small
    with store.unit("test") as u:
        u.sql.run("UPDATE schools SET short_name = ? WHERE id = ?", [HOSTILE, ids[1]])
        u.sql.run("UPDATE schools SET short_name = ? WHERE id = ?", ["**x** <b>y</b>\x07", ids[3]])
        u.sql.run("UPDATE territories SET name = ? WHERE name = ?", ["{{СОДЕРЖАНИЕ}} :red[Ю]", "Южный район"])
        u.record(events.IMPORT_STORED, batch=0, file="hostile")
    info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "h.docx", today=TODAY)
    paras, tables, _, xml = read_doc(info.path)
    cells = [c for t in tables for row in t for c in row]
    assert HOSTILE in cells
    assert "**x** <b>y</b>" in cells                   # the bell removed, the rest as written
    assert "{{СОДЕРЖАНИЕ}} :red[Ю]" in cells
    for code in ("w:fldSimple", "w:instrText", "w:hyperlink", "HYPERLINK \""):
        assert code not in xml.replace("=HYPERLINK(&quot;", "")
    assert "&lt;b&gt;" in xml
    assert clean_text("a\x00b\x0bc\r\nd") == "abc\nd"


# ---------------------------------------------------------------------------------------------------------------
# the letterhead
def letterhead(header: str = "ШАПКА: Комитет по образованию г. Тестовска", marker: bool = True) -> bytes:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = header
    d.add_paragraph("Комитет по образованию администрации города Тестовска")
    if marker:
        d.add_paragraph("{{СОДЕРЖАНИЕ}}")
    d.add_paragraph("ул. Ленина, 1, тел. 12-34-56")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_uploaded_letterhead_is_used(small, tmp_path):
    store, _ = small
    saved = tpl.upload_template(store, SYSTEM, "spravka", "бланк комитета.docx", letterhead())
    assert saved.summary_ru() == "Бланк «бланк комитета.docx» загружен: аналитическая справка."
    info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "b.docx", today=TODAY)
    paras, _, headers, _ = read_doc(info.path)
    assert info.letterhead == "бланк комитета.docx"
    assert "ШАПКА: Комитет по образованию г. Тестовска" in headers
    # the letterhead's body, the content in place of the marker, the letterhead's tail after the content
    assert paras[0] == "Комитет по образованию администрации города Тестовска"
    assert paras[1] == "АНАЛИТИЧЕСКАЯ СПРАВКА"
    assert paras[-1] == "ул. Ленина, 1, тел. 12-34-56"
    assert "{{СОДЕРЖАНИЕ}}" not in paras
    assert "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ" not in paras        # the letterhead is the heading
    # a letterhead for every document applies when the kind has none; the kind's own wins
    assert tpl.remove_template(store, SYSTEM, "spravka") is True
    assert tpl.remove_template(store, SYSTEM, "spravka") is False
    tpl.upload_template(store, SYSTEM, "default", "общий.docx", letterhead("ОБЩИЙ БЛАНК", marker=False))
    info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "c.docx", today=TODAY)
    paras, _, headers, _ = read_doc(info.path)
    assert "ОБЩИЙ БЛАНК" in headers and info.letterhead == "общий.docx"
    assert paras[:3] == ["Комитет по образованию администрации города Тестовска", "ул. Ленина, 1, тел. 12-34-56",
                         "АНАЛИТИЧЕСКАЯ СПРАВКА"]
    kinds = store.audit.list(action=events.REPORT_TEMPLATE_SET.name)
    assert len(kinds) == 3
    assert list(tpl.templates(store, SYSTEM)["kind_ru"]) == ["все документы"]


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _patched(extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(letterhead()))
    parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    for name, data in (replace or {}).items():
        parts[name] = data
    parts.update(extra or {})
    return _zip(parts)


@pytest.mark.parametrize("name,content,fragment", [
    ("бланк.doc", b"\xd0\xcf\x11\xe0", "не в формате .docx"),
    ("бланк.docm", b"PK", "содержит макросы"),
    ("бланк.pdf", b"%PDF", "должен быть документом Word .docx"),
    ("бланк.docx", b"", "пуст"),
    ("бланк.docx", b"not a zip at all", "повреждён"),
    ("бланк.docx", _zip({"a.txt": b"x"}), "повреждён"),
    ("бланк.docx", _patched(extra={"word/vbaProject.bin": b"x"}), "содержит макросы"),
    ("бланк.docx", _patched(replace={"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'}),
     "XML-сущности"),
    ("бланк.docx", _patched(extra={"word/_rels/header1.xml.rels": (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        b'Target="http://evil.example/track.png" TargetMode="External"/></Relationships>')}), "внешние файлы"),
    ("бланк.docx", _patched(replace={"word/document.xml": b"<broken"}), "не открывается"),
])
def test_bad_letterhead_refused(small, name, content, fragment):
    store, _ = small
    with pytest.raises(tpl.TemplateError) as err:
        tpl.upload_template(store, SYSTEM, "spravka", name, content)
    assert fragment in str(err.value)
    assert store.templates.get("spravka") is None


def test_letterhead_limits_and_permissions(small, monkeypatch):
    store, _ = small
    north = store.territories.find("Северный район")
    bound_admin = User("adm", ADMIN, north, "Северный район", frozenset({north}))
    head = User("head", HEAD, None)
    for user in (bound_admin, head):
        with pytest.raises(Forbidden):
            tpl.upload_template(store, user, "spravka", "бланк.docx", letterhead())
    with pytest.raises(tpl.TemplateError, match="Неизвестный вид документа"):
        tpl.upload_template(store, SYSTEM, "письмо", "бланк.docx", letterhead())
    # a hyperlink to outside (the department's site) is fine
    site = _patched(extra={"word/_rels/footer9.xml.rels": (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
        b'Target="https://edu.example.ru" TargetMode="External"/></Relationships>')})
    tpl.check_template(site, "бланк.docx")
    monkeypatch.setattr(tpl, "MAX_TEMPLATE_BYTES", 100)
    with pytest.raises(tpl.TemplateError, match="слишком много"):
        tpl.upload_template(store, SYSTEM, "spravka", "бланк.docx", letterhead())


# ---------------------------------------------------------------------------------------------------------------
# permissions
def test_bound_user_writes_only_their_territory(small, tmp_path):
    store, _ = small
    north, south = store.territories.find("Северный район"), store.territories.find("Южный район")
    head = User("head", HEAD, north, "Северный район", frozenset({north}))
    with pytest.raises(Forbidden, match="Северный район"):
        write_spravka(store, head, 2024, south, tmp_path / "s.docx", today=TODAY)
    with pytest.raises(Forbidden):
        write_spravka(store, head, 2024, None, tmp_path / "r.docx", today=TODAY)
    assert not (tmp_path / "s.docx").exists() and not (tmp_path / "r.docx").exists()
    info = write_spravka(store, User("m", METHODIST, north, "Северный район", frozenset({north})), 2024, north,
                         tmp_path / "n.docx", today=TODAY)
    assert info.shnor == 2


# ---------------------------------------------------------------------------------------------------------------
# the catalogue on hand-made cases
def sentences(**kw) -> list[str]:
    base = dict(list_year=2024, schools=20, shnor=2, target=0.10, allowed=2, gap=0, with_data=20)
    return [c.text for c in cc.conclusions(cc.Figures(**{**base, **kw}))]


def test_target_reached():
    s = sentences(previous_share=0.148, previous_state=cc.PREV_OK, entered=0, left=1, stayed=2)
    assert s[0] == ("Доля ШНОР снизилась с 14,8 % по результатам 2022/2023 до 10,0 % по результатам 2023/2024 "
                    "(2 из 20 школ), цель 10 % достигнута (допустимо не более 2 ШНОР).").replace(" %", "\u00a0%")
    assert s[1] == ("По сравнению со списком на 2023/2024 новых школ в списке нет, вышла 1 школа; остались в списке "
                    "2 школы.")
    assert sentences(shnor=0, gap=0, previous_share=0.0, previous_state=cc.PREV_OK)[0].endswith(
        "цель 10\u00a0% достигнута: ШНОР нет.")


def test_target_missed_by_one_school():
    s = sentences(shnor=3, gap=1, previous_share=0.10, previous_state=cc.PREV_OK, entered=1, left=0, stayed=2)
    assert s[0] == ("Доля ШНОР выросла с 10,0 % по результатам 2022/2023 до 15,0 % по результатам 2023/2024 "
                    "(3 из 20 школ), цель 10 % не достигнута: нужно на 1 школу меньше (допустимо не более 2 ШНОР)."
                    ).replace(" %", "\u00a0%")
    assert "нужно на 3 школы меньше" in sentences(shnor=5, gap=3)[0]
    assert "нужно на 5 школ меньше" in sentences(shnor=7, gap=5)[0]
    assert "нужно на 21 школу меньше" in sentences(schools=300, shnor=51, allowed=30, gap=21)[0]
    same = sentences(shnor=3, gap=1, previous_share=0.15, previous_state=cc.PREV_OK)[0]
    assert same.startswith("Доля ШНОР не изменилась по сравнению с 2022/2023 и составляет 15,0")


def test_no_data_for_a_year():
    s = sentences(previous_state=cc.PREV_NO_RESULTS)
    assert "за 2022/2023 результатов нет, сравнить не с чем" in s[0]
    s = sentences(previous_state=cc.PREV_FEW, previous_share=0.3, previous_with_data=4, previous_schools=20)
    assert "с 2022/2023 не сравнивается: результаты за тот год были только у 4 из 20 школ" in s[0]
    s = sentences(with_data=0, shnor=0, gap=None, withheld="За 2023/2024 учебный год результатов нет — вывод о цели "
                                                           "не делается.")
    assert s == ["За 2023/2024 учебный год результатов оценочных процедур нет ни у одной из 20 школ: список на "
                 "2024/2025 по данным не сформирован, вывод о достижении цели не делается."]
    # coverage below the setting: the verdict is withheld, said in its own sentence
    s = sentences(with_data=15, gap=None, withheld="Вывод о цели не делается: мало данных.",
                  previous_state=cc.PREV_NO_RESULTS)
    assert s[1] == "Вывод о цели не делается: мало данных."
    assert "достигнута" not in s[0]
    # no previous list
    assert "Сравнить состав списка с прошлым годом нельзя" in " ".join(sentences(entered=None))


def test_territory_without_schools_and_no_target():
    assert sentences(schools=0, shnor=0, gap=None, with_data=0) == [
        "В территории нет ни одной общеобразовательной школы, которая учитывается в списке на 2024/2025: доли ШНОР "
        "нет, вывод о достижении цели не делается."]
    s = sentences(empty_territories=("Пустой район",))
    assert "В территории «Пустой район» нет школ, учитываемых в списке на 2024/2025: доли ШНОР и вывода о цели по ней "\
           "нет." in s
    s = sentences(empty_territories=("А", "Б", "В"))
    assert any(x.startswith("В территориях «А», «Б» и «В» нет школ") and x.endswith("по ним нет.") for x in s)
    assert sentences(target=None, allowed=None, gap=None)[0].endswith("цель на 2023/2024 не задана.")


def test_other_sentences():
    s = sentences(top_procedures=("ВПР, математика, 5 кл.",), top_procedure_schools=2, risk_group=1, no_data=2,
                  measures_total=40, measures_overdue=3, measures_done=12, measures_cancelled=0,
                  indicators_with_target=5, indicators_off=("Доля сдавших ГИА", "Олимпиады"),
                  territories_compared=3, above_target=(("Северный район", 1), ("Южный район", 2)))
    assert "Чаще всего к включению в список приводят низкие результаты по процедуре «ВПР, математика, 5 кл.»: у всех " \
           "ШНОР (2)." in s
    assert ("В группе риска 1 школа: она не входит в список, но при сохранении низкого результата может войти в него "
            "в следующем году — ей нужна профилактическая поддержка.") in s
    assert any(x.startswith("У 2 школ нет ни одного результата за 2022/2023 и 2023/2024") for x in s)
    assert "Просрочено 3 мероприятия дорожной карты из 40; выполнено 12 (30,0\u00a0%)." in s
    assert "Не достигают цели 2 из 5 показателей с заданной целью: Доля сдавших ГИА и Олимпиады." in s
    assert ("Выше своей цели 2 из 3 территорий: «Северный район» — нужно на 1 школу меньше; «Южный район» — нужно "
            "на 2 школы меньше.") in s
    assert "Школ группы риска нет." in sentences()
    assert "Просроченных мероприятий дорожной карты нет; выполнено 1 из 2 (50,0\u00a0%)." in sentences(
        measures_total=2, measures_done=1)
    # every rule is described
    assert len(cc.catalogue_ru()) == len(cc.CATALOGUE) and all(w for _, w in cc.catalogue_ru())
