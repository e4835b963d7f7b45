"""End-to-end in real Debian Chromium against a real `streamlit run app.py` over a copy of the demo region.

Covers: the fresh-server direct-address check (every page file guards itself), login, every page with a
screenshot (tests/artifacts/), an upload through the browser, a download, reload keeping the login, logout,
meeting mode. Screenshots are artefacts to look at, not assertions.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server, wait_idle
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.read.analysis import compute_list
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORDS = {"admin": "Adm1n-pass-2026", "metod": "Metod-pass-2026", "glava": "Head-pass-2026",
             "nabl": "Viewer-pass-2026"}
SHNOR_SCHOOL: dict = {}  # a school of the current list, found before the server takes the database
PAGE_FILES = ["overview", "upload", "identification", "school", "settings", "users"]


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("e2e") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    accounts.add_user(store, SYSTEM, "admin", "admin", PASSWORDS["admin"])
    accounts.add_user(store, SYSTEM, "metod", "methodist", PASSWORDS["metod"])
    accounts.add_user(store, SYSTEM, "glava", "head", PASSWORDS["glava"])
    accounts.add_user(store, SYSTEM, "nabl", "viewer", PASSWORDS["nabl"])
    lst = compute_list(store, max(store.results.years()) + 1)
    SHNOR_SCHOOL.update(lst.table[lst.table["status"] == "shnor"].iloc[0][["school_code", "short_name"]].to_dict())
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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(db) as url:
        yield url


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_fresh_server_direct_page_addresses_show_only_the_login_form(db, browser):
    """On a freshly started server the first request to a page's address must not run it unguarded."""
    with streamlit_server(db) as url:
        for name in PAGE_FILES:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            pg = ctx.new_page()
            pg.goto(f"{url}/{name}")
            wait_idle(pg)
            body = pg.inner_text("body")
            assert pg.get_by_label("Логин").count() == 1, name
            assert pg.get_by_role("button", name="Войти").count() == 1, name
            for leak in ("ШНОР в списке", "sch42", "edu42", "Таштагольский", "Импорт", "История загрузок"):
                assert leak not in body, (name, leak)
            assert "Traceback" not in body
            shot(pg, f"fresh-direct-{name}")
            ctx.close()


def test_wrong_password_is_refused_in_russian(server, page):
    login(page, server, "metod", "wrong-password")
    body = page.inner_text("body")
    assert "Неверный логин или пароль" in body or "неверн" in body.lower()
    assert page.get_by_label("Пароль").count() == 1
    shot(page, "login-refused")


def test_admin_sees_every_page_and_each_renders(server, page):
    login(page, server, "admin", PASSWORDS["admin"])
    shot(page, "page-overview")
    body = page.inner_text("body")
    assert "Traceback" not in body and "Обзор" in body
    for title, name in [("Загрузка", "upload"), ("Выявление ШНОР", "identification"), ("Школа", "school"),
                        ("Настройки", "settings"), ("Пользователи", "users"), ("Обзор", "overview")]:
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        wait_idle(page)
        body = page.inner_text("body")
        assert "Traceback" not in body and "Error" not in body.split("\n")[0], name
        assert page.locator("[data-testid='stException']").count() == 0, name
        shot(page, f"page-{name}")


def test_upload_through_the_browser(server, page, tmp_path):
    f = tmp_path / "шаблон_огэ.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Учебный год", "Процедура", "Код ОО", "Наименование ОО", "Территория", "Участников",
               "Низкий результат, чел."])
    ws.append(["2024/2025", "OGE-LIT", "sch429998", "МБОУ «Проверочная СОШ»", "Таштагольский муниципальный район",
               14, 2])
    wb.save(f)
    login(page, server, "metod", PASSWORDS["metod"])
    page.get_by_test_id("stSidebarNav").get_by_text("Загрузка", exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(f))
    settle(page, 1500)
    shot(page, "upload-preview")
    body = page.inner_text("body")
    assert "шаблон_огэ.xlsx" in body and "Шаблон" in body
    page.get_by_role("button", name="Сохранить").first.click()
    settle(page, 1000)
    shot(page, "upload-saved")
    body = page.inner_text("body")
    assert "сохранено строк: 1" in body and "новых школ: 1" in body
    # the server holds the database file: another page reading the stored school is the proof of storage
    page.goto(server + "/school?school=sch429998")
    wait_idle(page)
    shot(page, "upload-school-card")
    assert "Проверочная СОШ" in page.inner_text("body")


def test_school_page_of_a_shnor_school(server, page):
    login(page, server, "nabl", PASSWORDS["nabl"])
    page.goto(f"{server}/school?school={SHNOR_SCHOOL['school_code']}")
    settle(page, 1500)
    shot(page, "page-school-shnor")
    body = page.inner_text("body")
    assert SHNOR_SCHOOL["short_name"] in body and "ШНОР" in body and "Критерий" in body
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 1


def test_download_the_list_as_excel(server, page, tmp_path):
    login(page, server, "glava", PASSWORDS["glava"])
    page.get_by_test_id("stSidebarNav").get_by_text("Выявление ШНОР", exact=True).click()
    wait_idle(page)
    shot(page, "identification-head")
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Скачать список (Excel)").first.click()
    path = tmp_path / "список.xlsx"
    dl.value.save_as(path)
    assert dl.value.suggested_filename.endswith(".xlsx")
    wb = openpyxl.load_workbook(path)
    text = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "ШНОР" in text and "Основания" in text


def test_identification_tabs_render(server, page):
    login(page, server, "glava", PASSWORDS["glava"])
    page.get_by_test_id("stSidebarNav").get_by_text("Выявление ШНОР", exact=True).click()
    wait_idle(page)
    for tab, name in [("Тепловая карта", "heatmap"), ("Сравнение с прошлым годом", "last-year"),
                      ("Каких данных нет", "missing"), ("Официальный список", "official")]:
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        shot(page, f"identification-{name}")
        assert page.locator("[data-testid='stException']").count() == 0, tab
    page.get_by_role("tab", name="Тепловая карта").click()
    wait_idle(page)
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 1


def test_meeting_mode_hides_the_sidebar_and_edit_controls(server, page):
    login(page, server, "admin", PASSWORDS["admin"])
    page.goto(server + "/?meeting=1")
    wait_idle(page)
    shot(page, "meeting-overview")
    assert page.get_by_test_id("stSidebar").is_hidden() or page.get_by_test_id("stSidebar").count() == 0
    page.goto(server + "/identification?meeting=1&anon=1")
    wait_idle(page)
    shot(page, "meeting-identification-anon")
    body = page.inner_text("body")
    assert "Школа " in body
    assert page.get_by_role("button", name="Утвердить").count() == 0
