"""Who the user is, and whether they may see this page — called at the top of EVERY page file.

    from shnor.ui.guard import page_guard
    user = page_guard("overview")        # renders the login form and stops when nobody is logged in

Why every page: with a `pages/` folder next to `app.py`, a fresh server may run a page file directly for
its address, bypassing the page list built in `app.py` (ARCHITECTURE.md). So each page guards itself.

The login lives in the database (shnor/services/accounts.py): after «Войти» the browser gets a random session token
in a cookie (SameSite=Strict, written by a tiny script; only its hash is stored). A reload opens a new
Streamlit session, which reads the cookie from `st.context.cookies` and restores the login while the
session is alive (inactivity timeout). Nothing secret is put in the address.

Also here: `current_user()`, `logout()`, `can(user, action)` (False in meeting mode: edit controls hide),
`territory_scope(user, chosen)`, and `PAGES` (key, file, Russian title, icon, help) used by `app.py`.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from shnor.services import accounts
from shnor.domain.permissions import PAGE_ACTION, Action, User, may
from shnor.ui import meeting, style
from shnor.ui.db import get_store
from shnor.ui.safe import md

COOKIE_NAME = "shnor_session"
_TOKEN_KEY = "_shnor_token"         # session_state: this Streamlit session's login token
_NOTICE_KEY = "_shnor_login_notice"  # session_state: why the login form is shown again (expired, logged out)
_CLEAR_COOKIE_KEY = "_shnor_clear_cookie"
_REJECTED_KEY = "_shnor_rejected_token"   # a cookie token already found dead in this Streamlit session
WANTED_PAGE_KEY = "_shnor_wanted_page"    # a page opened directly (bypassing app.py), to reopen through it
_ROUTING = threading.local()


@contextmanager
def routed():
    """app.py runs the chosen page inside this: the guard then knows the page came through the router."""
    _ROUTING.on = True
    try:
        yield
    finally:
        _ROUTING.on = False


def _is_routed() -> bool:
    return bool(getattr(_ROUTING, "on", False))


def _router_path() -> Path | None:
    """app.py when this server's entry script is the router (not when a page file is itself the entry)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    main = Path(ctx.main_script_path) if ctx and ctx.main_script_path else None
    return main if main is not None and main.name == "app.py" and main.is_file() else None


_HIDE_SIDEBAR = ("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
                 "[data-testid='stExpandSidebarButton'] {display: none}</style>")
_HIDE_FILE_NAV = "<style>[data-testid='stSidebarNav'], [data-testid='stSidebarNavSeparator'] {display: none}</style>"


@dataclass(frozen=True)
class PageInfo:
    key: str          # page key (shnor/domain/permissions.py PAGE_ACTION)
    file: str         # path from the project root
    title: str
    icon: str
    help: str


PAGES: list[PageInfo] = [
    PageInfo("overview", "pages/overview.py", "Обзор", ":material/dashboard:",
             "Доля ШНОР против цели, тренд по годам, территории, процедуры с низкими результатами, "
             "группа риска, вошедшие и вышедшие из списка."),
    PageInfo("upload", "pages/upload.py", "Загрузка", ":material/upload_file:",
             "Загрузка файлов с результатами, проверка и сопоставление школ, история загрузок с отменой, шаблоны."),
    PageInfo("identification", "pages/identification.py", "Выявление ШНОР", ":material/fact_check:",
             "Список ШНОР на учебный год с основаниями, настройки «что если», тепловая карта, сравнение с "
             "прошлым годом, официальный список."),
    PageInfo("indicators", "pages/indicators.py", "Показатели", ":material/monitoring:",
             "Показатели мониторинга дорожной карты: факт против цели по территории и году, статус, динамика, "
             "кто и из какого файла внёс значение; ввод значений, целей и загрузка шаблона."),
    PageInfo("school", "pages/school.py", "Школа", ":material/school:",
             "Карточка школы: статус по годам и почему, результаты процедур против линии 30 %, распределение отметок."),
    PageInfo("analyses", "pages/analyses.py", "Анализ результатов", ":material/query_stats:",
             "Объективность отметок ВПР, поэлементный анализ, что нужно для выхода из списка, похожие школы, "
             "оценка доли ШНОР на следующий год."),
    PageInfo("roadmap", "pages/roadmap.py", "Дорожная карта", ":material/event_note:",
             "Мероприятия дорожных карт: сроки, статусы, просроченные и «скоро срок», выполнение по разделам, "
             "подтверждения и история изменений; загрузка дорожной карты из Word или Excel."),
    PageInfo("reports", "pages/reports.py", "Отчёты", ":material/description:",
             "Документы: список ШНОР в форме приложения к приказу (Excel, Word), аналитическая справка, справки и "
             "пакет для собеседований, пакет для совещания (графики-слайды), версия «Обзора» для печати."),
    PageInfo("settings", "pages/settings.py", "Настройки", ":material/settings:",
             "Правило выявления, набор процедур, пороги экзаменов и шкалы ВПР, целевые показатели, территории."),
    PageInfo("users", "pages/users.py", "Пользователи", ":material/group:",
             "Пользователи панели: роли, территории, пароли, блокировки входа (только администратор)."),
    PageInfo("audit", "pages/audit.py", "Журнал действий", ":material/history:",
             "Кто, что и когда сделал: загрузки, решения, настройки, входы (только администратор)."),
]
PAGE_BY_KEY = {p.key: p for p in PAGES}


# ---------------------------------------------------------------------------------------------
# Cookie handling
# ---------------------------------------------------------------------------------------------
def _cookie_token() -> str | None:
    try:
        cookies = st.context.cookies
        value = cookies[COOKIE_NAME] if COOKIE_NAME in cookies else None
    except Exception:  # no browser context (bare script run, tests)
        return None
    return value if isinstance(value, str) and value else None


def _write_cookie(token: str | None, max_age_s: int, key: str = "shnor_cookie") -> None:
    """Set (or with None, delete) the session cookie in the browser. The element is hidden (no gap)."""
    value = json.dumps(token or "")
    age = max_age_s if token else 0
    with st.container(key=key):
        st.html(
            f"<style>.st-key-{key}{{display:none}}</style>"
            "<script>(function(){var s=location.protocol==='https:'?'; Secure':'';"
            f"document.cookie='{COOKIE_NAME}='+encodeURIComponent({value})+'; Path=/; Max-Age={age}; SameSite=Strict'+s;"
            "})();</script>",
            unsafe_allow_javascript=True)


# ---------------------------------------------------------------------------------------------
# Who is logged in
# ---------------------------------------------------------------------------------------------
def current_user() -> User | None:
    """The logged-in user of this browser, or None. Restores the login from the cookie after a reload;
    a session past its inactivity timeout is ended here (the login form will say so)."""
    store = get_store()
    token = st.session_state.get(_TOKEN_KEY)
    if token is None:
        cookie = _cookie_token()
        if cookie and cookie != st.session_state.get(_REJECTED_KEY):
            token = cookie
    if not token:
        return None
    user = accounts.resolve_session(store, token)
    if user is None:
        st.session_state.pop(_TOKEN_KEY, None)
        st.session_state[_REJECTED_KEY] = token
        st.session_state.setdefault(_NOTICE_KEY, "Сеанс завершён: долго не было действий или вход выполнен "
                                                 "заново. Войдите снова.")
        st.session_state[_CLEAR_COOKIE_KEY] = True
        return None
    st.session_state[_TOKEN_KEY] = token
    return user


def client_address() -> str:
    """The browser's address as the login throttle counts it: the connection's address, or behind a proxy
    named in $SHNOR_TRUSTED_PROXIES the last address of its X-Forwarded-For."""
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get_all("X-Forwarded-For")
    except Exception:  # no browser context (bare script run)
        ip, forwarded = None, []
    ip = ip if isinstance(ip, str) else None   # None: this machine (or no browser, as under AppTest)
    forwarded = [v for v in forwarded if isinstance(v, str)] if isinstance(forwarded, (list, tuple)) else []
    return accounts.client_address(ip, forwarded)


def login(name: str, password: str) -> User:
    """Check the password, open a session for this browser. Raises accounts.LoginRefused."""
    store = get_store()
    client = client_address()
    user = accounts.authenticate(store, name, password, client=client)
    st.session_state[_TOKEN_KEY] = accounts.create_session(store, user, client=client)
    st.session_state.pop(_NOTICE_KEY, None)
    st.session_state.pop(_CLEAR_COOKIE_KEY, None)
    return user


def logout() -> None:
    """End the session in the database and in this browser (the cookie is deleted on the next run)."""
    token = st.session_state.pop(_TOKEN_KEY, None) or _cookie_token()
    accounts.end_session(get_store(), token)
    st.session_state[_REJECTED_KEY] = _cookie_token()   # the request's cookie is stale from now on
    st.session_state[_NOTICE_KEY] = "Вы вышли. Чтобы продолжить, войдите снова."
    st.session_state[_CLEAR_COOKIE_KEY] = True


def _on_logout() -> None:
    logout()


def login_form() -> None:
    """The login form: «Логин», «Пароль», «Войти». On success the script reruns as the user."""
    if st.session_state.pop(_CLEAR_COOKIE_KEY, None) or _cookie_token():
        _write_cookie(None, 0, key="shnor_cookie_clear")
    style.apply()            # Streamlit's English hidden («Press Enter to submit form»), nothing cut
    st.html(_HIDE_SIDEBAR)   # nothing to navigate before login
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.title("Мониторинг ШНОР")
        st.caption("Школы с низкими образовательными результатами: выявление, цели, результаты процедур.")
        notice = st.session_state.pop(_NOTICE_KEY, None)
        if notice:
            st.info(notice)
        with st.form("shnor_login", clear_on_submit=False, enter_to_submit=True):
            name = st.text_input("Логин", key="shnor_login_name", autocomplete="username")
            password = st.text_input("Пароль", type="password", key="shnor_login_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button("Войти", type="primary")
        if submitted:
            if not name.strip() or not password:
                st.error("Введите логин и пароль.")
                return
            try:
                login(name, password)
            except accounts.LoginRefused as exc:
                st.error(str(exc))
                return
            st.rerun()
        st.caption("Нет учётной записи или забыли пароль — обратитесь к администратору панели.")


def login_page() -> None:
    """The only page `app.py` offers before login."""
    login_form()


# ---------------------------------------------------------------------------------------------
# The shell around every page: who is logged in, «Выйти», meeting switches
# ---------------------------------------------------------------------------------------------
def render_shell(user: User) -> None:
    store = get_store()
    timeout = accounts.account_settings(store)["session_max_hours"] * 3600
    _write_cookie(st.session_state.get(_TOKEN_KEY), timeout)  # (re)write: keeps the login over a reload
    style.apply()            # the global CSS (shnor/ui/style.py), once per page run
    meeting.apply_style()
    if meeting.is_meeting():
        with st.container(horizontal=True, horizontal_alignment="right", key="shnor_meeting_bar"):
            with st.popover("Меню", icon=":material/menu:", help="Режим совещания, названия школ, выход"):
                st.caption(f"{md(user.name)} — {user.role_ru}, {md(user.scope_ru)}")
                meeting.render_toggles()
                st.button("Выйти", key="shnor_logout", on_click=_on_logout, icon=":material/logout:")
    else:
        with st.sidebar:
            st.markdown(f"**{md(user.name)}** — {user.role_ru}  \n{md(user.scope_ru)}")
            st.button("Выйти", key="shnor_logout", on_click=_on_logout, icon=":material/logout:")
            st.divider()
            meeting.render_toggles()


def page_guard(page_key: str) -> User:
    """Call first in every page file. Returns the logged-in user allowed to open the page; otherwise shows
    the login form or a refusal and stops the script (no data of the page is ever computed)."""
    if page_key not in PAGE_ACTION:
        raise KeyError(f"unknown page key {page_key!r}")
    routed_here = _is_routed()
    if not routed_here:
        # Run directly (a fresh server's first request to a page address): hide Streamlit's list of the
        # pages/ files, and after login reopen this page through the router with the role's menu.
        st.html(_HIDE_FILE_NAV)
    user = current_user()
    if user is None:
        login_form()
        st.stop()
    if not routed_here and _router_path() is not None:
        st.session_state[WANTED_PAGE_KEY] = page_key
        st.switch_page(str(_router_path()))
    render_shell(user)
    if not user.may_open(page_key):
        info = PAGE_BY_KEY.get(page_key)
        title = info.title if info else page_key
        st.error(f"Страница «{title}» недоступна для роли «{user.role_ru}». "
                 "Если она нужна вам для работы, обратитесь к администратору.")
        st.stop()
    return user


# ---------------------------------------------------------------------------------------------
# For pages
# ---------------------------------------------------------------------------------------------
def can(user: User, action: str) -> bool:
    """May the user do `action` here and now: role permits and not in meeting mode (no editing on screen)."""
    return user.can(action) and not meeting.is_meeting()


def territory_scope(user: User, chosen: int | None = None) -> int | None:
    """The territory a page must use: a user bound to a territory never leaves it (None = whole region)."""
    return accounts.clamp_territory(get_store(), user, chosen)


def visible_territory_ids(user: User) -> list[int] | None:
    return accounts.visible_territory_ids(get_store(), user)
