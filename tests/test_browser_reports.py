"""The «Отчёты» page and the Overview's print view in real Debian Chromium, over a copy of the demo region:
the page for a head and a viewer (screenshots), the list and the meeting pack downloaded through the browser,
the print view opened from the page, printed to tests/artifacts/overview_print.pdf with Chromium's own printing
(page.pdf) and rendered to PNG with pdftoppm when it is installed, then left. Screenshots and the PDF are
artefacts to look at."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server, wait_idle
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store
from shnor.ui.meeting import PRINT_HINT

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORDS = {"glava": "Head-pass-2026", "nabl": "Viewer-pass-2026"}


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("e2e-reports") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    wal = Path(str(demo_db_master) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    store = Store.open(dst)
    accounts.add_user(store, SYSTEM, "glava", "head", PASSWORDS["glava"])
    accounts.add_user(store, SYSTEM, "nabl", "viewer", PASSWORDS["nabl"])
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
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU", accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def open_reports(page, server, user: str) -> None:
    login(page, server, user, PASSWORDS[user])
    page.get_by_test_id("stSidebarNav").get_by_text("Отчёты", exact=True).click()
    settle(page, 1000)
    assert page.get_by_role("heading", name="Отчёты").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0


def download(page, label: str, path: Path) -> Path:
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name=label).click()
    dl.value.save_as(path)
    return path


def test_the_head_downloads_the_list_and_the_meeting_pack(server, page, tmp_path):
    open_reports(page, server, "glava")
    shot(page, "reports-head")
    body = page.inner_text("body")
    assert "Номер приказа" in body and "Дата приказа" in body and "не утверждён" in body
    xlsx = download(page, "Список в форме приложения (Excel)", tmp_path / "список.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Список ШНОР", "Критерии и основания", "Все школы"]
    ws = wb["Список ШНОР"]
    assert ws["A1"].value == "Приложение" and [c.value for c in ws[9]] == ["№ п/п", "Территория", "ОО"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$9:$9"
    docx_path = download(page, "Список в форме приложения (Word)", tmp_path / "список.docx")
    with zipfile.ZipFile(docx_path) as z:
        assert "word/document.xml" in z.namelist()
    pack = download(page, "Пакет для совещания (ZIP)", tmp_path / "совещание.zip")
    with zipfile.ZipFile(pack) as z:
        pngs = [n for n in z.namelist() if n.endswith(".png")]
        assert pngs[:2] == ["01_itogi.png", "02_dolya_shnor.png"] and len(pngs) >= 3
        from PIL import Image
        for n in pngs:
            assert Image.open(io.BytesIO(z.read(n))).size == (1920, 1080)
        ARTIFACTS.joinpath("meeting-pack").mkdir(exist_ok=True)
        for n in pngs:
            ARTIFACTS.joinpath("meeting-pack", n).write_bytes(z.read(n))


def test_a_viewer_downloads_but_has_no_order_fields(server, page):
    open_reports(page, server, "nabl")
    shot(page, "reports-viewer")
    body = page.inner_text("body")
    assert "Номер приказа" not in body and "Утвердить список" not in body
    assert page.get_by_role("button", name="Список в форме приложения (Excel)").count() == 1
    assert page.get_by_role("button", name="Аналитическая справка (Word)").count() == 1


def test_the_print_view_prints_to_clean_pages(server, page):
    open_reports(page, server, "glava")
    page.get_by_role("button", name="Версия для печати").click()
    page.wait_for_url("**print=1**", timeout=60_000)
    settle(page, 2500)
    body = page.inner_text("body")
    assert PRINT_HINT in body and "список ШНОР на" in body
    assert page.get_by_test_id("stSidebar").is_hidden() or page.get_by_test_id("stSidebar").count() == 0
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 2
    shot(page, "overview-print-view")
    pdf = ARTIFACTS / "overview_print.pdf"
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        pages = text.split("\f")
        assert "Обзор" in pages[0] and "список ШНОР на" in pages[0]
        assert "Версия для печати" not in text and "Выйти" not in text and "Режим совещания" not in text
        assert 2 <= len([p for p in pages if p.strip()]) <= 12
    if shutil.which("pdftoppm"):
        for old in ARTIFACTS.glob("overview_print-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(ARTIFACTS / "overview_print")], check=True)
        assert list(ARTIFACTS.glob("overview_print-*.png"))
    # leaving the print view brings the sidebar back
    page.get_by_role("button", name="Закрыть версию для печати").click()
    settle(page, 1000)
    assert "print=1" not in page.url and PRINT_HINT not in page.inner_text("body")
    assert page.get_by_test_id("stSidebar").is_visible()


def test_the_print_view_by_its_address(server, page):
    login(page, server, "nabl", PASSWORDS["nabl"])
    page.goto(server + "/?print=1")
    settle(page, 2500)
    assert PRINT_HINT in page.inner_text("body")
    assert page.locator("[data-testid='stSelectbox']:visible").count() == 0
    width = page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').getBoundingClientRect().width")
    assert 800 <= width <= 900
