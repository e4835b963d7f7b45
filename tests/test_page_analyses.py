"""The «Анализ результатов» page and the school page's analyses section in AppTest, per role, on the small region
of tests/test_analyses_store.py (journal counts and task points stored, figures by hand there); the per-school
objectivity read model; the analyses' Excel download."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from shnor.domain.permissions import SYSTEM, Forbidden
from shnor.read import analyses as an
from shnor.reports.analyses_export import analyses_xlsx, sheet_title
from shnor.store import Store
from test_analyses_store import NORTH, SOUTH, build, south_user


@pytest.fixture
def db(tmp_path):
    ids, terr = build(tmp_path / "a.duckdb")
    store = Store.open(tmp_path / "a.duckdb")
    yield store, ids, terr
    store.close()


# ---------------------------------------------------------------------------------------------
# The read model: one school's objectivity
# ---------------------------------------------------------------------------------------------

def test_school_objectivity_equals_the_territory_view(db):
    store, ids, terr = db
    one = an.school_objectivity(store, SYSTEM, ids[1])
    assert one.year == 2021                                   # the latest year with the school's journal data
    whole = an.objectivity(store, SYSTEM, 2021).table.set_index("school_id").loc[[ids[1]]]
    cols = ["procedure", "share", "territory_share", "region_share", "flag", "pattern", "flags", "history_ru",
            "reason", "short_name", "territory"]
    assert one.table[cols].to_dict("records") == whole.reset_index()[cols].to_dict("records")
    assert bool(one.table.iloc[0]["flag"]) and one.table.iloc[0]["territory_share"] == pytest.approx(0.67)
    assert an.school_objectivity(store, SYSTEM, ids[5]) is None               # no journal data at all
    assert an.school_objectivity(store, SYSTEM, ids[1], year=2020).table.iloc[0]["share"] == pytest.approx(1.0)
    user = south_user(store, terr)
    assert an.school_objectivity(store, user, ids[4]).table.iloc[0]["share"] == pytest.approx(0.8)
    with pytest.raises(Forbidden):
        an.school_objectivity(store, user, ids[1])


# ---------------------------------------------------------------------------------------------
# The download
# ---------------------------------------------------------------------------------------------

def test_analyses_workbook_keeps_texts_as_text_and_numbers_as_numbers():
    frame = pd.DataFrame({"Школа": ["=HYPERLINK(\"http://x\")", "-1+2", "Школа\x07 №3"],
                          "Доля, %": [95.0, None, float("nan")], "Флаг": [True, False, True],
                          "Участников": pd.array([20, 30, 10], dtype="int64")})
    data = analyses_xlsx(frame, "Объективность: ВПР/2021", notes=["Критерий: = не формула"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "Объективность  ВПР 2021"
    assert ws["A1"].value == "Критерий: = не формула" and ws["A1"].data_type == "s"
    assert [c.value for c in ws[3]] == ["Школа", "Доля, %", "Флаг", "Участников"]
    assert ws["A4"].value == "=HYPERLINK(\"http://x\")" and ws["A4"].data_type == "s"
    assert ws["A5"].value == "-1+2" and ws["A5"].data_type == "s"
    assert ws["A6"].value == "Школа №3"                                          # the control character dropped
    assert ws["B4"].value == 95.0 and ws["B5"].value is None and ws["B6"].value is None
    assert [ws["C4"].value, ws["C5"].value] == ["да", "нет"] and ws["D4"].value == 20
    assert ws.freeze_panes == "A4"
    assert sheet_title("x" * 40) == "x" * 31


def test_every_view_downloads(db):
    store, ids, terr = db
    views = {"Объективность": an.objectivity(store, SYSTEM, 2021), "Задания": an.task_analysis(store, SYSTEM, 2021),
             "Выход": an.exit_distance(store, SYSTEM, 2022), "Похожие": an.similar_schools(store, SYSTEM, 2021),
             "Прогноз": an.forecast_share(store, SYSTEM)}
    for title, v in views.items():
        frame = v.download()
        ws = openpyxl.load_workbook(io.BytesIO(analyses_xlsx(frame, title))).active
        assert [c.value for c in ws[1]] == list(frame.columns) and ws.max_row == len(frame) + 1, title


# ---------------------------------------------------------------------------------------------
# The page in AppTest
# ---------------------------------------------------------------------------------------------

NBSP = "\u00a0"


@pytest.fixture
def app_db(tmp_path, monkeypatch, clear_streamlit_caches):
    """The analyses' small region made the app's database ($SHNOR_DB): (path, school ids, territory ids)."""
    path = tmp_path / "a.duckdb"
    ids, terr = build(path)
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path, ids, terr


def open_tab(path, tab: str | None = None, role: str = "methodist", territory: str | None = None,
             state: dict | None = None, name: str | None = None):
    from smalldb import open_page_as
    state = dict(state or {})
    if tab:
        state["an_tab"] = tab
    return open_page_as("analyses", path, name or f"{role}-{'bound' if territory else 'region'}", role, territory,
                        state=state)


def frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def chart_titles(at) -> list[str]:
    import json
    out = []
    for c in at.get("vega_lite_chart"):
        t = json.loads(c.proto.spec)["title"]["text"]
        out.append(" — ".join(t) if isinstance(t, list) else t)
    return out


def chart_subtitles(at) -> list[list[str]]:
    import json
    out = []
    for c in at.get("vega_lite_chart"):
        t = json.loads(c.proto.spec)["title"].get("subtitle", [])
        out.append(t if isinstance(t, list) else [t])
    return out


def all_text(at) -> str:
    from pagetest import texts
    return texts(at) + "\n" + "\n".join(str(e.value) for e in at.get("markdown"))


def metric(at, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


@pytest.mark.parametrize("role", ["viewer", "methodist", "head", "admin"])
def test_objectivity_tab_per_role_shows_the_read_models_figures(app_db, role):
    from shnor.domain.analyses.objectivity import CRITERION_RU
    path, ids, terr = app_db
    at = open_tab(path, role=role)
    assert [t.label for t in at.tabs] == ["Объективность", "Поэлементный анализ", "Что нужно для выхода",
                                          "Похожие школы", "Прогноз"]
    assert at.selectbox(key="an_year").value == 2021
    assert CRITERION_RU in at.info[0].value                       # the criterion is stated above the list
    store = Store.open(path)
    try:
        view = an.objectivity(store, SYSTEM, 2021)
    finally:
        store.close()
    assert metric(at, "Результатов с флагом") == f"{len(view.flagged)} из {len(view.table)}" == "1 из 4"
    assert metric(at, "Школ с флагом") == "1" and metric(at, "С флагом два года и более") == "1"
    table = frames(at)[0]
    assert list(table["Школа"]) == ["Школа №1"]                    # only flagged by default
    r = table.iloc[0]
    assert r["Подтвердили или повысили"] == f"95,0{NBSP}% (19 из 20)" and r["По территории"] == f"67,0{NBSP}%"
    assert r["По региону"] == f"{75 / 110 * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    assert r["Флаг"] == "да: совпадение выше территории, мало «2»"
    assert r["За три года"] == view.table.iloc[0]["history_ru"] and r["Пояснение"] == view.table.iloc[0]["reason"]
    assert chart_titles(at) == ["Флаг «возможна необъективность» — 1 из 4 результатов, 1 школа"]
    assert [b.label for b in at.get("download_button")] == ["Скачать таблицу (Excel)"]
    at.checkbox(key="an_obj_flagged").uncheck().run()
    assert list(frames(at)[0]["Школа"]) == ["Школа №1", "Школа №2", "Школа №3", "Школа №4"]


def test_bound_user_sees_only_their_territory(app_db):
    path, ids, terr = app_db
    at = open_tab(path, territory=SOUTH)
    assert at.selectbox(key="an_territory").options == [SOUTH] and at.selectbox(key="an_territory").disabled
    assert metric(at, "Результатов с флагом") == "0 из 1"
    assert any(s.value.startswith("Флагов нет") for s in at.success)
    at.checkbox(key="an_obj_flagged").uncheck().run()
    t = frames(at)[0]
    assert list(t["Школа"]) == ["Школа №4"] and t.iloc[0]["Подтвердили или повысили"] == f"80,0{NBSP}% (8 из 10)"
    at = open_tab(path, "Что нужно для выхода", territory=SOUTH, name="south-2")
    shown = pd.concat(frames(at)[:2])
    assert set(shown["Школа"]) == {"Школа №4", "Школа №5"}


def test_tasks_tab_school_against_territory_and_region(app_db):
    path, ids, terr = app_db
    at = open_tab(path, "Поэлементный анализ", role="admin")
    region = frames(at)[0]                                        # the whole region: tasks worst first
    assert list(region["Задание"]) == ["3", "2", "1"] and list(region["Регион"]) == [
        f"51,7{NBSP}%", f"57,5{NBSP}%", f"75,0{NBSP}%"]
    assert chart_titles(at)[0] == f"Хуже всего выполнено задание 3 — 51,7{NBSP}%"
    at.selectbox(key="an_territory").set_value(terr[NORTH]).run()
    at.selectbox(key="an_task_school").set_value(ids[1]).run()
    t = frames(at)[0].set_index("Задание")
    assert list(t.index) == ["3", "1", "2"]                       # 20 %, 50 %, 50 % (task 1 before 2: the gap)
    assert list(t["Школа"]) == [f"20,0{NBSP}%", f"50,0{NBSP}%", f"50,0{NBSP}%"]
    assert list(t["Территория"]) == [f"44,0{NBSP}%", f"74,0{NBSP}%", f"65,0{NBSP}%"]
    assert list(t["Регион"]) == [f"51,7{NBSP}%", f"75,0{NBSP}%", f"57,5{NBSP}%"]
    assert t.loc["3", "Отставание от территории"] == "−24,0 п. п."
    assert chart_titles(at)[0] == f"Хуже всего выполнено задание 3 — 20,0{NBSP}% при 44,0{NBSP}% по территории"
    assert chart_subtitles(at)[0][0] == "Школа №1 · ВПР, математика, 5 кл."


def test_exit_tab_states_the_rule_in_its_own_terms(app_db):
    path, ids, terr = app_db
    at = open_tab(path, "Что нужно для выхода", role="head")
    assert metric(at, "ШНОР в списке на 2022/2023") == "2"
    assert metric(at, "Процедур ШНОР выше допустимого") == "3"          # 2: рус-5 9 > 8; 5: мат-5 10 > 7, рус-5 8 > 5
    assert metric(at, "«2» сверх допустимого, всего") == "7"             # 1 + 3 + 3
    shnor, risk = frames(at)[:2]
    assert "ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10" in list(shnor["Что нужно"])
    assert list(risk["Школа"]) == ["Школа №4"]
    assert risk.iloc[0]["Что нужно"].startswith("ВПР, математика, 5 кл.: 3 «2» и более при 10 участниках")
    text = all_text(at)
    assert "Список на 2022/2023 сформирован по результатам 2020/2021 и 2021/2022" in text
    assert "Чтобы выйти из списка на 2023/2024" in text.replace("\\", "")


def test_similar_tab_names_the_peers_and_the_features(app_db):
    path, ids, terr = app_db
    at = open_tab(path, "Похожие школы", role="viewer")
    assert at.selectbox(key="an_sim_school").value == ids[5]         # the largest share above its peers
    text = all_text(at).replace("\\", "")
    assert "Доля «2» — 40,0" in text and "у 4 похожих школ (все школы региона с этой работой)" in text
    peers = frames(at)[0]
    assert list(peers["Школа"]) == ["Школа №1", "Школа №2", "Школа №3", "Школа №4"]
    assert chart_titles(at)[0].startswith("Школа №5: доля «2» выше, чем у похожих школ, по 2 из 2 процедур")


def test_forecast_tab_is_an_estimate_against_the_target(app_db):
    path, ids, terr = app_db
    at = open_tab(path, "Прогноз", role="methodist")
    store = Store.open(path)
    try:
        view = an.forecast_share(store, SYSTEM)
    finally:
        store.close()
    f = view.forecast
    assert view.sentence() in [m.value for m in at.markdown]
    assert metric(at, "Оценка доли ШНОР, 2022/2023") == f"{f.expected / f.schools * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    assert metric(at, "Цель на 2022/2023") == f"20{NBSP}%"
    assert metric(at, "В 8 случаях из 10") == f"{f.low / 5 * 100:.1f}".replace(".", ",") + "–" + \
        f"{f.high / 5 * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    title = chart_titles(at)[0]
    assert title.startswith("Оценка на 2022/2023: около ") and f"цель 20{NBSP}% достигается с вероятностью около" in title


def test_tabs_say_why_they_are_empty_without_journal_and_task_points(app_db):
    from shnor.domain import events
    path, ids, terr = app_db
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            u.sql.run("UPDATE results SET journal_below = NULL, journal_equal = NULL, journal_above = NULL, "
                      "task_points = NULL, task_max = NULL")
            u.record(events.IMPORT_STORED, batch=0, file="без журнала")
    finally:
        store.close()
    at = open_tab(path)
    assert any("В загруженных файлах за 2021/2022 нет сравнения отметок ВПР с отметками по журналу" in i.value
               for i in at.info)
    at = open_tab(path, "Поэлементный анализ", name="m2")
    assert any("В загруженных файлах за 2021/2022 нет баллов по заданиям ВПР" in i.value for i in at.info)
    at = open_tab(path, state={"an_procedure": "OGE-MATH"}, name="m3")
    assert any("только у ВПР" in w.value for w in at.warning)


def test_hostile_names_are_text(app_db):
    from smalldb import HOSTILE_SCHOOL, HOSTILE_TERRITORY, make_hostile
    from test_page_school import assert_no_markup_from_data
    path, ids, terr = app_db
    make_hostile(path, ids[1])
    for i, tab in enumerate(["Объективность", "Поэлементный анализ", "Что нужно для выхода", "Похожие школы",
                             "Прогноз"]):
        at = open_tab(path, tab, name=f"h-{i}", state={"an_territory": terr[NORTH]})
        assert_no_markup_from_data(at)
        if tab == "Объективность":
            assert frames(at)[0].iloc[0]["Школа"] == HOSTILE_SCHOOL           # a dataframe cell: text as it is
            assert frames(at)[0].iloc[0]["Территория"] == HOSTILE_TERRITORY
            assert any(c.startswith("Флаг «возможна необъективность»") for c in chart_titles(at))


# ---------------------------------------------------------------------------------------------
# The school page's section
# ---------------------------------------------------------------------------------------------

def open_school(path, school_id, role="methodist", name=None):
    from smalldb import open_page_as
    return open_page_as("school", path, name or f"{role}-{school_id}", role, query={"school": str(school_id)})


def test_school_page_section_for_a_flagged_school(app_db):
    from shnor.domain.analyses.objectivity import CRITERION_RU
    path, ids, terr = app_db
    at = open_school(path, ids[1])
    assert "Анализ результатов" in [s.value for s in at.subheader]
    labels = [t.label for t in at.tabs]
    assert labels[-4:] == ["Объективность ВПР", "Слабые задания", "Выход из списка", "Похожие школы"]
    warn = [w.value for w in at.warning if "возможна необъективность" in w.value]
    assert warn and warn[0].startswith("**ВПР, математика, 5 кл., 2021/2022: возможна необъективность** (за три года "
                                       "флаг 2 раза)")
    assert any(CRITERION_RU in c.value for c in at.caption)
    obj_t = [d.value for d in at.dataframe if "За три года" in d.value.columns][0]
    assert obj_t.iloc[0]["Подтвердили или повысили"] == f"95,0{NBSP}% (19 из 20)"
    tasks = [d.value for d in at.dataframe if "Отставание от территории" in d.value.columns
             and "Работа" in d.value.columns][0]
    assert list(tasks["Задание"]) == ["3", "1", "2"] and tasks.iloc[0]["Территория"] == f"44,0{NBSP}%"
    assert any("не ШНОР и не в группе риска" in c.value for c in at.caption)


def test_school_page_section_for_a_shnor_and_a_risk_school(app_db):
    path, ids, terr = app_db
    at = open_school(path, ids[5], role="viewer")
    assert "Что нужно для выхода" in [t.label for t in at.tabs]
    md_text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Статус в списке на 2022/2023 — ШНОР." in md_text
    assert "Чтобы выйти из списка на 2023/2024, в 2022/2023 ни одна процедура правила" in md_text
    assert "ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10" in md_text
    assert any("нет сравнения отметок ВПР этой школы" in c.value for c in at.caption)
    at = open_school(path, ids[4], role="head")
    assert "Что поставит в список" in [t.label for t in at.tabs]
    md_text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "3 «2» и более при 10 участниках — низкий результат, в 2021/2022 — 4" in md_text


def test_hidden_names_stay_hidden_on_screen_and_in_the_downloads(app_db):
    path, ids, terr = app_db
    at = open_tab(path, state={"_shnor_anon": True, "an_obj_flagged": False})
    t = frames(at)[0]
    assert list(t["Школа"]) == [f"Школа {ids[n]}" for n in (1, 2, 3, 4)]
    at = open_tab(path, "Похожие школы", state={"_shnor_anon": True}, name="anon-2")
    assert chart_titles(at)[0].startswith(f"Школа {ids[5]}: ")
    assert all(n.startswith("Школа ") and "№" not in n for n in frames(at)[-1]["Школа"])
    from shnor.ui.analysis_views import hidden_names
    store = Store.open(path)
    try:
        for view in (an.objectivity(store, SYSTEM, 2021), an.exit_distance(store, SYSTEM, 2022),
                     an.similar_schools(store, SYSTEM, 2021), an.task_analysis(store, SYSTEM, 2021)):
            d = hidden_names(view.download(), view.table["school_id"])
            assert list(d["Школа"]) == [f"Школа {i}" for i in view.table["school_id"]]
            assert set(d["Код ОО"]) == {"скрыт"}
        f = an.forecast_share(store, SYSTEM)
        order = [int(i) for i in f.forecast.projections["school_id"]]       # the forecast's rows follow these
        number = {v: k for k, v in ids.items()}
        assert list(f.download()["Школа"]) == [f"Школа №{number[i]}" for i in order]
        assert list(hidden_names(f.download(), order)["Школа"]) == [f"Школа {i}" for i in order]
    finally:
        store.close()
