"""«Анализ результатов» in real Debian Chromium against `streamlit run app.py` over a copy of the demo region (its
ВПР protocols carry the journal comparison and the points per task): a head opens the page, reads every tab at
1600 px and at meeting size (1280 × 720, ?meeting=1), downloads the objectivity table, and opens the school page
of a flagged ШНОР. Screenshots in tests/artifacts/analyses-*.png are to be looked at: titles that state the
message, Russian numbers, flags carried by shape and words, nothing cut with «…», no English."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server
from shnor.domain.permissions import SYSTEM
from shnor.read import analyses as an
from shnor.read.analysis import compute_list
from shnor.services import accounts
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "Head-pass-2026"
TABS = ["Объективность", "Поэлементный анализ", "Что нужно для выхода", "Похожие школы", "Прогноз"]
CASE: dict = {}     # a ШНОР of the current list with a flag, found before the server takes the database
LATIN = re.compile(r"\b[A-Za-z]{3,}\b")


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("e2e-analyses") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    try:
        accounts.add_user(store, SYSTEM, "glava", "head", PASSWORD)
        year = max(store.results.years())
        journal = store.analyses.journal([year])
        assert not journal.empty, "the demo's ВПР protocols carry no journal comparison"
        assert store.analyses.task_years(), "the demo's ВПР protocols carry no points per task"
        lst = compute_list(store, year + 1)
        shnor = [int(i) for i in lst.table.loc[lst.table["status"] == "shnor", "id"]]
        flagged = set(int(i) for i in an.objectivity(store, SYSTEM, year).flagged["school_id"])
        sid = next((s for s in shnor if s in flagged), None)
        assert sid is not None, "no ШНОР of the demo has a flag"
        CASE.update(id=sid, year=year, name=lst.table.set_index("id").at[sid, "short_name"])
    finally:
        store.close()
    return dst


@pytest.fixture(scope="module")
def server(db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


def new_page(browser, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU", accept_downloads=True)
    return ctx, ctx.new_page()


def main_text(page) -> str:
    """The page's text as read, without the names of Material icons (drawn as icons, not read as words)."""
    return page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]').cloneNode(true);
        m.querySelectorAll('[data-testid="stIconMaterial"], [translate="no"]').forEach(e => e.remove());
        document.body.appendChild(m); const t = m.innerText; m.remove(); return t; }""")


def section_text(page, first: str, until: str) -> str:
    """The text read between two headings of the page (the school page's analyses section), icons left out."""
    return page.evaluate("""([first, until]) => {
        const hs = [...document.querySelectorAll('[data-testid="stMain"] h1, [data-testid="stMain"] h2, '
                                                 + '[data-testid="stMain"] h3')];
        const top = hs.find(h => h.innerText.trim() === first).getBoundingClientRect().top;
        const end = hs.find(h => h.innerText.trim() === until).getBoundingClientRect().top;
        const out = [];
        for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')) {
            const r = el.getBoundingClientRect();
            if (r.height === 0 || r.top < top - 1 || r.top >= end) continue;
            const c = el.cloneNode(true);
            c.querySelectorAll('[data-testid="stIconMaterial"], [translate="no"]').forEach(e => e.remove());
            document.body.appendChild(c); out.push(c.innerText); c.remove();
        }
        return out.join('\\n'); }""", [first, until])


def assert_clean(page, text: str | None = None) -> str:
    assert page.locator("[data-testid='stException']").count() == 0
    text = main_text(page) if text is None else text
    assert "Traceback" not in text
    latin = [w for w in LATIN.findall(text) if w not in {"Excel"}]
    assert not latin, latin[:10]
    return text


def section_shot(page, name: str, first: str, until: str) -> Path:
    """The part of a long page between two headings (the school page's analyses section)."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(600)
    top = page.get_by_role("heading", name=first).bounding_box()
    end = page.get_by_role("heading", name=until).bounding_box()
    p = ARTIFACTS / f"{name}.png"
    y0 = max(0, top["y"] - 20)
    page.screenshot(path=str(p), clip={"x": 0, "y": y0, "width": size["width"], "height": end["y"] - y0})
    page.set_viewport_size(size)
    return p


EXPECT = {   # words each tab shows at the desk and in a meeting (the criterion, the rule's terms, the estimate)
    "Объективность": ["Критерий флага.", "Флаг «возможна необъективность» ставится", "Результатов с флагом"],
    "Поэлементный анализ": ["Работа ВПР", "Школа", "Скачать выполнение заданий"],
    "Что нужно для выхода": ["ШНОР: что нужно для выхода из списка", "Чтобы выйти из списка на",
                             "Группа риска: что поставит"],
    "Похожие школы": ["Кто эти похожие школы", "Все школы: сравнение с похожими"],
    "Прогноз": ["Оценка доли ШНОР", "Это оценка, а не прогноз с гарантией", "В 8 случаях из 10"],
}


@pytest.mark.parametrize("width,height,meeting", [(1600, 1000, False), (1280, 720, True)])
def test_head_reads_every_tab(server, browser, width, height, meeting):
    ctx, page = new_page(browser, width, height)
    try:
        login(page, server, "glava", PASSWORD)
        tag = f"{width}" + ("-meeting" if meeting else "")
        page.goto(f"{server}/analyses" + ("?meeting=1" if meeting else ""))
        settle(page, 2500)
        for i, tab in enumerate(TABS):
            if i:
                page.get_by_role("tab", name=tab).click()
                settle(page, 2000)
            text = assert_clean(page)
            for words in EXPECT[tab]:
                assert words in text, (tab, words)
            charts = page.locator("[data-testid='stVegaLiteChart']").count()
            assert charts == (0 if tab == "Что нужно для выхода" else 1), (tab, charts)
            shot(page, f"analyses-{i + 1}-{tag}")
    finally:
        ctx.close()


def test_objectivity_table_downloads_as_excel(server, browser, tmp_path):
    ctx, page = new_page(browser, 1600, 1000)
    try:
        login(page, server, "glava", PASSWORD)
        page.goto(f"{server}/analyses")
        settle(page, 2500)
        with page.expect_download(timeout=60_000) as dl:
            page.get_by_role("button", name="Скачать таблицу (Excel)").click()
        path = tmp_path / "объективность.xlsx"
        dl.value.save_as(path)
        assert dl.value.suggested_filename == f"объективность_{CASE['year']}-{CASE['year'] + 1}.xlsx"
        ws = openpyxl.load_workbook(path).active
        assert ws["A2"].value.startswith("Флаг «возможна необъективность» ставится")
        heads = [c.value for c in ws[5]]
        assert heads[:4] == ["Код ОО", "Школа", "Территория", "Работа"] and "Критерий" in heads
        assert ws.max_row > 100
    finally:
        ctx.close()


@pytest.mark.parametrize("width,height,meeting", [(1600, 1000, False), (1280, 720, True)])
def test_school_page_of_a_flagged_shnor(server, browser, width, height, meeting):
    ctx, page = new_page(browser, width, height)
    try:
        login(page, server, "glava", PASSWORD)
        tag = f"{width}" + ("-meeting" if meeting else "")
        page.goto(f"{server}/school?school={CASE['id']}" + ("&meeting=1" if meeting else ""))
        settle(page, 3000)
        expect = {"Объективность ВПР": ["возможна необъективность", "Критерий флага"], "Слабые задания": [],
                  "Что нужно для выхода": ["Статус в списке на", "Чтобы выйти из списка на"],
                  "Похожие школы": ["Кто эти похожие школы"]}
        for i, (tab, words) in enumerate(expect.items()):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(800)
            text = assert_clean(page, section_text(page, "Анализ результатов", "Собеседование с руководителем"))
            for w in words:
                assert w in text, (tab, w)
            assert page.locator("[data-testid='stDataFrame']").filter(has=page.locator(":visible")).count() >= 1
            section_shot(page, f"analyses-school-{i + 1}-{tag}", "Анализ результатов", "Собеседование с руководителем")
    finally:
        ctx.close()
