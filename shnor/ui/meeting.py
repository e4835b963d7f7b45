"""Meeting mode: the dashboard put on a shared screen.

One switch (the toggle «Режим совещания», or `?meeting=1` in the address) enlarges type and charts, hides
the sidebar and editing controls; a second one («Скрыть названия школ», `?anon=1`) replaces school names
with neutral labels («Школа 17») for a wide audience. Both survive a reload because they are kept in the
address (no secret is ever put there).

For pages:
- `is_meeting()` — hide edit widgets, pass `meeting=is_meeting()` to `charts.finish`;
- `is_anonymised()` / `school_label(name, school_id)` — the name to show;
- `apply_style()` is called by the guard on every page run (nothing to do in pages);
- `MEETING_PAGES` — the pages a meeting is shown (app.py lists only these in meeting mode; the others stay
  reachable by their address, hidden from the navigation).
"""
from __future__ import annotations

import streamlit as st

MEETING_PARAM, ANON_PARAM = "meeting", "anon"
_MEETING_KEY, _ANON_KEY = "_shnor_meeting", "_shnor_anon"          # the state (survives widget cleanup)
MEETING_TOGGLE, ANON_TOGGLE = "shnor_meeting_toggle", "shnor_anon_toggle"  # the widgets
_TRUE = {"1", "true", "yes", "on", "да"}


def _flag(state_key: str, param: str) -> bool:
    if state_key not in st.session_state:
        st.session_state[state_key] = str(st.query_params.get(param, "")).strip().lower() in _TRUE
    return bool(st.session_state[state_key])


def is_meeting() -> bool:
    """True in meeting mode: enlarge, hide editing controls."""
    return _flag(_MEETING_KEY, MEETING_PARAM)


def is_anonymised() -> bool:
    """True when school names are replaced by neutral labels."""
    return _flag(_ANON_KEY, ANON_PARAM)


def neutral_label(school_id: int | None) -> str:
    return f"Школа {int(school_id)}" if school_id is not None else "Школа"


def school_labels(names, school_ids) -> list[str]:
    """school_label of many schools, the meeting's setting read once (a country's table has 40 000 rows)."""
    if is_anonymised():
        return [neutral_label(i) for i in school_ids]
    return [n if n else neutral_label(i) for n, i in zip(names, school_ids)]


def school_label(name: str | None, school_id: int | None) -> str:
    """The school's name, or «Школа 17» when names are hidden."""
    if is_anonymised():
        return neutral_label(school_id)
    return name if name else neutral_label(school_id)


def code_labels(codes):
    """School codes (logins identify a school): hidden when names are hidden."""
    return ["скрыт" for _ in codes] if is_anonymised() else list(codes)


def _sync_url() -> None:
    """Keep the flags in the address so that a reload (or a page switch) keeps them."""
    for state_key, param in ((_MEETING_KEY, MEETING_PARAM), (_ANON_KEY, ANON_PARAM)):
        on = _flag(state_key, param)
        current = st.query_params.get(param)
        if on and current != "1":
            st.query_params[param] = "1"
        elif not on and current is not None:
            del st.query_params[param]


def _on_toggle(state_key: str, widget_key: str) -> None:
    st.session_state[state_key] = bool(st.session_state[widget_key])


def set_meeting(on: bool) -> None:
    st.session_state[_MEETING_KEY] = bool(on)


def set_anonymised(on: bool) -> None:
    st.session_state[_ANON_KEY] = bool(on)


def render_toggles() -> None:
    """The two switches, in the current container (the sidebar, or the meeting menu)."""
    meeting, anon = is_meeting(), is_anonymised()
    st.session_state[MEETING_TOGGLE] = meeting
    st.session_state[ANON_TOGGLE] = anon
    st.toggle("Режим совещания", key=MEETING_TOGGLE, on_change=_on_toggle, args=(_MEETING_KEY, MEETING_TOGGLE),
              help="Крупный шрифт и графики, без боковой панели и кнопок редактирования — для показа на экране. "
                   "То же самое: добавить ?meeting=1 к адресу страницы.")
    st.toggle("Скрыть названия школ", key=ANON_TOGGLE, on_change=_on_toggle, args=(_ANON_KEY, ANON_TOGGLE),
              help="Вместо названий — нейтральные подписи «Школа 17» (для широкой аудитории). "
                   "То же самое: ?anon=1 в адресе.")


# what is shown in meetings (the navigation's pages): the list, the schools, and how the plan of work goes
MEETING_PAGES = ("overview", "identification", "school", "indicators", "roadmap")   # five fit the top bar at 1280 px

# Meeting mode enlarges everything a room reads: text, metric cards, widgets' labels, the values in selects and
# inputs, and tables. A dataframe is drawn on a canvas whose type follows the theme, not CSS, so its frame is
# zoomed (and narrowed by the same factor, so it still fits the page); an st.table is HTML and just grows.
TABLE_ZOOM = 1.3
_MEETING_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"] {{ display: none !important; }}
.stApp {{ font-size: 1.3rem; }}
.stApp [data-testid="stMarkdownContainer"] p, .stApp [data-testid="stMarkdownContainer"] li,
.stApp [data-testid="stCaptionContainer"], .stApp label p {{ font-size: 1.3rem; line-height: 1.5; }}
.stApp h1 {{ font-size: 3rem; }} .stApp h2 {{ font-size: 2.3rem; }} .stApp h3 {{ font-size: 1.8rem; }}
[data-testid="stMetricValue"] {{ font-size: min(3.6rem, calc((100cqi - 2.2rem) / 5.2)) !important; line-height: 1.1; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.4rem !important; }}
[data-testid="stMetricDelta"] {{ font-size: 1.3rem !important; }}
[data-testid="stFullScreenFrame"]:has(> [data-testid="stDataFrame"]) {{
  zoom: {TABLE_ZOOM}; width: calc(100% / {TABLE_ZOOM}) !important; }}
[data-testid="stTable"] table {{ font-size: 1.3rem; }}
.stSelectbox input, .stMultiSelect input, .stTextInput input, .stNumberInput input, .stDateInput input,
.stMultiSelect [data-baseweb="tag"] span, [role="listbox"] [role="option"] {{ font-size: 1.3rem !important; }}
[data-testid="stTopNavLink"] p, [data-testid="stTopNavLink"] span {{ font-size: 1.3rem; }}
.block-container {{ padding-top: 2.5rem; max-width: 100%; }}
/* larger type needs room sooner: below ~900 px of page, columns go two to a row (four metric cards: 2 + 2) */
@container shnor-main (max-width: 900px) {{
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; }}
  [data-testid="stColumn"] {{ min-width: calc(50% - 1rem) !important; }}
}}
</style>
"""


def apply_style() -> None:
    """Meeting-mode CSS (when on) and the address sync; called by the guard once per page run."""
    _sync_url()
    if is_meeting():
        st.html(_MEETING_CSS)
    apply_print_view()


# ---------------------------------------------------------------------------------------------
# The print view: `?print=1` (the «Версия для печати» button of the «Отчёты» page opens the Overview so)
# ---------------------------------------------------------------------------------------------
PRINT_PARAM = "print"
PRINT_LAYOUT_PX = 860      # the page's width in the print view: the dashboard's charts read well at it
PRINT_ZOOM = 0.79          # × 860 px = 680 px = the 180 mm between the A4 margins of shnor/ui/style.py PRINT_CSS
PRINT_HINT = ("Версия для печати: напечатайте страницу (Ctrl+P) или сохраните её в PDF — боковая панель, кнопки и "
              "эта строка на бумагу не попадут.")

# On screen the page is laid out at a fixed width, so that what the browser prints is what is shown: the charts
# are drawn once for that width and the sheet takes it whole, scaled by PRINT_ZOOM (a chart drawn wider than the
# sheet would be cut at its edge). No sidebar, no toolbar, no filters (the heading names the year and the
# territory); columns stay side by side. The other @media print rules are in shnor/ui/style.py.
_PRINT_VIEW_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
.st-key-shnor_meeting_bar, .stSelectbox, .stMultiSelect, .stRadio, .stToggle {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ width: {PRINT_LAYOUT_PX}px !important; max-width: {PRINT_LAYOUT_PX}px !important;
  padding: 1.5rem 0 2rem 0 !important; margin: 0 auto; }}
[data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap !important; }}
[data-testid="stColumn"] {{ min-width: 0 !important; }}
@media print {{
  [data-testid="stMainBlockContainer"] {{ zoom: {PRINT_ZOOM}; padding: 0 !important; margin: 0 !important; }}
}}
</style>
"""


def is_print() -> bool:
    """True on the print view (`?print=1` in the address): read on every run, so leaving the address leaves it."""
    return str(st.query_params.get(PRINT_PARAM, "")).strip().lower() in _TRUE


def _close_print() -> None:
    if PRINT_PARAM in st.query_params:
        del st.query_params[PRINT_PARAM]


def apply_print_view() -> None:
    """The print view's CSS and a line (not printed) saying how to print and how to leave; called with the style."""
    if not is_print():
        return
    st.html(_PRINT_VIEW_CSS)
    with st.container(key="shnor_print_bar", horizontal=True, vertical_alignment="center"):
        st.caption(PRINT_HINT)
        st.button("Закрыть версию для печати", key="shnor_print_close", on_click=_close_print,
                  icon=":material/close:", type="tertiary")
