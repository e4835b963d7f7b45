"""The «Школа» page in AppTest on the hand-made region of tests/smalldb.py."""
from __future__ import annotations

import json

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from shnor.domain import events
from smalldb import open_page_as

NBSP = "\u00a0"


def open_school(path, query: dict | None = None, territory: str | None = None, name: str = "metodist",
                role: str = "methodist", state: dict | None = None) -> AppTest:
    return open_page_as("school", path, name, role, territory, query=query, state=state)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_frames(at: AppTest, i: int) -> list:
    """The data frames Streamlit sends with the i-th chart (Arrow datasets, not inside the spec)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in at.get("vega_lite_chart")[i].proto.datasets]


def reasons_by_year(at: AppTest) -> dict[str, str]:
    """The «Основания: …» expanders: label tail -> the reasons written inside."""
    return {e.label.removeprefix("Основания: "): e.markdown[0].value for e in at.expander
            if e.label.startswith("Основания: ")}


def tables(at: AppTest) -> list:
    return [t.value for t in at.table]


def test_no_school_chosen_shows_the_picker_only(small_db):
    path, _ = small_db
    at = open_school(path)
    sb = at.selectbox(key="school_pick")
    assert sb.value is None and len(sb.options) == 16
    assert not specs(at) and not at.table


def test_query_param_by_login_opens_card_with_reasons(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": "edu420001"})               # the 2022 form of sch420001
    assert at.selectbox(key="school_pick").value == ids[1]
    assert at.header[0].value == "Школа №1"
    status = [m for m in at.metric if m.label.startswith("Статус в списке на 2024/2025")]
    assert status and status[0].value == "ШНОР"
    card, history = tables(at)[0], tables(at)[1]
    assert "sch420001" in list(card["Значение"])
    h = history.set_index("Список на")
    assert list(h.index) == ["2024/2025", "2023/2024", "2022/2023"]
    assert list(h["Статус"]) == ["ШНОР", "без низких результатов", "ШНОР"]
    assert h.loc["2024/2025", "Критерии"] == "1"
    # 2023: мат-5 4/10 and рус-5 3/10 low; 2022: мат-5 0/10; 2021: мат-5 5/10 and рус-5 4/10 low
    assert h.loc["2024/2025", "Низких в прошлом году"] == "2 из 2"
    assert h.loc["2024/2025", "Низких в позапрошлом году"] == "0 из 1"
    assert h.loc["2022/2023", "Низких в позапрошлом году"] == "нет данных"
    reasons = reasons_by_year(at)
    assert list(reasons) == ["список на 2024/2025 — ШНОР", "список на 2023/2024 — без низких результатов",
                             "список на 2022/2023 — ШНОР"]
    assert reasons["список на 2024/2025 — ШНОР"].startswith(
        f"Критерий 1 — 2 процедуры с низкими результатами в 2023/2024: ВПР, математика, 5 кл. — 40,0{NBSP}% «2» "
        "(4 из 10); ВПР, русский язык, 5 кл. — 30,0")


def test_results_table_shows_missing_as_no_data(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": str(ids[1])})
    res = at.dataframe[0].value.set_index("Процедура")
    assert res.loc["ВПР, математика, 5 кл.", "2023/2024"] == f"40,0{NBSP}% «2» (4 из 10)"
    assert res.loc["ВПР, математика, 5 кл.", "2022/2023"] == f"0,0{NBSP}% «2» (0 из 10)"   # a real zero
    assert res.loc["ОГЭ, математика", "2023/2024"] == "нет данных"
    assert res.loc["ВПР, русский язык, 5 кл.", "2022/2023"] == "нет данных"


def test_school_without_any_data(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": str(ids[5])})
    assert [m.value for m in at.metric if m.label.startswith("Статус")] == ["нет данных"]
    card = tables(at)[0].set_index("Сведения")
    assert card.loc["ИНН", "Значение"] == "нет данных"
    assert "это «нет данных», а не «нет низких результатов»" in reasons_by_year(at)["список на 2024/2025 — нет данных"]
    assert set(tables(at)[1]["Низких в прошлом году"]) == {"нет данных"}
    res = at.dataframe[0].value
    assert (res.drop(columns="Процедура") == "нет данных").all().all()
    assert any("Отметки «2»–«5»" in i.value for i in at.info)
    # only the territory's average is drawn; the school's line is absent, not zero
    frames = chart_frames(at, 0)
    assert frames and all(set(f["series"]) == {"Территория"} for f in frames)


def test_trend_chart_threshold_rule_and_locale(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": str(ids[2])})
    trend, marks = specs(at)[0], specs(at)
    assert trend["config"]["locale"]["number"]["decimal"] == ","
    assert trend["title"]["text"] == "Школа №2: 4 результата на пороге 30 % или выше"
    layers = trend["spec"]["layer"]
    rule = [lyr for lyr in layers if (lyr["mark"]["type"] if isinstance(lyr["mark"], dict) else lyr["mark"]) == "rule"]
    assert rule and rule[0]["encoding"]["y"]["datum"] == 0.3 and rule[0]["mark"]["strokeDash"] == [6, 4]
    assert len(marks) == 1                                            # S2 has no marks: info instead


def test_mark_distribution_chart(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": str(ids[1])})
    marks = specs(at)[1]
    assert marks["title"]["text"] == f"Больше всего «2» — ВПР мат-5, 2023/2024: 40{NBSP}%"
    data = chart_frames(at, 1)[0]
    assert list(data["pupils"]) == [4, 3, 2, 1] and list(data["mark"]) == ["«2»", "«3»", "«4»", "«5»"]


def test_bound_user_cannot_open_other_territory(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": "sch420001"}, territory="Южный район", name="yug", role="viewer")
    assert at.selectbox(key="school_pick").value is None
    assert len(at.selectbox(key="school_pick").options) == 5
    assert "не найдена среди доступных вам школ" in at.warning[0].value
    assert not at.table


def test_picking_a_school_updates_the_address(small_db):
    path, ids = small_db
    at = open_school(path)
    at.selectbox(key="school_pick").select(ids[3]).run()
    assert not at.exception
    assert at.query_params["school"] == [str(ids[3])] or at.query_params["school"] == str(ids[3])
    assert at.header[0].value == "Школа №3"
    card = tables(at)[0].set_index("Сведения")
    assert card.loc["ШНСУ (неблагоприятные социальные условия)", "Значение"] == "да"


def test_anonymised_names(small_db):
    path, ids = small_db
    at = open_school(path, query={"school": str(ids[1])}, state={"_shnor_anon": True})
    assert at.header[0].value == f"Школа {ids[1]}"
    assert all("Школа №" not in o for o in at.selectbox(key="school_pick").options)
    card = tables(at)[0]
    assert "Логин ФИС ОКО" not in list(card["Сведения"])


def test_stranger_sees_login_form_only(small_db):
    at = AppTest.from_file("../pages/school.py", default_timeout=60)
    at.query_params["school"] = "sch420001"
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert not at.selectbox and not at.table and not specs(at)


# -- text from data is shown as text ------------------------------------------------------------------
MARKUP_KINDS = ("markdown", "caption", "warning", "info", "error", "success", "header", "subheader", "title")


def rendered(at: AppTest) -> list[str]:
    """Every string the page hands to a Markdown renderer: alerts, headers, captions, metric and expander
    labels, st.table cells."""
    parts = [str(e.value) for kind in MARKUP_KINDS for e in at.get(kind)]
    parts += [m.label for m in at.metric] + [e.label for e in at.expander]
    parts += [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    return parts


def assert_no_markup_from_data(at: AppTest) -> None:
    for text in rendered(at):
        for raw in ("**Школа**", "[x](", "![](", "http://", ":red[", "](http"):
            assert raw not in text, (raw, text)


def test_hostile_school_and_territory_names_are_text(small_db):
    from smalldb import HOSTILE_SCHOOL, HOSTILE_TERRITORY, make_hostile
    from shnor.ui.safe import md
    path, ids = small_db
    make_hostile(path, ids[1])
    at = open_school(path, query={"school": str(ids[1])})
    assert at.header[0].value == md(HOSTILE_SCHOOL)
    assert at.caption[0].value == md(HOSTILE_TERRITORY)
    card = tables(at)[0].set_index("Сведения")
    assert card.loc["Полное наименование", "Значение"] == md(HOSTILE_SCHOOL)
    assert card.loc["Территория", "Значение"] == md(HOSTILE_TERRITORY)
    assert_no_markup_from_data(at)
    # the picker's options and the chart's title are plain text (no Markdown there): the name as it is
    assert any(o.startswith(HOSTILE_SCHOOL) for o in at.selectbox(key="school_pick").options)
    assert specs(at)[0]["title"]["text"].startswith(HOSTILE_SCHOOL)


def test_school_address_parameter_is_text(small_db):
    from shnor.ui.safe import md
    path, _ = small_db
    param = "[Сеанс истёк: войдите снова](http://evil.example)"
    at = open_school(path, query={"school": param})
    assert [w.value for w in at.warning] == [
        f"Школа «{md(param)}» не найдена среди доступных вам школ. Выберите её в списке."]
    assert "\\[Сеанс истёк" in at.warning[0].value
    assert_no_markup_from_data(at)


def test_bound_users_territory_in_the_empty_message_is_text(small_db):
    from smalldb import HOSTILE_TERRITORY, make_hostile
    from shnor.store import Store
    from shnor.ui.safe import md
    path, ids = small_db
    store = Store.open(path)
    with store.unit("test") as u:
        tid = u.territories.add("Пустой район", parent_id=u.territories.root_id())
        u.record(events.TERRITORY_ADDED, id=tid, name="Пустой район")
    store.close()
    make_hostile(path, ids[1], territory="Пустой район")
    at = open_school(path, territory=HOSTILE_TERRITORY, name="pustoy", role="viewer")
    assert at.info[0].value.startswith(f"В реестре нет школ территории «{md(HOSTILE_TERRITORY)}»")
    assert_no_markup_from_data(at)
