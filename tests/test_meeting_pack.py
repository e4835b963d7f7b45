"""The meeting pack: a zip with one 1920×1080 PNG per chart of the Overview (and the figures first), the slides'
messages worded as the Overview's charts, the user's territory, a long list of territories over several
slides. On the region of tests/listdb.py (list year 2022: two ШНОР in two districts)."""
from __future__ import annotations

import io
import struct
import zipfile

import pandas as pd
import pytest
from PIL import Image

from listdb import NORTH, SOUTH, YEAR
from shnor.domain.permissions import SYSTEM, Forbidden, User
from shnor.read.analysis import load_rule_settings
from shnor.read.overview import build_overview
from shnor.reports import meeting_pack as mp


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk follows the 8-byte signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def charts_of_the_overview(data) -> list[str]:
    """The charts pages/overview.py draws for these figures (its own conditions)."""
    names = []
    if not data.trend.empty:
        names.append("trend")
    if len(data.territories) > 1:
        names.append("territories")
    if data.figures.shnor:
        names.append("procedures")
    return names


def test_the_pack_holds_one_slide_per_overview_chart_at_1920x1080(list_store):
    store, _ = list_store
    pack = mp.meeting_pack(store, SYSTEM, YEAR, None)
    assert pack.file_name == "совещание_ШНОР_2022-2023.zip"
    z = zipfile.ZipFile(io.BytesIO(pack.data))
    pngs = [n for n in z.namelist() if n.endswith(".png")]
    data = build_overview(store, YEAR, None, load_rule_settings(store))
    assert charts_of_the_overview(data) == ["trend", "territories", "procedures"]
    assert pngs == ["01_itogi.png", "02_dolya_shnor.png", "03_territorii.png", "04_procedury.png"]
    for name in pngs:
        raw = z.read(name)
        assert png_size(raw) == (1920, 1080), name
        with Image.open(io.BytesIO(raw)) as im:
            assert im.size == (1920, 1080)
            assert len(set(im.convert("L").resize((96, 54)).getdata())) > 8, f"{name} is blank"
    assert all(n.isascii() for n in z.namelist())
    index = z.read("soderzhanie.txt").decode("utf-8-sig")
    assert "Весь регион, список ШНОР на 2022/2023" in index
    for i, s in enumerate(pack.slides, start=1):
        assert f"{i}. {s.file} — {s.title}" in index


def test_the_slides_state_the_overviews_messages(list_store):
    from shnor.ui import views
    store, _ = list_store
    data = build_overview(store, YEAR, None, load_rule_settings(store))
    slides = {s.file: s for s in mp.overview_slides(data, "Весь регион")}

    def title_of(chart) -> str:
        text = chart.to_dict()["title"]["text"]
        return text if isinstance(text, str) else " — ".join(text)

    assert slides["02_dolya_shnor.png"].title == data.trend_message == title_of(
        views.trend_chart(data.trend, data.trend_message))
    assert slides["03_territorii.png"].title == title_of(views.territories_chart(data.territories, YEAR))
    assert slides["04_procedury.png"].title == title_of(views.procedures_chart(data.procedures, data.figures.shnor))
    assert slides["01_itogi.png"].title == "Весь регион: список ШНОР на 2022/2023"
    # large type: the title and every axis' labels
    spec = slides["04_procedury.png"].spec
    assert spec["title"]["fontSize"] >= 40 and spec["config"]["axis"]["labelFontSize"] >= 24
    assert (spec["width"], spec["height"]) == (1920, 1080)
    # Russian numbers: the same locale as the dashboard's charts
    from shnor.ui.charts import RU_LOCALE
    assert spec["config"]["locale"] == RU_LOCALE.to_dict()


def test_a_territory_of_its_own_and_a_bound_user(list_store):
    store, _ = list_store
    north = store.territories.find(NORTH)
    user = User("n", "viewer", north, NORTH, frozenset(store.territories.subtree(north)))
    pack = mp.meeting_pack(store, user, YEAR, north)
    names = [n for n in zipfile.ZipFile(io.BytesIO(pack.data)).namelist() if n.endswith(".png")]
    assert names == ["01_itogi.png", "02_dolya_shnor.png", "04_procedury.png"]   # one territory: no comparison
    assert pack.slides[0].title == f"{NORTH}: список ШНОР на 2022/2023"
    with pytest.raises(Forbidden):
        mp.meeting_pack(store, user, YEAR, store.territories.find(SOUTH))
    with pytest.raises(Forbidden):
        mp.meeting_pack(store, user, YEAR, None)


def test_a_year_without_results_has_the_charts_the_overview_draws(list_store):
    store, _ = list_store
    data = build_overview(store, 2015, None, load_rule_settings(store))
    assert charts_of_the_overview(data) == ["territories"]       # no trend, no ШНОР
    pack = mp.meeting_pack(store, SYSTEM, 2015, None)
    z = zipfile.ZipFile(io.BytesIO(pack.data))
    assert [n for n in z.namelist() if n.endswith(".png")] == ["01_itogi.png", "03_territorii.png"]
    assert png_size(z.read("01_itogi.png")) == (1920, 1080)
    assert "Результатов за 2014/2015 учебный год нет ни у одной школы." in pack.slides[0].spec["title"]["subtitle"]
    written = [str(v) for rows in pack.slides[0].spec["datasets"].values() for r in rows for v in r.values()]
    assert "нет вывода" in written                                 # «До цели»: no verdict on so few data
    assert "За 2014/2015 учебный год результатов нет — вывод о цели не делается." in written


def test_many_territories_continue_on_further_slides(list_store):
    store, _ = list_store
    data = build_overview(store, YEAR, None, load_rule_settings(store))
    n = mp.TERRITORIES_PER_SLIDE + 4
    data.territories = pd.DataFrame({
        "territory_id": range(n), "territory": [f"Территория {i:02d}" for i in range(n)], "schools": 10,
        "shnor": [i % 4 for i in range(n)], "share": [(i % 4) / 10 for i in range(n)], "target": 0.1,
        "allowed": 1, "gap": [max(0, i % 4 - 1) for i in range(n)], "met": [i % 4 <= 1 for i in range(n)],
        "with_data": 10, "coverage_share": 1.0, "sufficient": True, "withheld": ""})
    slides = mp.territories_slides(data)
    assert [s.file for s in slides] == ["03_territorii_1.png", "03_territorii_2.png"]
    shown = [t for s in slides for layer in s.spec["layer"][:1]
             for t in s.spec["datasets"][layer["data"]["name"]] for t in [t["territory"]]]
    assert sorted(shown) == sorted(data.territories["territory"])
    assert all(s.title == "Выше цели — 10 из 20 территорий" for s in slides)
    assert png_size(slides[1].png()) == (1920, 1080)


def test_long_titles_break_after_the_dash():
    assert mp.title_lines("Короткий заголовок") == "Короткий заголовок"
    lines = mp.title_lines("Чаще всего низкие результаты ШНОР — ВПР, математика, 6 кл.: 19 школ из 22 и ещё слова")
    assert lines[0] == "Чаще всего низкие результаты ШНОР —" and all(len(x) <= mp.TITLE_LINE for x in lines)
