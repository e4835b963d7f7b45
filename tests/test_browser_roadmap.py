"""«Дорожная карта» in real Chromium: a methodist uploads a Word roadmap in seed 001's shape through the page,
marks a measure done with evidence, and the overview's «Требует внимания» counts the overdue ones; screenshots
of the roadmap page (desk and meeting mode) and of the overview section are artefacts to look at."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser import launch_browser, login, settle, shot, streamlit_server, wait_idle
from roadmapdocs import seed001_blocks, write_docx
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.services.roadmap import remove_roadmap
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "Metod-pass-2026"


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("e2e_rm") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    for rid in [int(i) for i in store.roadmaps.list()["id"]]:   # a clean slate: the roadmap comes from the upload
        remove_roadmap(store, SYSTEM, rid)
    accounts.add_user(store, SYSTEM, "metod", "methodist", PASSWORD)
    store.close()
    return dst


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(db):
    with streamlit_server(db) as url:
        yield url


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_upload_mark_done_and_see_it_on_the_overview(server, page, tmp_path):
    f = write_docx(tmp_path / "Дорожная карта 2023-2025.docx", seed001_blocks())
    login(page, server, "metod", PASSWORD)
    page.get_by_test_id("stSidebarNav").get_by_text("Дорожная карта", exact=True).click()
    wait_idle(page)
    assert "Дорожных карт пока нет" in page.inner_text("body")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(f))
    settle(page, 800)
    page.get_by_role("button", name="Загрузить").click()
    settle(page, 1500)
    body = page.inner_text("body")
    assert "загружена" in body and "Traceback" not in body
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "page-roadmap")
    # mark the first measure done with evidence
    page.get_by_label("Подтверждение (что сделано)").fill("Рабочая группа создана")
    page.get_by_label("Документ (приказ, протокол, справка)").fill("Приказ № 12 от 20.01.2023")
    page.get_by_test_id("stSelectbox").filter(has_text="Статус").locator("input").click()
    page.get_by_role("option", name="выполнено", exact=True).click()
    page.get_by_role("button", name="Сохранить", exact=True).click()
    settle(page, 2500)
    shot(page, "page-roadmap-marked")
    body = page.inner_text("body")
    assert "1.1. сохранено" in body and "8,3" in body            # 1 of 12 done
    # canvas tables are not page text: the stored evidence is checked in the database after the server stops
    page.goto(server + "/roadmap?meeting=1")
    settle(page, 1000)
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "page-roadmap-meeting")
    page.goto(server + "/")                 # the overview is the default page
    settle(page, 1500)
    body = page.inner_text("body")
    assert "Требует внимания" in body and "Просрочено мероприятий" in body
    shot(page, "page-overview-attention")
