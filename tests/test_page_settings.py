"""The «Настройки» page in AppTest: a scale corrected on the page shows which results and statuses changed
(tests/scaledb.py, hand-computed), a territory is added through the service and its name is shown as text,
and users who may not change settings get no forms."""
from __future__ import annotations

import pytest

from scaledb import build
from shnor.ui.safe import md
from smalldb import HOSTILE_TERRITORY, open_page_as


@pytest.fixture
def scale_db(tmp_path, monkeypatch, clear_streamlit_caches):
    path = tmp_path / "scale.duckdb"
    store, ids, _ = build(path)
    store.close()
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path, ids


def name_input(at):
    return next(t for t in at.text_input if t.label == "Название")


def frame_with(at, column: str):
    """The one dataframe of the page with this column."""
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, column
    return frames[0]


def page_store():
    from shnor.ui.db import get_store
    return get_store()


def test_admin_corrects_a_scale_and_sees_what_changed(scale_db):
    path, _ = scale_db
    at = open_page_as("settings", path, "root", "admin")
    at.selectbox(key="scale_year").select(2021).run()
    inputs = {n.label: n for n in at.number_input}
    assert [inputs[k].value for k in ("«3» от, баллов", "«4» от, баллов", "«5» от, баллов", "Максимум баллов")] == \
        [7, 11, 15, 20]                                                      # the stored scale A
    inputs["«3» от, баллов"].set_value(8)
    at.button(key="FormSubmitter:scale_form-Сохранить шкалу").click().run()
    assert not at.exception and not at.error
    msg = at.success[0].value
    assert msg.startswith("Шкала ВПР, математика, 5 кл., 2021/2022 сохранена: «2» 0–7; «3» 8–10")
    assert "отметки изменились у 2, из них число «2» — у 2" in msg and "Не пересчитываются" in msg
    res = frame_with(at, "«2» было").set_index("Школа")
    assert list(res.index) == ["Школа А", "Школа Б"]
    assert (res.loc["Школа Б", "«2» было"], res.loc["Школа Б", "«2» стало"]) == (2, 3)
    assert res.loc["Школа Б", "Доля «2» стала"] == "30,0\u00a0%"
    st = frame_with(at, "Стало")
    assert st.values.tolist() == [["2022/2023", "Школа Б", "Северный район", "группа риска", "ШНОР"]]
    assert page_store().reference.mark_scales()[("VPR-MATH-5", 2021)].bounds[2] == (0, 7)
    table = frame_with(at, "Максимум")                   # the scales table above is already the corrected one
    row = table[(table["Учебный год"] == "2021/2022") & (table["Процедура"] == "ВПР, математика, 5 кл.")]
    assert row[["«2»", "«3»"]].values.tolist() == [["0–7", "8–10"]]
    assert len(page_store().audit.list(actor="root", action="set_mark_scale")) == 1
    # the caption says what is recomputed and what is not
    assert any("пересчитываются из сохранённого распределения первичных баллов" in c.value and
               "не пересчитываются" in c.value for c in at.caption)


def test_admin_adds_a_territory_whose_name_is_shown_as_text(scale_db):
    path, _ = scale_db
    at = open_page_as("settings", path, "root", "admin")
    [into] = [b for b in at.selectbox if b.label == "Входит в"]
    terr = page_store().territories.list()
    munis = set(terr.loc[terr["kind"] == "municipality", "name"])
    assert into.options[0] == "регион" and set(into.options[1:]) == munis   # one region: the region is «регион»
    name_input(at).set_value(HOSTILE_TERRITORY)
    at.button(key="FormSubmitter:territory_add-Добавить").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == f"Территория «{md(HOSTILE_TERRITORY)}» добавлена."
    assert ":red[" not in at.success[0].value
    assert page_store().territories.find(HOSTILE_TERRITORY) is not None
    assert len(page_store().audit.list(actor="root", action="territory_add")) == 1
    names = frame_with(at, "Название")["Название"]
    assert HOSTILE_TERRITORY in list(names)                                   # a dataframe cell: plain text
    name_input(at).set_value(HOSTILE_TERRITORY.lower())
    at.button(key="FormSubmitter:territory_add-Добавить").click().run()
    assert [e.value for e in at.error] == [md(f"Территория «{HOSTILE_TERRITORY.lower()}» уже есть.")]


@pytest.mark.parametrize("role, territory", [("methodist", None), ("head", None), ("admin", "Северный район")])
def test_no_forms_for_who_may_not_change(scale_db, role, territory):
    path, _ = scale_db
    at = open_page_as("settings", path, f"u-{role}", role, territory)
    labels = [e.label for e in at.expander]
    assert "Добавить или исправить шкалу года" not in labels and "Добавить или исправить порог" not in labels
    assert not at.data_editor and not [t for t in at.text_input if t.label == "Название"]
    assert all(b.disabled for b in at.button if b.label.startswith("Сохранить"))
