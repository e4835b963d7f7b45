"""ШНОР monitor — the router: page config, who the user is, the pages of their role, run the chosen one.

Every page file also guards itself (shnor.ui.guard.page_guard): a fresh server may run a `pages/` file
directly for its address, bypassing this list.
"""
from pathlib import Path

import streamlit as st

from shnor.ui import guard, meeting

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="Мониторинг ШНОР", page_icon=str(ROOT / "shnor" / "ui" / "assets" / "icon.png"), layout="wide")

_flags = (meeting.is_meeting(), meeting.is_anonymised())  # read ?meeting=1 / ?anon=1 before navigation touches the address
user = guard.current_user()
if user is None:
    # Every page address answers with the login form (no English "page not found"); after login the same
    # address opens the page itself, when the role may use it.
    st.navigation([st.Page(guard.login_page, title="Вход", icon=":material/login:", url_path=Path(p.file).stem,
                           default=(i == 0)) for i, p in enumerate(guard.PAGES)], position="hidden").run()
    st.stop()

in_meeting = meeting.is_meeting()
# In meeting mode the navigation lists only what a meeting is shown; the other pages stay reachable by their
# address (hidden, not removed: an unknown address would get Streamlit's English «Page not found»).
pages = [st.Page(p.file, title=p.title, icon=p.icon, help=p.help, default=(i == 0),
                 visibility="visible" if not in_meeting or p.key in meeting.MEETING_PAGES else "hidden")
         for i, p in enumerate(pg for pg in guard.PAGES if user.may_open(pg.key) and (ROOT / pg.file).is_file())]
if not pages:
    guard.render_shell(user)
    st.warning("Для вашей роли пока нет доступных страниц. Обратитесь к администратору.")
    st.stop()
page = st.navigation(pages, position="top" if in_meeting else "sidebar")
wanted = st.session_state.pop(guard.WANTED_PAGE_KEY, None)   # a page address opened before the router ran
if wanted and user.may_open(wanted) and (ROOT / guard.PAGE_BY_KEY[wanted].file).is_file():
    st.switch_page(guard.PAGE_BY_KEY[wanted].file)
with guard.routed():
    page.run()
