"""Login in real Chromium: a page address opened directly on a freshly started server shows only the login
form (the `pages/` trap), the login survives a reload through the session cookie, logout ends it, and a
page the role may not use is neither listed nor shown. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import pytest

from browser import launch_browser, login, shot, streamlit_server, wait_idle
from shnor.domain.permissions import SYSTEM, User, may_open
from shnor.ui.guard import PAGES
from shnor.services import accounts
from shnor.store import Store
from smalldb import build_small_db

pytestmark = pytest.mark.browser
PASSWORD = "secret-pass-1"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "browser.duckdb"
    build_small_db(path)
    s = Store.open(path)
    accounts.add_user(s, SYSTEM, "root", "admin", PASSWORD)
    accounts.add_user(s, SYSTEM, "vera", "viewer", PASSWORD)
    s.close()
    return path


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


def logged_in(page) -> None:
    """Wait for the rerun after «Войти» to finish: the logout control appears."""
    page.locator("[data-testid='stSidebar'] button:has-text('Выйти'), button:has-text('Меню')").first.wait_for(
        timeout=60_000)
    wait_idle(page)


def nav_titles(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNav'] a:visible, [data-testid='stTopNavLink']:visible")
    return [t.split("\n")[-1].strip() for t in links.all_inner_texts()]


def test_direct_address_on_fresh_server_shows_only_login(db, browser):
    with streamlit_server(db) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url + "/users")                      # the very first request of this server
        wait_idle(page)
        shot(page, "login-direct-users-fresh-server")
        assert page.get_by_label("Логин").count() == 1 and page.get_by_label("Пароль").count() == 1
        assert page.get_by_role("button", name="Войти").count() == 1
        assert page.locator("[data-testid='stDataFrame']").count() == 0
        assert page.get_by_text("Пользователи", exact=True).count() == 0
        assert nav_titles(page) == []                  # Streamlit's list of pages/ files is hidden
        # a viewer who logs in here lands on the router with the viewer's menu, not on the users page
        page.get_by_label("Логин").fill("vera")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        logged_in(page)
        shot(page, "login-viewer-after-direct")
        viewer = User("vera", "viewer")
        assert nav_titles(page) == [p.title for p in PAGES if may_open(viewer, p.key)]
        assert {"Обзор", "Выявление ШНОР", "Школа"} <= set(nav_titles(page)) and "Пользователи" not in nav_titles(page)
        assert page.locator("[data-testid='stDataFrame']").filter(has_text="root").count() == 0


def test_admin_direct_page_reopens_through_router(db, browser):
    with streamlit_server(db) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url + "/settings")
        wait_idle(page)
        page.get_by_label("Логин").fill("root")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        logged_in(page)
        shot(page, "login-admin-settings")
        assert page.url.rstrip("/").endswith("/settings")
        assert page.get_by_role("heading", name="Настройки").count() == 1
        assert "Пользователи" in nav_titles(page)


def test_reload_keeps_login_and_logout_ends_it(db, browser):
    with streamlit_server(db) as url:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        login(page, url, "root", PASSWORD)
        logged_in(page)
        cookie = next(c for c in ctx.cookies() if c["name"] == "shnor_session")
        assert cookie["sameSite"] == "Strict" and cookie["value"] not in page.url
        page.reload()
        wait_idle(page)
        assert page.get_by_label("Логин").count() == 0
        assert page.get_by_role("button", name="Выйти").count() == 1
        page.get_by_role("button", name="Выйти").click()
        page.get_by_label("Логин").wait_for(timeout=60_000)
        wait_idle(page)
        shot(page, "login-after-logout")
        assert page.get_by_text("Вы вышли.").count() == 1
        assert all(c["name"] != "shnor_session" for c in ctx.cookies())
        # the old token is dead even if a copy of the cookie is replayed
        ctx.add_cookies([{"name": "shnor_session", "value": cookie["value"], "url": url}])
        page.reload()
        wait_idle(page)
        assert page.get_by_label("Логин").count() == 1


def test_meeting_mode_hides_sidebar_keeps_logout(db, browser):
    with streamlit_server(db) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        login(page, url, "root", PASSWORD)
        logged_in(page)
        page.goto(url + "/settings?meeting=1")
        page.get_by_role("button", name="Меню").wait_for(timeout=60_000)
        wait_idle(page)
        shot(page, "meeting-settings")
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        assert "meeting=1" in page.url
        page.get_by_role("button", name="Меню").click()
        page.get_by_role("button", name="Выйти").click()
        page.get_by_label("Логин").wait_for(timeout=60_000)
        wait_idle(page)
        assert page.get_by_label("Логин").count() == 1


def test_page_address_on_warm_server_asks_login_then_opens_that_page(db, browser):
    with streamlit_server(db) as url:
        warm = browser.new_context().new_page()
        warm.goto(url)                                  # the router has run: st.navigation is known
        wait_idle(warm)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url + "/school")
        wait_idle(page)
        shot(page, "login-warm-direct-school")
        assert page.locator("[role='dialog']").count() == 0          # no English "Page not found"
        assert page.get_by_label("Логин").count() == 1
        page.get_by_label("Логин").fill("vera")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        logged_in(page)
        assert page.url.rstrip("/").endswith("/school")
