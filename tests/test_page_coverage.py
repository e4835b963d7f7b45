"""The coverage rule on the pages (AppTest) over the hand-made region of tests/coveragedb.py: full data, 89 %,
90 % and 91 % coverage, an empty territory, a year with no results; the territory axis never beyond 100 %; the
registry and list counts say what they count (tests/smalldb.py)."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from coveragedb import AT89, AT90, AT91, EMPTY, FULL, build_coverage_db
from smalldb import open_page_as

NBSP = "\u00a0"


@pytest.fixture
def coverage_db(tmp_path, monkeypatch, clear_streamlit_caches):
    path = tmp_path / "coverage.duckdb"
    terr = build_coverage_db(path)
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path, terr


def plain(text: str) -> str:
    """Markdown as it reads (md() escapes punctuation with a backslash)."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "error", "success", "info", "warning", "subheader",
                                       "title") for e in at.get(kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return plain("\n".join(parts))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def choose(at: AppTest, key: str, name: str) -> AppTest:
    box = at.selectbox(key=key)
    label = next(o for o in box.options if o == name or o.startswith(name + " ") or o.endswith(" " + name))
    box.select_index(box.options.index(label)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def title_of(spec: dict) -> str:
    """A chart's title as one message (shnor/ui/charts.finish breaks a long one into lines at « — »)."""
    text = spec["title"]["text"]
    return " — ".join(text) if isinstance(text, list) else text


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_rows(at: AppTest, column: str) -> pd.DataFrame:
    """The rows of the charts' datasets that have `column`."""
    import pyarrow as pa
    frames = []
    for chart in at.get("vega_lite_chart"):
        for d in chart.proto.datasets:
            frame = pa.ipc.open_stream(d.data.data).read_pandas()
            if column in frame:
                frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def overview(path, **kw) -> AppTest:
    return open_page_as("overview", path, kw.pop("name", "viewer"), kw.pop("role", "viewer"), **kw)


# -- the overview ---------------------------------------------------------------------------------

def test_region_states_its_coverage_and_keeps_the_verdict(coverage_db):
    path, _ = coverage_db
    at = overview(path)
    m = metrics(at)
    assert (m["Школ"], m["ШНОР"], m["До цели"]) == ("220", "3", "достигнута")
    assert at.success[0].value == f"Цель 5{NBSP}% достигнута: ШНОР 3, допустимо не более 11 из 220 школ."
    assert f"Данные за 2023/2024: 199 из 220 школ (90,5{NBSP}%)." in texts(at)
    # the empty territory: in the selector and under the comparison, with no verdict
    assert f"{EMPTY} (школ нет)" in at.selectbox(key="ov_territory").options
    assert f"Без школ в списке на 2024/2025 (доли нет, вывод о цели не делается): {EMPTY}." in texts(at)


def test_territory_comparison_withholds_the_verdict_below_the_setting(coverage_db):
    path, _ = coverage_db
    at = overview(path)
    rows = chart_rows(at, "state").drop_duplicates("territory").set_index("territory")
    assert set(rows.index) == {FULL, AT90, AT89, AT91}                # the empty territory has no bar
    assert rows.at[AT89, "state"] == "нет вывода: данных мало"
    assert rows.at[AT89, "label"] == f"1,0{NBSP}% (1 из 100) · нет вывода: результаты есть у 89 из 100"
    assert rows.at[AT90, "label"] == f"0,0{NBSP}% (0 из 10) · цель достигнута"      # 90 % exactly
    assert rows.at[AT91, "label"] == f"1,0{NBSP}% (1 из 100) · цель достигнута"
    assert rows.at[FULL, "label"] == f"10,0{NBSP}% (1 из 10) · на 1 ШНОР больше цели"
    title = next(title_of(s) for s in chart_specs(at) if title_of(s).startswith("Выше цели"))
    assert title == "Выше цели — 1 из 4 территорий; без вывода (данных мало) — 1"


@pytest.mark.parametrize("name,gap,kind,sentence", [
    (FULL, "−1 ШНОР", "error", f"Нужно на 1 ШНОР меньше: цель 5{NBSP}% для 10 школ не допускает ни одной ШНОР."),
    (AT90, "достигнута", "success", f"Цель 5{NBSP}% достигнута: ШНОР нет."),
    (AT91, "достигнута", "success", f"Цель 5{NBSP}% достигнута: ШНОР 1, допустимо не более 5 из 100 школ."),
    (AT89, "нет вывода", "warning", f"Вывод о цели не делается: результаты за 2023/2024 есть только у 89 из 100 "
                                    f"школ (89,0{NBSP}%), нужно не меньше 90{NBSP}%."),
])
def test_each_territory_at_full_90_91_and_89(coverage_db, name, gap, kind, sentence):
    path, _ = coverage_db
    at = choose(overview(path), "ov_territory", name)
    assert metrics(at)["До цели"] == gap
    assert [e.value for e in at.get(kind)][0] == sentence
    if name == AT89:
        assert "достигнута" not in texts(at)
        title = title_of(chart_specs(at)[0])
        assert title == (f"Доля ШНОР по результатам 2023/2024 — 1,0{NBSP}% — вывод о цели за 2023/2024 не делается: "
                         "данных мало (89 из 100 школ)")


def test_an_empty_territory_says_so_and_gives_no_verdict(coverage_db):
    path, _ = coverage_db
    at = choose(overview(path), "ov_territory", EMPTY)
    assert not at.metric and not chart_specs(at)
    assert at.info[0].value.startswith(f"В территории «{EMPTY}» нет ни одной школы, которая учитывается в списке "
                                       "на 2024/2025: доли ШНОР нет, вывод о цели не делается.")
    assert "достигнута" not in texts(at) and "В реестре 0 школ." in texts(at)


def test_a_year_without_results(coverage_db):
    path, _ = coverage_db
    at = overview(path)
    at.selectbox(key="ov_year").select(2023).run()
    assert at.warning[0].value == (f"Вывод о цели не делается: результаты за 2022/2023 есть только у 10 из 220 школ "
                                   f"(4,5{NBSP}%), нужно не меньше 90{NBSP}%.")
    assert metrics(at)["До цели"] == "нет вывода"
    choose(at, "ov_territory", AT90)
    assert at.warning[0].value == "За 2022/2023 учебный год результатов нет — вывод о цели не делается."
    assert "достигнута" not in texts(at)


def test_the_coverage_setting_saved_on_the_settings_page_moves_the_bar(coverage_db):
    path, _ = coverage_db
    st = open_page_as("settings", path, "root", "admin")
    box = st.number_input(key="coverage_min_pct")
    assert box.value == 90
    box.set_value(85)
    st.button(key="FormSubmitter:coverage_setting-Сохранить порог полноты данных").click().run()
    assert not st.exception and not st.error
    assert st.success[0].value.startswith("Порог полноты данных сохранён: 85 %.")
    at = choose(overview(path, name="v2"), "ov_territory", AT89)      # 89 % ≥ 85 %: a verdict again
    assert metrics(at)["До цели"] == "достигнута"


def test_a_viewer_sees_the_coverage_setting_but_cannot_change_it(coverage_db):
    path, _ = coverage_db
    st = open_page_as("settings", path, "vera", "methodist")
    assert st.number_input(key="coverage_min_pct").disabled


# -- the territory axis ---------------------------------------------------------------------------

def test_territory_axis_ends_at_100_percent_at_most():
    from shnor.ui.views import territories_axis_end, territories_chart
    comp = pd.DataFrame({"territory_id": [1, 2], "territory": ["А", "Б"], "schools": [3, 10], "shnor": [3, 6],
                         "share": [1.0, 0.6], "target": [0.05, 0.05], "allowed": [0, 0], "gap": [3, 6],
                         "met": [False, False], "with_data": [3, 10], "coverage_share": [1.0, 1.0],
                         "sufficient": [True, True], "withheld": ["", ""]})
    assert territories_axis_end(comp) == 1.0
    spec = territories_chart(comp, 2024).to_dict()
    domains = [layer["encoding"]["x"]["scale"]["domain"] for layer in spec["layer"]
               if "scale" in layer["encoding"].get("x", {})]
    assert domains == [[0, 1.0]]
    small = comp.assign(share=[0.2, 0.1], shnor=[1, 1])
    assert territories_axis_end(small) == pytest.approx(0.38)          # room for the labels, still ≤ 100 %


def test_region_chart_axis_within_100_percent(coverage_db):
    path, _ = coverage_db
    at = overview(path)
    spec = next(s for s in chart_specs(at) if title_of(s).startswith("Выше цели"))
    domain = [layer["encoding"]["x"]["scale"]["domain"] for layer in spec["layer"]
              if "scale" in layer["encoding"].get("x", {})][0]
    assert domain[0] == 0 and domain[1] <= 1.0


# -- the identification page ------------------------------------------------------------------------

def identification(path, name="ident"):
    return open_page_as("identification", path, name, "methodist")


def test_identification_header_states_the_coverage(coverage_db):
    path, _ = coverage_db
    at = identification(path)
    assert f"Данные за 2023/2024: 199 из 220 школ (90,5{NBSP}%). Школа без результатов за этот год не может " \
           "попасть в список." in texts(at)
    assert f"{EMPTY} (школ нет)" in at.selectbox(key="ident_territory").options
    choose(at, "ident_territory", AT89)
    assert plain(at.warning[0].value).startswith(
        f"Вывод о цели не делается: результаты за 2023/2024 есть только у 89 из 100 школ (89,0{NBSP}%), нужно не "
        f"меньше 90{NBSP}%. Школа без результатов за 2023/2024 не может попасть в список")
    choose(at, "ident_territory", AT91)
    assert not at.warning and f"Данные за 2023/2024: 91 из 100 школ (91,0{NBSP}%)." in texts(at)
    choose(at, "ident_territory", EMPTY)
    assert f"В территории «{EMPTY}» нет ни одной школы" in texts(at)
    choose(at, "ident_territory", AT90)
    at.selectbox(key="ident_year").select(2023).run()
    assert plain(at.warning[0].value).startswith("За 2022/2023 учебный год результатов нет ни у одной школы — список "
                                                 "на 2023/2024 не из чего формировать.")


# -- counts that say what they count -----------------------------------------------------------------

def test_school_search_and_overview_say_what_they_count(small_db):
    path, _ = small_db
    sentence = "В реестре 16 школ, из них в списке на 2024/2025 учитываются 15: 1 не действовала в 2023/2024."
    school = open_page_as("school", path, "s1", "viewer")
    assert len(school.selectbox(key="school_pick").options) == 16
    assert plain(school.caption[0].value).startswith(sentence)
    at = open_page_as("overview", path, "s2", "viewer")
    assert metrics(at)["Школ"] == "15"
    assert sentence in texts(at)


def test_a_long_chart_title_is_broken_into_lines_not_cut():
    from shnor.ui.charts import TITLE_LINE, title_lines
    message = (f"Доля ШНОР снизилась с 5,2{NBSP}% до 2,3{NBSP}% — вывод о цели за 2024/2025 не делается: данных мало "
               "(290 из 940 школ)")
    lines = title_lines(message)
    assert lines == [f"Доля ШНОР снизилась с 5,2{NBSP}% до 2,3{NBSP}%",
                     "вывод о цели за 2024/2025 не делается: данных мало (290 из 940 школ)"]
    assert all(len(x) <= TITLE_LINE for x in lines)
    assert title_lines("Выше цели — 2 из 2 территорий") == "Выше цели — 2 из 2 территорий"
