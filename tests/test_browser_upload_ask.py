"""The upload that asks once, in real Debian Chromium over a FRESH database (issue 7), with real Алтай files
(../shared/realdata, read in place; skipped when absent):
- a methodist uploads the spring 2021 math-5 protocol: one neutral box asks for the work and the year with the
  likely values chosen, «Продолжить», «Сохранить»;
- an admin uploads an autumn 2020 protocol: the work is asked (the year is the programme's), then the missing
  2019/2020 scale is entered right there, then the file is saved.
Screenshots at 1400 and 800 px width in tests/artifacts/ (upload-ask-*.png), to look at."""
from __future__ import annotations

import pytest

from browser import ARTIFACTS, launch_browser, login, settle, shot, streamlit_server, wait_idle
from conftest import REALDATA
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.realdata]
playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORDS = {"admin": "Adm1n-pass-2026", "metod": "Metod-pass-2026"}
PROTOCOLS = REALDATA / "fisoko_vpr_protocols_altai"
SPRING = PROTOCOLS / "vpr2021spring_ma5.xlsx"
AUTUMN = PROTOCOLS / "vpr2020autumn_work-ma4_written-by-grade5.xlsx"
WIDTHS = (1400, 800)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not SPRING.exists() or not AUTUMN.exists():
        pytest.skip("реальные данные недоступны: ../shared/realdata")
    db = tmp_path_factory.mktemp("fresh") / "fresh.duckdb"
    store = Store.open(db)
    accounts.add_user(store, SYSTEM, "admin", "admin", PASSWORDS["admin"])
    accounts.add_user(store, SYSTEM, "metod", "methodist", PASSWORDS["metod"])
    store.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(db) as url, playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield url, b
        b.close()


@pytest.fixture
def page(served):
    url, b = served
    ctx = b.new_context(viewport={"width": WIDTHS[0], "height": 1000}, locale="ru-RU")
    yield url, ctx.new_page()
    ctx.close()


def open_upload(page, url: str, user: str) -> None:
    login(page, url, user, PASSWORDS[user])
    page.get_by_test_id("stSidebarNav").get_by_text("Загрузка", exact=True).click()
    wait_idle(page)


def shots(page, name: str) -> None:
    """The state at both widths (the page must work in an 800 px window too)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(500)
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 1000})
    page.wait_for_timeout(300)


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def no_error(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, main_text(page)[-1500:]


def test_a_methodist_uploads_the_spring_2021_math5_protocol_asked_once(page):
    url, page = page
    open_upload(page, url, "metod")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(SPRING))
    settle(page, 2000)
    body = main_text(page)
    assert "Какая это работа?" in body and "За какой учебный год результаты?" in body, body[-2000:]
    assert "Вероятно, ВПР, математика, 5 кл." in body and "Вероятно, 2020/2021" in body
    assert "файл отклонён" not in body
    no_error(page)
    # one neutral (info) box holds both questions
    infos = page.locator("[data-testid='stAlertContentInfo']")
    assert sum(1 for i in range(infos.count()) if "Какая это работа?" in infos.nth(i).inner_text()) == 1
    assert page.get_by_role("combobox", name="Какая это работа?", exact=True).input_value() == "ВПР, математика, 5 кл."
    assert page.get_by_role("combobox", name="За какой учебный год?", exact=True).input_value() == "2020/2021"
    shots(page, "upload-ask-spring2021")
    page.get_by_role("button", name="Продолжить").click()
    settle(page, 2000)
    body = main_text(page)
    assert "будет сохранено строк: 634" in body, body[-2000:]
    no_error(page)
    shots(page, "upload-ask-spring2021-preview")
    page.get_by_role("button", name="Сохранить").first.click()
    settle(page, 2000)
    body = main_text(page)
    assert "сохранено строк: 634" in body and "vpr2021spring_ma5.xlsx" in body, body[-2000:]
    no_error(page)
    shots(page, "upload-ask-spring2021-saved")


def test_an_admin_uploads_an_autumn_2020_protocol_entering_the_scale_inline(page):
    url, page = page
    open_upload(page, url, "admin")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(AUTUMN))
    settle(page, 2000)
    body = main_text(page)
    assert "Какая это работа?" in body and "Вероятно, ВПР, математика, 4 кл." in body, body[-2000:]
    assert "учебный год: 2019/2020" in body and "За какой учебный год" not in body
    no_error(page)
    shots(page, "upload-ask-autumn2020")
    page.get_by_role("button", name="Продолжить").click()
    settle(page, 2000)
    body = main_text(page)
    assert "Нет шкалы перевода первичных баллов в отметки для «ВПР, математика, 4 кл.» за 2019/2020" in body, \
        body[-2000:]
    no_error(page)
    shots(page, "upload-ask-autumn2020-scale")
    # the admin types the scale (the proposal is the 2020/2021 one; the admin checks and keeps it)
    for label, value in (("«3» от", "6"), ("«4» от", "10"), ("«5» от", "15"), ("Максимум", "20")):
        field = page.get_by_label(label)
        field.fill(value)
        field.press("Tab")
    page.get_by_role("button", name="Сохранить шкалу и продолжить").click()
    settle(page, 2500)
    body = main_text(page)
    assert "будет сохранено строк:" in body and "ВПР, математика, 4 кл., 2019/2020" in body, body[-2000:]
    no_error(page)
    shots(page, "upload-ask-autumn2020-preview")
    page.get_by_role("button", name="Сохранить").first.click()
    settle(page, 2000)
    body = main_text(page)
    assert "сохранено строк:" in body and "vpr2020autumn_work-ma4_written-by-grade5.xlsx" in body, body[-2000:]
    no_error(page)
    shots(page, "upload-ask-autumn2020-saved")


def test_a_file_of_another_region_is_shown_and_saved_only_when_confirmed(page, tmp_path):
    """After the Алтай protocols the database is Алтайский край's (by its logins): a file of Кузбасс (logins sch42…)
    is shown as foreign, «Сохранить» waits for the confirmation."""
    import openpyxl
    url, page = page
    f = tmp_path / "vpr2021spring_ma5_kuzbass.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["логин школы", "регион", "номер обучающегося", "код обучающегося", "вариант", "всего баллов",
               "балл за 1", "Учебник"])
    for n in range(1, 7):
        for i, total in enumerate([3, 8, 12, 16, 20]):
            ws.append([f"sch42{n:04d}", "Таштагольский муниципальный район", str(i + 1), str(50001 + i), "1",
                       str(total), "1", "Математика 5 класс"])
    wb.save(f)
    open_upload(page, url, "metod")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(f))
    settle(page, 1500)
    page.get_by_role("button", name="Продолжить").click()
    settle(page, 1500)
    body = main_text(page)
    assert ("Похоже на файл другого региона: в файле 6 школ, ни одной из них нет в реестре; регион файла — "
            "Кемеровская область — Кузбасс, регион базы — Алтайский край") in body, body[-2000:]
    save = page.get_by_role("button", name="Сохранить").first
    assert save.is_disabled()
    shots(page, "upload-foreign")
    page.get_by_text("Да, это файл другого региона / новые школы — сохранить").click()
    wait_idle(page)
    assert not page.get_by_role("button", name="Сохранить").first.is_disabled()
    page.get_by_role("button", name="Сохранить").first.click()
    settle(page, 1500)
    assert "сохранено строк: 6" in main_text(page)
    no_error(page)
