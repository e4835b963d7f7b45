"""AppTest helpers for the identification and upload page tests: a database of tests/listdb.py with one
user per role, and a logged-in AppTest of a page file (the page guards itself, as on a fresh server)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from listdb import NORTH, build
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store

PASSWORD = "Пароль-для-тестов-1"
USERS = {  # name: (role, territory)
    "viewer": ("viewer", None), "methodist": ("methodist", None), "head": ("head", None), "admin": ("admin", None),
    "north-head": ("head", NORTH), "north-methodist": ("methodist", NORTH),
}
PAGES = Path(__file__).resolve().parent.parent / "pages"


def build_with_users(path: Path, tmp: Path) -> dict[str, int]:
    ids = build(path, tmp)
    store = Store.open(path)
    try:
        for name, (role, terr) in USERS.items():
            accounts.add_user(store, SYSTEM, name, role, PASSWORD, terr)
    finally:
        store.close()
    return ids


def page_as(page: str, user: str | None, timeout: float = 60) -> AppTest:
    """An AppTest of pages/<page>.py logged in as `user` (None: nobody). The database comes from $SHNOR_DB,
    opened by the page through shnor.ui.db.get_store (one connection per process)."""
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=timeout)
    if user is not None:
        from shnor.ui.db import get_store
        store = get_store()
        at.session_state["_shnor_token"] = accounts.create_session(store, accounts.get_user(store, user))
    return at


def page_store():
    """The store the pages of this process use (shnor.ui.db.get_store on $SHNOR_DB)."""
    from shnor.ui.db import get_store
    return get_store()


def run_page(page: str, user: str | None, timeout: float = 60) -> AppTest:
    """page_as(page, user) run once; asserts the run raised nothing."""
    at = page_as(page, user, timeout=timeout)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote as text (markdown, captions, alerts, headers, metrics)."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title", "header"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)
