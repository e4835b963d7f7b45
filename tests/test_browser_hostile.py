"""Hostile names in real Chromium: a methodist bound to Таштагол uploads a file whose schools are named with
Markdown, HTML, links, images, icons and formulas; an admin then opens every page. Nothing from the data may
become bold text, a link or an image, and the browser may ask no address but the server's."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server, wait_idle
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

TASHTAGOL = "Таштагольский муниципальный район"
EVIL = "evil.example"
PIXEL = "127.0.0.1:9"          # nothing listens there: a fetched image would show as a request to it
HOSTILE = {
    "sch429901": "**Жирная** СОШ",
    "sch429902": f"[Сеанс истёк: войдите снова](http://{EVIL}/login)",
    "sch429903": f"![](http://{PIXEL}/pixel.png) СОШ с картинкой",
    "sch429904": f"<img src=http://{PIXEL}/x.png> <b>HTML</b> СОШ",
    "sch429905": ":red[Красная] :material/warning: СОШ",
    "sch429906": f'=HYPERLINK("http://{EVIL}","click")',
    "sch429907": f"СОШ http://{EVIL}/plain и www.{EVIL}",
}
PASSWORDS = {"admin": "Adm1n-pass-2026", "tash": "Tash-metod-2026"}


def hostile_file(path: Path) -> Path:
    """Template rows: two low ВПР results in 2024/2025 for each hostile school (ШНОР by criterion 1)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Учебный год", "Процедура", "Код ОО", "Наименование ОО", "Территория", "Участников",
               "Низкий результат, чел."])
    for login_, name in HOSTILE.items():
        for proc in ("VPR-MATH-5", "VPR-RUS-5"):
            ws.append(["2024/2025", proc, login_, name, TASHTAGOL, 20, 9])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("hostile") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    accounts.add_user(store, SYSTEM, "admin", "admin", PASSWORDS["admin"])
    accounts.add_user(store, SYSTEM, "tash", "methodist", PASSWORDS["tash"], TASHTAGOL)
    store.close()
    return dst


@pytest.fixture(scope="module")
def served(db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(db) as url, playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield url, b
        b.close()


@pytest.fixture
def run(served, tmp_path):
    """A fresh browser context (nobody logged in) and every request it made that did not go to the server."""
    url, b = served
    ctx = b.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    foreign: list[str] = []
    ctx.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith(("data:", "blob:"))
           else foreign.append(r.url))
    yield url, ctx.new_page(), foreign, tmp_path
    ctx.close()


def no_markup_from_data(page) -> None:
    main = page.locator("[data-testid='stMain'], [data-testid='stSidebar']")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => new URL(e.href).host)")  # where links lead
    assert not [h for h in hrefs if EVIL in h], hrefs
    srcs = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
    assert not [s for s in srcs if PIXEL in s], srcs
    bold = page.eval_on_selector_all("strong, b", "els => els.map(e => e.innerText)")
    # our own bold around a name is fine (the name inside stays literal, asterisks and all); bold made FROM the
    # data would hold exactly the marked word
    assert not [t for t in bold if (t or "").strip() in ("Жирная", "HTML")], bold
    red = page.eval_on_selector_all("[style*='color']", "els => els.map(e => e.innerText)")
    assert not [t for t in red if (t or "").strip() == "Красная"], red
    assert main.count() >= 1


def test_bound_methodist_uploads_hostile_names(run):
    url, page, foreign, tmp = run
    f = hostile_file(tmp / "**имена**.xlsx")
    login(page, url, "tash", PASSWORDS["tash"])
    page.get_by_test_id("stSidebarNav").get_by_text("Загрузка", exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(f))
    settle(page, 1500)
    no_markup_from_data(page)
    shot(page, "hostile-upload-preview")
    page.get_by_role("button", name="Сохранить").first.click()
    settle(page, 1500)
    shot(page, "hostile-upload-saved")
    body = page.inner_text("body")
    assert "сохранено строк: 14" in body, body[-2000:]
    no_markup_from_data(page)
    assert foreign == [], foreign


@pytest.mark.parametrize("address", [
    "/", "/identification", "/school?school=sch429902", "/school?school=sch429901", "/upload", "/settings",
    "/users", "/audit", f"/school?school=%5B%D0%A1%D0%B5%D0%B0%D0%BD%D1%81%20%D0%B8%D1%81%D1%82%D1%91%D0%BA%5D"
    f"(http%3A%2F%2F{EVIL})"])
def test_admin_sees_every_page_without_markup_from_data(run, address):
    url, page, foreign, _ = run
    login(page, url, "admin", PASSWORDS["admin"])
    page.goto(url + address)
    settle(page, 2000)
    name = "hostile-page" + (address.split("?")[0].replace("/", "-") if address != "/" else "-overview")
    if "school=" in address:
        name += "-" + address.split("=", 1)[1][:9].replace("%", "")
    shot(page, name)
    assert "Traceback" not in page.inner_text("body")
    no_markup_from_data(page)
    if address == "/school?school=sch429901":
        assert "**Жирная** СОШ" in page.inner_text("body")   # the name is shown, literally
    assert foreign == [], foreign
