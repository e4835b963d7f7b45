"""End-to-end in real Debian Chromium over a copy of the demo region: a methodist opens a ШНОР's school page,
sees its risk profile and the suggested partners with their reasons, pairs the first one, and sees the
partner's results beside the school's. Screenshots (tests/artifacts/support-*.png) are to be looked at."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server
from shnor.domain.permissions import SYSTEM
from shnor.read import support as rs
from shnor.read.analysis import compute_list
from shnor.services import accounts
from shnor.services import support as sv
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "Metod-pass-2026"
CASE: dict = {}   # the ШНОР school and its first suggestion, found before the server takes the database


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("e2e-support") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    try:
        accounts.add_user(store, SYSTEM, "metod", "methodist", PASSWORD)
        year = rs.current_year(store)
        lst = compute_list(store, year)
        shnor = lst.table[lst.table["status"] == "shnor"]
        for r in shnor.itertuples(index=False):
            sg = rs.partner_suggestions(store, SYSTEM, int(r.id), year)
            if sg.items:
                CASE.update(id=int(r.id), name=r.short_name, partner=sg.items[0].school.name,
                            partner_id=sg.items[0].school.id, reason=sg.items[0].reason_ru)
                break
        assert CASE, "no ШНОР of the demo has a partner suggestion"
        CASE.update(year=year, year_ru=f"{year}/{year + 1}")
        sv.set_risk_levels(store, SYSTEM, CASE["id"], year, {
            1: ("средний", {"internet_mbps": 20, "digital_share": 40}), 2: ("высокий", {"subject_vacancies": 3}),
            4: ("низкий", {"ovz_share": 4.5}), 6: "высокий", 9: ("высокий", {"catch_up_share": 31}),
            10: ("средний", {"parents_meetings_share": 42}),
            3: None, 5: None, 7: None, 8: None})          # whatever the demo rated, these four are not rated
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


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_methodist_pairs_a_suggested_partner(server, page):
    login(page, server, "metod", PASSWORD)
    page.goto(f"{server}/school?school={CASE['id']}")
    settle(page, 2000)
    page.get_by_role("heading", name="Рисковый профиль").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Рисковый профиль").scroll_into_view_if_needed()
    body = page.inner_text("body")
    assert "Traceback" not in body and page.locator("[data-testid='stException']").count() == 0
    assert "Рисковый профиль" in body and "высокий риск — 3 фактора (оценено 6 из 10)" in body
    assert "Предлагаемые партнёры" in body and CASE["partner"] in body and "Партнёр не назначен." in body
    shot(page, "support-school-before")

    page.get_by_role("button", name="Назначить партнёром").first.click()
    settle(page, 2000)
    body = page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Школа-партнёр назначена: " + CASE["partner"] in body
    assert "Основание: " + CASE["reason"][:40] in body
    assert "Завершить партнёрство" in body and "Другие кандидаты в партнёры" in body
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 3     # trends, marks, school and partner
    page.get_by_role("heading", name="Школа-партнёр").scroll_into_view_if_needed()
    shot(page, "support-school-paired")


def test_methodist_rates_a_factor_in_the_form(server, page):
    login(page, server, "metod", PASSWORD)
    page.goto(f"{server}/school?school={CASE['id']}")
    settle(page, 2000)
    page.get_by_role("heading", name="Рисковый профиль").wait_for(timeout=60_000)
    form = page.get_by_test_id("stExpander").filter(has_text="Изменить рисковый профиль на")
    form.wait_for(timeout=60_000)
    form.locator("summary").click()
    settle(page, 500)
    box = page.locator(f".st-key-risk_{CASE['id']}_{CASE['year']}_8")
    box.scroll_into_view_if_needed()
    shot(page, "support-risk-form")
    box.scroll_into_view_if_needed()          # the screenshot stretched and restored the viewport
    box.locator("input").click()
    page.get_by_role("option", name="высокий", exact=True).click()
    page.get_by_label("Доля обучающихся группы риска, %").fill("18,5")
    page.get_by_role("button", name="Сохранить профиль").click()
    settle(page, 1500)
    body = page.inner_text("body")
    assert "Рисковый профиль на " + CASE["year_ru"] + " сохранён: изменено 1 фактор." in body
    assert "высокий риск — 4 фактора (оценено 7 из 10)" in body and "доля обучающихся группы риска — 18,5" in body
    page.get_by_role("heading", name="Рисковый профиль").scroll_into_view_if_needed()
    shot(page, "support-risk-saved")
