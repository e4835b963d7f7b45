"""The «Школа» page's interview block in AppTest on the hand-made region of tests/smalldb.py: a methodist records an
interview (with a linked roadmap measure), changes and removes it; a viewer sees the records and the справка's
download but no form; a methodist bound to another territory cannot open the school; meeting mode shows a count
only; hostile texts of a record are shown as text."""
from __future__ import annotations

import datetime as dt
import json

from shnor.domain import events
from shnor.domain.permissions import SYSTEM
from shnor.services import interviews as isv
from shnor.store import Store
from smalldb import open_page_as
from test_page_school import assert_no_markup_from_data

SPRAVKA = "Справка для собеседования (список на 2024/2025), .docx"


def open_school(path, school_id, role="methodist", name=None, territory=None, state=None):
    return open_page_as("school", path, name or role, role, territory, query={"school": str(school_id)}, state=state)


def record_table(at):
    frames = [d.value for d in at.dataframe if "Что выявлено" in d.value.columns]
    return frames[0] if frames else None


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def add_measure(path, school_id) -> int:
    """A region roadmap with one measure naming the school (straight into the store: the roadmap's own tests cover
    its import)."""
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            rid = u.roadmaps.create(title="Дорожная карта", period_text="", period_start=None, period_end=None,
                                    order_number="", order_date=None, territory_id=None, school_id=None,
                                    file_name="карта.docx", sha256="x1", actor="test")
            mid = u.roadmaps.add_measure(rid, 1, {"number": "1.3.", "section": "Организационные мероприятия",
                                                  "text": "Индивидуальные маршруты для группы риска",
                                                  "deadline_text": "до 15.12.2024", "deadline_flagged": False,
                                                  "deadline_note": "", "responsible": "Отдел образования",
                                                  "expected_result": "", "schools_text": ""})
            u.roadmaps.set_schools(mid, [school_id])
            u.record(events.ROADMAP_IMPORTED, roadmap=rid)
        return mid
    finally:
        store.close()


def test_methodist_records_changes_and_removes_an_interview(small_db):
    path, ids = small_db
    mid = add_measure(path, ids[1])
    at = open_school(path, ids[1])
    assert "Собеседование с руководителем" in [s.value for s in at.subheader]
    assert SPRAVKA in downloads(at)
    assert "Новая запись собеседования" in expanders(at)
    assert record_table(at) is None
    key = f"interview_{ids[1]}_new"
    at.date_input(key=f"{key}_date").set_value(dt.date(2024, 11, 20))
    at.text_area(key=f"{key}_participants").set_value("Иванова И. И., начальник отдела; Петров П. П., директор")
    at.text_area(key=f"{key}_findings").set_value("Нет работы с группой риска по математике")
    at.text_area(key=f"{key}_decisions").set_value("Составить индивидуальные маршруты")
    at.multiselect(key=f"{key}_measures").set_value([mid])
    [submit] = [b for b in at.button if b.label == "Сохранить запись"]
    submit.click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Запись собеседования сохранена."]
    table = record_table(at)
    assert list(table["Дата"]) == ["20.11.2024"]
    assert list(table["Решения"]) == ["Составить индивидуальные маршруты"]
    assert "1.3. Индивидуальные маршруты для группы риска" in table["Мероприятия дорожной карты"].iloc[0]
    assert table["Кто внёс и изменил"].iloc[0].startswith("Запись внесена: methodist, ")
    assert "Запись для печати, .docx" in downloads(at)
    assert "Изменить или удалить эту запись" in expanders(at)

    store = Store.open(path)
    try:
        [iid] = list(store.interviews.list(school_ids=[ids[1]])["id"])
    finally:
        store.close()
    edit = f"interview_{ids[1]}_{iid}"
    at.text_area(key=f"{edit}_decisions").set_value("Составить маршруты до 15.12.2024")
    [save] = [b for b in at.button if b.label == "Сохранить изменения"]
    save.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Запись собеседования изменена: решения."]
    assert "изменена: methodist" in record_table(at)["Кто внёс и изменил"].iloc[0]

    at.checkbox(key=f"interview_remove_sure_{ids[1]}_{iid}").check()
    [remove] = [b for b in at.button if b.label == "Удалить запись"]
    remove.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Запись собеседования от 20.11.2024 удалена."]
    assert record_table(at) is None

    store = Store.open(path)
    try:
        log = store.audit.list()
    finally:
        store.close()
    mine = log[log["action"].isin(["interview_saved", "interview_removed"])].iloc[::-1]
    assert list(mine["action"]) == ["interview_saved", "interview_saved", "interview_removed"]
    assert set(mine["actor"]) == {"methodist"}
    change = json.loads(mine["detail"].iloc[1])
    assert change["changed"] == ["decisions"] and change["before"] == {"decisions": "Составить индивидуальные маршруты"}
    assert json.loads(mine["detail"].iloc[2])["findings"] == "Нет работы с группой риска по математике"


def test_a_record_without_findings_is_refused_with_a_russian_message(small_db):
    path, ids = small_db
    at = open_school(path, ids[1])
    key = f"interview_{ids[1]}_new"
    at.text_area(key=f"{key}_participants").set_value("Иванова И. И.")
    [submit] = [b for b in at.button if b.label == "Сохранить запись"]
    submit.click().run()                                   # findings left empty
    assert not at.exception
    assert [e.value for e in at.error] == ["Заполните поле «Что выявлено»\\."]
    assert record_table(at) is None


def test_viewer_sees_the_records_and_the_spravka_but_no_form(small_db):
    path, ids = small_db
    store = Store.open(path)
    try:
        isv.save_interview(store, SYSTEM, ids[1], held_on=dt.date(2024, 11, 20), participants="Иванова И. И.",
                           findings="Нет работы с группой риска", decisions="Маршруты")
    finally:
        store.close()
    at = open_school(path, ids[1], role="viewer")
    assert list(record_table(at)["Дата"]) == ["20.11.2024"]
    assert SPRAVKA in downloads(at) and "Запись для печати, .docx" in downloads(at)
    assert "Новая запись собеседования" not in expanders(at)
    assert "Изменить или удалить эту запись" not in expanders(at)
    assert not [b for b in at.button if b.label in ("Сохранить запись", "Сохранить изменения", "Удалить запись")]


def test_head_of_the_territory_may_record(small_db):
    path, ids = small_db
    at = open_school(path, ids[1], role="head", territory="Северный район")
    assert "Новая запись собеседования" in expanders(at)


def test_meeting_mode_shows_a_count_only(small_db):
    path, ids = small_db
    store = Store.open(path)
    try:
        isv.save_interview(store, SYSTEM, ids[1], held_on=dt.date(2024, 11, 20), participants="Иванова И. И.",
                           findings="Секретное наблюдение", decisions="Маршруты")
    finally:
        store.close()
    at = open_school(path, ids[1], state={"_shnor_meeting": True})
    assert record_table(at) is None and SPRAVKA not in downloads(at)
    assert "Новая запись собеседования" not in expanders(at)
    assert any("1 запись собеседований; последнее — 20.11.2024." in c.value for c in at.caption)


def test_hostile_record_texts_are_shown_as_text(small_db):
    path, ids = small_db
    hostile = "**Жирный** [ссылка](http://evil.example) :red[красный]"
    store = Store.open(path)
    try:
        isv.save_interview(store, SYSTEM, ids[1], held_on=dt.date(2024, 11, 20), participants=hostile,
                           findings=hostile, decisions=hostile, follow_up="=HYPERLINK(\"http://evil.example\")")
    finally:
        store.close()
    at = open_school(path, ids[1])
    table = record_table(at)
    assert table["Что выявлено"].iloc[0] == hostile          # a dataframe cell is text
    assert_no_markup_from_data(at)
    assert at.selectbox(key=f"interview_pick_{ids[1]}").options[0].startswith("20.11.2024 — **Жирный**")
