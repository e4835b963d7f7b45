"""The school's справка, the interview pack and the interview records, over real DuckDB files of tests/listdb.py
(list year 2022: S1 ШНОР by criterion 1, S4 ШНОР by criterion 2, S3 группа риска) and tests/smalldb.py (list year
2024, with a partner, a risk profile, a roadmap measure and an interview): the .docx opened with python-docx and its
figures checked against build_school_page and exit_distance; a page each in the pack, in the list's order; hostile
names as text; permissions; the interview records' validation and audit trail."""
from __future__ import annotations

import datetime as dt
import json

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from shnor.domain import events
from shnor.domain.fmt import fmt_pct
from shnor.domain.permissions import SYSTEM, Forbidden
from shnor.read import analyses as an
from shnor.read.analysis import load_rule_settings
from shnor.read.overview import build_school_page
from shnor.reports import school_doc as sd
from shnor.services import accounts
from shnor.services import interviews as isv
from shnor.store import Store

PASSWORD = "Пароль-для-тестов-1"
TITLE = "СПРАВКА к собеседованию с руководителем"


def user(store, name, role, territory=None):
    accounts.add_user(store, SYSTEM, name, role, PASSWORD, territory)
    return accounts.get_user(store, name)


def N(text) -> str:
    """No-break spaces (Russian number format) as plain spaces, for comparing texts."""
    return str(text).replace("\u00a0", " ").replace("\u202f", " ")


def blocks(path):
    """The document's body in order: ("p", text, paragraph) and ("t", rows of cell texts, table); a page break is
    ("break", "", None)."""
    d = docx.Document(str(path))
    out = []
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:p"):
            if any(br.get(qn("w:type")) == "page" for br in el.iter(qn("w:br"))):
                out.append(("break", "", None))
            p = docx.text.paragraph.Paragraph(el, d)
            if p.text:
                out.append(("p", N(p.text), p))
        elif el.tag == qn("w:tbl"):
            t = docx.table.Table(el, d)
            out.append(("t", [[N(c.text) for c in r.cells] for r in t.rows], t))
    return out


def texts(path) -> list[str]:
    return [b[1] for b in blocks(path) if b[0] == "p"]


def table_after(path, heading: str, nth: int = 0):
    """The `nth` table after the paragraph starting with `heading`: rows of cell texts, and the table."""
    seen = False
    found = -1
    for kind, value, obj in blocks(path):
        if kind == "p" and value.startswith(heading):
            seen = True
        elif kind == "t" and seen:
            found += 1
            if found == nth:
                return value, obj
    raise AssertionError(f"no table after {heading!r}")


def doc_xml(path) -> str:
    return docx.Document(str(path)).element.xml


# ---------------------------------------------------------------------------------------------
# One school's справка: figures from the read models
# ---------------------------------------------------------------------------------------------
def test_spravka_figures_are_those_of_the_school_page_and_exit_distance(list_store, tmp_path):
    store, ids = list_store
    s1 = ids["sch420001"]
    out = tmp_path / "s1.docx"
    info = sd.write_school_spravka(store, SYSTEM, 2022, s1, out, charts=False)
    assert info.path == out and info.school_ids == [s1] and out.exists()
    page = build_school_page(store, s1, load_rule_settings(store))
    t = texts(out)
    assert t[t.index(TITLE) + 1] == "МБОУ «СОШ № 1»"
    row = page.history[page.history["year"] == 2022].iloc[0]
    assert "Статус в списке на 2022/2023 (по результатам 2020/2021 и 2021/2022): ШНОР (критерий 1)." in t
    assert N(f"Основания: {row['reasons']}") in t
    # results: the school's label and the territory's pooled share, the 30 % exactly bold (low)
    rows, table = table_after(out, "3. Результаты процедур")
    assert rows[0] == ["Процедура", "2019/2020", "2020/2021", "2021/2022"] or rows[0][0] == "Процедура"
    trends = page.trends
    own = trends[(trends["procedure"] == "VPR-MATH-5") & (trends["year"] == 2021)].set_index("series")
    math = next(r for r in rows if r[0] == "ВПР, математика, 5 кл.")
    assert math[-1] == N(f"{own.at['Школа', 'label']}\nтерр.: {fmt_pct(float(own.at['Территория', 'share']))}")
    assert math[-1].startswith("30,0 % (3 из 10)\nтерр.: 20,0 %")      # S1 3/10, S2 2/20, S3 3/10 -> 8/40
    i = rows.index(math)
    runs = [r for p in table.rows[i].cells[len(math) - 1].paragraphs for r in p.runs]
    assert runs[0].bold and not runs[-1].bold                         # the school's share bold, the territory not
    # what takes it off the list: the exit_distance rows of the school
    ev = an.exit_distance(store, SYSTEM, 2022)
    mine = ev.table[ev.table["school_id"] == s1]
    rows, _ = table_after(out, "4. Что нужно, чтобы выйти из списка на 2023/2024")
    body = {r[0]: r for r in rows[1:]}
    for r in mine.itertuples(index=False):
        assert body[r.procedure_name][1] == str(r.participants)
        assert body[r.procedure_name][3] == str(r.max_low_count)
        assert body[r.procedure_name][4] == (str(r.excess) if r.excess else "—")
    assert body["ВПР, математика, 5 кл."][3] == "2" and body["ВПР, математика, 5 кл."][4] == "1"   # 30 % of 10 -> 2
    assert "Выше допустимого сейчас: ВПР, математика, 5 кл. — на 1 больше; ВПР, русский язык, 5 кл. — на 2 больше." in t
    assert "Партнёр не назначен." in t and "Мероприятий, которые касаются школы, нет." in t
    assert "Записей собеседований нет." in t
    # recorded as a written document, not as a change of data
    log = store.audit.list(action=events.REPORT_WRITTEN.name)
    assert len(log) == 1 and not log["changes_data"].iloc[0]
    assert json.loads(log["detail"].iloc[0]) == {"kind": "school_spravka", "file": "s1.docx", "school_id": s1,
                                                 "list_year": 2022}


def test_risk_group_school_says_what_puts_it_on_the_list(list_store, tmp_path):
    store, ids = list_store
    out = tmp_path / "s3.docx"
    sd.write_school_spravka(store, SYSTEM, 2022, ids["sch420003"], out, charts=False)
    t = texts(out)
    assert any(x.startswith("Статус в списке на 2022/2023") and x.endswith("группа риска.") for x in t)
    assert "4. Что поставит школу в список на 2023/2024" in t
    ev = an.exit_distance(store, SYSTEM, 2022)
    cond = ev.table.loc[ev.table["school_id"] == ids["sch420003"], "condition"].iloc[0]
    assert N(sd._exit_head(cond)) in t


def test_school_without_data_and_a_chart_for_a_school_with_results(list_store, tmp_path):
    store, ids = list_store
    out = tmp_path / "s5.docx"
    sd.write_school_spravka(store, SYSTEM, 2022, ids["sch420005"], out, charts=True)
    t = texts(out)
    assert any(x.endswith("нет данных.") and x.startswith("Статус в списке") for x in t)
    assert "Результатов процедур правила за эти годы нет (нет данных)." in t
    assert not docx.Document(str(out)).inline_shapes                   # nothing to draw: no picture
    out = tmp_path / "s4.docx"
    sd.write_school_spravka(store, SYSTEM, 2022, ids["sch420004"], out, charts=True)
    assert len(docx.Document(str(out)).inline_shapes) == 1             # the chart, as a PNG


def test_spravka_of_the_small_region_with_partner_risks_measures_and_interviews(small_db, tmp_path):
    from shnor.services import support as sup
    path, ids = small_db
    store = Store.open(path)
    try:
        sup.set_risk_levels(store, SYSTEM, ids[2], 2024, {4: ("высокий", {"ovz_share": 12.5}), 8: "средний"})
        sup.pair_partner(store, SYSTEM, ids[2], ids[10], reason="Договор о сетевом партнёрстве № 5")
        isv.save_interview(store, SYSTEM, ids[2], held_on=dt.date(2024, 11, 20), participants="Иванова И. И.",
                           findings="Нет работы с группой риска", decisions="Маршруты к 15.12.2024",
                           follow_up="Отчёт к 20.12.2024")
        out = tmp_path / "s2.docx"
        sd.write_school_spravka(store, SYSTEM, 2024, ids[2], out, charts=False)
        page = build_school_page(store, ids[2], load_rule_settings(store))
    finally:
        store.close()
    t = texts(out)
    assert "Статус в списке на 2024/2025 (по результатам 2022/2023 и 2023/2024): ШНОР (критерии 1+2)." in t
    rows, _ = table_after(out, "2. Статус")
    h = page.history[page.history["year"] <= 2024]
    assert [r[0] for r in rows[1:]] == list(h["year_label"])[:len(rows) - 1]
    assert [r[1] for r in rows[1:]] == list(h["status_ru"])[:len(rows) - 1]
    rows, _ = table_after(out, "3. Результаты процедур")
    assert rows[0] == ["Процедура", "2021/2022", "2022/2023", "2023/2024"]
    assert next(r for r in rows if r[0] == "ВПР, математика, 6 кл.")[1:] == [
        "40,0 % (8 из 20)\nтерр.: 40,0 %", "30,0 % (6 из 20)\nтерр.: 30,0 %", "30,0 % (6 из 20)\nтерр.: 30,0 %"]
    assert any(p.startswith("Партнёр: Школа №10 (Северный район), с ") for p in t)
    assert "Основание: Договор о сетевом партнёрстве № 5" in t
    rows, _ = table_after(out, "5. Школа-партнёр")
    assert rows[0] == ["Процедура", "Эта школа", "Партнёр"]
    assert ["ВПР, математика, 5 кл.", "30,0 % «2» (6 из 20)", "5,0 % «2» (1 из 20)"] in rows
    assert "2024/2025: высокий риск — 1 фактор (оценено 2 из 10): «Ученики с ОВЗ»." in t
    rows, _ = table_after(out, "7. Рисковый профиль")
    assert rows[1][1] == "высокий" and "12,5" in rows[1][2] and rows[2][1] == "средний"
    assert "Решения: Маршруты к 15.12.2024" in t and "Последующие меры: Отчёт к 20.12.2024" in t
    assert any(p.startswith("20.11.2024. Выявлено: Нет работы с группой риска") for p in t)


# ---------------------------------------------------------------------------------------------
# The pack
# ---------------------------------------------------------------------------------------------
def _sections(path) -> list[str]:
    """The school names of the справки in the pack, in order, each preceded by a page break."""
    names, broke, title = [], False, False
    for kind, value, _ in blocks(path):
        if kind == "break":
            broke = True
        elif kind == "p" and title:
            names.append(value)
            title = False
        elif kind == "p" and value == TITLE:
            assert broke, "each справка starts on a new page"
            broke, title = False, True
    return names


def test_pack_has_one_page_break_and_section_per_shnor_in_the_lists_order(list_store, tmp_path):
    store, ids = list_store
    out = tmp_path / "pack.docx"
    info = sd.write_interview_pack(store, SYSTEM, 2022, None, None, out, charts=False)
    assert info.school_ids == [ids["sch420001"], ids["sch420004"]]      # Северный before Южный
    assert _sections(out) == ["МБОУ «СОШ № 1»", "МБОУ «СОШ № 4»"]
    assert sum(1 for b in blocks(out) if b[0] == "break") == 2
    cover, _ = table_after(out, "СПРАВКИ к собеседованиям")
    assert [r[1:4] for r in cover[1:]] == [["МБОУ «СОШ № 1»", "Северный район", "ШНОР"],
                                           ["МБОУ «СОШ № 4»", "Южный район", "ШНОР"]]
    assert "В пакете 2 справки: ШНОР списка, каждая с новой страницы." in texts(out)
    log = store.audit.list(action=events.REPORT_WRITTEN.name)
    assert json.loads(log["detail"].iloc[0])["kind"] == "interview_pack"


def test_pack_of_chosen_schools_and_of_a_bound_users_territory(list_store, tmp_path):
    store, ids = list_store
    out = tmp_path / "chosen.docx"
    sd.write_interview_pack(store, SYSTEM, 2022, None, [ids["sch420003"], ids["sch420001"]], out, charts=False)
    assert _sections(out) == ["МАОУ «Гимназия № 3»", "МБОУ «СОШ № 1»"]         # by territory, then name
    north = user(store, "north-viewer", "viewer", "Северный район")
    out = tmp_path / "north.docx"
    info = sd.write_interview_pack(store, north, 2022, None, None, out, charts=False)
    assert info.school_ids == [ids["sch420001"]] and _sections(out) == ["МБОУ «СОШ № 1»"]
    with pytest.raises(Forbidden):
        sd.write_interview_pack(store, north, 2022, None, [ids["sch420004"]], tmp_path / "x.docx", charts=False)
    with pytest.raises(Forbidden):
        sd.write_interview_pack(store, north, 2022, store.territories.find("Южный район"), None, tmp_path / "y.docx")
    assert not (tmp_path / "x.docx").exists() and not (tmp_path / "y.docx").exists()


# ---------------------------------------------------------------------------------------------
# Text from data stays text
# ---------------------------------------------------------------------------------------------
def test_hostile_names_and_record_texts_are_written_as_text(small_db, tmp_path):
    from smalldb import HOSTILE_SCHOOL, HOSTILE_TERRITORY, make_hostile
    path, ids = small_db
    make_hostile(path, ids[1])
    formula = '=HYPERLINK("http://evil.example","x")'
    store = Store.open(path)
    try:
        iid = isv.save_interview(store, SYSTEM, ids[1], held_on=dt.date(2024, 11, 20),
                                 participants="<b>Директор</b>\x07 & Co", findings=formula,
                                 decisions="**жирно**").interview_id
        out = tmp_path / "hostile.docx"
        sd.write_school_spravka(store, SYSTEM, 2024, ids[1], out, charts=False)
        rec = tmp_path / "record.docx"
        sd.write_interview_record(store, SYSTEM, iid, rec)
        pack = tmp_path / "pack.docx"
        sd.write_interview_pack(store, SYSTEM, 2024, None, None, pack, charts=False)
    finally:
        store.close()
    t = texts(out)
    assert t[t.index(TITLE) + 1] == HOSTILE_SCHOOL
    rows, _ = table_after(out, "1. Сведения о школе")
    assert ["Полное наименование", HOSTILE_SCHOOL] in rows and ["Территория", HOSTILE_TERRITORY] in rows
    assert f"Выявлено: {formula}" in " ".join(t)
    assert "Решения: **жирно**" in t
    for f in (out, rec, pack):
        xml = doc_xml(f)
        assert "w:hyperlink" not in xml and "w:fldSimple" not in xml and "w:instrText" not in xml
    assert HOSTILE_SCHOOL in _sections(pack)
    r = texts(rec)
    assert "<b>Директор</b> & Co" in r and formula in r                # the bell dropped, the rest as typed


# ---------------------------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------------------------
def test_viewer_may_write_documents_but_not_record_interviews(list_store, tmp_path):
    store, ids = list_store
    viewer = user(store, "v", "viewer")
    sd.write_school_spravka(store, viewer, 2022, ids["sch420001"], tmp_path / "v.docx", charts=False)
    with pytest.raises(Forbidden, match="Роль «наблюдатель» не может вести записи собеседований"):
        isv.save_interview(store, viewer, ids["sch420001"], held_on=dt.date(2022, 11, 1), participants="Я",
                           findings="Всё плохо")
    iid = isv.save_interview(store, SYSTEM, ids["sch420001"], held_on=dt.date(2022, 11, 1), participants="Я",
                             findings="Всё плохо").interview_id
    sd.write_interview_record(store, viewer, iid, tmp_path / "r.docx")
    with pytest.raises(Forbidden):
        isv.remove_interview(store, viewer, iid)


def test_bound_methodist_records_only_in_their_territory(list_store, tmp_path):
    store, ids = list_store
    m = user(store, "north-m", "methodist", "Северный район")
    saved = isv.save_interview(store, m, ids["sch420001"], held_on=dt.date(2022, 11, 1), participants="Я",
                               findings="Нет системы работы")
    assert saved.created
    with pytest.raises(Forbidden, match="Северный район"):
        isv.save_interview(store, m, ids["sch420004"], held_on=dt.date(2022, 11, 1), participants="Я",
                           findings="Нет системы работы")
    other = isv.save_interview(store, SYSTEM, ids["sch420004"], held_on=dt.date(2022, 11, 1), participants="Я",
                               findings="Южная запись").interview_id
    with pytest.raises(Forbidden):
        isv.remove_interview(store, m, other)
    with pytest.raises(Forbidden):                                      # a record of another school moved here
        isv.save_interview(store, m, ids["sch420004"], held_on=dt.date(2022, 11, 1), participants="Я",
                           findings="x", interview_id=other)
    with pytest.raises(isv.InterviewError, match="другой школе"):
        isv.save_interview(store, m, ids["sch420001"], held_on=dt.date(2022, 11, 1), participants="Я",
                           findings="x", interview_id=other)
    with pytest.raises(Forbidden):
        sd.write_school_spravka(store, m, 2022, ids["sch420004"], tmp_path / "s.docx", charts=False)
    with pytest.raises(Forbidden):
        sd.write_interview_record(store, m, other, tmp_path / "r.docx")
    assert not (tmp_path / "s.docx").exists() and not (tmp_path / "r.docx").exists()


# ---------------------------------------------------------------------------------------------
# Interview records: validation, linked measures, audit trail
# ---------------------------------------------------------------------------------------------
def _roadmap(store, territory_id, school_id=None, name_school=None) -> int:
    with store.unit("test") as u:
        rid = u.roadmaps.create(title="Карта", period_text="", period_start=None, period_end=None, order_number="",
                                order_date=None, territory_id=territory_id, school_id=school_id,
                                file_name="k.docx", sha256=f"sha{territory_id}{school_id}{name_school}", actor="test")
        mid = u.roadmaps.add_measure(rid, 1, {"number": "1.", "section": "", "text": "Мероприятие",
                                              "deadline_text": "", "deadline_flagged": False, "deadline_note": "",
                                              "responsible": "", "expected_result": "", "schools_text": ""})
        if name_school is not None:
            u.roadmaps.set_schools(mid, [name_school])
        u.record(events.ROADMAP_IMPORTED, roadmap=rid)
    return mid


@pytest.mark.parametrize("fields,message", [
    ({"held_on": dt.date(2030, 1, 1)}, "Дата собеседования 01.01.2030 — в будущем"),
    ({"held_on": "31.02.2022"}, "«31.02.2022» — не дата"),
    ({"held_on": ""}, "Укажите дату собеседования."),
    ({"participants": "  "}, "Заполните поле «Участники»."),
    ({"findings": ""}, "Заполните поле «Что выявлено»."),
    ({"decisions": "я" * 5001}, "«Решения»: не больше 5000 знаков (сейчас 5001)."),
    ({"participants": "я" * 1001}, "«Участники»: не больше 1000 знаков (сейчас 1001)."),
])
def test_validation_messages_are_russian_and_nothing_is_stored(list_store, fields, message):
    store, ids = list_store
    given = {"held_on": dt.date(2022, 11, 1), "participants": "Иванова И. И.", "findings": "Нет системы"} | fields
    with pytest.raises(isv.InterviewError) as exc:
        isv.save_interview(store, SYSTEM, ids["sch420001"], today=dt.date(2024, 5, 1), **given)
    assert message in str(exc.value)
    assert store.interviews.list().empty


def test_linked_measures_must_concern_the_school_or_its_territory(list_store):
    store, ids = list_store
    s1, s2, s4 = ids["sch420001"], ids["sch420002"], ids["sch420004"]
    north, south = store.territories.find("Северный район"), store.territories.find("Южный район")
    named = _roadmap(store, south, name_school=s1)        # another territory's roadmap naming the school
    own_territory = _roadmap(store, north)
    region = _roadmap(store, None)
    own_school = _roadmap(store, north, school_id=s1)
    other_school = _roadmap(store, north, school_id=s2)
    other_territory = _roadmap(store, south)
    saved = isv.save_interview(store, SYSTEM, s1, held_on="01.11.2022", participants="Я", findings="x",
                               measure_ids=[named, own_territory, region, own_school])
    assert sorted(store.interviews.links([saved.interview_id])["measure_id"]) == sorted(
        [named, own_territory, region, own_school])
    for bad in (other_school, other_territory):
        with pytest.raises(isv.InterviewError, match="не касается этой школы"):
            isv.save_interview(store, SYSTEM, s1, held_on="01.11.2022", participants="Я", findings="x",
                               measure_ids=[bad])
    with pytest.raises(isv.InterviewError, match="не найдено"):
        isv.save_interview(store, SYSTEM, s4, held_on="01.11.2022", participants="Я", findings="x",
                           measure_ids=[999999])
    m = user(store, "north-m", "methodist", "Северный район")       # a region roadmap is outside their scope
    with pytest.raises(isv.InterviewError, match="не касается этой школы"):
        isv.save_interview(store, m, s1, held_on="01.11.2022", participants="Я", findings="x", measure_ids=[region])


def test_interview_audit_trail_events_and_updated_by(list_store):
    store, ids = list_store
    s1 = ids["sch420001"]
    a = user(store, "anna", "methodist")
    b = user(store, "boris", "head")
    saved = isv.save_interview(store, a, s1, held_on=dt.date(2022, 11, 1), participants="Анна, директор",
                               findings="Нет системы", decisions="")
    iid = saved.interview_id
    rec = store.interviews.get(iid)
    assert rec["created_by"] == "anna" and rec["updated_by"] is None
    same = isv.save_interview(store, b, s1, held_on="01.11.2022", participants="Анна, директор",
                              findings="Нет системы", interview_id=iid)
    assert same.changed == () and same.summary_ru() == "Ничего не изменилось."
    changed = isv.save_interview(store, b, s1, held_on="02.11.2022", participants="Анна, директор",
                                 findings="Нет системы", decisions="Маршруты", interview_id=iid)
    assert changed.changed == ("held_on", "decisions")
    assert changed.summary_ru() == "Запись собеседования изменена: дата, решения."
    rec = store.interviews.get(iid)
    assert rec["created_by"] == "anna" and rec["updated_by"] == "boris" and rec["updated_at"] is not None
    assert rec["held_on"] == dt.date(2022, 11, 2)
    isv.remove_interview(store, a, iid)
    assert store.interviews.get(iid) is None
    log = store.audit.list()
    log = log[log["action"].isin(["interview_saved", "interview_removed"])].iloc[::-1]
    assert list(zip(log["actor"], log["action"])) == [("anna", "interview_saved"), ("boris", "interview_saved"),
                                                      ("anna", "interview_removed")]
    assert all(log["changes_data"])
    first, second, removed = (json.loads(d) for d in log["detail"])
    assert first["created"] is True and first["interview_id"] == iid and first["school_id"] == s1
    assert second["before"] == {"held_on": "2022-11-01", "decisions": ""}
    assert second["after"] == {"held_on": "2022-11-02", "decisions": "Маршруты"}
    assert removed["findings"] == "Нет системы" and removed["decisions"] == "Маршруты"
    assert removed["created_by"] == "anna"


def test_printable_record(list_store, tmp_path):
    store, ids = list_store
    mid = _roadmap(store, store.territories.find("Северный район"), name_school=ids["sch420001"])
    iid = isv.save_interview(store, SYSTEM, ids["sch420001"], held_on=dt.date(2022, 11, 1),
                             participants="Иванова И. И.\nПетров П. П.", findings="Нет системы",
                             decisions="Маршруты", follow_up="Отчёт", measure_ids=[mid]).interview_id
    out = tmp_path / "record.docx"
    info = sd.write_interview_record(store, SYSTEM, iid, out)
    assert info.kind == "interview_record"
    t = texts(out)
    assert t[t.index("ЗАПИСЬ СОБЕСЕДОВАНИЯ с руководителем школы") + 1] == "МБОУ «СОШ № 1»\nСеверный район"
    assert t.index("Участники") + 1 == t.index("Иванова И. И.\nПетров П. П.")
    assert "1. Мероприятие (запланировано)" in t
    assert any(x.startswith("Провёл(а) собеседование") for x in t)
    assert any(x.startswith("Руководитель школы") for x in t)
    assert any(x.startswith("1 ноября 2022 г.") for x in t)
    with pytest.raises(sd.DocumentError, match="не найдена"):
        sd.write_interview_record(store, SYSTEM, 99999, tmp_path / "none.docx")
