"""The «Обзор» page in AppTest on the hand-made region of tests/smalldb.py (figures computed by hand there)."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from shnor.store import Store
from smalldb import open_page_as

NBSP = "\u00a0"


def open_overview(path, role: str = "viewer", territory: str | None = None, name: str = "nablyudatel",
                  query: dict | None = None, state: dict | None = None) -> AppTest:
    return open_page_as("overview", path, name, role, territory, query=query, state=state)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "success", "info", "subheader", "title")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def unescaped(text: str) -> str:
    """Markdown text as it reads (md() escapes punctuation with a backslash)."""
    import re
    return re.sub(r"\\(.)", r"\1", text)


def title_of(spec: dict) -> str:
    """A chart's title as one message (shnor/ui/charts.finish breaks a long one into lines at « — »)."""
    text = spec["title"]["text"]
    return " — ".join(text) if isinstance(text, list) else text


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_stranger_sees_login_form_only(small_db):
    at = AppTest.from_file("../pages/overview.py", default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert not at.metric and not chart_specs(at)


def test_region_figures_and_gap(small_db):
    path, _ = small_db
    at = open_overview(path)
    assert at.selectbox(key="ov_year").value == 2024                  # latest results year (2023) + 1
    assert at.selectbox(key="ov_territory").value == 0                 # the whole region
    m = metrics(at)
    assert m["Школ"] == "15" and m["ШНОР"] == "3" and m["Доля ШНОР"] == f"20,0{NBSP}%"
    assert m["До цели"] == "−3 ШНОР"
    assert at.error[0].value == f"Нужно на 3 ШНОР меньше: цель 5{NBSP}% для 15 школ не допускает ни одной ШНОР."
    # every figure says what it is
    assert all(mm.proto.help for mm in at.metric)
    assert "не менее 30 %" in [mm for mm in at.metric if mm.label == "ШНОР"][0].proto.help


def test_territory_filter_changes_figures(small_db):
    path, _ = small_db
    at = open_overview(path)
    north = [k for k in at.selectbox(key="ov_territory").options if "Северный" in k]
    assert north
    at.selectbox(key="ov_territory").select_index(at.selectbox(key="ov_territory").options.index(north[0])).run()
    assert not at.exception
    m = metrics(at)
    assert (m["Школ"], m["ШНОР"], m["Доля ШНОР"]) == ("10", "2", f"20,0{NBSP}%")
    assert at.error[0].value == f"Нужно на 1 ШНОР меньше: цель 10{NBSP}% допускает не более 1 из 10 школ."


def test_charts_carry_russian_locale_and_message_titles(small_db):
    path, _ = small_db
    at = open_overview(path)
    specs = chart_specs(at)
    assert len(specs) == 3                                             # trend, territories, procedures
    for spec in specs:
        assert spec["config"]["locale"]["number"]["decimal"] == ","
        assert spec["config"]["locale"]["number"]["percent"] == f"{NBSP}%"
        assert title_of(spec)
    titles = [title_of(s) for s in specs]
    # region trend: 2021: S1 of 16 schools; 2022: S2, S7, S11 of 16; 2023: 3 of 15 (targets only for 2023);
    # results in 2021 for 2 of 16 schools, in 2022 for 13 of 16: too few (< 90 %) to read a direction from
    assert titles[0] == (f"Доля ШНОР по результатам 2023/2024 — 20,0{NBSP}% (за прежние годы данных мало) — "
                         f"цель 5{NBSP}% не достигнута")
    assert titles[1] == "Выше цели — 2 из 2 территорий"
    assert titles[2].startswith("Чаще всего низкие результаты ШНОР — ВПР, математика, 5 кл.: 3 школы из 3")
    # the target is drawn dashed, the share solid: not by colour alone
    layer = specs[0]["layer"][0]["encoding"]
    assert layer["strokeDash"]["scale"]["range"] == [[1, 0], [7, 5]]
    assert layer["shape"]["scale"]["range"] == ["circle", "diamond"]


def test_entered_and_left(small_db):
    path, ids = small_db
    at = open_overview(path)
    north = [k for k in at.selectbox(key="ov_territory").options if "Северный" in k][0]
    at.selectbox(key="ov_territory").select_index(at.selectbox(key="ov_territory").options.index(north)).run()
    m = metrics(at)
    assert m["Вошли в список"] == "1" and m["Вышли из списка"] == "2"
    # each school that entered or left: its name (a button to its card) and its reasons in full
    assert unescaped(at.button(key=f"ov_entered_{ids[1]}").label) == "**Школа №1**"
    assert unescaped(at.button(key=f"ov_left_{ids[7]}").label) == "**Школа №7**"
    assert unescaped(at.button(key=f"ov_left_{ids[11]}").label) == "**Школа №11**"
    shown = unescaped(texts(at))
    assert ("Северный район  \nКритерий 1 — 2 процедуры с низкими результатами в 2023/2024: "
            "ВПР, математика, 5 кл. — 40,0\u00a0% «2» (4 из 10); ВПР, русский язык, 5 кл. — 30,0\u00a0% «2» "
            "(3 из 10).") in shown
    assert ("Северный район · сейчас: без низких результатов  \nВ 2023/2024 низких результатов нет; в 2022/2023: "
            "ВПР, математика, 5 кл. — 50,0\u00a0% «2» (5 из 10)") in shown
    assert ("Северный район · сейчас: не действовала  \nШкола не действовала в 2023/2024: в списке на "
            "2024/2025 её нет.") in shown
    assert "Остались в списке: 1 школа." in texts(at)
    risk = at.dataframe(key="ov_risk").value
    assert set(risk["short_name"]) == {"Школа №3", "Школа №4"}


def test_previous_year_without_results_says_so(small_db):
    path, _ = small_db
    at = open_overview(path)
    at.selectbox(key="ov_year").select(2022).run()
    assert not at.exception
    assert "Сравнивать не с чем" in texts(at)
    # list 2022 from results 2021 only: S1 and S2... S1 has two lows in 2021 (criterion 1)
    assert metrics(at)["ШНОР"] == "1"


def test_territory_bound_user_sees_only_its_schools(small_db):
    path, _ = small_db
    at = open_overview(path, territory="Южный район", name="yug")
    sb = at.selectbox(key="ov_territory")
    assert len(sb.options) == 1 and "Южный" in sb.options[0] and sb.disabled
    m = metrics(at)
    assert (m["Школ"], m["ШНОР"]) == ("5", "1")
    assert "Школа №3" not in texts(at)
    assert len(chart_specs(at)) == 2                                   # no comparison of territories


def test_meeting_mode_enlarges_and_anonymises(small_db):
    path, ids = small_db
    # names hidden through the meeting module's state (shnor/ui/meeting.py `set_anonymised`)
    at = open_overview(path, query={"meeting": "1"}, state={"_shnor_anon": True})
    specs = chart_specs(at)
    assert specs[0]["title"]["fontSize"] == 24                         # 18 + 6 in meeting mode
    risk = at.dataframe(key="ov_risk").value
    assert set(risk["short_name"]) == {f"Школа {ids[3]}", f"Школа {ids[4]}"}


def test_empty_database_says_what_to_do(tmp_path, monkeypatch, clear_streamlit_caches):
    path = tmp_path / "empty.duckdb"
    Store.open(path).close()
    monkeypatch.setenv("SHNOR_DB", str(path))
    at = open_overview(path)
    assert not at.metric and not chart_specs(at)
    assert "Результатов процедур ещё нет" in at.info[0].value
    school = AppTest.from_file("../pages/school.py", default_timeout=60)
    school.session_state["_shnor_token"] = at.session_state["_shnor_token"]
    school.run()
    assert not school.exception and "В реестре нет школ" in school.info[0].value


def test_hostile_territory_and_school_names_are_text(small_db):
    from smalldb import HOSTILE_SCHOOL, HOSTILE_TERRITORY, make_hostile
    from shnor.ui.safe import md
    path, ids = small_db
    make_hostile(path, ids[4])                      # Школа №4 (risk group) of Северный район
    at = open_overview(path, role="viewer", name="vera")
    box = at.selectbox(key="ov_territory")
    assert HOSTILE_TERRITORY in box.options                                  # options are plain text
    box.select_index(box.options.index(HOSTILE_TERRITORY)).run()
    assert not at.exception
    assert at.subheader[0].value == f"{md(HOSTILE_TERRITORY)}: список ШНОР на 2024/2025"
    assert list(at.dataframe(key="ov_risk").value["short_name"]).count(HOSTILE_SCHOOL) == 1   # a cell: text
    at.selectbox(key="ov_territory").select_index(0).run()                  # the whole region: the chart
    assert HOSTILE_TERRITORY in set(chart_frames_territories(at))
    for text in [str(e.value) for kind in ("markdown", "caption", "warning", "info", "error", "success", "subheader",
                                           "title", "header") for e in at.get(kind)] + [m.label for m in at.metric]:
        for raw in (":red[", "**Школа**", "](http", "http://"):
            assert raw not in text, (raw, text)


def chart_frames_territories(at: AppTest) -> list[str]:
    """Territory names in the data of the territories chart (Vega draws them as text)."""
    import pyarrow as pa
    names = []
    for chart in at.get("vega_lite_chart"):
        for d in chart.proto.datasets:
            frame = pa.ipc.open_stream(d.data.data).read_pandas()
            if "territory" in frame:
                names += list(frame["territory"])
    return names
