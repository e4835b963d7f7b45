"""«Показатели» in real Debian Chromium against `streamlit run app.py` over a copy of the demo region: what a
head sees at a glance (screenshots at 1400 px, normal and meeting mode), a methodist bound to a territory
entering a value, downloading the template, filling it and uploading it. Screenshots in tests/artifacts/
(indicators-*.png) are to be looked at: titles that state the message, Russian numbers, status never by colour
alone."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from browser import launch_browser, login, settle, shot, streamlit_server, wait_idle
from shnor.domain import events
from shnor.domain import indicators as ind_
from shnor.domain.permissions import SYSTEM
from shnor.read.analysis import compute_list
from shnor.services import accounts
from shnor.services import indicators as service
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORDS = {"glava": "Head-pass-2026", "metod-t": "Metod-pass-2026"}
TASHTAGOL = "Таштагольский муниципальный район"


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    """The demo region with a head, a methodist of Таштагол, and what users would have entered: targets of a
    few indicators, values from the roadmap's reports, two partnerships of ШНОР."""
    dst = tmp_path_factory.mktemp("ind-e2e") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    try:
        accounts.add_user(store, SYSTEM, "glava", "head", PASSWORDS["glava"])
        accounts.add_user(store, SYSTEM, "metod-t", "methodist", PASSWORDS["metod-t"], TASHTAGOL)
        last = max(store.results.years())
        tash = store.territories.find(TASHTAGOL)
        for code, target in [(ind_.GIA_PASS, "97"), (ind_.OGE_GOOD, "50"), (ind_.VPR_QUALITY, "55"),
                             (ind_.VPR_FAIL, "8"), (ind_.PREVENTIVE, "20"), (ind_.SHNOR_PARTNERSHIP, "10")]:
            for y in (last - 1, last):
                service.set_target(store, SYSTEM, code, None, y, target)
        for code, values in [(ind_.TEACHERS_TRAINED, ("61", "68,5")), (ind_.PREVENTIVE, ("31", "24"))]:
            service.set_value(store, SYSTEM, code, last - 1, values[0], territory_id=None)
            service.set_value(store, SYSTEM, code, last, values[1], territory_id=None)
        service.set_target(store, SYSTEM, ind_.TEACHERS_TRAINED, None, last, "70")
        service.set_target(store, SYSTEM, ind_.TEACHERS_TRAINED, tash, last, "75")
        lst = compute_list(store, last)
        shnor = [int(i) for i in lst.table.loc[lst.table["status"] == "shnor", "id"]][:3]
        partners = [int(i) for i in lst.table.loc[lst.table["status"] == "ok", "id"]][:3]
        with store.unit(SYSTEM) as u:
            u.sql.many("INSERT INTO partnerships (school_id, partner_id, since) VALUES (?, ?, ?)",
                       [[s, p, dt.date(last, 10, 1)] for s, p in zip(shnor, partners)])
            u.record(events.PARTNER_SET, schools=shnor)
    finally:
        store.close()
    return dst


@pytest.fixture(scope="module")
def server(db):
    with streamlit_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU", accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def open_indicators(page, server: str, user: str, query: str = "") -> str:
    login(page, server, user, PASSWORDS[user])
    page.goto(f"{server}/indicators{query}")
    settle(page, 1500)
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.inner_text("body")
    assert "Traceback" not in body
    return body


def test_head_reads_the_indicators_at_a_glance(server, page):
    body = open_indicators(page, server, "glava")
    assert "Показатели" in body and "Весь регион, 2024/2025: достигнуто целей — " in body
    for words in ("✔ цель достигнута", "◐ близко к цели", "✖ цель не достигнута", "Учебный год 2024/2025"):
        assert words in body, words
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 1
    assert page.get_by_role("button", name="Сохранить цель").count() == 1           # a head sets targets
    assert page.get_by_role("button", name="Сохранить значение").count() == 0       # but enters no values
    shot(page, "indicators-head-1400")
    page.goto(f"{server}/indicators?meeting=1")
    settle(page, 1500)
    assert page.get_by_role("button", name="Сохранить цель").count() == 0
    shot(page, "indicators-meeting-1400")


def test_methodist_enters_a_value_and_uploads_the_template(server, page, tmp_path):
    body = open_indicators(page, server, "metod-t")
    assert f"{TASHTAGOL}, 2024/2025" in body
    shot(page, "indicators-methodist-1400")
    # a value typed in the form (the first indicator of the list: ШНОР in partnership)
    page.get_by_label("Значение", exact=True).fill("3")
    page.get_by_role("button", name="Сохранить значение").click()
    settle(page, 1000)
    body = page.inner_text("body")
    assert "Значение сохранено: «ШНОР в сотрудничестве»" in body and "2024/2025 — 3" in body
    # the template: downloaded, filled, uploaded
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Скачать шаблон (Excel)").click()
    path = tmp_path / "показатели.xlsx"
    dl.value.save_as(path)
    settle(page, 1000)                        # a file set while the page reruns would be lost
    assert dl.value.suggested_filename == "показатели_2024-2025.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[ind_.TEMPLATE_SHEET]
    filled = 0
    for row in ws.iter_rows(min_row=2):
        if row[0].value in (ind_.SATISFIED, ind_.TEACHERS_TRAINED) and row[4].value == TASHTAGOL:
            row[7].value = {ind_.SATISFIED: "78,5", ind_.TEACHERS_TRAINED: 73}[row[0].value]
            filled += 1
    assert filled == 2
    wb.save(path)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    page.get_by_text("показатели.xlsx", exact=True).first.wait_for(timeout=30_000)
    settle(page, 1000)                        # the file reaches the server before the form is sent
    page.get_by_role("button", name="Загрузить значения").click()
    settle(page, 2000)
    body = page.inner_text("body")
    # the value typed above is in the template already: kept, not rewritten
    assert "Файл «показатели.xlsx» загружен: сохранено значений — 2, без изменений — 1." in body
    shot(page, "indicators-methodist-uploaded-1400")
