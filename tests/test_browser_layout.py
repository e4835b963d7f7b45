"""Layout in real Chromium over a copy of the demo region: every page as an administrator at 1400 and 800 px
(and the meeting pages in meeting mode) — no English of Streamlit's own is visible, nothing runs off the right
edge, metric cards and buttons are not cut with «…», the browser asks no address but the server's, and
meeting mode lists only the meeting pages and enlarges tables and selects. Screenshots of every page go to
tests/artifacts/layout-*.png (look at them)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser import ARTIFACTS, launch_browser, settle, shot, streamlit_server, wait_idle
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store
from shnor.ui import style
from shnor.ui.guard import PAGES
from shnor.ui.meeting import MEETING_PAGES

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

ADMIN, PASSWORD = "admin", "Adm1n-layout-2026"
WIDTHS = (1400, 800)
SLACK_PX = 4
PAGE_PATHS = {p.key: "/" if i == 0 else "/" + Path(p.file).stem for i, p in enumerate(PAGES)}
MEETING_TITLES = [p.title for p in PAGES if p.key in MEETING_PAGES]
OTHER_TITLES = [p.title for p in PAGES if p.key not in MEETING_PAGES]

# Streamlit's own English a user could meet (the login form, the uploader, the ⋮ menu, the status widget).
STREAMLIT_ENGLISH = ["Press Enter", "to submit form", "to apply", "Browse files", "Drag and drop", "per file",
                     "Limit", "Upload", "Deploy", "Print", "Record screen", "Made with Streamlit", "Running",
                     "Rerun", "Stop", "Settings", "Choose an option", "Skip to main content", "Connecting",
                     "Connection error", "not responding"]
_ENGLISH_RE = re.compile("|".join(r"\b" + re.escape(w) + r"\b" for w in STREAMLIT_ENGLISH))

# The text a person sees: text nodes of rendered, visible, non-transparent elements with a non-zero font, inside
# the window's width (Material icon names such as «upload» are drawn as icons, not read as words).
VISIBLE_TEXT_JS = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const W = document.documentElement.clientWidth;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = (node.textContent || '').trim();
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, [data-testid="stIconMaterial"], [translate="no"]')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const cs = getComputedStyle(el);
    if (parseFloat(cs.fontSize) < 2) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.right <= 0 || r.left >= W || r.bottom <= -5000) continue;
    out.push(text);
  }
  return out.join('\n');
}"""

# Elements of the main area whose right edge runs past the main area's (tables and charts scroll or draw
# inside their own frame: their inner parts are not counted, their frames are).
OVERFLOW_JS = r"""(slack) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const limit = Math.min(main.getBoundingClientRect().right, document.documentElement.clientWidth) + slack;
  const bad = [];
  for (const el of main.querySelectorAll('*')) {
    if (el.parentElement && el.parentElement.closest(
        '[data-testid="stDataFrame"], [data-testid="stVegaLiteChart"], [data-testid="stElementToolbar"], ' +
        '[data-testid="stTabs"] [role="tablist"], .stCode, [data-baseweb="popover"]')) continue;
    if (!el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > limit) {
      const id = el.getAttribute('data-testid') || el.tagName.toLowerCase();
      bad.push(id + ' → ' + Math.round(r.right) + ' > ' + Math.round(limit) + ': ' + (el.innerText || '').slice(0, 60));
    }
  }
  return bad.slice(0, 12);
}"""

# Metric values and labels and button captions that Streamlit would end with «…»: text wider than its box.
CUT_JS = r"""() => {
  const bad = [];
  const sel = '[data-testid="stMetricValue"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] .stMarkdownEllipsis, ' +
              '[data-testid^="stBaseButton"] .stMarkdownEllipsis';
  for (const el of document.querySelectorAll(sel)) {
    if (!el.checkVisibility()) continue;
    const cs = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 || cs.textOverflow === 'ellipsis' && cs.whiteSpace === 'nowrap')
      bad.push(el.innerText + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
  }
  return bad;
}"""


def visible_english(page) -> list[str]:
    return sorted({m.group(0) for m in _ENGLISH_RE.finditer(page.evaluate(VISIBLE_TEXT_JS))})


@pytest.fixture(scope="module")
def db(demo_db_master, tmp_path_factory) -> tuple[Path, int]:
    """A copy of the demo region with an admin, and the school with the most results (its card is shot)."""
    dst = tmp_path_factory.mktemp("layout") / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    store = Store.open(dst)
    accounts.add_user(store, SYSTEM, ADMIN, "admin", PASSWORD)
    card = int(store.results.list()["school_id"].value_counts().idxmax())
    store.close()
    return dst, card


@pytest.fixture(scope="module")
def addresses(db) -> list[tuple[str, str]]:
    """(name, address) of every page, and a school's card."""
    return [(p.key, PAGE_PATHS[p.key]) for p in PAGES] + [("school-card", f"/school?school={db[1]}")]


@pytest.fixture(scope="module")
def served(db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(db[0]) as url, playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield url, b
        b.close()


def open_context(served, width: int):
    """A fresh browser context of `width` px and the list of every request it made that did not go to the
    server (the page icon, fonts and scripts are all served by the app)."""
    url, b = served
    ctx = b.new_context(viewport={"width": width, "height": 1000}, locale="ru-RU")
    foreign: list[str] = []
    ctx.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith(("data:", "blob:"))
           else foreign.append(r.url))
    return ctx, ctx.new_page(), foreign


def log_in(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.get_by_label("Логин").fill(ADMIN)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("button", name="Выйти").wait_for(timeout=60_000)
    wait_idle(page)


def layout_problems(page, width: int, name: str) -> list[str]:
    """What reads badly on this page (empty when nothing): a traceback, Streamlit's English, a horizontal scroll,
    an element past the right edge, a metric or button cut with «…»."""
    problems = []
    if "Traceback" in page.inner_text("body"):
        problems.append(f"{name}: traceback")
    english = visible_english(page)
    if english:
        problems.append(f"{name}: Streamlit's English visible: {english}")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll > width + SLACK_PX:
        problems.append(f"{name}: the page scrolls sideways ({scroll} px)")
    overflow = page.evaluate(OVERFLOW_JS, SLACK_PX)
    if overflow:
        problems.append(f"{name}: runs past the right edge: {overflow}")
    cut = page.evaluate(CUT_JS)
    if cut:
        problems.append(f"{name}: cut with «…»: {cut}")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_login_form_speaks_russian_only(served, width):
    url, _ = served
    ctx, page, foreign = open_context(served, width)
    page.goto(url)
    wait_idle(page)
    page.get_by_label("Логин").fill(ADMIN)           # Streamlit now wants to say «Press Enter to submit form»
    page.wait_for_timeout(300)
    shot(page, f"layout-login-{width}")
    instructions = page.locator("[data-testid='InputInstructions']")
    assert instructions.count() >= 1 and not instructions.first.is_visible()
    assert visible_english(page) == []
    assert page.locator("[data-testid='stMainMenu']:visible, [data-testid='stAppDeployButton']:visible").count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + SLACK_PX
    icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert icon and all(h.startswith(url) for h in icon), icon
    assert foreign == [], foreign
    ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_as_admin(served, addresses, width):
    url, _ = served
    ctx, page, foreign = open_context(served, width)
    log_in(page, url)
    problems = []                      # every page is shot and checked; the problems are reported together
    for key, address in addresses:
        page.goto(url + address)
        settle(page, 2000)
        name = f"layout-{key}-{width}"
        shot(page, name)
        problems += layout_problems(page, width, name)
        if key == "upload":
            zone = page.get_by_test_id("stFileUploaderDropzone").first
            after = zone.locator("button [data-testid='stMarkdownContainer']").evaluate(
                "e => getComputedStyle(e, '::after').content")
            assert style.UPLOAD_BUTTON_MANY in after, after
            hint = zone.get_by_test_id("stFileUploaderDropzoneInstructions").evaluate(
                "e => getComputedStyle(e, '::after').content")
            assert style.UPLOAD_HINT_MANY in hint, hint
    assert problems == []
    assert foreign == [], foreign
    ctx.close()


def test_metric_with_a_long_word_is_not_cut(served):
    """Territories that meet their target (or get no verdict): the overview's card «До цели» says «достигнута»
    («нет вывода») in full at 1400 px, not «достигн…»."""
    url, _ = served
    ctx, page, foreign = open_context(served, 1400)
    log_in(page, url)
    seen = []
    for territory in ("Таштагольский", "Междуреченский", "Беловский"):
        page.get_by_test_id("stSelectbox").filter(has_text="Территория").first.click()
        page.get_by_role("option", name=re.compile(territory)).first.click()
        settle(page, 2000)
        shot(page, f"layout-overview-{territory}-1400")
        seen += page.get_by_test_id("stMetricValue").all_inner_texts()
        assert page.evaluate(CUT_JS) == [], territory
        # and a one-word value is not broken inside the word («достигну / та»): it takes one line
        lines = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
            .filter(v => !/\\s/.test(v.innerText.trim()))
            .map(v => [v.innerText, v.getBoundingClientRect().height / parseFloat(getComputedStyle(v).lineHeight)])""")
        assert all(n < 1.5 for _, n in lines), lines
    assert "достигнута" in seen, seen
    assert foreign == [], foreign
    ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_meeting_mode(served, addresses, width):
    url, _ = served
    ctx, page, foreign = open_context(served, width)
    log_in(page, url)
    problems = []
    for key, address in addresses:
        if key.split("-")[0] not in MEETING_PAGES:
            continue
        page.goto(url + address + ("&" if "?" in address else "?") + "meeting=1")
        page.get_by_role("button", name="Меню").wait_for(timeout=60_000)
        settle(page, 2000)
        name = f"layout-{key}-{width}-meeting"
        shot(page, name)
        problems += layout_problems(page, width, name)
        nav = [t.split("\n")[-1].strip() for t in
               page.locator("[data-testid='stTopNavLink']:visible").all_inner_texts()]
        assert nav == MEETING_TITLES, nav
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        # tables and selects grow with the rest of the type
        frame = page.locator("[data-testid='stFullScreenFrame']:has(> [data-testid='stDataFrame'])").first
        if frame.count():
            assert float(frame.evaluate("e => getComputedStyle(e).zoom")) > 1.2
        select = page.locator(".stSelectbox input").first
        if select.count():
            assert float(select.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 1.3 * 17 - 1
    assert problems == []
    # a zoomed table still answers the click where it is drawn: the second row of the overview's first table
    # (the risk group) opens that school's card
    page.goto(url + "/?meeting=1")
    page.get_by_role("button", name="Меню").wait_for(timeout=60_000)
    settle(page, 2000)
    table = page.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    second = table.locator("[role='row']").nth(2).locator("[role='gridcell']").nth(0).inner_text().strip()
    zoom = float(page.locator("[data-testid='stFullScreenFrame']:has(> [data-testid='stDataFrame'])").first
                 .evaluate("e => getComputedStyle(e).zoom"))
    box = table.locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + 20 * zoom, box["y"] + 35 * zoom * 2.5)   # rows of 35 px, header first
    settle(page, 2500)
    assert "/school" in page.url and "meeting=1" in page.url, page.url
    assert second and page.get_by_role("heading", name=second).count() >= 1, second
    # the other pages are hidden from the navigation, not removed: their address still opens them
    page.goto(url + PAGE_PATHS["settings"] + "?meeting=1")
    page.get_by_role("button", name="Меню").wait_for(timeout=60_000)
    settle(page, 1500)
    assert page.get_by_role("heading", name="Настройки").count() == 1
    assert page.locator("[role='dialog']").count() == 0
    nav = page.locator("[data-testid='stTopNavLink']:visible").all_inner_texts()
    assert not [t for t in nav if any(o in t for o in OTHER_TITLES)], nav
    assert foreign == [], foreign
    ctx.close()


def test_lost_connection_is_told_in_russian(served, demo_db_master, tmp_path):
    """A server stops under an open page: Streamlit's «Connection error / Streamlit server is not responding»
    dialog says in Russian what happened and what to do (a second server, on its own copy of the region)."""
    db = tmp_path / "gone.duckdb"
    shutil.copy(demo_db_master, db)
    ctx = served[1].new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    page = ctx.new_page()
    with streamlit_server(db) as url:
        page.goto(url)
        wait_idle(page)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "layout-connection-lost")
    assert visible_english(page) == []
    drawn = dialog.evaluate("e => getComputedStyle(e, '::before').content + getComputedStyle(e, '::after').content")
    assert style.CONNECTION_LOST_TITLE in drawn and style.CONNECTION_LOST_TEXT in drawn, drawn
    status = page.get_by_test_id("stConnectionStatus")
    assert style.DISCONNECTED in status.evaluate("e => getComputedStyle(e, '::after').content")
    ctx.close()
