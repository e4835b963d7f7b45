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
