"""AppTest of «Дорожная карта» on the region of tests/listdb.py with a seed-shaped roadmap: the measures with
their flags, filters, progress, marking a measure done with evidence (methodist), read-only for viewers and
heads, a bound methodist seeing only their territory's roadmap, and a hostile measure text shown as text."""
from __future__ import annotations

from datetime import date

import pytest

from pagetest import page_as, page_store, run_page, texts
from roadmapdocs import M, T, seed004_blocks, write_docx
from shnor.domain.permissions import SYSTEM
from shnor.services import roadmap as service


@pytest.fixture
def roadmap_db(listdb_ids, tmp_path):
    store = page_store()
    south = store.territories.find("Южный район")
    blocks = seed004_blocks()
    # a hostile measure: Markdown, HTML and a formula as the document wrote them
    blocks.append(T(["№ п/п", "Мероприятие", "Срок", "Ответственные", "Ожидаемый результат"], [
        M("9.1.", "**Жирный** <b>тег</b> [ссылка](http://evil.example) =1+1", "Декабрь 2020 г.", "ОО", "—")]))
    rep = service.import_roadmap(store, SYSTEM, write_docx(tmp_path / "rm.docx", blocks), territory_id=south)
    assert rep.ok, rep.messages
    return store


def frame(at, col):
    found = [d.value for d in at.dataframe if col in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_everyone_who_reads_sees_the_measures_flags_and_progress(roadmap_db):
    at = run_page("roadmap", "viewer")
    metrics = {m.label: m.value for m in at.metric}
    table = frame(at, "Мероприятие")
    assert metrics["Мероприятий"] == str(len(table))
    # today is after 2021: every dated, open measure of a 2020-2021 roadmap is overdue
    assert int(metrics["⚠ Просрочено"]) == int(table["Состояние"].str.contains("просрочено").sum()) > 0
    assert int(metrics["Срок без дат"]) == int((table["С"] == "").sum()) > 0
    # a hostile text is a cell of text, never markup; no edit form for a viewer
    assert "**Жирный** <b>тег</b> [ссылка](http://evil.example) =1+1" in list(table["Мероприятие"])
    assert not [f for f in at.get("form") if "measure_" in str(getattr(f, "id", ""))]
    assert not [b for b in at.button if b.label == "Сохранить"]


def test_a_methodist_marks_a_measure_done_with_evidence(roadmap_db):
    from shnor.read.roadmap import measures
    second = int(measures(roadmap_db, SYSTEM)["id"].iloc[1])
    at = run_page("roadmap", "methodist")
    at.selectbox(key="rm_measure").set_value(second).run()
    label = at.selectbox(key="rm_measure").format_func(second)
    status = [s for s in at.selectbox if s.label == "Статус"][0]
    status.set_value("done")
    [t for t in at.text_area if t.label.startswith("Подтверждение")][0].input("Совещание проведено")
    [t for t in at.text_input if t.label.startswith("Документ")][0].input("Протокол № 3")
    [b for b in at.button if b.label == "Сохранить"][0].click().run()
    assert not at.exception
    assert "сохранено" in texts(at)
    table = frame(at, "Мероприятие")
    row = table[table["Подтверждение"].str.contains("Совещание проведено")]
    assert len(row) == 1 and row["Состояние"].iloc[0].endswith("выполнено")
    hist = frame(at, "Было")
    assert "выполнено" in list(hist["Стало"]) and "methodist" in list(hist["Кто"])
    assert label


def test_filters_narrow_the_table(roadmap_db):
    at = run_page("roadmap", "viewer")
    total = len(frame(at, "Мероприятие"))
    at.toggle(key="rm_overdue").set_value(True).run()
    overdue = frame(at, "Мероприятие")
    assert 0 < len(overdue) < total and overdue["Состояние"].str.contains("просрочено").all()
    at.toggle(key="rm_overdue").set_value(False).run()
    at.multiselect(key="rm_status").set_value(["выполнено"]).run()
    assert "Под выбранные условия не подходит ни одно мероприятие" in texts(at)


def test_a_head_reads_but_does_not_edit_and_a_bound_methodist_sees_only_their_territory(roadmap_db):
    at = run_page("roadmap", "head")
    assert frame(at, "Мероприятие") is not None
    assert not [b for b in at.button if b.label == "Сохранить"]
    at = run_page("roadmap", "north-methodist")
    assert "Дорожных карт пока нет" in texts(at)
    # they may import for their own territory: the upload form is there
    assert any("Загрузить" == b.label for b in at.button)


def test_nobody_logged_in_sees_only_the_login_form(roadmap_db):
    at = page_as("roadmap", None)
    at.run()
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"] and not at.dataframe


def test_today_line_and_titles_state_the_message(roadmap_db):
    at = run_page("roadmap", "viewer")
    import json
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("vega_lite_chart")]
    assert len(specs) == 2
    assert any("Выполнено 0 из" in s for s in specs)
    timeline = [s for s in specs if "Полоса — срок мероприятия" in s]
    assert len(timeline) == 1 and '"rule"' in timeline[0] and "strokeDash" in timeline[0] and "пунктир — сегодня" in timeline[0]


def test_the_school_page_shows_its_measures_and_results_before_and_after(listdb_ids, tmp_path):
    store = page_store()
    s4 = listdb_ids["sch420004"]
    blocks = [f"Дорожная карта МБОУ «СОШ № 4» на 2021-2022 учебный год",
              T(["№", "Мероприятие", "Срок", "Ответственные", "Ожидаемый результат"], [
                  M("1.", "Анализ результатов ОГЭ по русскому языку", "сентябрь 2021 г.", "зам. директора", "Справка"),
                  M("2.", "Курсы для учителей русского языка", "по отдельному графику", "директор", "Удостоверения")])]
    rep = service.import_roadmap(store, SYSTEM, write_docx(tmp_path / "s4.docx", blocks), school_id=s4)
    assert rep.ok, rep.messages
    at = page_as("school", "viewer")
    at.query_params["school"] = str(s4)
    at.run()
    assert not at.exception
    table = frame(at, "Мероприятие")
    assert list(table["№"]) == ["1.", "2."]
    # ОГЭ рус: 2020 5 of 10 before the work started (September 2021), 2021 4 of 10 after
    ba = frame(at, "После")
    row = ba.set_index("Процедура").iloc[0]
    assert row["До"] == "50,0\u00a0% (5 из 10)" and row["После"] == "40,0\u00a0% (4 из 10)"
    assert row["Изменение"] == "▼ доля снизилась на 10,0 п. п."
    assert "01.09.2021" in texts(at)
